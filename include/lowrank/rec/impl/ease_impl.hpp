#pragma once
/// \file rec/impl/ease_impl.hpp  EASE definitions (compiled once in src/lib/rec_models.cpp).
#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <algorithm>
#include <functional>
#include <cmath>
#include <sstream>

#include "lowrank/config.hpp"
#include "lowrank/kernels.hpp"
#include "lowrank/rec/impl/models_detail.hpp"
#include "lowrank/rec/models/ease.hpp"
#include "lowrank/rec/persist.hpp"

namespace lowrank::rec {
namespace detail {

/// P = (XᵀX + λI)⁻¹ (full symmetric) and B = I − P·diag(1/diag P), in scalar S; B returned as float.
template <class S>
void ease_weights(const Interactions::Csr& X, bool binarize, double lambda, EASE::WeightMatrix& B,
                  const std::function<void(const char*, double)>& progress) {
  using M = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
  const Index n = X.cols();
  // step 1 — lower triangle of G = XᵀX from the user rows: O(Σ_u n_u²), column-contiguous writes
  M G = M::Zero(n, n);
  for (Index u = 0; u < X.rows(); ++u) {
    const int b = X.outerIndexPtr()[u];
    const int e = X.innerNonZeroPtr() ? b + X.innerNonZeroPtr()[u] : X.outerIndexPtr()[u + 1];
    const int* idx = X.innerIndexPtr();
    const float* val = X.valuePtr();
    for (int p = b; p < e; ++p) {
      const S vp = binarize ? S(1) : S(val[p]);
      S* col = G.data() + std::size_t(idx[p]) * std::size_t(n);
      for (int q = p; q < e; ++q) col[idx[q]] += vp * (binarize ? S(1) : S(val[q]));
    }
  }
  G.diagonal().array() += S(lambda);
  progress("ease gram", 0.25);
  // step 2 — Cholesky G = LLᵀ in place (Eigen's blocked LLT on the lower triangle)
  Eigen::LLT<Eigen::Ref<M>, Eigen::Lower> llt(G);
  LOWRANK_CHECK(llt.info() == Eigen::Success, numerical,
                "EASE::fit: XᵀX + λI is not numerically positive definite (raise lambda or use double_precision)");
  progress("ease cholesky", 0.5);
  // step 3 — L⁻¹ (xTRTRI) then P = L⁻ᵀL⁻¹ (xLAUUM), lower triangle, in place
  trtri_lower<S>(G);
  progress("ease inverse", 0.75);
  lauum_lower<S>(G);
  // step 4 — B_ij = −P_ij / P_jj (P symmetric: P_ij = G(max, min)), zero diagonal
  B.resize(n, n);
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < n; ++j) {
      const S pij = i >= j ? G(i, j) : G(j, i);
      B(i, j) = i == j ? 0.0f : float(-pij / G(j, j));
    }
  }
  progress("ease weights", 1.0);
}

}  // namespace detail

LOWRANK_IMPL_INLINE std::uint64_t EASE::bytes_needed(Index items) const {
  const std::uint64_t n = std::uint64_t(items);
  return n * n * (m_opt.double_precision ? 8u : 4u) + n * n * 4u;
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
  LOWRANK_CHECK(B.allFinite(), numerical, "EASE::fit: non-finite weights (raise lambda)");
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
    for (Interactions::Csr::InnerIterator it(m_seen, users[r]); it; ++it)
      kernels::axpy(value_of(it.value()), m_b.row(it.col()).data(), row.data(), std::size_t(n));
    out.row(Index(r)) = row.transpose();
  }
}

LOWRANK_IMPL_INLINE double EASE::predict(UserId user, ItemId item) const {
  check_user(user, "EASE::predict");
  check_item(item, "EASE::predict");
  double s = 0;
  for (Interactions::Csr::InnerIterator it(m_seen, user); it; ++it) s += double(value_of(it.value())) * m_b(it.col(), item);
  return s;
}

LOWRANK_IMPL_INLINE Explanation EASE::explain(UserId user, ItemId item) const {
  check_user(user, "EASE::explain");
  check_item(item, "EASE::explain");
  Explanation e;
  e.user = user;
  e.item = item;
  double total = 0;
  for (Interactions::Csr::InnerIterator it(m_seen, user); it; ++it) {
    const float w = value_of(it.value()) * m_b(it.col(), item);
    total += w;
    e.contributions.push_back({ItemId(it.col()), w});
  }
  e.score = float(total);
  detail::sort_contributions(e.contributions);
  std::ostringstream s;
  s << "score " << total << " = sum of the item-item weights B[j, i] of the user's " << m_seen.row(user).nonZeros()
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
