#pragma once
/// \file svd/gram.hpp  SVD through the eigendecomposition of the Gram matrix AᵀA (AAᵀ when wide).
///
/// Algorithm: the textbook construction (Deisenroth, Faisal, Ong, "Mathematics for Machine Learning",
/// §4.5.2): AᵀA = V·Λ·Vᵀ gives V and σᵢ = √max(λᵢ, 0); then uᵢ = A·vᵢ/σᵢ, re-orthonormalized where
/// needed: not at all when BᵀB = D⁻¹VᵀAᵀAVD⁻¹ (estimated in O(n²)) shows the U block orthonormal to 2·m·ε
/// already, by one Cholesky-QR pass when well conditioned, else by a Householder QR (which also
/// completes an orthonormal basis where σᵢ ≈ 0).
/// Cost: mn² (SYRK) + ~6n³ (symmetric eigensolver with vectors: tridiagonalization, divide and conquer,
/// back-transformation, mostly GEMM) + 2mn² (U = A·V) + O(n²) (the orthogonality estimate), plus 2mn² when
/// a Cholesky-QR pass is needed — GEMM-shaped, the fastest dense route for tall-skinny A (m ≫ n).
/// Accuracy — it SQUARES the condition number: λ carries an absolute error of order ε·σ₁², so
///   |σ̂ᵢ − σᵢ| ≈ ε·σ₁²/σᵢ, i.e. a relative error of ε·(σ₁/σᵢ)²;
/// singular values below √ε·σ₁ (1.5e-8·σ₁ in double, 3.5e-4·σ₁ in float) are noise, and their
/// singular vectors too. info.warning says so whenever σ_min < 32·√ε·σ₁ (relative error > ~0.1%).
/// When not to use it: ill-conditioned or rank-deficient A, or whenever small σ matter — use
/// jacobi_svd (relative accuracy) or golub_kahan_svd (absolute accuracy ε·σ₁).
#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/Householder>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <sstream>
#include <vector>

#include "lowrank/detail/huge_pages.hpp"
#include "lowrank/kernels.hpp"
#include "lowrank/svd/common.hpp"
#include "lowrank/svd/detail/eigen_instances.hpp"
#include "lowrank/svd/detail/orthogonalize.hpp"
#include "lowrank/svd/golub_kahan.hpp"
#include "lowrank/svd/detail/rng.hpp"
#include "lowrank/svd/detail/tridiagonal_dc.hpp"

