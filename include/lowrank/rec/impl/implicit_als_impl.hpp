#pragma once
/// \file rec/impl/implicit_als_impl.hpp  ImplicitALS definitions (compiled once in src/lib/rec_models.cpp).
#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <algorithm>
#include <functional>
#include <cmath>
#include <sstream>

#include "lowrank/config.hpp"
#include "lowrank/kernels.hpp"
#include "lowrank/rec/impl/models_detail.hpp"
#include "lowrank/rec/models/implicit_als.hpp"
#include "lowrank/rec/persist.hpp"

#if LOWRANK_HAS_OPENMP
#include <omp.h>
#endif

namespace lowrank::rec {
namespace detail {

/// One side's rows in compact form: neighbour indices and the values r that give the confidences
/// c = 1 + α·r. Both are borrowed from the (compressed) matrix, which must outlive the result, and the
/// confidences are made per row when it is solved: at 50 M interactions the copies of both orientations'
/// indices were 400 MB, and their confidence arrays another 400 MB (bench/scale).
template <class S>
struct AlsRows {
  AlsRows() = default;
  AlsRows(const AlsRows&) = delete;  // idx and values may point into the copies: a copy would dangle
  AlsRows& operator=(const AlsRows&) = delete;
  AlsRows(AlsRows&&) = default;  // a moved vector keeps its buffer, so the pointers stay valid
  AlsRows& operator=(AlsRows&&) = default;
  std::vector<std::int64_t> ptr;
  const std::int32_t* idx = nullptr;  // the matrix's own column indices when it is compressed (no copy)
  const float* values = nullptr;      // the matrix's own values, aligned with idx
  std::vector<std::int32_t> idx_copy;  // used only for an uncompressed matrix
  std::vector<float> values_copy;      // likewise
  double alpha = 0;
  Index rows() const { return Index(ptr.size()) - 1; }
  /// The confidence c = 1 + α·r of stored entry p.
  S confidence(std::int64_t p) const { return S(1.0 + alpha * double(values[p])); }
  /// Writes the confidences of row u into `out` (resized to the row's length).
  void confidences(Index u, std::vector<S>& out) const {
    const std::int64_t b = ptr[std::size_t(u)], len = ptr[std::size_t(u) + 1] - b;
    out.resize(std::size_t(len));
    for (std::int64_t p = 0; p < len; ++p) out[std::size_t(p)] = confidence(b + p);
  }
};

/// Row pointers, indices and values of one orientation, borrowed from a compressed matrix (copied only
/// from an uncompressed one).
template <class S>
AlsRows<S> als_rows(const int* outer, const int* inner, const float* values, const int* nnz_per_outer, Index n,
                    double alpha) {
  AlsRows<S> r;
  r.alpha = alpha;
  r.ptr.resize(std::size_t(n) + 1, 0);
  for (Index u = 0; u < n; ++u)
    r.ptr[std::size_t(u) + 1] = r.ptr[std::size_t(u)] + (nnz_per_outer ? nnz_per_outer[u] : outer[u + 1] - outer[u]);
  if (!nnz_per_outer && outer[0] == 0) {
    r.idx = inner;
    r.values = values;
  } else {
    r.idx_copy.resize(std::size_t(r.ptr.back()));
    r.values_copy.resize(std::size_t(r.ptr.back()));
    for (Index u = 0; u < n; ++u) {
      const std::int64_t len = r.ptr[std::size_t(u) + 1] - r.ptr[std::size_t(u)];
      std::copy(inner + outer[u], inner + outer[u] + len, r.idx_copy.begin() + r.ptr[std::size_t(u)]);
      std::copy(values + outer[u], values + outer[u] + len, r.values_copy.begin() + r.ptr[std::size_t(u)]);
    }
    r.idx = r.idx_copy.data();
    r.values = r.values_copy.data();
  }
  return r;
}

template <class S>
using RowMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// YᵀY in double, summed per fixed 2048-row block in S and then in double: row l of a block's Gram is
/// Σ_r Y(r, l)·y_r, one dispatched axpy_rows call over the block's rows (entries summed in row order).
/// No Eigen GEMM here: with OpenMP, Eigen's GEMM blocking depends on the thread count, which would
/// break "same seed, same factors for any thread count".
template <class S>
Eigen::MatrixXd als_gram(const RowMat<S>& Y) {
  const Index k = Y.cols();
  const std::size_t kk = std::size_t(k);
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(k, k);
  RowMat<S> g(k, k);
  std::vector<S> column;
  for (Index b = 0; b < Y.rows(); b += 2048) {
    const Index len = std::min<Index>(2048, Y.rows() - b);
    column.resize(std::size_t(len));
    g.setZero();
    for (Index l = 0; l < k; ++l) {
      for (Index r = 0; r < len; ++r) column[std::size_t(r)] = Y(b + r, l);
      kernels::axpy_rows(Y.row(b).data(), kk, column.data(), std::size_t(len), g.row(l).data(), kk);
    }
    G += g.template cast<double>();
  }
  return G;
}

/// λ of a row with `n_row` interactions (Rendle et al. 2022 frequency scaling when ν ≠ 0).
inline double row_lambda(const ImplicitALSOptions& o, double n_row, double n_other) {
  if (o.regularization_exponent == 0) return o.regularization;
  return o.regularization * std::pow(n_row + o.unobserved_weight * n_other, o.regularization_exponent);
}

/// Conjugate-gradient solve of one row, warm-started from x (Takács et al. 2011; implicit `_als.pyx`):
///   A = G0 + λI + Σ_j (c_j − α₀) y_j y_jᵀ,  b = Σ_j c_j y_j.
template <class S>
void als_cg_row(const S* G0, const RowMat<S>& Y, const std::int32_t* idx, const S* conf, std::int64_t n, S lambda,
                S a0, int steps, S* x, S* r, S* p, S* Ap) {
  const Index k = Y.cols();
  const std::size_t kk = std::size_t(k);
  Eigen::Map<Eigen::Matrix<S, Eigen::Dynamic, 1>> xv(x, k), rv(r, k), pv(p, k), Apv(Ap, k);
  // r = b − A x; (G + λI)·v by rows of the symmetric G: one dispatched call (k dispatched axpys were a
  // fifth of the epoch, callgrind at k = 64; Eigen's GEMV here is baseline SSE2 code)
  auto gemv = [&](const S* v, S* out) {
    for (Index l = 0; l < k; ++l) out[l] = lambda * v[l];
    kernels::axpy_rows(G0, kk, v, kk, out, kk);
  };
  gemv(x, r);
  rv = -rv;
  // + Σ_j (c_j − (c_j − α₀)·y_jᵀx)·y_j: one fused SIMD call over the user's rows
  kernels::confidence_gram_apply(Y.data(), kk, idx, conf, std::size_t(n), a0, S(1), S(-1), x, r, kk);
  pv = rv;
  S rsold = kernels::dot(r, r, kk);
  if (!(rsold > S(1e-20))) return;
  for (int it = 0; it < steps; ++it) {
    gemv(p, Ap);
    kernels::confidence_gram_apply(Y.data(), kk, idx, conf, std::size_t(n), a0, S(0), S(1), p, Ap, kk);
    const S pAp = kernels::dot(p, Ap, kk);
    if (!(pAp > S(0))) break;  // NaN-safe: stops on breakdown
    const S a = rsold / pAp;
    kernels::axpy(a, p, x, kk);
    kernels::axpy(-a, Ap, r, kk);
    const S rsnew = kernels::dot(r, r, kk);
    if (!(rsnew > S(1e-20))) break;
    pv = rv + (rsnew / rsold) * pv;
    rsold = rsnew;
  }
}

/// Exact solve of one row by Cholesky (double): returns x, and A when asked (for explanations).
template <class S>
Eigen::VectorXd als_exact_row(const Eigen::MatrixXd& G0, const RowMat<S>& Y, const std::int32_t* idx, const S* conf,
                              std::int64_t n, double lambda, double a0, Eigen::MatrixXd* A_out = nullptr) {
  const Index k = Y.cols();
  Eigen::MatrixXd Yu(n, k);
  Eigen::VectorXd w(n), c(n);
  for (std::int64_t j = 0; j < n; ++j) {
    Yu.row(j) = Y.row(idx[j]).template cast<double>();
    c[j] = double(conf[j]);
    w[j] = c[j] - a0;
  }
  Eigen::MatrixXd A = G0;
  A.diagonal().array() += lambda;
  A.noalias() += Yu.transpose() * (w.asDiagonal() * Yu);
  Eigen::VectorXd b = Yu.transpose() * c;
  Eigen::LLT<Eigen::MatrixXd> llt(A);
  Eigen::VectorXd x = llt.solve(b);
  if (A_out) *A_out = std::move(A);
  return x;
}

/// One half-epoch: every row of X from Y (rows in parallel; each row reads only its own data).
/// Returns Σ over rows of the row's loss terms when `loss` is set (α₀·xᵀYᵀYx + Σ_obs(c(1−s)² − α₀s²) + λ‖x‖²).
template <class S>
double als_half_epoch(const ImplicitALSOptions& o, const AlsRows<S>& rows, const RowMat<S>& Y, RowMat<S>& X,
                      const Eigen::MatrixXd& YtY, bool loss) {
  const Index k = Y.cols();
  const double a0 = o.unobserved_weight;
  const Eigen::MatrixXd G0d = a0 * YtY;
  const RowMat<S> G0 = G0d.template cast<S>();
  const Index n = rows.rows();
  const double n_other = double(Y.rows());
  std::vector<double> row_loss(loss ? std::size_t(n) : 0, 0.0);
#if LOWRANK_HAS_OPENMP
#pragma omp parallel
#endif
  {
    std::vector<S> buf(3 * std::size_t(k)), conf;
#if LOWRANK_HAS_OPENMP
#pragma omp for schedule(dynamic, 32)
#endif
    for (Index u = 0; u < n; ++u) {
      const std::int64_t b = rows.ptr[std::size_t(u)], len = rows.ptr[std::size_t(u) + 1] - b;
      const double lam = row_lambda(o, double(len), n_other);
      S* x = X.row(u).data();
      rows.confidences(u, conf);
      if (o.use_cholesky) {
        Eigen::VectorXd xd = als_exact_row<S>(G0d, Y, rows.idx + b, conf.data(), len, lam, a0);
        for (Index l = 0; l < k; ++l) x[l] = S(xd[l]);
      } else {
        als_cg_row<S>(G0.data(), Y, rows.idx + b, conf.data(), len, S(lam), S(a0), o.cg_steps, x, buf.data(),
                      buf.data() + k, buf.data() + 2 * k);
      }
      if (loss) {
        Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, 1>> xv(x, k);
        const Eigen::VectorXd xd = xv.template cast<double>();
        double l = a0 * xd.dot(YtY * xd) + lam * xd.squaredNorm();
        for (std::int64_t j = 0; j < len; ++j) {
          const double s = double(kernels::dot(Y.row(rows.idx[std::size_t(b + j)]).data(), x, std::size_t(k)));
          const double c = double(conf[std::size_t(j)]);
          l += c * (1 - s) * (1 - s) - a0 * s * s;
        }
        row_loss[std::size_t(u)] = l;
      }
    }
  }
  double total = 0;
  for (double v : row_loss) total += v;  // fixed order: same sum for any thread count
  return total;
}

template <class S>
void als_fit(const ImplicitALSOptions& o, const Interactions& data, RowMat<S>& X, RowMat<S>& Y,
             std::vector<double>& loss_history, const std::function<void(int)>& progress) {
  const Index nu = data.num_users(), ni = data.num_items(), k = o.factors;
  // step 1 — both orientations in compact form with confidences
  const auto& csr = data.matrix();
  const auto& csc = data.csc();
  const AlsRows<S> by_user = als_rows<S>(csr.outerIndexPtr(), csr.innerIndexPtr(), csr.valuePtr(),
                                         csr.innerNonZeroPtr(), nu, o.alpha);
  const AlsRows<S> by_item = als_rows<S>(csc.outerIndexPtr(), csc.innerIndexPtr(), csc.valuePtr(),
                                         csc.innerNonZeroPtr(), ni, o.alpha);
  // step 2 — seeded initial factors, uniform in [0, 0.01) as in implicit (serial: thread-count independent)
  SplitMix64 rng(o.seed ^ 0x5a17a15ull);
  X.resize(nu, k);
  Y.resize(ni, k);
  for (Index i = 0; i < X.size(); ++i) X.data()[i] = S(rng.uniform() * 0.01);
  for (Index i = 0; i < Y.size(); ++i) Y.data()[i] = S(rng.uniform() * 0.01);
  double conf_total = 0;
  for (std::int64_t p = 0; p < by_user.ptr.back(); ++p) conf_total += double(by_user.confidence(p));
  const double norm = conf_total + o.unobserved_weight * (double(nu) * double(ni) - double(data.nnz()));
  // step 3 — alternate: users from items, items from users; YᵀY computed once per half-epoch
  Eigen::MatrixXd YtY = als_gram<S>(Y);
  for (int epoch = 0; epoch < o.iterations; ++epoch) {
    als_half_epoch<S>(o, by_user, Y, X, YtY, false);
    const Eigen::MatrixXd XtX = als_gram<S>(X);
    const double lx = als_half_epoch<S>(o, by_item, X, Y, XtX, o.compute_loss);
    YtY = als_gram<S>(Y);
    if (o.compute_loss) {
      // loss of the user side with the new Y (items' data terms were summed by the item half-epoch,
      // which used the same X): add λ‖x_u‖² for users; the item half included λ_i‖y_i‖².
      double lu = 0;
      for (Index u = 0; u < nu; ++u) {
        const double len = double(by_user.ptr[std::size_t(u) + 1] - by_user.ptr[std::size_t(u)]);
        lu += row_lambda(o, len, double(ni)) * double(X.row(u).squaredNorm());
      }
      loss_history.push_back((lx + lu) / std::max(norm, 1.0));
    }
    // step 4 — NaN/Inf check per epoch (implicit's _check_fit_errors), then progress (may cancel)
    LOWRANK_CHECK(X.allFinite() && Y.allFinite(), numerical, "ImplicitALS::fit: non-finite factors after epoch ",
                  epoch + 1, " (lower alpha or raise regularization)");
    progress(epoch);
  }
}

}  // namespace detail

LOWRANK_IMPL_INLINE void ImplicitALS::fit(const Interactions& data) {
  // step 0 — validate options and data
  const auto& o = m_opt;
  LOWRANK_CHECK(o.factors >= 1, invalid_argument, "ImplicitALS::fit: factors = ", o.factors, " < 1");
  LOWRANK_CHECK(std::isfinite(o.regularization) && o.regularization >= 0, invalid_argument,
                "ImplicitALS::fit: regularization = ", o.regularization, " must be finite and >= 0");
  LOWRANK_CHECK(std::isfinite(o.alpha) && o.alpha >= 0, invalid_argument, "ImplicitALS::fit: alpha = ", o.alpha,
                " must be finite and >= 0");
  LOWRANK_CHECK(o.iterations >= 0 && o.iterations <= 100000, invalid_argument, "ImplicitALS::fit: iterations = ",
                o.iterations, " outside [0, 100000]");
  LOWRANK_CHECK(o.cg_steps >= 1 && o.cg_steps <= 1000, invalid_argument, "ImplicitALS::fit: cg_steps = ", o.cg_steps,
                " outside [1, 1000]");
  LOWRANK_CHECK(std::isfinite(o.unobserved_weight) && o.unobserved_weight > 0, invalid_argument,
                "ImplicitALS::fit: unobserved_weight = ", o.unobserved_weight, " must be > 0");
  LOWRANK_CHECK(std::isfinite(o.regularization_exponent) && o.regularization_exponent >= 0, invalid_argument,
                "ImplicitALS::fit: regularization_exponent = ", o.regularization_exponent, " must be >= 0");
  LOWRANK_CHECK(data.num_users() > 0 && data.num_items() > 0, shape_mismatch,
                "ImplicitALS::fit: empty interaction matrix (", data.num_users(), "x", data.num_items(), ")");
  const auto& m = data.matrix();
  for (Index p = 0; p < m.nonZeros(); ++p)
    LOWRANK_CHECK(m.valuePtr()[p] >= 0, invalid_argument, "ImplicitALS::fit: negative value ", m.valuePtr()[p],
                  " (confidence c = 1 + alpha*r needs r >= 0)");
  // step 1 — fit on temporaries so that a cancel or an error keeps the previous state
  std::vector<double> loss;
  auto progress = [&](int epoch) { report_progress("als", double(epoch + 1) / double(o.iterations)); };
  if (o.double_precision) {
    MatD X, Y;
    detail::als_fit<double>(o, data, X, Y, loss, progress);
    m_user_d = std::move(X);
    m_item_d = std::move(Y);
    m_user_f.resize(0, 0);
    m_item_f.resize(0, 0);
  } else {
    MatF X, Y;
    detail::als_fit<float>(o, data, X, Y, loss, progress);
    m_user_f = std::move(X);
    m_item_f = std::move(Y);
    m_user_d.resize(0, 0);
    m_item_d.resize(0, 0);
  }
  // step 2 — keep the training data for masking and explanations
  m_loss = std::move(loss);
  remember_training_data(data);
  set_fitted(true);
}

LOWRANK_IMPL_INLINE Eigen::MatrixXf ImplicitALS::user_factors() const {
  return m_opt.double_precision ? Eigen::MatrixXf(m_user_d.cast<float>()) : Eigen::MatrixXf(m_user_f);
}
LOWRANK_IMPL_INLINE Eigen::MatrixXf ImplicitALS::item_factors() const {
  return m_opt.double_precision ? Eigen::MatrixXf(m_item_d.cast<float>()) : Eigen::MatrixXf(m_item_f);
}

LOWRANK_IMPL_INLINE void ImplicitALS::score_block(const std::vector<UserId>& users,
                                                  Eigen::Ref<Eigen::MatrixXf> out) const {
  LOWRANK_CHECK(is_fitted(), invalid_argument, "ImplicitALS::score_block: model is not fitted");
  LOWRANK_CHECK(out.rows() == Index(users.size()) && out.cols() == num_items(), shape_mismatch,
                "ImplicitALS::score_block: out is ", out.rows(), "x", out.cols(), ", expected ", users.size(), "x",
                num_items());
  for (UserId u : users) check_user(u, "ImplicitALS::score_block");
  const Index k = m_opt.factors;
  if (m_opt.double_precision) {
    Eigen::MatrixXd U(Index(users.size()), k);
    for (std::size_t r = 0; r < users.size(); ++r) U.row(Index(r)) = m_user_d.row(users[r]);
    out = (U * m_item_d.transpose()).cast<float>();
  } else {
    Eigen::MatrixXf U(Index(users.size()), k);
    for (std::size_t r = 0; r < users.size(); ++r) U.row(Index(r)) = m_user_f.row(users[r]);
    out.noalias() = U * m_item_f.transpose();
  }
}

LOWRANK_IMPL_INLINE double ImplicitALS::predict(UserId user, ItemId item) const {
  check_user(user, "ImplicitALS::predict");
  check_item(item, "ImplicitALS::predict");
  if (m_opt.double_precision) return m_user_d.row(user).dot(m_item_d.row(item));
  return double(m_user_f.row(user).dot(m_item_f.row(item)));
}

LOWRANK_IMPL_INLINE Eigen::VectorXd ImplicitALS::solve_exact_user(
    const std::vector<std::pair<ItemId, float>>& history, Eigen::MatrixXd* gram_out) const {
  std::vector<std::int32_t> idx;
  std::vector<double> conf;
  for (const auto& [i, v] : history) {
    LOWRANK_CHECK(v >= 0, invalid_argument, "ImplicitALS: negative history value ", v, " for item ", i);
    idx.push_back(std::int32_t(i));
    conf.push_back(1.0 + m_opt.alpha * double(v));
  }
  const double lam = detail::row_lambda(m_opt, double(idx.size()), double(num_items()));
  if (m_opt.double_precision) {
    const Eigen::MatrixXd G0 = m_opt.unobserved_weight * detail::als_gram<double>(m_item_d);
    return detail::als_exact_row<double>(G0, m_item_d, idx.data(), conf.data(), std::int64_t(idx.size()), lam,
                                         m_opt.unobserved_weight, gram_out);
  }
  std::vector<float> conf_f(conf.begin(), conf.end());
  const Eigen::MatrixXd G0 = m_opt.unobserved_weight * detail::als_gram<float>(m_item_f);
  return detail::als_exact_row<float>(G0, m_item_f, idx.data(), conf_f.data(), std::int64_t(idx.size()), lam,
                                      m_opt.unobserved_weight, gram_out);
}

LOWRANK_IMPL_INLINE Eigen::VectorXd ImplicitALS::recalculate_user(
    const std::vector<std::pair<ItemId, float>>& history) const {
  LOWRANK_CHECK(is_fitted(), invalid_argument, "ImplicitALS::recalculate_user: model is not fitted");
  detail::check_history(history, num_items(), "ImplicitALS::recalculate_user");
  return solve_exact_user(history);
}

LOWRANK_IMPL_INLINE Eigen::VectorXf ImplicitALS::score_history(
    const std::vector<std::pair<ItemId, float>>& history) const {
  const Eigen::VectorXd x = recalculate_user(history);
  if (m_opt.double_precision) return (m_item_d * x).cast<float>();
  return m_item_f * x.cast<float>();
}

LOWRANK_IMPL_INLINE Explanation ImplicitALS::explain(UserId user, ItemId item) const {
  check_user(user, "ImplicitALS::explain");
  check_item(item, "ImplicitALS::explain");
  // HKV §5: x_u = W_u Σ_j c_uj y_j with W_u = A⁻¹, so y_iᵀx_u = Σ_j c_uj (y_iᵀ W_u y_j).
  const auto history = detail::row_history(*m_seen, user);
  Eigen::MatrixXd A;
  solve_exact_user(history, &A);
  const Eigen::VectorXd yi = m_opt.double_precision ? Eigen::VectorXd(m_item_d.row(item).transpose())
                                                    : Eigen::VectorXd(m_item_f.row(item).transpose().cast<double>());
  const Eigen::VectorXd z = A.llt().solve(yi);
  Explanation e;
  e.user = user;
  e.item = item;
  double total = 0;
  for (const auto& [j, v] : history) {
    const Eigen::VectorXd yj = m_opt.double_precision ? Eigen::VectorXd(m_item_d.row(j).transpose())
                                                      : Eigen::VectorXd(m_item_f.row(j).transpose().cast<double>());
    const double w = (1.0 + m_opt.alpha * double(v)) * yj.dot(z);
    total += w;
    e.contributions.push_back({j, float(w)});
  }
  e.score = float(total);
  detail::sort_contributions(e.contributions);
  std::ostringstream s;
  s << "score " << total << " = sum over " << history.size()
    << " seen items of c_uj * y_i' W_u y_j (HKV 2008 section 5, exact solve)";
  if (!e.contributions.empty()) s << "; top item " << items().raw(e.contributions.front().item);
  e.summary = s.str();
  return e;
}

LOWRANK_IMPL_INLINE std::vector<ScoredItem> ImplicitALS::similar_items(ItemId item, int k) const {
  check_item(item, "ImplicitALS::similar_items");
  LOWRANK_CHECK(k >= 1, invalid_argument, "ImplicitALS::similar_items: k = ", k, " < 1");
  const Eigen::MatrixXf Y = item_factors();
  const Eigen::VectorXf norms = Y.rowwise().norm();
  Eigen::VectorXf s = Y * Y.row(item).transpose();
  const float ni = norms[item];
  for (Index j = 0; j < s.size(); ++j) {
    const float d = norms[j] * ni;
    s[j] = d > 0 ? s[j] / d : 0.0f;
  }
  return detail::top_k(s, k, item);
}

LOWRANK_IMPL_INLINE void ImplicitALS::partial_fit_users(const std::vector<UserId>& users,
                                                        const Interactions::Csr& rows) {
  LOWRANK_CHECK(is_fitted(), invalid_argument, "ImplicitALS::partial_fit_users: model is not fitted");
  LOWRANK_CHECK(rows.rows() == Index(users.size()) && rows.cols() == num_items(), shape_mismatch,
                "ImplicitALS::partial_fit_users: rows is ", rows.rows(), "x", rows.cols(), ", expected ",
                users.size(), "x", num_items());
  for (UserId u : users) check_user(u, "ImplicitALS::partial_fit_users");
  Interactions::Csr replaced = detail::replace_rows(*m_seen, users, rows);
  m_seen = detail::share_matrix(replaced);
  for (std::size_t r = 0; r < users.size(); ++r) {
    const Eigen::VectorXd x = solve_exact_user(detail::row_history(rows, Index(r)));
    if (m_opt.double_precision)
      m_user_d.row(users[r]) = x.transpose();
    else
      m_user_f.row(users[r]) = x.transpose().cast<float>();
  }
}

LOWRANK_IMPL_INLINE void ImplicitALS::partial_fit_items(const std::vector<ItemId>& item_ids,
                                                        const Interactions::Csr& columns) {
  LOWRANK_CHECK(is_fitted(), invalid_argument, "ImplicitALS::partial_fit_items: model is not fitted");
  LOWRANK_CHECK(columns.cols() == Index(item_ids.size()) && columns.rows() == num_users(), shape_mismatch,
                "ImplicitALS::partial_fit_items: columns is ", columns.rows(), "x", columns.cols(), ", expected ",
                num_users(), "x", item_ids.size());
  for (ItemId i : item_ids) check_item(i, "ImplicitALS::partial_fit_items");
  // Work on the transpose: items become rows, users the other side.
  Interactions::Csr seen_t = Interactions::Csr(m_seen->transpose());
  Interactions::Csr cols_t = Interactions::Csr(columns.transpose());
  seen_t = detail::replace_rows(seen_t, item_ids, cols_t);
  Interactions::Csr replaced = Interactions::Csr(seen_t.transpose());
  replaced.makeCompressed();
  m_seen = detail::share_matrix(replaced);
  const double a0 = m_opt.unobserved_weight;
  for (std::size_t r = 0; r < item_ids.size(); ++r) {
    std::vector<std::int32_t> idx;
    std::vector<double> conf;
    for (Interactions::Csr::InnerIterator it(cols_t, Index(r)); it; ++it) {
      LOWRANK_CHECK(it.value() >= 0, invalid_argument, "ImplicitALS::partial_fit_items: negative value");
      idx.push_back(std::int32_t(it.col()));
      conf.push_back(1.0 + m_opt.alpha * double(it.value()));
    }
    const double lam = detail::row_lambda(m_opt, double(idx.size()), double(num_users()));
    Eigen::VectorXd y;
    if (m_opt.double_precision) {
      y = detail::als_exact_row<double>(a0 * detail::als_gram<double>(m_user_d), m_user_d, idx.data(), conf.data(),
                                        std::int64_t(idx.size()), lam, a0);
      m_item_d.row(item_ids[r]) = y.transpose();
    } else {
      std::vector<float> cf(conf.begin(), conf.end());
      y = detail::als_exact_row<float>(a0 * detail::als_gram<float>(m_user_f), m_user_f, idx.data(), cf.data(),
                                       std::int64_t(idx.size()), lam, a0);
      m_item_f.row(item_ids[r]) = y.transpose().cast<float>();
    }
  }
}

LOWRANK_IMPL_INLINE void ImplicitALS::save_state(BinaryWriter& out) const {
  const auto& o = m_opt;
  out.write<std::int32_t>(o.factors);
  out.write<double>(o.regularization);
  out.write<double>(o.alpha);
  out.write<std::int32_t>(o.iterations);
  out.write<std::int32_t>(o.cg_steps);
  out.write<std::uint8_t>(o.use_cholesky);
  out.write<double>(o.unobserved_weight);
  out.write<double>(o.regularization_exponent);
  out.write<std::uint8_t>(o.double_precision);
  out.write<std::uint8_t>(o.compute_loss);
  out.write<std::uint64_t>(o.seed);
  out.write_vector(m_loss);
  if (o.double_precision) {
    out.write_matrix(m_user_d);
    out.write_matrix(m_item_d);
  } else {
    out.write_matrix(m_user_f);
    out.write_matrix(m_item_f);
  }
}

LOWRANK_IMPL_INLINE void ImplicitALS::load_state(BinaryReader& in) {
  ImplicitALSOptions o;
  o.factors = in.read<std::int32_t>("als factors");
  o.regularization = in.read<double>("als regularization");
  o.alpha = in.read<double>("als alpha");
  o.iterations = in.read<std::int32_t>("als iterations");
  o.cg_steps = in.read<std::int32_t>("als cg_steps");
  o.use_cholesky = in.read<std::uint8_t>("als use_cholesky") != 0;
  o.unobserved_weight = in.read<double>("als unobserved_weight");
  o.regularization_exponent = in.read<double>("als regularization_exponent");
  o.double_precision = in.read<std::uint8_t>("als double_precision") != 0;
  o.compute_loss = in.read<std::uint8_t>("als compute_loss") != 0;
  o.seed = in.read<std::uint64_t>("als seed");
  auto loss = in.read_vector<double>("als loss history");
  MatF uf, itf;
  MatD ud, id;
  Index ru = 0, ri = 0, cu = 0, ci = 0;
  if (o.double_precision) {
    ud = in.read_matrix<double>("als user factors");
    id = in.read_matrix<double>("als item factors");
    ru = ud.rows(), cu = ud.cols(), ri = id.rows(), ci = id.cols();
  } else {
    uf = in.read_matrix<float>("als user factors");
    itf = in.read_matrix<float>("als item factors");
    ru = uf.rows(), cu = uf.cols(), ri = itf.rows(), ci = itf.cols();
  }
  if (is_fitted()) {
    LOWRANK_CHECK(ru == num_users() && ri == num_items() && cu == o.factors && ci == o.factors, corrupt, in.source(),
                  ": ALS factor shapes ", ru, "x", cu, " / ", ri, "x", ci, " do not match ", num_users(), " users, ",
                  num_items(), " items, ", o.factors, " factors");
  }
  m_opt = o;
  m_loss = std::move(loss);
  m_user_f = std::move(uf);
  m_item_f = std::move(itf);
  m_user_d = std::move(ud);
  m_item_d = std::move(id);
}

}  // namespace lowrank::rec
