#pragma once
/// \file rec/impl/split_impl.hpp  Splits (compiled once in src/lib/rec_core.cpp, or inline in header-only mode).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

#include "lowrank/config.hpp"
#include "lowrank/rec/split.hpp"

namespace lowrank::rec {
namespace detail {

/// xoshiro256** (Blackman & Vigna 2018) seeded through SplitMix64: the core's own stream (STYLE C11).
class Rng64 {
 public:
  explicit Rng64(std::uint64_t seed, std::uint64_t stream = 0) {
    std::uint64_t x = seed ^ (0x9e3779b97f4a7c15ull * (stream + 1));
    for (auto& s : m_s) {
      std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      s = z ^ (z >> 31);
    }
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
    const std::uint64_t t = m_s[1] << 17;
    m_s[2] ^= m_s[0];
    m_s[3] ^= m_s[1];
    m_s[1] ^= m_s[2];
    m_s[0] ^= m_s[3];
    m_s[2] ^= t;
    m_s[3] = rotl(m_s[3], 45);
    return result;
  }
  /// Uniform in [0, 1).
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, n), n >= 1 (Lemire's multiply; bias < 2^-32 for the sizes used here).
  std::uint64_t below(std::uint64_t n) { return std::uint64_t((static_cast<unsigned __int128>(next()) * n) >> 64); }
  /// Standard normal (Box–Muller).
  double normal() {
    double u1 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * uniform());
  }
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[std::size_t(below(i))]);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t m_s[4];
};

/// The entries of `data` whose flag (CSR order) equals `which`, as Interactions over the same maps.
inline Interactions select_entries(const Interactions& data, const std::vector<std::uint8_t>& flag, std::uint8_t which) {
  const auto& m = data.matrix();
  Interactions::Csr out(m.rows(), m.cols());
  std::vector<int> outer(static_cast<std::size_t>(m.rows()) + 1, 0), inner;
  std::vector<float> values;
  std::vector<std::int64_t> times;
  const bool t = data.has_timestamps();
  for (Index u = 0; u < m.rows(); ++u) {
    for (int e = m.outerIndexPtr()[u]; e < m.outerIndexPtr()[u + 1]; ++e) {
      if (flag[std::size_t(e)] != which) continue;
      inner.push_back(m.innerIndexPtr()[e]);
      values.push_back(m.valuePtr()[e]);
      if (t) times.push_back(data.timestamps()[std::size_t(e)]);
    }
    outer[std::size_t(u) + 1] = int(inner.size());
  }
  out.resizeNonZeros(Index(inner.size()));
  std::copy(outer.begin(), outer.end(), out.outerIndexPtr());
  std::copy(inner.begin(), inner.end(), out.innerIndexPtr());
  std::copy(values.begin(), values.end(), out.valuePtr());
  return data.with_matrix(std::move(out), std::move(times));
}

inline void check_fraction(double f, const char* who, const char* what) {
  LOWRANK_CHECK(f > 0 && f < 1, invalid_argument, who, ": ", what, " = ", f, " must be in (0, 1)");
}

/// Number of a user's n interactions that go to the held-out part: round(f·n) clamped to [1, n − 1].
inline Index held_out_count(Index n, double f) {
  if (n < 2) return 0;
  return std::clamp<Index>(Index(std::llround(f * double(n))), 1, n - 1);
}

/// Marks `count` random entries of user u's row (CSR positions [b, e)) with `mark`, per-user stream.
inline void mark_random_in_row(std::vector<std::uint8_t>& flag, int b, int e, Index count, std::uint8_t mark,
                               std::uint64_t seed, std::uint64_t user) {
  Rng64 rng(seed, user);
  std::vector<int> pos(static_cast<std::size_t>(e - b));
  std::iota(pos.begin(), pos.end(), b);
  // partial Fisher–Yates: the first `count` positions are a uniform sample
  for (Index i = 0; i < count; ++i) {
    const std::size_t j = std::size_t(i) + std::size_t(rng.below(pos.size() - std::size_t(i)));
    std::swap(pos[std::size_t(i)], pos[j]);
    flag[std::size_t(pos[std::size_t(i)])] = mark;
  }
}

inline Split make_split(const Interactions& data, const std::vector<std::uint8_t>& flag) {
  Split s;
  s.train = select_entries(data, flag, 0);
  s.test = select_entries(data, flag, 1);
  s.fold_in = data.with_matrix(Interactions::Csr(data.num_users(), data.num_items()));
  return s;
}

}  // namespace detail

