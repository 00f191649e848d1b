#pragma once
/// \file svd/jacobi.hpp  One-sided (Hestenes) Jacobi SVD with QR preconditioning.
///
/// Algorithm: LAPACK dgejsv/dgesvj (Z. Drmač, K. Veselić, "New fast and accurate Jacobi SVD algorithm
/// I/II", SIAM J. Matrix Anal. Appl. 29(4), 2008): scale by a power of two near max|a_ij|; factor
/// A·P = Q·R with column-pivoted Householder QR; run one-sided Jacobi on the columns of Rᵀ (the rows of
/// R are graded, so the sweeps converge in a few passes) with de Rijk pivoting (largest remaining column
/// first) and the relative test |xᵀy| > tol·‖x‖‖y‖; then U = Q·J and V = P·(normalized columns).
/// Eigenvector start (JacobiOptions::eigenvector_start_grading): when the columns of Rᵀ are not graded
/// (norms within 1e3 of each other), Rᵀ is first multiplied by the eigenvectors V₀ of its Gram matrix
/// (SYRK, tridiagonal divide and conquer, GEMM); the sweeps then start from nearly orthogonal columns
/// and converge quadratically in 3–4 sweeps instead of 10–12 (Gaussian n = 500…1000). Graded matrices
/// keep dgejsv's plain sweeps, which is where relative accuracy matters (see the option's comment). A
/// square-ish A with balanced row and column norms (random matrices) needs no QR for the start at all:
/// the sweeps run on A·V₀, U is their normalized columns, and no Q is applied.
/// Cost: QR of a tall A first (2mn² − ⅔n³, blocked), then QRCP of the n×n R (Eigen's, BLAS-2, ⁴⁄₃n³);
/// the start ≈ n³ (SYRK) + ~⁸⁄₃n³ (eigenvectors) + 2n³ (GEMM); sweeps of n²/2 column pairs (≈ 8n flops
/// each, plus 6n for the rotation accumulation) through the SIMD pair kernels (dot/rot_norms/rot) on
/// contiguous columns, ordered in cache-sized panel pairs (dgesvj's blocking); U = Q·J by blocked
/// reflectors (4mn² − 2n³). Measured (Gaussian, thin vectors): 0.24–0.29× LAPACK dgejsv's time at
/// n = 500 and 1000, 0.48–0.51× at 4000×500, where the QR and forming U are most of the time.
/// Accuracy: high *relative* accuracy — for A = B·D with B well conditioned and D diagonal, every σ,
/// also the smallest, is computed with relative error O(κ(B)·ε) (Demmel–Veselić 1992), which Eigen's
/// two-sided JacobiSVD and every bidiagonalization-based method do not guarantee. Where the eigenvector
/// start ran, the bound is O(κ(B)·ε·r) with r ≤ 1e3 the ratio of Rᵀ's largest to smallest column norm.
/// When not to use it: large well-conditioned matrices where only absolute accuracy matters —
/// golub_kahan_svd is faster there; for a few leading triplets use randomized/lanczos.
#include <Eigen/Householder>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "lowrank/detail/huge_pages.hpp"
#include "lowrank/svd/common.hpp"
#include "lowrank/svd/detail/eigen_instances.hpp"
#include "lowrank/svd/detail/householder.hpp"
#include "lowrank/svd/detail/orthogonalize.hpp"
#include "lowrank/svd/golub_kahan.hpp"
#include "lowrank/svd/detail/tridiagonal_dc.hpp"

