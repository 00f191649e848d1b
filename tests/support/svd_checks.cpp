// The LAPACK-style ratios of svd_checks.hpp, compiled once into lowrank_test_support.
#include "support/svd_checks.hpp"

namespace lowrank_test {

namespace {
double one_norm(const Eigen::MatrixXd& M) { return M.size() == 0 ? 0.0 : M.cwiseAbs().colwise().sum().maxCoeff(); }
double safe_ratio(double num, double den) {
  if (!(num == num) || std::isinf(num)) return std::numeric_limits<double>::infinity();
  if (den > 0) return num / den;
  return num > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}
}  // namespace

lowrank::Vector<double> reference_singular_values_double(const Eigen::MatrixXd& A) {
  const double s = max_abs_entry(A);
  if (!(s > 0)) return lowrank::Vector<double>::Zero(std::min(A.rows(), A.cols()));
  const Eigen::MatrixXd As = A / s;
  Eigen::BDCSVD<Eigen::MatrixXd> svd(As);
  return svd.singularValues() * s;
}

SvdRatios svd_ratios_double(const Eigen::MatrixXd& A, const Eigen::VectorXd& S, const Eigen::MatrixXd& U,
                            const Eigen::MatrixXd& V, const lowrank::Vector<double>& sigma_ref,
                            lowrank::Vectors vec, double eps) {
  using lowrank::Index;
  const Index m = A.rows(), n = A.cols(), k = std::min(m, n), mn = std::max(m, n);
  SvdRatios q;
  const double s = max_abs_entry(A);
  const double scale = s > 0 ? s : 1.0;  // divide (1/s overflows for subnormal s)
  const Eigen::MatrixXd As = A / scale;
  if (S.size() != k) {
    q.shapes_ok = false;
    return q;
  }
  const Eigen::VectorXd Sd = S / scale;
  for (Index i = 0; i < k; ++i) {
    if (!std::isfinite(Sd(i)) || Sd(i) < 0) q.sorted_ok = false;
    if (i > 0 && !(Sd(i) <= Sd(i - 1))) q.sorted_ok = false;
  }
  // σ against the reference.
  const lowrank::Vector<double> ref =
      sigma_ref.size() == k ? lowrank::Vector<double>(sigma_ref / scale) : reference_singular_values_double(As);
  const double s1 = k > 0 ? ref(0) : 0.0;
  q.sigma = k > 0 ? safe_ratio((Sd - ref).cwiseAbs().maxCoeff(), s1 * double(mn) * eps) : 0.0;
  if (vec == lowrank::Vectors::none) {
    q.shapes_ok = U.size() == 0 && V.size() == 0;
    return q;
  }
  const Index ucols = vec == lowrank::Vectors::full ? m : k, vcols = vec == lowrank::Vectors::full ? n : k;
  if (U.rows() != m || U.cols() != ucols || V.rows() != n || V.cols() != vcols) {
    q.shapes_ok = false;
    return q;
  }
  const Eigen::MatrixXd R = As - U.leftCols(k) * Sd.asDiagonal() * V.leftCols(k).transpose();
  q.residual = safe_ratio(one_norm(R), one_norm(As) * double(mn) * eps);
  q.orth_u = safe_ratio(one_norm(Eigen::MatrixXd::Identity(ucols, ucols) - U.transpose() * U), double(m) * eps);
  q.orth_v = safe_ratio(one_norm(Eigen::MatrixXd::Identity(vcols, vcols) - V.transpose() * V), double(n) * eps);
  return q;
}

}  // namespace lowrank_test