LOWRANK_IMPL_INLINE Split split_random(const Interactions& data, double test_fraction, std::uint64_t seed) {
  detail::check_fraction(test_fraction, "split_random", "test_fraction");
  const Index nnz = data.nnz();
  std::vector<Index> order(static_cast<std::size_t>(nnz));
  std::iota(order.begin(), order.end(), Index(0));
  detail::Rng64 rng(seed);
  rng.shuffle(order);
  const Index ntest = Index(std::llround(test_fraction * double(nnz)));
  std::vector<std::uint8_t> flag(static_cast<std::size_t>(nnz), 0);
  for (Index i = 0; i < ntest; ++i) flag[std::size_t(order[std::size_t(i)])] = 1;
  return detail::make_split(data, flag);
}

LOWRANK_IMPL_INLINE Split split_per_user(const Interactions& data, double test_fraction, std::uint64_t seed) {
  detail::check_fraction(test_fraction, "split_per_user", "test_fraction");
  const auto& m = data.matrix();
  std::vector<std::uint8_t> flag(static_cast<std::size_t>(data.nnz()), 0);
  for (Index u = 0; u < m.rows(); ++u) {
    const int b = m.outerIndexPtr()[u], e = m.outerIndexPtr()[u + 1];
    detail::mark_random_in_row(flag, b, e, detail::held_out_count(e - b, test_fraction), 1, seed, std::uint64_t(u));
  }
  return detail::make_split(data, flag);
}

LOWRANK_IMPL_INLINE Split split_leave_last_out(const Interactions& data) {
  LOWRANK_CHECK(data.has_timestamps(), invalid_argument,
                "split_leave_last_out: the data has no timestamps (load a file with a timestamp column)");
  const auto& m = data.matrix();
  const auto& ts = data.timestamps();
  std::vector<std::uint8_t> flag(static_cast<std::size_t>(data.nnz()), 0);
  for (Index u = 0; u < m.rows(); ++u) {
    const int b = m.outerIndexPtr()[u], e = m.outerIndexPtr()[u + 1];
    if (e - b < 2) continue;
    int best = b;
    for (int p = b + 1; p < e; ++p)
      if (ts[std::size_t(p)] >= ts[std::size_t(best)]) best = p;  // ties: the later (higher item) entry
    flag[std::size_t(best)] = 1;
  }
  return detail::make_split(data, flag);
}

LOWRANK_IMPL_INLINE Split split_kfold(const Interactions& data, int k, int fold, std::uint64_t seed) {
  LOWRANK_CHECK(k >= 2 && fold >= 0 && fold < k, invalid_argument, "split_kfold: need k >= 2 and 0 <= fold < k, got k = ",
                k, ", fold = ", fold);
  const Index nnz = data.nnz();
  std::vector<Index> order(static_cast<std::size_t>(nnz));
  std::iota(order.begin(), order.end(), Index(0));
  detail::Rng64 rng(seed);
  rng.shuffle(order);
  std::vector<std::uint8_t> flag(static_cast<std::size_t>(nnz), 0);
  for (Index i = 0; i < nnz; ++i)
    if (i % k == fold) flag[std::size_t(order[std::size_t(i)])] = 1;
  return detail::make_split(data, flag);
}

LOWRANK_IMPL_INLINE Split split_users(const Interactions& data, double test_user_fraction, double fold_in_fraction,
                                      std::uint64_t seed) {
  detail::check_fraction(test_user_fraction, "split_users", "test_user_fraction");
  detail::check_fraction(fold_in_fraction, "split_users", "fold_in_fraction");
  const auto& m = data.matrix();
  // step 1 — choose the held-out users among those with at least 2 interactions
  std::vector<UserId> eligible;
  for (Index u = 0; u < m.rows(); ++u)
    if (m.outerIndexPtr()[u + 1] - m.outerIndexPtr()[u] >= 2) eligible.push_back(u);
  detail::Rng64 rng(seed);
  rng.shuffle(eligible);
  const Index nheld = std::min<Index>(Index(eligible.size()),
                                      std::max<Index>(1, Index(std::llround(test_user_fraction * double(m.rows())))));
  std::vector<UserId> held(eligible.begin(), eligible.begin() + nheld);
  std::sort(held.begin(), held.end());
  // step 2 — flags: 0 train (other users), 2 fold-in, 1 test
  std::vector<std::uint8_t> flag(static_cast<std::size_t>(data.nnz()), 0);
  for (UserId u : held) {
    const int b = m.outerIndexPtr()[u], e = m.outerIndexPtr()[u + 1];
    std::fill(flag.begin() + b, flag.begin() + e, std::uint8_t(2));
    detail::mark_random_in_row(flag, b, e, detail::held_out_count(e - b, 1.0 - fold_in_fraction), 1, seed,
                               std::uint64_t(u));
  }
  Split s;
  s.train = detail::select_entries(data, flag, 0);
  s.test = detail::select_entries(data, flag, 1);
  s.fold_in = detail::select_entries(data, flag, 2);
  s.test_users = std::move(held);
  return s;
}

}  // namespace lowrank::rec
