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
template <class Derived>
lowrank::Vector<double> reference_singular_values(const Eigen::MatrixBase<Derived>& A) {
  const double s = max_abs_entry(A);
  if (!(s > 0)) return lowrank::Vector<double>::Zero(std::min(A.rows(), A.cols()));
  const Eigen::MatrixXd As = A.template cast<double>() / s;
  Eigen::BDCSVD<Eigen::MatrixXd> svd(As);
  return svd.singularValues() * s;
}

namespace detail {
inline double one_norm(const Eigen::MatrixXd& M) {
  return M.size() == 0 ? 0.0 : M.cwiseAbs().colwise().sum().maxCoeff();
}
inline double safe_ratio(double num, double den) {
  if (!(num == num) || std::isinf(num)) return std::numeric_limits<double>::infinity();
  if (den > 0) return num / den;
  return num > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}
}  // namespace detail

/// Computes the LAPACK ratios of `r` for A. `sigma_ref` empty = use the BDCSVD oracle.
template <class S, class Derived>
SvdRatios svd_ratios(const Eigen::MatrixBase<Derived>& A, const lowrank::SvdResult<S>& r,
                     const lowrank::Vector<double>& sigma_ref, lowrank::Vectors vec) {
  using lowrank::Index;
  const Index m = A.rows(), n = A.cols(), k = std::min(m, n), mn = std::max(m, n);
  const double eps = double(std::numeric_limits<S>::epsilon());
  SvdRatios q;
  const double s = max_abs_entry(A);
  const double scale = s > 0 ? s : 1.0;  // divide (1/s overflows for subnormal s)
  const Eigen::MatrixXd As = A.template cast<double>() / scale;
  if (r.S.size() != k) {
    q.shapes_ok = false;
    return q;
  }
  const Eigen::VectorXd Sd = r.S.template cast<double>() / scale;
  for (Index i = 0; i < k; ++i) {
    if (!std::isfinite(Sd(i)) || Sd(i) < 0) q.sorted_ok = false;
    if (i > 0 && !(Sd(i) <= Sd(i - 1))) q.sorted_ok = false;
  }
  // σ against the reference.
  const lowrank::Vector<double> ref =
      sigma_ref.size() == k ? lowrank::Vector<double>(sigma_ref / scale) : reference_singular_values(As);
  const double s1 = k > 0 ? ref(0) : 0.0;
  q.sigma = k > 0 ? detail::safe_ratio((Sd - ref).cwiseAbs().maxCoeff(), s1 * double(mn) * eps) : 0.0;
  if (vec == lowrank::Vectors::none) {
    q.shapes_ok = r.U.size() == 0 && r.V.size() == 0;
    return q;
  }
  const Index ucols = vec == lowrank::Vectors::full ? m : k, vcols = vec == lowrank::Vectors::full ? n : k;
  if (r.U.rows() != m || r.U.cols() != ucols || r.V.rows() != n || r.V.cols() != vcols) {
    q.shapes_ok = false;
    return q;
  }
  const Eigen::MatrixXd U = r.U.template cast<double>(), V = r.V.template cast<double>();
  const Eigen::MatrixXd R = As - U.leftCols(k) * Sd.asDiagonal() * V.leftCols(k).transpose();
  q.residual = detail::safe_ratio(detail::one_norm(R), detail::one_norm(As) * double(mn) * eps);
  q.orth_u = detail::safe_ratio(detail::one_norm(Eigen::MatrixXd::Identity(ucols, ucols) - U.transpose() * U),
                                double(m) * eps);
  q.orth_v = detail::safe_ratio(detail::one_norm(Eigen::MatrixXd::Identity(vcols, vcols) - V.transpose() * V),
                                double(n) * eps);
  return q;
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