namespace lowrank {

/// QR preconditioner applied before the Jacobi sweeps (Eigen's QRPreconditioner, chosen at run time).
enum class Precondition {
  none,        ///< sweeps on A itself (m×n columns): slowest, still relatively accurate
  qr,          ///< Householder QR without pivoting, sweeps on Rᵀ
  col_piv_qr,  ///< column-pivoted QR (dgejsv), sweeps on Rᵀ: fastest convergence, the default
};

/// Options of jacobi_svd.
///
/// `tolerance` (0 = √m·ε, dgesvj's CTOL): a column pair is rotated while |xᵀy| > tol·‖x‖·‖y‖.
/// `max_iterations` (0 = 30 sweeps, dgesvj's NSWEEP): at the cap, info.converged = false.
struct JacobiOptions : SvdOptions {
  Precondition precondition = Precondition::col_piv_qr;  ///< default = dgejsv / Eigen's default
  Index block_size = 0;  ///< columns per panel in the blocked sweep; 0 = chosen from the L2 size
  /// Eigenvector start: when the columns of the matrix the sweeps run on (Rᵀ, or A without a
  /// preconditioner) have norms within this ratio of each other, that matrix is first multiplied by
  /// the eigenvectors of its Gram matrix (a GEMM-speed symmetric eigensolver), so that the sweeps only
  /// polish: 3–4 sweeps instead of 10–12 on random matrices. The product perturbs each column x_j by
  /// ≲ n·ε·max_k‖x_k‖ ≤ n·ε·ratio·‖x_j‖, so the relative-accuracy bound O(κ(B)·ε) grows by at most
  /// this ratio; graded matrices, the ones relative accuracy is for, exceed it and get the plain sweeps.
  /// With `col_piv_qr`, a square-ish A (m < 1.5n, after transposing a wide one) whose row norms and
  /// column norms each lie within √ratio skips the QR: the start runs on A itself (its GEMM's error,
  /// n·ε·‖A‖, is then within ratio·κ(B)·ε of every σ, B the row- and column-equilibrated A).
  /// 0 = never (the sweeps alone, dgejsv's path).
  double eigenvector_start_grading = 1e3;
};

namespace detail {

/// Multiplies M by 2^e exactly (two steps when 2^e alone would overflow or underflow).
template <class Scalar>
void scale_by_pow2(Matrix<Scalar>& M, int e) {
  const int lim = std::numeric_limits<Scalar>::max_exponent - 2;
  while (e != 0) {
    const int step = std::max(-lim, std::min(lim, e));
    M *= std::ldexp(Scalar(1), step);
    e -= step;
  }
}

/// Exponent e with max|a_ij|·2^(−e) in [0.5, 1): scaling by a power of two keeps every entry exact, so
/// the relative accuracy of tiny entries survives, and no later sum of squares can overflow.
template <class Scalar>
int pow2_exponent_of_max(const Matrix<Scalar>& M) {
  const Scalar mx = M.size() ? M.cwiseAbs().maxCoeff() : Scalar(0);
  if (!(mx > 0)) return 0;
  int e = 0;
  std::frexp(mx, &e);
  return e;
}

/// Columns of Y (σ_j = ‖y_j‖) normalized, with the columns whose σ_j is zero (or too small to
/// normalize reliably) and `cols_out − Y.cols()` further columns filled by an orthonormal basis of the
/// complement (Householder QR of the valid columns).
template <class Scalar>
Matrix<Scalar> normalized_with_completion(const Matrix<Scalar>& Y, const Vector<Scalar>& sigma, Index cols_out) {
  const Index m = Y.rows(), k = Y.cols();
  const Scalar floor = detail::rescale_threshold<Scalar>();
  Matrix<Scalar> U(m, cols_out);
  std::vector<Index> missing;
  Index valid = 0;
  for (Index j = 0; j < k; ++j) {
    if (sigma(j) > floor) {
      U.col(j) = Y.col(j) / sigma(j);
      ++valid;
    } else {
      missing.push_back(j);
    }
  }
  for (Index j = k; j < cols_out; ++j) missing.push_back(j);
  if (missing.empty()) return U;
  // Complement of the valid columns: the trailing columns of Q in a Householder QR of them.
  Matrix<Scalar> B(m, valid);
  for (Index j = 0, c = 0; j < k; ++j)
    if (sigma(j) > floor) B.col(c++) = U.col(j);
  Matrix<Scalar> Q = Matrix<Scalar>::Identity(m, m);
  if (valid > 0) {
    Eigen::HouseholderQR<Matrix<Scalar>> qr(B);
    Q.applyOnTheLeft(qr.householderQ());
  }
  for (std::size_t i = 0; i < missing.size(); ++i) U.col(missing[i]) = Q.col(valid + Index(i));
  return U;
}

/// What the sweeps report.
struct JacobiSweepReport {
  int sweeps = 0;           ///< sweeps that ran (a partial last sweep counts)
  bool converged = false;   ///< every pair passed the relative test
  double max_cosine = 0;    ///< largest |cos∠(x,y)| rotated in the last sweep
};

/// One-sided Jacobi on the columns of X (dgesvj): orthogonalizes X in place by plane rotations,
/// applying each rotation also to the columns of V when V is non-empty (V ← V·J). `norms` returns the
/// column norms of the final X. Columns are contiguous (column-major), so every pair goes through the
/// runtime-dispatched kernels. Sweeps are blocked as in dgesvj: panels of `nb` columns, the diagonal
/// panel with de Rijk pivoting over all remaining columns, then the panel against each later panel,
/// so that a panel pair of X (and V) stays in L2.
template <class Scalar>
JacobiSweepReport one_sided_jacobi(Matrix<Scalar>& X, Matrix<Scalar>& V, Vector<Scalar>& norms, Scalar tol,
                                   int max_sweeps, Index nb) {
  using std::abs;
  using std::sqrt;
  const Index m = X.rows(), n = X.cols(), nv = V.rows();
  const bool with_v = V.size() > 0;
  const std::size_t ms = static_cast<std::size_t>(m), nvs = static_cast<std::size_t>(nv);
  const Scalar eps = std::numeric_limits<Scalar>::epsilon(), sfmin = std::numeric_limits<Scalar>::min();
  // Below this, ‖x‖² as a plain sum of squares may have lost digits to underflow: recompute it scaled.
  const Scalar sq_floor = sfmin / eps;
  // Below this, xᵀy as a plain dot may have lost digits to underflow: use normalized copies.
  const Scalar prod_floor = sfmin / (eps * eps);
  const Scalar big_theta = Scalar(1) / sqrt(eps);  // dgesvj BIGTHETA: beyond it, t = −1/(2ζ)
  JacobiSweepReport rep;
  norms.resize(n);
  for (Index j = 0; j < n; ++j) norms(j) = kernels::nrm2(X.col(j).data(), ms);
  if (n < 2) {
    rep.converged = true;
    return rep;
  }
  Vector<Scalar> wp, wq;  // scaled copies for the underflow-safe cosine
  const long long npairs = static_cast<long long>(n) * (n - 1) / 2;
  long long unrotated = 0;  // consecutive pairs that passed the test (dgesvj NOTROT)
  double max_cos = 0;

  auto fresh_norm = [&](Index j, Scalar sq) {
    norms(j) = sq >= sq_floor ? sqrt(sq) : kernels::nrm2(X.col(j).data(), ms);
  };
  // Returns true when the pair (p, q) was rotated.
  auto pair = [&](Index p, Index q) -> bool {
    const Scalar ap = norms(p), aq = norms(q);
    if (!(ap > 0) || !(aq > 0)) return false;  // a zero column is orthogonal to everything
    Scalar* xp = X.col(p).data();
    Scalar* xq = X.col(q).data();
    Scalar cosine;
    if (ap * aq > prod_floor) {
      cosine = (kernels::dot(xp, xq, ms) / ap) / aq;
    } else {
      wp = X.col(p) / ap;
      wq = X.col(q) / aq;
      cosine = kernels::dot(wp.data(), wq.data(), ms);
    }
    if (!(abs(cosine) > tol)) return false;  // NaN-safe: a NaN cosine does not rotate
    max_cos = std::max(max_cos, double(abs(cosine)));
    // Rotation x ← c·x + s·y, y ← c·y − s·x with t = s/c the small root of t² − 2ζt − 1 = 0,
    // ζ = (‖y‖² − ‖x‖²)/(2xᵀy), written with ratios so that nothing over- or underflows (dgesvj).
    const Scalar zeta = (aq / ap - ap / aq) / (Scalar(2) * cosine);
    Scalar t;
    if (abs(zeta) > big_theta)
      t = Scalar(-0.5) / zeta;
    else
      t = (zeta >= 0 ? Scalar(-1) : Scalar(1)) / (abs(zeta) + sqrt(Scalar(1) + zeta * zeta));
    const Scalar c = Scalar(1) / sqrt(Scalar(1) + t * t), s = c * t;
    Scalar sq[2];
    kernels::rot_norms(xp, xq, ms, c, s, sq);  // norms of the rotated columns in the same pass
    fresh_norm(p, sq[0]);
    fresh_norm(q, sq[1]);
    if (with_v) kernels::rot(V.col(p).data(), V.col(q).data(), nvs, c, s);
    return true;
  };
  auto swap_cols = [&](Index p, Index q) {
    X.col(p).swap(X.col(q));
    if (with_v) V.col(p).swap(V.col(q));
    std::swap(norms(p), norms(q));
  };

  bool done = false;
  for (int sweep = 0; sweep < max_sweeps && !done; ++sweep) {
    rep.sweeps = sweep + 1;
    max_cos = 0;
    auto visit = [&](Index p, Index q) {
      if (pair(p, q))
        unrotated = 0;
      else if (++unrotated >= npairs)
        done = true;  // every pair passed in a row: converged (dgesvj's early exit)
    };
    for (Index ib = 0; ib < n && !done; ib += nb) {
      const Index ie = std::min(ib + nb, n);
      // Diagonal panel, with de Rijk's pivoting: bring the largest remaining column to position p.
      for (Index p = ib; p < ie && !done; ++p) {
        Index q = p;
        for (Index j = p + 1; j < n; ++j)
          if (norms(j) > norms(q)) q = j;
        if (q != p) swap_cols(p, q);
        for (Index q2 = p + 1; q2 < ie && !done; ++q2) visit(p, q2);
      }
      // The panel against every later panel.
      for (Index jb = ie; jb < n && !done; jb += nb) {
        const Index je = std::min(jb + nb, n);
        for (Index p = ib; p < ie && !done; ++p)
          for (Index q = jb; q < je && !done; ++q) visit(p, q);
      }
    }
    rep.max_cosine = max_cos;
  }
  rep.converged = done;
  for (Index j = 0; j < n; ++j) norms(j) = kernels::nrm2(X.col(j).data(), ms);  // exact final norms
  return rep;
}

/// True when W has no zero row or column and its largest row norm is at most `ratio` times its
/// smallest, and likewise its column norms (ratio ≤ 1: never).
template <class Scalar>
bool balanced_rows_and_columns(const Matrix<Scalar>& W, double ratio) {
  if (!(ratio > 1) || W.size() == 0) return false;
  const Vector<Scalar> rows = W.rowwise().norm(), cols = W.colwise().norm();
  const auto within = [ratio](const Vector<Scalar>& v) {
    const Scalar lo = v.minCoeff(), hi = v.maxCoeff();
    return lo > 0 && double(hi) <= ratio * double(lo);
  };
  return within(rows) && within(cols);
}

/// The eigenvector start of jacobi_svd (JacobiOptions::eigenvector_start_grading): when the column norms
/// of X (r×n) are nonzero and within `grading_limit` of each other, X ← X·V₀ with V₀ the eigenvectors
/// of XᵀX (SYRK, tridiagonal divide and conquer, GEMM), and J ← V₀ when `with_j`. Any orthogonal V₀
/// leaves σ unchanged; this one leaves the columns of X·V₀ orthogonal up to ε·(σ₁/σ_j)², so the
/// sweeps that follow converge quadratically from the start. Returns false (X, J untouched) when the
/// columns are graded beyond the limit or the eigensolver failed.
template <class Scalar>
bool eigenvector_start(Matrix<Scalar>& X, Matrix<Scalar>& J, bool with_j, double grading_limit) {
  const Index r = X.rows(), n = X.cols();
  if (!(grading_limit > 0) || n < 2) return false;
  Scalar dmin = std::numeric_limits<Scalar>::infinity(), dmax = 0;
  for (Index j = 0; j < n; ++j) {
    const Scalar d = kernels::nrm2(X.col(j).data(), static_cast<std::size_t>(r));
    dmin = std::min(dmin, d);
    dmax = std::max(dmax, d);
  }
  if (!(dmin > 0) || double(dmax) > grading_limit * double(dmin)) return false;
  Matrix<Scalar> G, V0;
  gram_lower(X, G);
  Vector<Scalar> lambda;
  if (!symmetric_eigen(G, true, lambda, V0)) return false;
  Matrix<Scalar> Y(r, n);
  kernels::gemm(false, false, r, n, n, Scalar(1), X.data(), r, V0.data(), n, Scalar(0), Y.data(), r);
  X.swap(Y);
  if (with_j) J.swap(V0);
  return true;
}

/// Panel width: a pair of panels of X and V (2·nb·(m + nv) scalars) should fit in ~512 KiB of L2.
inline Index jacobi_panel_width(Index m, Index nv, std::size_t scalar_size, Index requested) {
  if (requested > 0) return requested;
  const double bytes = 512.0 * 1024.0;
  const Index nb = Index(bytes / (2.0 * double(scalar_size) * double(std::max<Index>(m + nv, 1))));
  return std::max<Index>(8, std::min<Index>(nb, 128));
}

template <class Scalar>
SvdResult<Scalar> jacobi_svd_tall(Matrix<Scalar> W, bool wide, const JacobiOptions& opt);  // below
}  // namespace detail

/// Singular value decomposition A = U·diag(S)·Vᵀ by one-sided Jacobi (dgejsv/dgesvj).
///
/// Copies A once (the sweeps work in place on a scaled copy, or on Rᵀ of its QR factorization); a wide
/// A is handled through Aᵀ. Every σ, also the tiniest, has high relative accuracy when A = B·D with B
/// well conditioned and D diagonal (see the file comment).
/// \param A    m×n dense matrix (any Eigen expression), finite entries
/// \param opt  vectors (none/thin/full), tolerance (0 = √m·ε), max_iterations (sweeps, 0 = 30),
///             precondition (none / qr / col_piv_qr), block_size (0 = auto)
/// \returns    S descending ≥ 0 (min(m,n) values), U m×r / V n×r (thin) or m×m / n×n (full);
///             info.iterations = sweeps, info.converged = false if the sweep cap stopped it,
///             info.residual_estimate = largest |cos| rotated in the last sweep
/// \throws Error shape_mismatch (empty A), non_finite (NaN/Inf entry, named), invalid_argument (options)
template <class Derived>
SvdResult<typename Derived::Scalar> jacobi_svd(const Eigen::MatrixBase<Derived>& A, const JacobiOptions& opt = {}) {
  using Scalar = typename Derived::Scalar;
  const char* who = "jacobi_svd";
  // step 0 — validate (shape, finiteness, options); transpose a wide A. jacobi_svd_tall then scales by
  // a power of two near max|a_ij|, so that no sum of squares over- or underflows (as dgejsv does).
  validate_dense(A, who);
  validate_options(opt, who);
  LOWRANK_CHECK(opt.precondition == Precondition::none || opt.precondition == Precondition::qr ||
                    opt.precondition == Precondition::col_piv_qr,
                invalid_argument, who, ": unknown precondition value ", int(opt.precondition));
  LOWRANK_CHECK(opt.block_size >= 0, invalid_argument, who, ": block_size ", opt.block_size, " must be >= 0");
  const bool wide = A.rows() < A.cols();
  Matrix<Scalar> W;  // huge pages spare the fresh copy most first-touch page faults
  detail::resize_advised(W, wide ? A.cols() : A.rows(), wide ? A.rows() : A.cols());
  if (wide)
    W = A.transpose();
  else
    W = A;
  return detail::jacobi_svd_tall(std::move(W), wide, opt);
}

namespace detail {
/// jacobi_svd after validation, on W = A (or Aᵀ when `wide`, so that W is tall): one compiled body per
/// scalar type whatever the caller's matrix type (a Map, a Block, an expression).
template <class Scalar>
SvdResult<Scalar> jacobi_svd_tall(Matrix<Scalar> W, bool wide, const JacobiOptions& opt) {
  const char* who = "jacobi_svd";
  const Index m = W.rows(), n = W.cols();
  const bool want_vectors = opt.vectors != Vectors::none, full = opt.vectors == Vectors::full;
  const int e = detail::pow2_exponent_of_max(W);
  detail::scale_by_pow2(W, -e);
  const int max_sweeps = opt.max_iterations > 0 ? opt.max_iterations : 30;

  SvdResult<Scalar> res;
  res.info.method = "jacobi";
  Vector<Scalar> sigma;
  Matrix<Scalar> U, V;  // of W (m ≥ n); swapped back for a wide A
  detail::JacobiSweepReport rep;
  // A square-ish W whose row norms and column norms each lie within √ratio skips the QR when the
  // eigenvector start may run: the start needs no preconditioner, and the error bound its GEMM adds,
  // n·ε·‖W‖, is then within ratio·κ(B) relative of every σ, B the row- and column-equilibrated W.
  const bool unpreconditioned = opt.precondition == Precondition::none ||
                                (opt.precondition == Precondition::col_piv_qr && 2 * m < 3 * n &&
                                 detail::balanced_rows_and_columns(W, std::sqrt(opt.eigenvector_start_grading)));
  if (unpreconditioned) {
    // step 1 — no preconditioner: sweeps on W itself, V accumulates the rotations (W·J = U·Σ).
    const Scalar tol = opt.tolerance > 0 ? Scalar(opt.tolerance)
                                         : std::sqrt(Scalar(m)) * std::numeric_limits<Scalar>::epsilon();
    Matrix<Scalar> J;
    if (want_vectors) identity_advised(J, n);
    detail::eigenvector_start(W, J, want_vectors, opt.eigenvector_start_grading);
    // step 2 — sweeps until every pair passes the relative test or the sweep cap.
    rep = detail::one_sided_jacobi(W, J, sigma, tol, max_sweeps,
                                   detail::jacobi_panel_width(m, J.rows(), sizeof(Scalar), opt.block_size));
    if (want_vectors) {
      U = detail::normalized_with_completion(W, sigma, full ? m : n);
      V = std::move(J);
    }
  } else {
    // step 1 — precondition: W·P = Q·R (pivoted or not); the sweeps run on X = Rᵀ (n×n), whose
    // columns (the rows of R) are graded, so convergence takes few sweeps (dgejsv). A tall W is first
    // factored W = Q₁·R₁ without pivoting (blocked, GEMM-rich), and R₁ (n×n) then with pivoting:
    // the same pivots in exact arithmetic (column norms are invariant under Q₁), but the BLAS-2
    // pivoted factorization only touches n rows.
    const Scalar tol = opt.tolerance > 0 ? Scalar(opt.tolerance)
                                         : std::sqrt(Scalar(n)) * std::numeric_limits<Scalar>::epsilon();
    const bool pivoted = opt.precondition == Precondition::col_piv_qr;
    const bool qr_first = !pivoted || 2 * m >= 3 * n;
    Matrix<Scalar> qr1;  // W's unpivoted QR factors (R₁ above the diagonal, reflectors below)
    Vector<Scalar> tau1;
    if (qr_first) {
      qr1.swap(W);
      detail::householder_qr(qr1, tau1);
    }
    Eigen::ColPivHouseholderQR<Matrix<Scalar>> cpqr;
    Matrix<Scalar> X;
    if (pivoted) {
      if (qr_first)
        cpqr.compute(qr1.topRows(n).template triangularView<Eigen::Upper>().toDenseMatrix());
      else
        cpqr.compute(W);
      X = cpqr.matrixQR().topRows(n).template triangularView<Eigen::Upper>().transpose();
    } else {
      X = qr1.topRows(n).template triangularView<Eigen::Upper>().transpose();
    }
    W.resize(0, 0);
    Matrix<Scalar> J;
    if (want_vectors) identity_advised(J, n);
    detail::eigenvector_start(X, J, want_vectors, opt.eigenvector_start_grading);
    // step 2 — sweeps on Rᵀ (Rᵀ·J = Y = U_Y·Σ, so A·P = Q·J·Σ·U_Yᵀ).
    rep = detail::one_sided_jacobi(X, J, sigma, tol, max_sweeps,
                                   detail::jacobi_panel_width(n, J.rows(), sizeof(Scalar), opt.block_size));
    if (want_vectors) {
      // U = Q·J with Q = Q₁·Q₂ applied as blocked Householder reflectors (never formed); V = P·U_Y.
      // (after a QR first, Q₂'s reflectors are n long and go onto J itself; else they are m long)
      if (pivoted && qr_first) detail::apply_reflectors_left(cpqr.matrixQR(), cpqr.hCoeffs(), n, 0, J);
      U = Matrix<Scalar>::Zero(m, full ? m : n);
      U.topLeftCorner(n, n) = J;
      if (full) U.bottomRightCorner(m - n, m - n).setIdentity();
      if (qr_first)
        detail::apply_reflectors_left(qr1, tau1, n, 0, U);
      else
        detail::apply_reflectors_left(cpqr.matrixQR(), cpqr.hCoeffs(), n, 0, U);
      const Matrix<Scalar> UY = detail::normalized_with_completion(X, sigma, n);
      V = pivoted ? Matrix<Scalar>(cpqr.colsPermutation() * UY) : UY;
    }
  }

  // step 3 — unscale σ (exact: a power of two), swap U/V back for a wide A, sort descending with the
  // vectors, and fix signs deterministically.
  res.S = sigma;
  for (Index j = 0; j < res.S.size(); ++j) res.S(j) = std::ldexp(res.S(j), e);
  if (want_vectors) {
    if (wide) {
      res.U = std::move(V);
      res.V = std::move(U);
    } else {
      res.U = std::move(U);
      res.V = std::move(V);
    }
  }
  detail::require_finite_sigma(res, who);
  detail::sort_and_fix_signs(res);

  // step 4 — info: sweeps, convergence, the largest cosine still rotated in the last sweep.
  res.info.iterations = rep.sweeps;
  res.info.converged = rep.converged;
  res.info.residual_estimate = rep.max_cosine;
  return res;
}
}  // namespace detail

}  // namespace lowrank

