#pragma once
/// \file svd/detail/cholesky_qr.hpp  CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa & Yamamoto 2014;
/// stability analysis: Yamamoto, Nakatsukasa, Yanagisawa & Fukaya 2015): the QR factorization of a tall
/// matrix from two Cholesky factorizations of Gram matrices, Y = Q·R with all the m-sized work in SYRK,
/// TRSM and GEMM. Used by the truncated solvers' orthonormalizations and by golub_kahan_svd's QR
/// pre-factorization of tall matrices (thin vectors). Not stable API.
///
/// Cost per pass: m·l² (SYRK) + l³/3 (Cholesky) + m·l² (TRSM); twice the flops of one Householder QR's
/// 2m·l² − 2l³/3 in all, but at GEMM rate instead of Householder's panel-bound one.
/// Accuracy: backward stable, ‖Q·R − Y‖ = O(ε‖Y‖), and ‖QᵀQ − I‖ = O(ε) when κ(Y) < 1/(2√ε); the routine
/// checks that bound before it writes anything and refuses otherwise (callers use Householder QR then).
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>

#include "lowrank/error.hpp"
#include "lowrank/kernels.hpp"
#include "lowrank/svd/detail/bidiagonal_qr.hpp"
#include "lowrank/svd/detail/householder.hpp"
#include "lowrank/types.hpp"

