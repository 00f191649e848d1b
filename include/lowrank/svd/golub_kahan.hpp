#pragma once
/// \file svd/golub_kahan.hpp  Dense SVD by Golub–Kahan bidiagonalization and a bidiagonal SVD: Golub &
/// Kahan (1965), Golub & Reinsch (1970); with vectors the LAPACK dgesdd path (dgeqrf → dgebrd → dbdsdc,
/// Gu & Eisenstat's divide and conquer → dormbr), values only (or a user tolerance / iteration cap) the
/// dgesvd one with dbdsqr (Demmel & Kahan's implicit QR); values only from n = 256 the reduction runs in
/// two stages through a band (band_reduction.hpp).
///
/// Cost: 4mn² − 4n³/3 flops for the reduction (half of them GEMM: blocked like dgebrd), O(n²) for the
/// singular values, with vectors about 8n³/3 GEMM flops for divide and conquer (less after deflation)
/// plus 4mn² for forming U and V. Tall matrices (m ≥ 1.6·n by default) are QR-factored first: with thin
/// vectors and m ≥ 4n by CholeskyQR2 (cholesky_qr.hpp; κ(A) permitting), U = Q₁·(R₂⁻¹·U_R) by one GEMM.
/// Accuracy: backward stable, ‖A − U·S·Vᵀ‖ = O(ε·‖A‖), σᵢ to O(ε·σ₁) absolute; values only, the
/// bidiagonal QR keeps the singular values of B to high relative accuracy, but the Householder reduction
/// does not, so small σᵢ of a graded A are only accurate relative to σ₁ — use jacobi_svd when they matter.
/// Speed (1 thread, Zen 3 AVX2, double, thin, one run): n = 1000 0.40 s, 1.02× LAPACK dgesdd (OpenBLAS);
/// n = 2000 0.87×, 4000×500 0.88× (0.71–0.84× on Zen 4 AVX-512 since the CholeskyQR2 route); 0.37–0.54× Eigen's BDCSVD;
/// values only at n = 2000 0.47–0.55× dgesdd. The QR route (divide_and_conquer = false) takes ~1.5 s at n = 1000, its
/// rotations dominating. Not for a few leading triplets of a big matrix (use randomized_svd or lanczos_svd).
/// info.residual_estimate is the a-priori max(m,n)·ε.
#include <Eigen/Core>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <limits>

#include "lowrank/error.hpp"
#include "lowrank/svd/detail/eigen_instances.hpp"
#include "lowrank/detail/huge_pages.hpp"
#include "lowrank/svd/common.hpp"
#include "lowrank/svd/detail/band_reduction.hpp"
#include "lowrank/svd/detail/bidiagonal_dc.hpp"
#include "lowrank/svd/detail/bidiagonal_qr.hpp"
#include "lowrank/svd/detail/cholesky_qr.hpp"
#include "lowrank/svd/detail/householder.hpp"
#include "lowrank/types.hpp"