namespace lowrank {

/// Options of gram_svd (only the common ones: `tolerance` and `max_iterations` are unused, since the
/// symmetric eigensolver has its own fixed iteration cap; `vectors` chooses none/thin/full).
struct GramOptions : SvdOptions {};

namespace detail {

/// Q of a Householder QR of B (m×k), with `cols` columns (k ≤ cols ≤ m): the first k columns span B
/// and keep the direction of B's columns (sign of diag(R) folded in); the rest complete the basis.
template <class Scalar>
Matrix<Scalar> orthonormalize_householder(const Matrix<Scalar>& B, Index cols) {
  const Index m = B.rows(), k = B.cols();
  Eigen::HouseholderQR<Matrix<Scalar>> qr(B);
  Matrix<Scalar> Q = Matrix<Scalar>::Identity(m, cols);
  Q.applyOnTheLeft(qr.householderQ());
  for (Index j = 0; j < k; ++j)
    if (qr.matrixQR()(j, j) < 0) Q.col(j) = -Q.col(j);
  return Q;
}

/// One Cholesky-QR pass on B (m×k, nearly orthonormal columns): B ← B·R⁻¹ with RᵀR = BᵀB. Returns
/// false (B untouched) when `allowed` is false or the Cholesky factorization fails or is too far from
/// the identity (then Householder QR must be used).
template <class Scalar>
bool cholesky_qr_in_place(Matrix<Scalar>& B, bool allowed) {
  if (!allowed || B.cols() == 0) return false;
  Matrix<Scalar> C;
  gram_lower(B, C);
  // Columns are normalized, so C ≈ I; a diagonal far from 1 means B was not nearly orthonormal.
  const Scalar dev = (C.diagonal().array() - Scalar(1)).abs().maxCoeff();
  if (!(dev < Scalar(0.1))) return false;
  Eigen::LLT<Matrix<Scalar>, Eigen::Lower> llt(C);
  if (llt.info() != Eigen::Success) return false;
  const Scalar rmin = llt.matrixLLT().diagonal().minCoeff();
  if (!(rmin > Scalar(0.5))) return false;  // κ(B) too large for one pass to reach O(ε)
  solve_right_cholesky(B, llt);
  return true;
}

/// ‖I − D⁻¹·VᵀGV·D⁻¹‖₁ for the symmetric G (lower triangle stored; the upper is overwritten), V with
/// orthonormal columns and D = diag(d): what ‖I − BᵀB‖₁ is for B = W·V·D⁻¹ when G = WᵀW and d are B's
/// column norms before normalization — the orthogonality U would have without a QR pass.
/// Estimated, not formed (forming it took two n³ GEMMs, 8 % of gram_svd at 4000×500): the block 1-norm
/// estimator of Higham and Tisseur (SIAM J. Matrix Anal. Appl. 21(4), 2000, Algorithm 2.4; MATLAB's
/// normest1) with t = 4 columns, plus Higham's alternating-sign vector (LAPACK dlacn2), applies the
/// symmetric E = I − D⁻¹VᵀGVD⁻¹ to at most 5 blocks of 4 columns and one vector, three skinny GEMMs
/// each. The result is a lower bound; E's largest columns are few (eigenvectors of close eigenvalues),
/// which a single probe vector (Hager's method) missed by 3× on one 300×300 test matrix, while four
/// columns at a time find them (the gram test checks the estimate against the formed ‖I − BᵀB‖₁).
/// NaN when d has a zero.
template <class Scalar>
Scalar predicted_orthogonality_loss(Matrix<Scalar>& G, const Matrix<Scalar>& V, const Vector<Scalar>& d) {
  const Index n = V.cols(), t = std::min<Index>(4, n);
  G.template triangularView<Eigen::StrictlyUpper>() = G.transpose();
  Matrix<Scalar> Y(n, t), Z(n, t), X(n, t);
  const auto apply = [&](Matrix<Scalar>& in, Index k) {  // in(:, 0:k) ← E·in(:, 0:k) (= Eᵀ·in)
    Y.leftCols(k) = d.asDiagonal().inverse() * in.leftCols(k);
    kernels::gemm(false, false, n, k, n, Scalar(1), V.data(), n, Y.data(), n, Scalar(0), Z.data(), n);
    kernels::gemm(false, false, n, k, n, Scalar(1), G.data(), n, Z.data(), n, Scalar(0), Y.data(), n);
    kernels::gemm(true, false, n, k, n, Scalar(1), V.data(), n, Y.data(), n, Scalar(0), Z.data(), n);
    in.leftCols(k) -= d.asDiagonal().inverse() * Z.leftCols(k);
  };
  const auto signs = [](Matrix<Scalar>& M) {
    M = M.unaryExpr([](Scalar v) { return v >= 0 ? Scalar(1) : Scalar(-1); });
  };
  // start: the mean vector and t − 1 fixed pseudo-random sign vectors, each of 1-norm 1
  fill_gaussian<Scalar>(X, 0x6f7274686fULL, 0);
  signs(X);
  X.col(0).setOnes();
  X /= Scalar(n);
  std::vector<char> visited(static_cast<std::size_t>(n), 0);
  std::vector<Index> order(static_cast<std::size_t>(n));
  Vector<Scalar> h(n);
  Scalar estimate = 0;
  Index best_column = -1;
  std::vector<Index> probed;  // the unit vectors in X's columns (empty on the first pass)
  for (int pass = 1; pass <= 5; ++pass) {
    apply(X, t);
    Index j_best = 0;
    const Scalar est = X.colwise().template lpNorm<1>().maxCoeff(&j_best);
    if (!(est == est)) return est;            // NaN: d had a zero
    if (pass >= 2 && est <= estimate) break;  // no progress
    estimate = est;
    if (!probed.empty()) best_column = probed[static_cast<std::size_t>(j_best)];
    signs(X);
    apply(X, t);  // E is symmetric: Eᵀ·S = E·S
    for (Index i = 0; i < n; ++i) h(i) = X.row(i).cwiseAbs().maxCoeff();
    if (pass >= 2 && best_column >= 0 && h(best_column) >= h.maxCoeff()) break;  // no better column in sight
    // the next probes: the t unvisited columns with the largest h
    std::iota(order.begin(), order.end(), Index(0));
    std::stable_sort(order.begin(), order.end(), [&h](Index a, Index b) { return h(a) > h(b); });
    probed.clear();
    for (Index i : order) {
      if (static_cast<Index>(probed.size()) == t) break;
      if (!visited[static_cast<std::size_t>(i)]) probed.push_back(i);
    }
    bool all_seen = true;  // the t best columns were all probed already
    for (Index i = 0; i < t; ++i)
      all_seen = all_seen && visited[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])];
    if (all_seen || probed.empty()) break;
    X.setZero();
    for (Index j = 0; j < static_cast<Index>(probed.size()); ++j) {
      X(probed[static_cast<std::size_t>(j)], j) = Scalar(1);
      visited[static_cast<std::size_t>(probed[static_cast<std::size_t>(j)])] = 1;
    }
    for (Index j = static_cast<Index>(probed.size()); j < t; ++j) X(order[0], j) = Scalar(1);  // n < t·5: pad
  }
  if (n > 1) {  // Higham's safeguard: an alternating vector catches what the probes above underestimate
    X.setZero();
    for (Index i = 0; i < n; ++i) X(i, 0) = (i % 2 ? Scalar(-1) : Scalar(1)) * (Scalar(1) + Scalar(i) / Scalar(n - 1));
    apply(X, 1);
    estimate = std::max(estimate, Scalar(2) * X.col(0).template lpNorm<1>() / Scalar(3 * n));
  }
  return estimate;
}