namespace lowrank::detail {

/// G := YᵀY (l×l, the lower triangle computed, the upper zero): the run-time-dispatched SYRK kernel.
template <class Scalar>
void gram_lower(const Matrix<Scalar>& Y, Matrix<Scalar>& G) {
  const Index l = Y.cols();
  G.setZero(l, l);
  kernels::syrk(true, l, Y.rows(), Scalar(1), Y.data(), Y.rows(), Scalar(1), G.data(), l);
}

/// Y := Y·R⁻¹ for the Cholesky factor R = Lᵀ of a factorization LLᵀ (lower L in `llt`), through the
/// run-time-dispatched TRSM kernel.
template <class Scalar>
void solve_right_cholesky(Matrix<Scalar>& Y, const Eigen::LLT<Matrix<Scalar>, Eigen::Lower>& llt) {
  const Matrix<Scalar>& L = llt.matrixLLT();
  kernels::trsm_right_lower_t(Y.rows(), Y.cols(), L.data(), L.rows(), Y.data(), Y.rows());
}

/// The explicit inverse R⁻¹ = L⁻ᵀ of the Cholesky factor R = Lᵀ (lower L in `llt`), by the dispatched TRSM
/// on the identity: l³/3 useful flops; Eigen's solve at the baseline instruction set took 12.6 ms at
/// l = 500 against 3.5 ms.
template <class Scalar>
Matrix<Scalar> cholesky_factor_inverse(const Eigen::LLT<Matrix<Scalar>, Eigen::Lower>& llt) {
  const Matrix<Scalar>& L = llt.matrixLLT();
  const Index l = L.rows();
  Matrix<Scalar> inverse = Matrix<Scalar>::Identity(l, l);
  kernels::trsm_right_lower_t(l, l, L.data(), l, inverse.data(), l);
  return inverse;
}

/// Y.leftCols(r) := Y·M for M (Y.cols() × r, r ≤ Y.cols()), in place by row blocks through the
/// run-time-dispatched GEMM: no second tall array beside Y (at scale that array was a solver's peak,
/// and on a virtual machine its fresh pages cost as much as the product).
template <class Scalar>
void multiply_right_in_place(Matrix<Scalar>& Y, const Eigen::Ref<const Matrix<Scalar>>& M) {
  const Index m = Y.rows(), k = Y.cols(), r = M.cols();
  constexpr Index kRows = 512;
  Matrix<Scalar> rows(std::min(kRows, m), r);
  for (Index r0 = 0; r0 < m; r0 += kRows) {
    const Index h = std::min(kRows, m - r0);
    kernels::gemm(false, false, h, r, k, Scalar(1), Y.data() + r0, m, M.data(), M.outerStride(), Scalar(0), rows.data(),
                  rows.rows());
    Y.middleRows(r0, h).leftCols(r) = rows.topRows(h);
  }
}

/// What cholesky_qr2() left in Y.
enum class CholeskyQr { untouched, first_pass, done };

/// The singular values of the square upper triangular R, descending (values-only Golub–Kahan on a copy
/// scaled to max |r_ij| = 1, then scaled back): absolute error O(ε·σ₁).
template <class Scalar>
Vector<Scalar> triangular_singular_values(const Matrix<Scalar>& R) {
  Matrix<Scalar> B = R.template triangularView<Eigen::Upper>();
  const Scalar amax = B.cwiseAbs().maxCoeff();
  Vector<Scalar> d, e, tauq, taup;
  if (!(amax > Scalar(0))) return Vector<Scalar>::Zero(R.cols());
  B /= amax;
  bidiagonalize(B, d, e, tauq, taup);
  bidiagonal_qr<Scalar>(d, e, nullptr, nullptr);  // ≥ 0, descending
  return d * amax;
}

/// CholeskyQR2 in place: Y (m×l) := Q with Y = Q·R, R (l×l, upper triangular) in `R`. Backward stable,
/// ‖Q·R − Y‖ = O(ε‖Y‖) and ‖QᵀQ − I‖ = O(ε), when κ(Y) < 1/(2√ε); otherwise it returns `untouched` (Y and
/// R unchanged) before writing anything. `first_pass` (Y = Q₁ from the first pass, R = R₁) means the
/// second Cholesky failed, which that bound rules out in exact arithmetic; callers treat it as a failure.
/// `passes` = 1 stops after the first pass (half the work; Y is then a basis with ‖YᵀY − I‖ ≲ κ²ε ≤ 1/4
/// and returns `done`). With `R2_inverse`, the second pass stops before its TRSM over Y: Y is left as
/// Q₁ and *R2_inverse = R₂⁻¹ (l×l, κ ≤ √3), so that Q = Y·R₂⁻¹ — for a caller that needs only Q·M for a
/// small M, computed as Y·(R₂⁻¹·M): l³ flops instead of the TRSM's m·l².
template <class Scalar>
CholeskyQr cholesky_qr2(Matrix<Scalar>& Y, Matrix<Scalar>& R, int passes = 2, Matrix<Scalar>* R2_inverse = nullptr) {
  const Index l = Y.cols();
  if (l == 0) {
    R.resize(0, 0);
    if (R2_inverse != nullptr) R2_inverse->resize(0, 0);
    return CholeskyQr::done;
  }
  Matrix<Scalar> G;
  gram_lower(Y, G);
  // a NaN or Inf in Y, or an overflowing column norm, shows on G's diagonal (G_ii = Σ y_ki²): a
  // vectorized check instead of a scalar pass over all of Y
  if (!G.diagonal().allFinite()) return CholeskyQr::untouched;
  Eigen::LLT<Matrix<Scalar>, Eigen::Lower> llt(G);
  if (llt.info() != Eigen::Success) return CholeskyQr::untouched;
  // The first pass overwrites Y (no copy: Y is the big array, users × l at scale), so it runs only where
  // the second pass is sure to succeed, κ(R) = κ(Y) < 1/(2√ε) (then ‖Q₁ᵀQ₁ − I‖ ≈ κ²ε ≤ 1/4). A diagonal
  // ratio can miss a Kahan-like R; two tests that cannot: first the upper bound κ(R) ≤ ‖R‖_F·‖R⁻¹‖_F
  // (at most l times too large) from the explicit inverse of the l×l factor; only where it fails, κ(R)
  // itself from the singular values of R (absolute error ε·σ₁, far below the threshold). Those alone cost a fifth of
  // the pass (1.2 ms at l = 110 against 5.9 ms for a pass over 6040 rows), and every subspace iteration step runs one.
  const Scalar threshold = Scalar(1) / Scalar(2 * std::sqrt(std::numeric_limits<Scalar>::epsilon()));
  const Matrix<Scalar> R1inv = cholesky_factor_inverse(llt);
  Matrix<Scalar> R1 = llt.matrixU();
  if (!(R1.stableNorm() * R1inv.stableNorm() < threshold)) {
    const Vector<Scalar> sv = triangular_singular_values(R1);
    if (!(sv(l - 1) * threshold > sv(0))) return CholeskyQr::untouched;
  }
  if (passes == 1) {
    // Y ← Y R₁⁻¹: ‖QᵀQ − I‖ ≲ κ²ε ≤ 1/4, a well-conditioned basis whose span is all that is used. Through
    // the explicit inverse (a GEMM, in place by row blocks) rather than the triangular solve: the span's
    // error is O(κε) either way, and at l = 20 the TRSM ran at a sixth of the GEMM's rate (0.21 vs 0.07 ms
    // on 6040 rows); the backward-stable solve stays for the orthonormal basis below.
    multiply_right_in_place<Scalar>(Y, R1inv);
    R.swap(R1);
    return CholeskyQr::done;
  }
  solve_right_cholesky(Y, llt);  // Y ← Y R₁⁻¹
  R.swap(R1);
  gram_lower(Y, G);
  LOWRANK_CHECK(G.diagonal().allFinite(), non_finite, "cholesky_qr2: the first pass's basis Y·R₁⁻¹ overflowed");
  const Scalar off = (G - Matrix<Scalar>::Identity(l, l)).template lpNorm<Eigen::Infinity>();
  if (!(off < Scalar(0.5))) return CholeskyQr::first_pass;
  Eigen::LLT<Matrix<Scalar>, Eigen::Lower> llt2(G);
  if (llt2.info() != Eigen::Success) return CholeskyQr::first_pass;
  // G ≈ I within 1/2: R₂'s singular values lie in [√½, √(3/2)], so Y R₂⁻¹ is finite when Y is
  if (R2_inverse != nullptr)
    *R2_inverse = cholesky_factor_inverse(llt2);
  else
    solve_right_cholesky(Y, llt2);
  // R = R₂·R₁ through the dispatched GEMM (both upper triangular, so the product's lower part is exact 0)
  const Matrix<Scalar> R2 = llt2.matrixU();
  Matrix<Scalar> product(l, l);
  kernels::gemm(false, false, l, l, l, Scalar(1), R2.data(), l, R.data(), l, Scalar(0), product.data(), l);
  R.swap(product);
  return CholeskyQr::done;
}

}  // namespace lowrank::detail

namespace lowrank::detail {
// Compiled once into the library for float and double (config.hpp, LOWRANK_EXTERN_TEMPLATE).
LOWRANK_EXTERN_TEMPLATE(float, CholeskyQr cholesky_qr2<float>(Matrix<float>&, Matrix<float>&, int, Matrix<float>*))
LOWRANK_EXTERN_TEMPLATE(double, CholeskyQr cholesky_qr2<double>(Matrix<double>&, Matrix<double>&, int, Matrix<double>*))
}  // namespace lowrank::detail
