#pragma once
/// \file svd/common.hpp  Pieces every SVD solver shares: input validation, scaling, ordering and sign
/// normalization of the result, and residual ratios.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "lowrank/error.hpp"
#include "lowrank/kernels.hpp"
#include "lowrank/types.hpp"

namespace lowrank {

/// Throws `Errc::shape_mismatch` for an empty matrix and `Errc::non_finite` naming the first NaN/Inf
/// entry (row, column). `who` is the public function's name, used as the message prefix.
template <class Derived>
void validate_dense(const Eigen::MatrixBase<Derived>& A, const char* who) {
  LOWRANK_CHECK(A.rows() > 0 && A.cols() > 0, shape_mismatch, who, ": A is empty (", A.rows(), "×", A.cols(), ")");
  for (Index j = 0; j < A.cols(); ++j)
    for (Index i = 0; i < A.rows(); ++i) {
      const auto v = A(i, j);
      LOWRANK_CHECK(std::isfinite(static_cast<double>(v)), non_finite, who, ": A has a non-finite entry ", v,
                    " at (", i, ", ", j, ")");
    }
}

/// Throws `Errc::invalid_argument` unless 1 <= rank <= min(rows, cols).
inline void validate_rank(Index rank, Index rows, Index cols, const char* who) {
  LOWRANK_CHECK(rows > 0 && cols > 0, shape_mismatch, who, ": A is empty (", rows, "×", cols, ")");
  LOWRANK_CHECK(rank >= 1 && rank <= std::min(rows, cols), invalid_argument, who, ": rank ", rank,
                " is outside [1, min(m, n) = ", std::min(rows, cols), "]");
}

/// Throws `Errc::invalid_argument` for negative tolerance or iteration counts.
inline void validate_options(const SvdOptions& opt, const char* who) {
  LOWRANK_CHECK(opt.tolerance >= 0 && std::isfinite(opt.tolerance), invalid_argument, who, ": tolerance ",
                opt.tolerance, " must be finite and >= 0");
  LOWRANK_CHECK(opt.max_iterations >= 0, invalid_argument, who, ": max_iterations ", opt.max_iterations,
                " must be >= 0");
}

namespace detail {

/// Throws when a singular value is not representable: for a finite A within √(mn) of overflow, σ₁ can
/// exceed the largest Scalar (e.g. a 4×4 block of ±1e308 has σ₁ = 2.8e308). Found by tests/fuzz/fuzz_svd.
template <class Scalar>
void require_finite_sigma(const SvdResult<Scalar>& r, const char* who) {
  for (Index j = 0; j < r.S.size(); ++j)
    LOWRANK_CHECK(std::isfinite(static_cast<double>(r.S(j))), non_finite, who, ": singular value ", j + 1,
                  " overflows the range of the scalar type (A is within sqrt(m*n) of overflow; scale A down)");
}

/// σ of A from the σ a truncated solver computed on c·A (c = A.scale(), the power of two its
/// CheckedOperator chose; the division is exact), then require_finite_sigma.
template <class Scalar, class Operator>
void unscale_sigma(SvdResult<Scalar>& r, const Operator& A, const char* who) {
  r.S /= A.scale();
  require_finite_sigma(r, who);
}

/// Makes S >= 0 (flipping the matching U column), sorts triplets by descending σ (stable, so ties
/// keep their order), and fixes signs deterministically: the entry of largest magnitude in each V
/// column (U when V is absent) is made positive, ties going to the lowest index.
template <class Scalar>
void sort_and_fix_signs(SvdResult<Scalar>& r) {
  const Index k = r.S.size();
  for (Index j = 0; j < k; ++j)
    if (r.S(j) < 0) {
      r.S(j) = -r.S(j);
      if (r.U.cols() > j) r.U.col(j) = -r.U.col(j);
    }
  std::vector<Index> order(static_cast<std::size_t>(k));
  std::iota(order.begin(), order.end(), Index(0));
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return r.S(a) > r.S(b); });
  bool sorted = true;
  for (Index j = 0; j < k; ++j) sorted = sorted && order[std::size_t(j)] == j;
  if (!sorted) {
    Vector<Scalar> S(k);
    for (Index j = 0; j < k; ++j) S(j) = r.S(order[std::size_t(j)]);
    r.S.swap(S);
    auto permute = [&](Matrix<Scalar>& M) {
      if (M.cols() < k) return;
      Matrix<Scalar> P(M.rows(), M.cols());
      for (Index j = 0; j < k; ++j) P.col(j) = M.col(order[std::size_t(j)]);
      for (Index j = k; j < M.cols(); ++j) P.col(j) = M.col(j);  // full U/V: the complement stays put
      M.swap(P);
    };
    permute(r.U);
    permute(r.V);
  }
  const Index ncols = std::max(r.U.cols(), r.V.cols());
  for (Index j = 0; j < ncols; ++j) {
    const bool have_v = r.V.cols() > j, have_u = r.U.cols() > j;
    const auto& ref = have_v ? r.V : r.U;
    Index arg = 0;
    Scalar best = -1;
    for (Index i = 0; i < ref.rows(); ++i)
      if (std::abs(ref(i, j)) > best) {
        best = std::abs(ref(i, j));
        arg = i;
      }
    if (ref.rows() > 0 && ref(arg, j) < 0) {
      if (have_u) r.U.col(j) = -r.U.col(j);
      if (have_v) r.V.col(j) = -r.V.col(j);
    }
  }
}

}  // namespace detail

/// ‖A − U·diag(S)·Vᵀ‖_F / ‖A‖_F computed in double (0/0 = 0). Needs thin or full vectors.
template <class Derived, class Scalar>
double relative_residual(const Eigen::MatrixBase<Derived>& A, const SvdResult<Scalar>& r) {
  const Index k = r.S.size();
  const Eigen::MatrixXd Ad = A.template cast<double>();
  const Eigen::MatrixXd R = Ad - r.U.leftCols(k).template cast<double>() * r.S.template cast<double>().asDiagonal() *
                                     r.V.leftCols(k).template cast<double>().transpose();
  const double na = Ad.norm();
  return na > 0 ? R.norm() / na : R.norm();
}

/// ‖I − QᵀQ‖_F computed in double: how far Q's columns are from orthonormal.
template <class Derived>
double orthogonality_error(const Eigen::MatrixBase<Derived>& Q) {
  const Eigen::MatrixXd Qd = Q.template cast<double>();
  return (Eigen::MatrixXd::Identity(Qd.cols(), Qd.cols()) - Qd.transpose() * Qd).norm();
}

/// Throws `Errc::numerical` when a solver reported no convergence (for callers who want an exception).
template <class Scalar>
const SvdResult<Scalar>& require_converged(const SvdResult<Scalar>& r) {
  LOWRANK_CHECK(r.info.converged, numerical, r.info.method, ": did not converge after ", r.info.iterations,
                " iterations (residual estimate ", r.info.residual_estimate, ")");
  return r;
}

}  // namespace lowrank
