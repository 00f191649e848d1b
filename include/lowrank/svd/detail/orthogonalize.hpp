#pragma once
/// \file svd/detail/orthogonalize.hpp  Orthonormalization used by the truncated solvers. Not stable API.
///
/// - `orthonormalize(Y)`: thin orthonormal basis of a tall block: cholesky_qr2 (cholesky_qr.hpp) in place;
///   when the first Cholesky fails or κ(R) ≥ 1/(2√ε) (ill-conditioned or rank-deficient Y) it uses
///   Householder QR (LAPACK geqrf + orgqr via Eigen) on the untouched Y, which always returns orthonormal
///   columns.
/// - `orthogonalize_against(Q, v)`: classical Gram–Schmidt repeated while the norm drops by more than
///   1/√2 ("twice is enough", Giraud et al. 2005; Kahan–Parlett), at most 3 passes.
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "lowrank/error.hpp"
#include "lowrank/svd/detail/eigen_instances.hpp"
#include "lowrank/svd/detail/cholesky_qr.hpp"
#include "lowrank/kernels.hpp"
#include "lowrank/svd/detail/rng.hpp"
#include "lowrank/types.hpp"

namespace lowrank::detail {

/// C := alpha·op(A)·op(B) + beta·C (op(X) = Xᵀ when trans_x) through the run-time-dispatched GEMM for
/// float and double: Eigen's own products in these headers run at the library's baseline instruction set
/// (SSE2 on x86-64), and in lanczos_svd they were half of the block solver's time. beta = 0 does not read C.
template <class Scalar>
void gemm_dispatched(bool trans_a, bool trans_b, Scalar alpha, const Eigen::Ref<const Matrix<Scalar>>& A,
                     const Eigen::Ref<const Matrix<Scalar>>& B, Scalar beta, Eigen::Ref<Matrix<Scalar>> C) {
  const Index k = trans_a ? A.rows() : A.cols();
  if (C.size() == 0) return;
  if (k == 0) {
    if (beta == Scalar(0))
      C.setZero();
    else
      C *= beta;
    return;
  }
  if constexpr (std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>) {
    kernels::gemm(trans_a, trans_b, C.rows(), C.cols(), k, alpha, A.data(), A.outerStride(), B.data(), B.outerStride(),
                  beta, C.data(), C.outerStride());
  } else {
    Matrix<Scalar> product =
        trans_a ? (trans_b ? Matrix<Scalar>(A.transpose() * B.transpose()) : Matrix<Scalar>(A.transpose() * B))
                : (trans_b ? Matrix<Scalar>(A * B.transpose()) : Matrix<Scalar>(A * B));
    if (beta == Scalar(0))
      C = alpha * product;
    else
      C = alpha * product + beta * C;
  }
}

/// Householder thin Q of Y (m×l, m >= l), written over Y.
template <class Scalar>
void householder_orthonormalize(Matrix<Scalar>& Y) {
  const Index m = Y.rows(), l = Y.cols();
  Eigen::HouseholderQR<Matrix<Scalar>> qr(Y);
  Y.setIdentity(m, l);
  qr.householderQ().applyThisOnTheLeft(Y);
}

/// Replaces the columns of Y (m×l, l <= m) by an orthonormal basis of their span (completed arbitrarily
/// but deterministically when Y is rank-deficient). Returns true when CholeskyQR2 sufficed.
template <class Scalar>
bool orthonormalize(Matrix<Scalar>& Y) {
  const Index l = Y.cols();
  if (l == 0) return true;
  if (Y.rows() >= 4 * l) {
    Matrix<Scalar> R;
    if (cholesky_qr2(Y, R) == CholeskyQr::done) return true;
  }
  // Householder on the untouched Y or, after a failed second pass, on Q₁ (same span)
  householder_orthonormalize(Y);
  LOWRANK_CHECK(Y.allFinite(), non_finite, "orthonormalize: the basis is not finite");
  return false;
}

/// Makes Y's columns a well-conditioned basis of their span (‖YᵀY − I‖ ≈ κ(Y)²ε ≲ 1/4) by one
/// Cholesky-QR pass where κ(Y) allows, else orthonormalize(Y). For the inner blocks of subspace
/// iteration, where only the span is used (the next operator product): half of orthonormalize's work.
template <class Scalar>
void condition_basis(Matrix<Scalar>& Y) {
  Matrix<Scalar> R;
  if (Y.cols() > 0 && Y.rows() >= 4 * Y.cols() && cholesky_qr2(Y, R, 1) == CholeskyQr::done) return;
  orthonormalize(Y);
}

/// Removes from v its components along the orthonormal columns of Q (CGS2 with a 1/√2 test, ≤ 3 passes)
/// and returns ‖v‖ afterwards.
template <class Scalar, class QType>
Scalar orthogonalize_against(const Eigen::MatrixBase<QType>& Q, Eigen::Ref<Vector<Scalar>> v) {
  Scalar before = v.norm();
  if (Q.cols() == 0) return before;
  Vector<Scalar> h(Q.cols());
  for (int pass = 0; pass < 3; ++pass) {
    h.noalias() = Q.transpose() * v;
    v.noalias() -= Q * h;
    const Scalar after = v.norm();
    if (!(after < Scalar(0.7071067811865476) * before)) return after;  // NaN leaves too (C10)
    before = after;
  }
  return before;
}

/// A unit vector orthogonal to Q's columns drawn from (seed, stream); false when none can be found
/// (Q spans the whole space, up to rounding).
template <class Scalar, class QType>
bool random_orthogonal_vector(const Eigen::MatrixBase<QType>& Q, Eigen::Ref<Vector<Scalar>> v, std::uint64_t seed,
                              std::uint64_t stream) {
  for (std::uint64_t attempt = 0; attempt < 3; ++attempt) {
    Matrix<Scalar> w(v.size(), 1);
    fill_gaussian<Scalar>(w, seed, stream, Index(attempt));
    v = w.col(0);
    const Scalar n0 = v.norm();
    const Scalar n1 = orthogonalize_against<Scalar>(Q, v);
    if (n1 > n0 * Scalar(1e-3) && n1 > 0) {
      orthogonalize_against<Scalar>(Q, v);  // once more for full working accuracy
      v /= v.norm();
      return true;
    }
  }
  v.setZero();
  return false;
}

/// block_orthogonalize's fast path: CholeskyQR2 of the projected block P when it is well conditioned:
/// κ(P)²·ε well below 1, tested on κ_F(R₁) = ‖R₁‖_F·‖R₁⁻¹‖_F (κ₂ ≤ κ_F ≤ b·κ₂) against 1e5 in double and
/// 1/(8√ε) in float. R₁'s diagonal ratio alone missed blocks whose columns differ in norm: R₁ = [1.9e-7
/// −1; 0 3.3e-7], κ ≈ 1e13, passed, and the Lanczos V basis ended 5e-10 from orthonormal. Q = P·R₁⁻¹
/// also carries P's rounding-level components along Qb amplified by up to κ(P): where κ_F is above
/// 10·b and `projected`, Q is projected once more before the second Cholesky pass (BCGS2's second pass
/// acting on the normalized block, Barlow & Smoktunowicz 2013). On success P holds Q and C, R are updated
/// so that P_in = Qb·C + Q·R; false leaves P and C untouched.
template <class Scalar, class QType>
bool block_cholesky_qr2(const Eigen::MatrixBase<QType>& Qb, Matrix<Scalar>& P, Matrix<Scalar>& C, Matrix<Scalar>& R,
                        Scalar thresh, bool projected) {
  const Index b = P.cols();
  const Scalar kappa_max =
      Scalar(1) / std::max(Scalar(1e-5), Scalar(8) * std::sqrt(std::numeric_limits<Scalar>::epsilon()));
  Matrix<Scalar> G(b, b);
  gemm_dispatched<Scalar>(true, false, Scalar(1), P, P, Scalar(0), G);
  Eigen::LLT<Matrix<Scalar>, Eigen::Lower> llt(G);
  if (llt.info() != Eigen::Success) return false;
  const Matrix<Scalar> R1 = llt.matrixU();
  const Scalar dmin = R1.diagonal().cwiseAbs().minCoeff();
  if (!(dmin > thresh && dmin > std::numeric_limits<Scalar>::min())) return false;
  const Scalar kappa = R1.norm() * cholesky_factor_inverse(llt).norm();  // the bound cholesky_qr2 tests first
  if (!(kappa <= kappa_max)) return false;  // NaN too
  Matrix<Scalar> Q = P;
  solve_right_cholesky(Q, llt);  // Q ← P R₁⁻¹
  // the second Cholesky pass R₂ (CholeskyQR2), after one more projection of Q against Qb (T) when κ is large
  Matrix<Scalar> T;
  const bool reproject = projected && kappa > Scalar(10 * b);
  if (reproject) {
    T.resize(Qb.cols(), b);
    gemm_dispatched<Scalar>(true, false, Scalar(1), Qb, Q, Scalar(0), T);    // T = Qbᵀ Q
    gemm_dispatched<Scalar>(false, false, Scalar(-1), Qb, T, Scalar(1), Q);  // Q −= Qb T
  }
  gemm_dispatched<Scalar>(true, false, Scalar(1), Q, Q, Scalar(0), G);
  Eigen::LLT<Matrix<Scalar>, Eigen::Lower> llt2(G);
  if (llt2.info() != Eigen::Success) return false;
  solve_right_cholesky(Q, llt2);
  if (!Q.allFinite()) return false;
  // P = Q₁·R₁ = Qb·(T·R₁) + Q·(R₂·R₁)
  if (reproject) C.noalias() += T * R1.template triangularView<Eigen::Upper>();
  R.noalias() = Matrix<Scalar>(llt2.matrixU()).template triangularView<Eigen::Upper>() * R1;
  P.swap(Q);
  return true;
}

/// Block step of a Lanczos process: makes the block P (l×b) orthogonal to the orthonormal basis Qb (block
/// CGS2, skipped when `project` is false) and orthonormal, so that P_in = Qb·C + Q·R (C is added to, R is
/// b×b upper triangular, Q returned in P). Fast path: CholeskyQR2. When the block is (nearly) rank
/// deficient — a Lanczos breakdown — it falls back to column-wise CGS2 and replaces every column whose
/// remaining norm is not above `thresh` by a seeded random unit vector orthogonal to Qb and to the block
/// (its R row is zero). Returns the number of replaced columns; `stream` advances once per replacement.
/// The second projection pass is skipped where every column kept 1/√2 of its norm (DGKS test), unless
/// `always_twice`: for a P that had components removed before the call, whose norm on entry no longer
/// measures the cancellation.
template <class Scalar, class QType>
Index block_orthogonalize(const Eigen::MatrixBase<QType>& Qb, Matrix<Scalar>& P, Matrix<Scalar>& C, Matrix<Scalar>& R,
                          Scalar thresh, std::uint64_t seed, std::uint64_t& stream, bool project = true,
                          bool always_twice = false) {
  const Index b = P.cols(), nb = Qb.cols();
  if (C.rows() != nb || C.cols() != b) C.setZero(nb, b);
  if (project && nb > 0) {
    Matrix<Scalar> T(nb, b);
    const Eigen::Array<Scalar, 1, Eigen::Dynamic> before = P.colwise().squaredNorm().array();
    for (int pass = 0; pass < 2; ++pass) {
      gemm_dispatched<Scalar>(true, false, Scalar(1), Qb, P, Scalar(0), T);    // T = Qbᵀ P
      gemm_dispatched<Scalar>(false, false, Scalar(-1), Qb, T, Scalar(1), P);  // P −= Qb T
      C += T;
      // DGKS test (Daniel, Gragg, Kaufman & Stewart 1976, η = 1/√2), column by column: a column that kept
      // at least 1/√2 of its norm carries rounding along Qb of only O(ε)·‖column‖, and the second pass
      // would remove nothing more ("twice is enough" needs the second pass only after cancellation)
      if (pass == 0 && !always_twice && (P.colwise().squaredNorm().array() >= Scalar(0.5) * before).all())
        break;  // NaN: both
    }
  }
  R.setZero(b, b);
  if (block_cholesky_qr2(Qb, P, C, R, thresh, project && nb > 0)) return 0;
  // fallback: column-wise CGS2 with random replacement of deficient columns
  const Matrix<Scalar> P0 = P;
  Index replaced = 0;
  Vector<Scalar> r(P.rows());
  for (Index i = 0; i < b; ++i) {
    r = P0.col(i);
    for (int pass = 0; pass < 2; ++pass) {
      if (nb > 0) {
        const Vector<Scalar> h = Qb.transpose() * r;
        r.noalias() -= Qb * h;
        C.col(i) += h;
      }
      if (i > 0) {
        const Vector<Scalar> h = P.leftCols(i).transpose() * r;
        r.noalias() -= P.leftCols(i) * h;
        R.col(i).head(i) += h;
      }
    }
    const Scalar nr = r.norm();
    if (nr > thresh && nr > std::numeric_limits<Scalar>::min()) {
      P.col(i) = r / nr;
      R(i, i) = nr;
      continue;
    }
    ++replaced;
    R(i, i) = 0;
    bool ok = false;
    for (int attempt = 0; attempt < 3 && !ok; ++attempt) {
      Matrix<Scalar> w(P.rows(), 1);
      fill_gaussian<Scalar>(w, seed, stream++);
      r = w.col(0);
      const Scalar n0 = r.norm();
      for (int pass = 0; pass < 2; ++pass) {
        if (nb > 0) r.noalias() -= Qb * (Qb.transpose() * r).eval();
        if (i > 0) r.noalias() -= P.leftCols(i) * (P.leftCols(i).transpose() * r).eval();
      }
      const Scalar n1 = r.norm();
      ok = n1 > Scalar(1e-3) * n0 && n1 > 0;
      if (ok) P.col(i) = r / n1;
    }
    if (!ok) P.col(i).setZero();  // the basis already spans the space
  }
  return replaced;
}

}  // namespace lowrank::detail

namespace lowrank::detail {
// Compiled once into the library for float and double (config.hpp, LOWRANK_EXTERN_TEMPLATE).
LOWRANK_EXTERN_TEMPLATE(float, void householder_orthonormalize<float>(Matrix<float>&))
LOWRANK_EXTERN_TEMPLATE(double, void householder_orthonormalize<double>(Matrix<double>&))
LOWRANK_EXTERN_TEMPLATE(float, void condition_basis<float>(Matrix<float>&))
LOWRANK_EXTERN_TEMPLATE(double, void condition_basis<double>(Matrix<double>&))
LOWRANK_EXTERN_TEMPLATE(float, bool orthonormalize<float>(Matrix<float>&))
LOWRANK_EXTERN_TEMPLATE(double, bool orthonormalize<double>(Matrix<double>&))
}  // namespace lowrank::detail
