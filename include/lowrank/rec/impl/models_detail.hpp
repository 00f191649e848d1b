#pragma once
/// \file rec/impl/models_detail.hpp  Shared helpers of the ALS / MF / EASE implementations (not stable API):
/// the library's own seeded generator (STYLE C11), top-k over a score vector, option checks, and the
/// blocked triangular inverse / LᵀL product used by EASE (LAPACK xTRTRI / xLAUUM recursions).
#include <Eigen/Core>
#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include "lowrank/error.hpp"
#include "lowrank/rec/model.hpp"

namespace lowrank::rec::detail {

/// One explicit rating (BiasedMF, SVDpp).
struct Rating {
  std::int32_t user, item;
  float value;
};

/// SplitMix64 (Steele, Lea & Flood 2014): a sequence lowrank owns, identical on every standard library.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : m_s(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (m_s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Moves the sequence n draws ahead, as n calls of next() would (the state only advances by a constant):
  /// lets threads fill disjoint parts of one sequence.
  void skip(std::uint64_t n) { m_s += n * 0x9e3779b97f4a7c15ull; }
  /// Uniform in [0, 1).
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
  /// Standard normal (Box–Muller, one value per call).
  double normal() {
    double u1 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  /// Uniform integer in [0, n) (n ≥ 1), by 128-bit multiply (Lemire), bias < 2⁻³².
  std::uint64_t below(std::uint64_t n) {
    return std::uint64_t((static_cast<unsigned __int128>(next()) * n) >> 64);
  }

 private:
  std::uint64_t m_s;
};

/// Fisher–Yates shuffle driven by SplitMix64.
template <class T>
void shuffle(std::vector<T>& v, SplitMix64& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[std::size_t(rng.below(i))]);
}

/// Hints the cache lines of [p, p + bytes) into cache ahead of a random access (a no-op where the
/// compiler has no prefetch builtin).
inline void prefetch_bytes(const void* p, std::size_t bytes) {
#if defined(__GNUC__) || defined(__clang__)
  const char* c = static_cast<const char*>(p);
  for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(c + off);
#else
  (void)p;
  (void)bytes;
#endif
}

/// Best k entries of `scores` (NaN never selected), ties by smaller index; `skip` excluded (−1: none).
inline std::vector<ScoredItem> top_k(const Eigen::Ref<const Eigen::VectorXf>& scores, int k, Index skip = -1) {
  std::vector<ItemId> idx;
  idx.reserve(std::size_t(scores.size()));
  for (Index i = 0; i < scores.size(); ++i)
    if (i != skip && !std::isnan(scores[i])) idx.push_back(i);
  const std::size_t kk = std::min<std::size_t>(std::size_t(std::max(k, 0)), idx.size());
  auto better = [&](ItemId a, ItemId b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); };
  std::partial_sort(idx.begin(), idx.begin() + std::ptrdiff_t(kk), idx.end(), better);
  std::vector<ScoredItem> out;
  out.reserve(kk);
  for (std::size_t i = 0; i < kk; ++i) out.push_back({idx[i], scores[idx[i]]});
  return out;
}

/// Sorts contributions by |weight| descending (ties: item index) and keeps the first `keep`.
inline void sort_contributions(std::vector<Contribution>& c, std::size_t keep = 20) {
  std::sort(c.begin(), c.end(), [](const Contribution& a, const Contribution& b) {
    const float wa = std::abs(a.weight), wb = std::abs(b.weight);
    return wa > wb || (wa == wb && a.item < b.item);
  });
  if (c.size() > keep) c.resize(keep);
}

/// The (item, value) pairs of row `user` of a CSR matrix.
inline std::vector<std::pair<ItemId, float>> row_history(const Interactions::Csr& m, UserId user) {
  std::vector<std::pair<ItemId, float>> h;
  for (Interactions::Csr::InnerIterator it(m, user); it; ++it) h.emplace_back(ItemId(it.col()), it.value());
  return h;
}

/// Validates a fold-in history against `items` (ids in range, finite values).
inline void check_history(const std::vector<std::pair<ItemId, float>>& history, Index items, const char* who) {
  for (const auto& [i, v] : history) {
    LOWRANK_CHECK(i >= 0 && i < items, unknown_id, who, ": history item ", i, " is outside [0, ", items, ")");
    LOWRANK_CHECK(std::isfinite(v), non_finite, who, ": history value of item ", i, " is not finite");
  }
}

/// Replaces rows `rows_ids` of `seen` by the rows of `rows` (same column count).
inline Interactions::Csr replace_rows(const Interactions::Csr& seen, const std::vector<Index>& ids,
                                      const Interactions::Csr& rows) {
  std::vector<Index> which(std::size_t(seen.rows()), -1);
  for (std::size_t r = 0; r < ids.size(); ++r) which[std::size_t(ids[r])] = Index(r);
  std::vector<Eigen::Triplet<float, int>> t;
  t.reserve(std::size_t(seen.nonZeros() + rows.nonZeros()));
  for (Index u = 0; u < seen.rows(); ++u) {
    if (which[std::size_t(u)] >= 0) {
      for (Interactions::Csr::InnerIterator it(rows, which[std::size_t(u)]); it; ++it)
        t.emplace_back(int(u), int(it.col()), it.value());
    } else {
      for (Interactions::Csr::InnerIterator it(seen, u); it; ++it) t.emplace_back(int(u), int(it.col()), it.value());
    }
  }
  Interactions::Csr out(seen.rows(), seen.cols());
  out.setFromTriplets(t.begin(), t.end(), [](float, float b) { return b; });
  out.makeCompressed();
  return out;
}

}  // namespace lowrank::rec::detail
