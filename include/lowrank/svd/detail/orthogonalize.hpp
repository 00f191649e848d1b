#pragma once
/// \file svd/detail/orthogonalize.hpp  Orthonormalization used by the truncated solvers. Not stable API.
///
/// - `orthonormalize(Y)`: thin orthonormal basis of a tall block. CholeskyQR2 (Fukaya et al. 2014: two
///   Cholesky-QR passes, all BLAS-3, orthogonal to O(ε) when κ(Y) ≲ ε^{-1/2}); when the first Cholesky
///   fails or the second Gram matrix is far from I (ill-conditioned or rank-deficient Y) it falls back to
///   Householder QR (LAPACK geqrf + orgqr via Eigen), which always returns orthonormal columns.
/// - `orthogonalize_against(Q, v)`: classical Gram–Schmidt repeated while the norm drops by more than
///   1/√2 ("twice is enough", Giraud et al. 2005; Kahan–Parlett), at most 3 passes.
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/QR>
#include <cmath>
#include <cstdint>
#include <limits>

#include "lowrank/svd/detail/rng.hpp"
#include "lowrank/types.hpp"

namespace lowrank::detail {

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
    Matrix<Scalar> G(l, l);
    G.setZero();
    G.template selfadjointView<Eigen::Lower>().rankUpdate(Y.transpose());
    Eigen::LLT<Matrix<Scalar>, Eigen::Lower> llt(G);
    bool ok = llt.info() == Eigen::Success;
    if (ok) {
      const Scalar dmin = llt.matrixLLT().diagonal().minCoeff(), dmax = llt.matrixLLT().diagonal().maxCoeff();
      ok = dmin > dmax * Scalar(std::sqrt(std::numeric_limits<Scalar>::epsilon())) * Scalar(1e-2);
    }
    if (ok) {
      Matrix<Scalar> Q = Y;
      llt.matrixU().template solveInPlace<Eigen::OnTheRight>(Q);  // Q = Y R⁻¹
      G.setZero();
      G.template selfadjointView<Eigen::Lower>().rankUpdate(Q.transpose());
      const Scalar off = (G - Matrix<Scalar>::Identity(l, l)).template lpNorm<Eigen::Infinity>();
      if (off < Scalar(0.5)) {  // second pass on a nearly orthonormal Q: orthonormal to O(ε)
        Eigen::LLT<Matrix<Scalar>, Eigen::Lower> llt2(G);
        if (llt2.info() == Eigen::Success) {
          llt2.matrixU().template solveInPlace<Eigen::OnTheRight>(Q);
          if (Q.allFinite()) {
            Y.swap(Q);
            return true;
          }
        }
      }
    }
  }
  householder_orthonormalize(Y);
  return false;
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

}  // namespace lowrank::detail
