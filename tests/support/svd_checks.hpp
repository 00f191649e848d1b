#pragma once
// LAPACK-style test ratios for dense SVD results (ddrvbd/dchkbd, dbdt01/dort01), shared by the solver
// tests. Every ratio should be O(1); a solver passes with ratio < 30 (LAPACK's THRESH):
//   residual      ‖A − U·S·Vᵀ‖₁ / (‖A‖₁ · max(m,n) · ε)
//   orth_u        ‖I − UᵀU‖₁ / (m · ε)            (U m×k thin or m×m full)
//   orth_v        ‖I − VᵀV‖₁ / (n · ε)
//   sigma         maxᵢ |σᵢ − σᵢ(ref)| / (σ₁(ref) · max(m,n) · ε)
// ε is the machine epsilon of the result's Scalar. All ratios are computed in double after dividing A
// and S by max|a_ij|, so matrices scaled near overflow or underflow are checked without overflow.
// Where no σ are known by construction, Eigen's BDCSVD in double (on the scaled matrix) is the oracle.
#include <catch2/catch.hpp>

#include <Eigen/Dense>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <limits>

#include "lowrank/svd/detail/eigen_instances.hpp"
#include "lowrank/types.hpp"

namespace lowrank_test {

/// The four ratios (NaN-free: a non-finite result gives +inf), plus shape/ordering verdicts.
struct SvdRatios {
  double residual = 0, orth_u = 0, orth_v = 0, sigma = 0;
  bool shapes_ok = true;   ///< S has min(m,n) entries; U, V have the shapes `vec` asks for
  bool sorted_ok = true;   ///< S descending, >= 0, finite
};

/// max|a_ij| of A in double (0 for an empty or zero matrix).
template <class Derived>
double max_abs_entry(const Eigen::MatrixBase<Derived>& A) {
  return A.size() == 0 ? 0.0 : A.template cast<double>().cwiseAbs().maxCoeff();
}

/// Singular values of A (descending) by Eigen's BDCSVD in double, computed on A / max|a_ij| and scaled
/// back: the oracle for matrices without known σ.
lowrank::Vector<double> reference_singular_values_double(const Eigen::MatrixXd& A);
template <class Derived>
lowrank::Vector<double> reference_singular_values(const Eigen::MatrixBase<Derived>& A) {
  return reference_singular_values_double(A.template cast<double>());
}

/// The ratios of a result given in double (A, S, U, V as computed, not scaled); eps is the machine
/// epsilon of the solver's Scalar. Compiled once in svd_checks.cpp; svd_ratios below only casts.
SvdRatios svd_ratios_double(const Eigen::MatrixXd& A, const Eigen::VectorXd& S, const Eigen::MatrixXd& U,
                            const Eigen::MatrixXd& V, const lowrank::Vector<double>& sigma_ref,
                            lowrank::Vectors vec, double eps);

/// Computes the LAPACK ratios of `r` for A. `sigma_ref` empty = use the BDCSVD oracle.
template <class S, class Derived>
SvdRatios svd_ratios(const Eigen::MatrixBase<Derived>& A, const lowrank::SvdResult<S>& r,
                     const lowrank::Vector<double>& sigma_ref, lowrank::Vectors vec) {
  return svd_ratios_double(A.template cast<double>(), r.S.template cast<double>(), r.U.template cast<double>(),
                           r.V.template cast<double>(), sigma_ref, vec, double(std::numeric_limits<S>::epsilon()));
}

/// REQUIREs every LAPACK ratio below `max_ratio` (and shapes, ordering), with the measured value in INFO.
/// Put an INFO naming the matrix (TestMatrix::name) in scope before calling.
template <class S, class Derived>
void check_svd(const Eigen::MatrixBase<Derived>& A, const lowrank::SvdResult<S>& r,
               const lowrank::Vector<double>& sigma_ref, lowrank::Vectors vec, double max_ratio = 30) {
  const SvdRatios q = svd_ratios(A, r, sigma_ref, vec);
  INFO("shape " << A.rows() << "x" << A.cols() << ", S " << r.S.size() << ", U " << r.U.rows() << "x"
                << r.U.cols() << ", V " << r.V.rows() << "x" << r.V.cols());
  REQUIRE(q.shapes_ok);
  INFO("S(0) = " << double(r.S(0)) << ", S(last) = " << double(r.S(r.S.size() - 1)) << " (descending, >= 0, finite?)");
  REQUIRE(q.sorted_ok);
  INFO("sigma ratio " << q.sigma);
  REQUIRE(q.sigma < max_ratio);
  INFO("residual ratio " << q.residual);
  REQUIRE(q.residual < max_ratio);
  INFO("orthogonality ratio U " << q.orth_u);
  REQUIRE(q.orth_u < max_ratio);
  INFO("orthogonality ratio V " << q.orth_v);
  REQUIRE(q.orth_v < max_ratio);
}

}  // namespace lowrank_test
