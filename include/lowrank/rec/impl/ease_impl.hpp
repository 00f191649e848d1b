#pragma once
/// \file rec/impl/ease_impl.hpp  EASE definitions (compiled once in src/lib/rec_models.cpp).
#include <Eigen/Dense>
#include <algorithm>
#include <functional>
#include <cmath>
#include <limits>
#include <sstream>
#include <type_traits>
#include <vector>
#if defined(_OPENMP)
#include <omp.h>
#endif

#include "lowrank/config.hpp"
#include "lowrank/kernels.hpp"
#include "lowrank/rec/impl/models_detail.hpp"
#include "lowrank/rec/models/ease.hpp"
#include "lowrank/rec/persist.hpp"

namespace lowrank::rec {
namespace detail {

/// Adds the lower triangle (column-major) of XᵀX to the n×n buffer `g`: O(Σ_u n_u²). Threads own
/// disjoint column ranges, balanced by the work each column gets, so no two write the same entry and
/// every entry sums the same terms in the same order (user order) whatever the thread count. The rows'
/// column indices are sorted, so a thread's share of a row is one contiguous range.
template <class S>
void ease_gram(const Interactions::Csr& X, bool binarize, S* g) {
  const Index n = X.cols(), users = X.rows();
  const int* outer = X.outerIndexPtr();
  const int* nnz = X.innerNonZeroPtr();
  const int* idx = X.innerIndexPtr();
  const float* val = X.valuePtr();
  auto row_end = [&](Index u) { return nnz ? outer[u] + nnz[u] : outer[u + 1]; };
  // work per column c: Σ over the rows holding c of the entries at or after it
  std::vector<double> work(std::size_t(n) + 1, 0.0);
  for (Index u = 0; u < users; ++u)
    for (int p = outer[u], e = int(row_end(u)); p < e; ++p) work[std::size_t(idx[p])] += double(e - p);
  int threads = 1;
#if LOWRANK_HAS_OPENMP
  threads = std::max(1, std::min(omp_get_max_threads(), int(n / 64) + 1));
#endif
  std::vector<Index> bounds(std::size_t(threads) + 1, n);
  bounds[0] = 0;
  {
    double total = 0;
    for (Index c = 0; c < n; ++c) total += work[std::size_t(c)];
    double acc = 0;
    int t = 1;
    for (Index c = 0; c < n && t < threads; ++c) {
      acc += work[std::size_t(c)];
      while (t < threads && acc >= total * double(t) / double(threads)) bounds[std::size_t(t++)] = c + 1;
    }
  }
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(threads)
#endif
  for (int t = 0; t < threads; ++t) {
    const int c0 = int(bounds[std::size_t(t)]), c1 = int(bounds[std::size_t(t) + 1]);
    if (c0 >= c1) continue;
    for (Index u = 0; u < users; ++u) {
      const int b = outer[u], e = int(row_end(u));
      const int p0 = int(std::lower_bound(idx + b, idx + e, c0) - idx);
      for (int p = p0; p < e && idx[p] < c1; ++p) {
        S* col = g + std::size_t(idx[p]) * std::size_t(n);
        if (binarize) {
          for (int q = p; q < e; ++q) col[idx[q]] += S(1);
        } else {
          const S vp = S(val[p]);
          for (int q = p; q < e; ++q) col[idx[q]] += vp * S(val[q]);
        }
      }
    }
  }
}

/// B = I − P·diag(1/diag P) from the lower triangle of P (column-major n×n buffer `p`), written as the
/// row-major `b` (b may be p itself when S is float). Row i of B is column i of P scaled by 1/diag P,
/// so P is first made full (the upper triangle from the lower, in cache-sized tiles).
/// Returns false when a weight is not finite.
template <class S>
bool ease_weights_from_inverse(S* p, Index n, float* b) {
  const std::size_t N = std::size_t(n);
  constexpr Index tile = 64;
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(dynamic, 1)
#endif
  for (Index j0 = 0; j0 < n; j0 += tile)  // tile column j0 of the lower triangle → tile row j0 of the upper
    for (Index i0 = j0; i0 < n; i0 += tile)
      for (Index j = j0; j < std::min(j0 + tile, n); ++j)
        for (Index i = std::max(i0, j + 1); i < std::min(i0 + tile, n); ++i)
          p[std::size_t(i) * N + std::size_t(j)] = p[std::size_t(j) * N + std::size_t(i)];
  std::vector<S> inv_diag(N);
  for (std::size_t j = 0; j < N; ++j) inv_diag[j] = S(1) / p[j * N + j];
  int bad = 0;
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(static) reduction(| : bad)
#endif
  for (Index i = 0; i < n; ++i) {
    const S* pi = p + std::size_t(i) * N;  // column i of P = row i (P is symmetric)
    float* bi = b + std::size_t(i) * N;
    int row_bad = 0;
    for (std::size_t j = 0; j < N; ++j) {
      bi[j] = float(-pi[j] * inv_diag[j]);
      row_bad |= !(std::abs(bi[j]) <= std::numeric_limits<float>::max());  // false for ±Inf and NaN
    }
    bi[i] = 0.0f;
    bad |= row_bad;
  }
  return bad == 0;
}

/// P = (XᵀX + λI)⁻¹ and B = I − P·diag(1/diag P) with P in scalar S; B is float. For S = float, B is
/// computed in P's own storage (one n² buffer).
template <class S>
void ease_weights(const Interactions::Csr& X, bool binarize, double lambda, EASE::WeightMatrix& B,
                  const std::function<void(const char*, double)>& progress) {
  const Index n = X.cols();
  // G's column-major lower triangle lives in a row-major n×n buffer: for a symmetric matrix the two
  // storage orders are the same numbers, and for S = float that buffer becomes B in place.
  using Buffer = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Buffer G = Buffer::Zero(n, n);
  // step 1 — lower triangle of G = XᵀX + λI
  ease_gram<S>(X, binarize, G.data());
  for (Index j = 0; j < n; ++j) G.data()[std::size_t(j) * std::size_t(n) + std::size_t(j)] += S(lambda);
  progress("ease gram", 0.25);
  // step 2–3 — P = G⁻¹ in place: Cholesky, L⁻¹, L⁻ᵀL⁻¹ (dpotrf + dpotri; the run-time-dispatched
  // AVX-512/AVX2 copy of Eigen's blocked kernels), lower triangle
  LOWRANK_CHECK(kernels::spd_inverse(G.data(), n, n), numerical,
                "EASE::fit: XᵀX + λI is not numerically positive definite (raise lambda or use double_precision)");
  progress("ease inverse", 0.75);
  // step 4 — B_ij = −P_ij / P_jj, zero diagonal
  bool finite;
  if constexpr (std::is_same_v<S, float>) {
    finite = ease_weights_from_inverse<S>(G.data(), n, G.data());
    B = std::move(G);
  } else {
    B.resize(n, n);
    finite = ease_weights_from_inverse<S>(G.data(), n, B.data());
  }
  LOWRANK_CHECK(finite, numerical, "EASE::fit: non-finite weights (raise lambda)");
  progress("ease weights", 1.0);
}

}  // namespace detail

LOWRANK_IMPL_INLINE std::uint64_t EASE::bytes_needed(Index items) const {
  const std::uint64_t n = std::uint64_t(items);
  // float: G, P and B share one buffer; double: P in double plus B in float
  return n * n * 4u + (m_opt.double_precision ? n * n * 8u : 0u);
}

LOWRANK_IMPL_INLINE void EASE::fit(const Interactions& data) {
  // step 0 — validate and check the memory budget before allocating anything
  LOWRANK_CHECK(std::isfinite(m_opt.lambda) && m_opt.lambda > 0, invalid_argument, "EASE::fit: lambda = ",
                m_opt.lambda, " must be finite and > 0");
  LOWRANK_CHECK(data.num_items() > 0, shape_mismatch, "EASE::fit: no items");
  const Index n = data.num_items();
  LOWRANK_CHECK(n < (Index(1) << 31), resource_limit, "EASE::fit: ", n, " items overflow the size computation");
  const std::uint64_t need = bytes_needed(n);
  LOWRANK_CHECK(need <= m_opt.memory_budget, resource_limit, "EASE::fit: ", n, " items need ", need,
                " bytes for the dense item x item matrices, above memory_budget = ", m_opt.memory_budget,
                " bytes (raise memory_budget or use ImplicitALS)");
  // step 1–4 — Gram, Cholesky, inverse, weights (on a temporary: a cancel keeps the old state)
  WeightMatrix B;
  auto progress = [&](const char* stage, double f) { report_progress(stage, f); };
  if (m_opt.double_precision)
    detail::ease_weights<double>(data.matrix(), m_opt.binarize, m_opt.lambda, B, progress);
  else
    detail::ease_weights<float>(data.matrix(), m_opt.binarize, m_opt.lambda, B, progress);
  m_b = std::move(B);
  remember_training_data(data);
  set_fitted(true);
}

LOWRANK_IMPL_INLINE void EASE::score_block(const std::vector<UserId>& users, Eigen::Ref<Eigen::MatrixXf> out) const {
  LOWRANK_CHECK(is_fitted(), invalid_argument, "EASE::score_block: model is not fitted");
  LOWRANK_CHECK(out.rows() == Index(users.size()) && out.cols() == num_items(), shape_mismatch,
                "EASE::score_block: out is ", out.rows(), "x", out.cols(), ", expected ", users.size(), "x",
                num_items());
  const Index n = num_items();
  Eigen::VectorXf row(n);
  for (std::size_t r = 0; r < users.size(); ++r) {
    check_user(users[r], "EASE::score_block");
    row.setZero();
    for (Interactions::Csr::InnerIterator it(*m_seen, users[r]); it; ++it)
      kernels::axpy(value_of(it.value()), m_b.row(it.col()).data(), row.data(), std::size_t(n));
    out.row(Index(r)) = row.transpose();
  }
}

LOWRANK_IMPL_INLINE double EASE::predict(UserId user, ItemId item) const {
  check_user(user, "EASE::predict");
  check_item(item, "EASE::predict");
  double s = 0;
  for (Interactions::Csr::InnerIterator it(*m_seen, user); it; ++it)
    s += double(value_of(it.value())) * m_b(it.col(), item);
  return s;
}

LOWRANK_IMPL_INLINE Explanation EASE::explain(UserId user, ItemId item) const {
  check_user(user, "EASE::explain");
  check_item(item, "EASE::explain");
  Explanation e;
  e.user = user;
  e.item = item;
  double total = 0;
  for (Interactions::Csr::InnerIterator it(*m_seen, user); it; ++it) {
    const float w = value_of(it.value()) * m_b(it.col(), item);
    total += w;
    e.contributions.push_back({ItemId(it.col()), w});
  }
  e.score = float(total);
  detail::sort_contributions(e.contributions);
  std::ostringstream s;
  s << "score " << total << " = sum of the item-item weights B[j, i] of the user's " << m_seen->row(user).nonZeros()
    << " seen items (EASE)";
  if (!e.contributions.empty()) s << "; strongest: item " << items().raw(e.contributions.front().item);
  e.summary = s.str();
  return e;
}

LOWRANK_IMPL_INLINE std::vector<ScoredItem> EASE::similar_items(ItemId item, int k) const {
  check_item(item, "EASE::similar_items");
  LOWRANK_CHECK(k >= 1, invalid_argument, "EASE::similar_items: k = ", k, " < 1");
  const Eigen::VectorXf s = m_b.row(item).transpose();
  return detail::top_k(s, k, item);
}

LOWRANK_IMPL_INLINE Eigen::VectorXf EASE::score_history(const std::vector<std::pair<ItemId, float>>& history) const {
  LOWRANK_CHECK(is_fitted(), invalid_argument, "EASE::score_history: model is not fitted");
  detail::check_history(history, num_items(), "EASE::score_history");
  Eigen::VectorXf s = Eigen::VectorXf::Zero(num_items());
  for (const auto& [i, v] : history) kernels::axpy(value_of(v), m_b.row(i).data(), s.data(), std::size_t(s.size()));
  return s;
}

LOWRANK_IMPL_INLINE void EASE::save_state(BinaryWriter& out) const {
  out.write<double>(m_opt.lambda);
  out.write<std::uint64_t>(m_opt.memory_budget);
  out.write<std::uint8_t>(m_opt.double_precision);
  out.write<std::uint8_t>(m_opt.binarize);
  out.write_matrix(m_b);
}

LOWRANK_IMPL_INLINE void EASE::load_state(BinaryReader& in) {
  EASEOptions o;
  o.lambda = in.read<double>("ease lambda");
  o.memory_budget = in.read<std::uint64_t>("ease memory_budget");
  o.double_precision = in.read<std::uint8_t>("ease double_precision") != 0;
  o.binarize = in.read<std::uint8_t>("ease binarize") != 0;
  WeightMatrix b = in.read_matrix<float>("ease weights");
  if (is_fitted())
    LOWRANK_CHECK(b.rows() == num_items() && b.cols() == num_items(), corrupt, in.source(), ": EASE weights ", b.rows(),
                  "x", b.cols(), " do not match ", num_items(), " items");
  m_opt = o;
  m_b = std::move(b);
}

}  // namespace lowrank::rec