namespace lowrank {
// Compiled once into the library for float and double (config.hpp, LOWRANK_EXTERN_TEMPLATE).
LOWRANK_EXTERN_TEMPLATE(float, SvdResult<float> jacobi_svd<Eigen::MatrixXf>(const Eigen::MatrixBase<Eigen::MatrixXf>&,
                                                                            const JacobiOptions&))
LOWRANK_EXTERN_TEMPLATE(double, SvdResult<double> jacobi_svd<Eigen::MatrixXd>(const Eigen::MatrixBase<Eigen::MatrixXd>&,
                                                                              const JacobiOptions&))
namespace detail {
LOWRANK_EXTERN_TEMPLATE(float, SvdResult<float> jacobi_svd_tall<float>(Matrix<float>, bool, const JacobiOptions&))
LOWRANK_EXTERN_TEMPLATE(double, SvdResult<double> jacobi_svd_tall<double>(Matrix<double>, bool, const JacobiOptions&))
LOWRANK_EXTERN_TEMPLATE(float, JacobiSweepReport one_sided_jacobi<float>(Matrix<float>&, Matrix<float>&, Vector<float>&,
                                                                         float, int, Index))
LOWRANK_EXTERN_TEMPLATE(double, JacobiSweepReport one_sided_jacobi<double>(Matrix<double>&, Matrix<double>&,
                                                                           Vector<double>&, double, int, Index))
}  // namespace detail
}  // namespace lowrank