template <class Scalar>
SvdResult<Scalar> gram_svd_array(const Scalar* a, Index lda, Index rows, Index cols, const GramOptions& opt);  // below

}  // namespace detail

/// Singular value decomposition from the eigendecomposition of AᵀA (AAᵀ for a wide A).
///
/// Reads A in place when it is a column-major array (Matrix, Map, Ref, a block of columns); any other
/// expression is evaluated once (then two m×n arrays are held: the copy and U). A copy scaled by a
/// power of two is made only when A's largest entry is so large or small that AᵀA or the squared norms
/// formed from it could overflow or underflow. Squares κ(A): see the file comment;
/// `info.warning` is set when σ_min/σ_max < 32·√ε.
/// \param A    m×n dense matrix (any Eigen expression), finite entries
/// \param opt  vectors: none / thin / full
/// \returns    S descending ≥ 0 (min(m,n) values), U, V thin or full; info.iterations = 1,
///             info.converged from the eigensolver, info.residual_estimate = the expected error of
///             the smallest σ relative to σ₁, min(√ε, ε·σ₁/σ_min); info.warning when κ is too large
/// \throws Error shape_mismatch (empty A), non_finite (NaN/Inf entry, named), invalid_argument (options)
template <class Derived>
SvdResult<typename Derived::Scalar> gram_svd(const Eigen::MatrixBase<Derived>& A, const GramOptions& opt = {}) {
  using Scalar = typename Derived::Scalar;
  const char* who = "gram_svd";
  validate_dense(A, who);
  validate_options(opt, who);
  constexpr bool column_major_array = (int(Derived::Flags) & Eigen::DirectAccessBit) &&
                                      !(int(Derived::Flags) & Eigen::RowMajorBit) &&
                                      Derived::InnerStrideAtCompileTime == 1;
  if constexpr (column_major_array) {
    return detail::gram_svd_array<Scalar>(A.derived().data(), A.derived().outerStride(), A.rows(), A.cols(), opt);
  } else {
    const Matrix<Scalar> evaluated = A;
    return detail::gram_svd_array<Scalar>(evaluated.data(), evaluated.rows(), A.rows(), A.cols(), opt);
  }
}