namespace lowrank {

/// Options of golub_kahan_svd. `tolerance` (0 = dbdsqr's default, ~10–100·ε relative; values below ε
/// are raised to ε; must be < 1) is the relative convergence threshold of the bidiagonal QR;
/// `max_iterations` (0 = dbdsqr's cap of 6·n² inner steps only) caps the number of QR sweeps.
struct GolubKahanOptions : SvdOptions {
  Index block_size = 32;     ///< panel width of the blocked bidiagonalization (dlabrd nb)
  Index block_crossover = 128;  ///< the last ≤ this many columns are reduced unblocked (dgebrd nx)
  double qr_ratio = 1.6;     ///< QR-factor first when m ≥ qr_ratio·n (after transposing a wide A)
  /// With thin vectors and m ≥ cholesky_qr_ratio·n, do that QR by CholeskyQR2 (two SYRKs, one TRSM, U by
  /// one GEMM) where κ(A) < 1/(2√ε) allows, instead of Householder QR (dgeqrf) and applying its
  /// reflectors to form U (dormqr): the same backward error at GEMM rate, but ~5mn² + 6n³ flops against
  /// 6mn² − 8n³/3, so only for m well above n (measured crossover m ≈ 3n). 0 = always Householder.
  double cholesky_qr_ratio = 4;
  /// With vectors, solve the bidiagonal SVD by divide and conquer (dbdsdc) instead of implicit QR
  /// (dbdsqr) when n > 32 and neither tolerance nor max_iterations is set: ~10× faster at n = 1000,
  /// singular values of B to absolute rather than relative accuracy (the reduction limits them to that).
  bool divide_and_conquer = true;
  /// Values only: from this n on, reduce in two stages, dense → upper band of width block_size (QR/LQ
  /// panels, GEMM updates) → bidiagonal (bulge chasing), instead of dgebrd's one stage whose matrix–vector
  /// products stream the matrix from memory once per column. 0 = always one stage.
  Index two_stage_crossover = 256;
};

namespace detail {

/// SVD of a tall (m ≥ n) matrix already scaled to max|a_ij| = 1; the core of golub_kahan_svd.
template <class Scalar>
SvdResult<Scalar> golub_kahan_tall(Matrix<Scalar> W, const GolubKahanOptions& opt) {
  const Index m = W.rows(), n = W.cols();
  const bool want = opt.vectors != Vectors::none, full = opt.vectors == Vectors::full;
  SvdResult<Scalar> res;
  // step 1 — QR pre-factorization for tall A: work on R (n×n), U = Q·[U_R; 0]. With thin vectors by
  // CholeskyQR2 where κ(A) allows: Q = Q₁·R₂⁻¹ with Q₁ in `qr`, so U = Q₁·(R₂⁻¹·U_R) is one GEMM, in place
  // (no second m×n array). At 4000×500 the whole SVD took 217–234 ms this way against 288–320 (Householder).
  const bool use_qr = n > 0 && double(m) >= opt.qr_ratio * double(n) && m > n;
  Matrix<Scalar> qr;  // Householder: A's QR factors (R above the diagonal, the reflectors below); else Q₁
  Vector<Scalar> qr_tau;
  Matrix<Scalar> R2inv;  // CholeskyQR2's R₂⁻¹
  bool cholesky = false;
  if (use_qr) {
    qr.swap(W);
    if (want && !full && opt.cholesky_qr_ratio > 0 && double(m) >= opt.cholesky_qr_ratio * double(n)) {
      Matrix<Scalar> R;
      const CholeskyQr outcome = cholesky_qr2(qr, R, 2, &R2inv);
      cholesky = outcome == CholeskyQr::done;
      if (cholesky) W.swap(R);
      // the second Cholesky failed (ruled out by the κ test in exact arithmetic): A = Q₁·R₁ again,
      // within O(ε‖A‖), for Householder
      if (outcome == CholeskyQr::first_pass) qr = qr * R.template triangularView<Eigen::Upper>();
    }
    if (!cholesky) {
      householder_qr(qr, qr_tau);
      W = qr.topRows(n).template triangularView<Eigen::Upper>();
    }
  }
  // step 2 — blocked Householder bidiagonalization W = Q_B·B·P_Bᵀ (values only and large: in two stages)
  Vector<Scalar> d, e, tauq, taup;
  if (!want && opt.two_stage_crossover > 0 && n >= opt.two_stage_crossover) {
    reduce_to_band(W, opt.block_size);
    band_to_bidiagonal(W, opt.block_size, d, e);
  } else {
    bidiagonalize(W, d, e, tauq, taup, opt.block_size, opt.block_crossover);
  }
  // step 3 — bidiagonal SVD B = U_B·Σ·V_Bᵀ by divide and conquer (dbdsdc) or implicit QR (dbdsqr)
  Matrix<Scalar> UB, VB;
  if (want) {
    identity_advised(UB, n);  // fresh arrays: huge pages spare most first-touch page faults (~6 % at n = 1000)
    identity_advised(VB, n);
  }
  const long max_sweeps = opt.max_iterations > 0 ? long(opt.max_iterations) : -1;
  // a requested tolerance below ε could never be met by the relative tests: raise it to ε
  const Scalar tol =
      opt.tolerance > 0 ? std::max(Scalar(opt.tolerance), std::numeric_limits<Scalar>::epsilon()) : Scalar(0);
  bool solved = false;
  if (want && opt.divide_and_conquer && n > kBidiagonalLeaf && opt.tolerance == 0 && opt.max_iterations == 0) {
    Vector<Scalar> dc = d;
    int iterations = 0;
    solved = bidiagonal_svd_dc<Scalar>(dc, e, UB, VB, iterations);
    if (solved) {
      d.swap(dc);
      res.info.iterations = iterations;
    } else {  // a secular equation did not converge: the QR below starts again from the identity
      identity_advised(UB, n);
      identity_advised(VB, n);
    }
  }
  if (!solved) {
    const BidiagonalQrInfo qi =
        bidiagonal_qr<Scalar>(d, e, want ? &UB : nullptr, want ? &VB : nullptr, tol, 6, max_sweeps);
    res.info.converged = qi.converged;
    res.info.iterations = qi.iterations;
  }
  res.S = d;
  if (!want) return res;
  // step 4 — back-transform: U = Q·Q_B·U_B, V = P_B·V_B (blocked reflector application)
  const Index ucols = full ? m : n;
  Matrix<Scalar> Uw;
  if (use_qr || m == n) {
    Uw.swap(UB);  // W square (R, or a square A): Q_B·U_B in U_B's own storage (no fresh array to fault in)
  } else {
    resize_advised(Uw, m, ucols);  // no QR, m > n: Q_B·[U_B 0; 0 I]
    Uw.setIdentity();
    Uw.topLeftCorner(n, n) = UB;
  }
  apply_q(W, tauq, Uw);
  if (cholesky) {
    Matrix<Scalar> M(n, n);  // R₂⁻¹·U_R
    kernels::gemm(false, false, n, n, n, Scalar(1), R2inv.data(), n, Uw.data(), n, Scalar(0), M.data(), n);
    multiply_right_in_place<Scalar>(qr, M);
    res.U.swap(qr);
  } else if (use_qr) {
    resize_advised(res.U, m, ucols);
    res.U.setIdentity();
    res.U.topLeftCorner(n, n) = Uw;
    apply_reflectors_left(qr, qr_tau, n, 0, res.U);
  } else {
    res.U.swap(Uw);
  }
  apply_p_destroying(W, taup, VB);  // W's last use: its storage is the scratch
  res.V.swap(VB);
  return res;
}

/// golub_kahan_svd's steps 1–5 on W, tall (rows ≥ cols), finite and not empty, which it consumes: scale
/// by max|w_ij| (so that 1e±300-scaled matrices neither overflow nor underflow), factor, unscale. σ come
/// unsorted, signs as they fall. golub_kahan_svd runs it on A's copy (Aᵀ's when A is wide); the randomized
/// solver on its projected matrix Bᵀ = AᵀQ, which needs no copy.
template <class Scalar>
SvdResult<Scalar> golub_kahan_consume(Matrix<Scalar> W, const GolubKahanOptions& opt) {
  const Index m = W.rows(), n = W.cols();
  const Scalar amax = W.cwiseAbs().maxCoeff();
  SvdResult<Scalar> res;
  if (amax == Scalar(0)) {
    // zero matrix: σ = 0, any orthonormal U, V (the identity columns)
    res.S.setZero(n);
    if (opt.vectors != Vectors::none) {
      res.U = Matrix<Scalar>::Identity(m, opt.vectors == Vectors::full ? m : n);
      res.V = Matrix<Scalar>::Identity(n, n);
    }
    return res;
  }
  const Scalar inv = Scalar(1) / amax;
  if (std::isfinite(inv) && inv >= std::numeric_limits<Scalar>::min())
    W *= inv;
  else
    W /= amax;  // amax denormal: 1/amax overflows
  res = golub_kahan_tall<Scalar>(std::move(W), opt);
  // step 5 — unscale (σ·amax cannot overflow: σ₁ ≤ √(mn)·max|a| is representable for finite A unless A
  // is within √(mn) of overflow; require_finite_sigma names that case)
  res.S *= amax;
  return res;
}

}  // namespace detail

/// Singular value decomposition A = U·diag(S)·Vᵀ by Golub–Kahan bidiagonalization (blocked, dgebrd)
/// and implicit zero-shift/shifted bidiagonal QR (dbdsqr). A is copied (the algorithm works in place).
/// \param A    any dense m×n Eigen expression (float or double), finite, non-empty
/// \param opt  vectors none / thin (U m×r, V n×r, r = min(m, n)) / full (U m×m, V n×n), tolerance,
///             max_iterations (QR sweeps), block_size, qr_ratio
/// \returns S descending ≥ 0 with sign-normalized U, V; info.converged = false when the iteration cap
///          stopped the bidiagonal QR (the result is still sorted and usable, at reduced accuracy)
/// \throws lowrank::Error shape_mismatch (empty A), non_finite (naming the entry), invalid_argument
template <class Derived>
SvdResult<typename Derived::Scalar> golub_kahan_svd(const Eigen::MatrixBase<Derived>& A,
                                                    const GolubKahanOptions& opt = {}) {
  using Scalar = typename Derived::Scalar;
  static const char* who = "golub_kahan_svd";
  // step 0 — validate, copy A (Aᵀ when wide) for steps 1–5, which scale it and overwrite it
  validate_dense(A, who);
  validate_options(opt, who);
  LOWRANK_CHECK(opt.tolerance < 1, invalid_argument, who, ": tolerance ", opt.tolerance, " must be < 1");
  LOWRANK_CHECK(opt.block_size >= 1, invalid_argument, who, ": block_size ", opt.block_size, " must be >= 1");
  LOWRANK_CHECK(opt.two_stage_crossover >= 0, invalid_argument, who, ": two_stage_crossover ", opt.two_stage_crossover,
                " must be >= 0");
  LOWRANK_CHECK(opt.block_crossover >= 0, invalid_argument, who, ": block_crossover ", opt.block_crossover,
                " must be >= 0");
  LOWRANK_CHECK(opt.qr_ratio >= 1 && std::isfinite(opt.qr_ratio), invalid_argument, who, ": qr_ratio ",
                opt.qr_ratio, " must be finite and >= 1");
  LOWRANK_CHECK(opt.cholesky_qr_ratio == 0 || (opt.cholesky_qr_ratio >= 1 && std::isfinite(opt.cholesky_qr_ratio)),
                invalid_argument, who, ": cholesky_qr_ratio ", opt.cholesky_qr_ratio, " must be 0 or finite and >= 1");
  const Index m = A.rows(), n = A.cols();
  const bool wide = m < n;
  Matrix<Scalar> W;
  detail::resize_advised(W, wide ? n : m, wide ? m : n);
  if (wide)
    W = A.transpose();
  else
    W = A;
  SvdResult<Scalar> res = detail::golub_kahan_consume<Scalar>(std::move(W), opt);
  if (wide) res.U.swap(res.V);
  // step 6 — sort, fix signs, info
  detail::require_finite_sigma(res, who);
  detail::sort_and_fix_signs(res);
  res.info.method = "golub_kahan";
  res.info.residual_estimate = double(std::max(m, n)) * double(std::numeric_limits<Scalar>::epsilon());
  if (!res.info.converged)
    res.info.warning = "golub_kahan_svd: the bidiagonal QR reached its iteration cap; accuracy is reduced";
  return res;
}

}  // namespace lowrank