namespace detail {
/// gram_svd after validation, on the column-major rows×cols array `a` (leading dimension lda): one
/// compiled body per scalar type whatever the caller's matrix type. W below is A, or Aᵀ when wide, so
/// that W is m×n with m ≥ n and the Gram matrix G = WᵀW is the small n×n one; W is never formed.
template <class Scalar>
SvdResult<Scalar> gram_svd_array(const Scalar* a, Index lda, Index rows, Index cols, const GramOptions& opt) {
  const char* who = "gram_svd";
  const bool wide = rows < cols;
  const Index m = wide ? cols : rows, n = wide ? rows : cols;
  const bool want_vectors = opt.vectors != Vectors::none, full = opt.vectors == Vectors::full;

  // step 0 — scale. Where max|a_ij| = 2^e lies far from 1, G's entries (up to m·2^2e) could overflow, and
  // so could the squared norms the eigensolver forms from them (up to n·m²·2^4e), or its small ones (down
  // to ε·2^2e) underflow: then the steps below run on a copy scaled by 2^(−e), which is exact. Within
  // 2^±(max_exponent/16) (2^±64 in double, 2^±8 in float) none of that can happen for m, n < 2^30 and no
  // copy is made.
  const Eigen::Map<const Matrix<Scalar>, 0, Eigen::OuterStride<>> A(a, rows, cols, Eigen::OuterStride<>(lda));
  const Scalar mx = A.cwiseAbs().maxCoeff();
  int e = 0;
  if (mx > 0) std::frexp(mx, &e);
  Matrix<Scalar> scaled;
  if (std::abs(e) > std::numeric_limits<Scalar>::max_exponent / 16) {
    scaled = A;
    for (int left = -e; left != 0;) {  // scaled *= 2^(−e), in two steps if 2^(−e) is out of range
      const int lim = std::numeric_limits<Scalar>::max_exponent - 2;
      const int step = std::max(-lim, std::min(lim, left));
      scaled *= std::ldexp(Scalar(1), step);
      left -= step;
    }
    a = scaled.data();
    lda = rows;
  } else {
    e = 0;
  }

  // step 1 — the Gram matrix G = WᵀW (lower triangle, symmetric rank-k update = SYRK).
  Matrix<Scalar> G = Matrix<Scalar>::Zero(n, n);
  kernels::syrk(!wide, n, m, Scalar(1), a, lda, Scalar(0), G.data(), n);

  // step 2 — G = V·Λ·Vᵀ, σ = √max(λ, 0), reordered descending. With vectors: Householder
  // tridiagonalization and divide and conquer (svd/detail/tridiagonal_dc.hpp, dstedc), which spends its
  // O(n³) in GEMM; implicit QL (Eigen's SelfAdjointEigenSolver, dsteqr) for small n, for values only
  // (O(n²) after the reduction), or if a secular equation failed to converge.
  Vector<Scalar> lambda;
  Matrix<Scalar> eigvec;
  const bool converged = detail::symmetric_eigen(G, want_vectors, lambda, eigvec);
  SvdResult<Scalar> res;
  res.info.method = "gram";
  res.info.iterations = 1;
  res.info.converged = converged;
  res.S.resize(n);
  for (Index j = 0; j < n; ++j) res.S(j) = std::sqrt(std::max(lambda(n - 1 - j), Scalar(0)));

  // σ_min ≥ 32·√ε·σ₁: the Gram route is accurate enough for U = A·V·Σ⁻¹ to be nearly orthonormal.
  const auto smallest_ok = [](const Vector<Scalar>& S) {
    return S(0) > 0 && S(S.size() - 1) >= Scalar(32) * std::sqrt(std::numeric_limits<Scalar>::epsilon()) * S(0);
  };
  // step 3 — vectors: V from the eigenvectors, U = W·V·Σ⁻¹, re-orthonormalized where needed (columns
  // with σ ≈ 0 have no direction of their own; Householder QR completes the basis there).
  if (want_vectors) {
    Matrix<Scalar> V = eigvec.rowwise().reverse();
    // B = W·V, straight from A into the array that becomes U (huge pages spare its first touch most
    // page faults)
    Matrix<Scalar> B;
    detail::resize_advised(B, m, n);
    kernels::gemm(wide, false, m, n, n, Scalar(1), a, lda, V.data(), n, Scalar(0), B.data(), m);
    Vector<Scalar> norms(n);
    for (Index j = 0; j < n; ++j) {
      norms(j) = B.col(j).norm();
      if (norms(j) > std::numeric_limits<Scalar>::min()) B.col(j) /= norms(j);  // = A vⱼ/σⱼ up to the error in σⱼ
    }
    // BᵀB = D⁻¹·VᵀGV·D⁻¹ up to rounding, so B's orthogonality can be estimated in O(n²) before any O(mn²)
    // work (the prediction matched ‖I − BᵀB‖₁ to 1 % on Gaussian matrices, and stayed within 25 % below it
    // on graded spectra up to κ = 100). Where B is orthonormal to 2·m·ε already (m·ε is LAPACK's unit for
    // ‖I − UᵀU‖₁; its SVD drivers leave 0.5–1.2·m·ε on a 4000×500 matrix), B is U: no QR pass. Otherwise, if well
    // conditioned (no warning below), B is orthonormal up to O(ε·κ²) and one Cholesky-QR pass (SYRK + Cholesky +
    // triangular solve, 2mn² flops, GEMM-shaped) makes it orthonormal to O(ε) at a third of Householder's
    // cost; else, or for a full U, Householder QR (always orthonormal, and it completes the basis).
    const bool orthonormal =
        !full && smallest_ok(res.S) &&
        detail::predicted_orthogonality_loss(G, V, norms) <= Scalar(2 * m) * std::numeric_limits<Scalar>::epsilon();
    Matrix<Scalar> U;
    if (full || (!orthonormal && !detail::cholesky_qr_in_place(B, smallest_ok(res.S))))
      U = detail::orthonormalize_householder(B, full ? m : n);
    else
      U = std::move(B);
    if (wide) {
      res.U = std::move(V);
      res.V = std::move(U);
    } else {
      res.U = std::move(U);
      res.V = std::move(V);
    }
  }

  // step 4 — unscale σ, warn when the squaring has destroyed the small σ, sort and fix signs.
  const Scalar eps = std::numeric_limits<Scalar>::epsilon();
  const Scalar s1 = res.S(0), smin = res.S(n - 1);
  // |σ̂ − σ| = |δλ|/(σ̂ + σ) with |δλ| ≈ ε·σ₁²: relative to σ₁ that is ε·σ₁/σ_min, at most √ε.
  res.info.residual_estimate =
      s1 > 0 ? double(smin > 0 ? std::min(std::sqrt(eps), eps * s1 / smin) : std::sqrt(eps)) : 0.0;
  if (s1 > 0 && smin < Scalar(32) * std::sqrt(eps) * s1) {
    std::ostringstream w;
    w.precision(3);
    w << "gram_svd: condition number σ₁/σ_min ≈ " << double(s1 / std::max(smin, std::numeric_limits<Scalar>::min()))
      << " is squared in AᵀA; singular values below 32·√ε·σ₁ = " << double(std::ldexp(Scalar(32) * std::sqrt(eps) * s1, e))
      << " have lost more than ~0.1% relative accuracy and those below √ε·σ₁ = "
      << double(std::ldexp(std::sqrt(eps) * s1, e)) << " are noise (use jacobi_svd or golub_kahan_svd)";
    res.info.warning = w.str();
  }
  for (Index j = 0; j < n; ++j) res.S(j) = std::ldexp(res.S(j), e);
  detail::require_finite_sigma(res, who);
  detail::sort_and_fix_signs(res);
  return res;
}
}  // namespace detail

}  // namespace lowrank

namespace lowrank {
// Compiled once into the library for float and double (config.hpp, LOWRANK_EXTERN_TEMPLATE).
LOWRANK_EXTERN_TEMPLATE(float, SvdResult<float> gram_svd<Eigen::MatrixXf>(const Eigen::MatrixBase<Eigen::MatrixXf>&,
                                                                          const GramOptions&))
LOWRANK_EXTERN_TEMPLATE(double, SvdResult<double> gram_svd<Eigen::MatrixXd>(const Eigen::MatrixBase<Eigen::MatrixXd>&,
                                                                            const GramOptions&))
namespace detail {
LOWRANK_EXTERN_TEMPLATE(float,
                        SvdResult<float> gram_svd_array<float>(const float*, Index, Index, Index, const GramOptions&))
LOWRANK_EXTERN_TEMPLATE(double, SvdResult<double> gram_svd_array<double>(const double*, Index, Index, Index,
                                                                         const GramOptions&))
}  // namespace detail
}  // namespace lowrank