namespace lowrank {
// Compiled once into the library for float and double (config.hpp, LOWRANK_EXTERN_TEMPLATE).
LOWRANK_EXTERN_TEMPLATE(float,
                        SvdResult<float> golub_kahan_svd<Eigen::MatrixXf>(const Eigen::MatrixBase<Eigen::MatrixXf>&,
                                                                          const GolubKahanOptions&))
LOWRANK_EXTERN_TEMPLATE(double,
                        SvdResult<double> golub_kahan_svd<Eigen::MatrixXd>(const Eigen::MatrixBase<Eigen::MatrixXd>&,
                                                                           const GolubKahanOptions&))
namespace detail {
LOWRANK_EXTERN_TEMPLATE(float, SvdResult<float> golub_kahan_tall<float>(Matrix<float>, const GolubKahanOptions&))
LOWRANK_EXTERN_TEMPLATE(double, SvdResult<double> golub_kahan_tall<double>(Matrix<double>, const GolubKahanOptions&))
LOWRANK_EXTERN_TEMPLATE(float, SvdResult<float> golub_kahan_consume<float>(Matrix<float>, const GolubKahanOptions&))
LOWRANK_EXTERN_TEMPLATE(double, SvdResult<double> golub_kahan_consume<double>(Matrix<double>, const GolubKahanOptions&))
}  // namespace detail
}  // namespace lowrank
