// svd_basics: the three dense solvers on one matrix, and how close each gets.
//
//   A = U·diag(σ)·Vᵀ.  jacobi_svd keeps every singular value to high relative accuracy,
//   golub_kahan_svd is the fast general-purpose route, gram_svd squares the condition number.
#include <cstdio>

#include <lowrank/svd.hpp>

int main() {
  // A 6×4 matrix whose singular values span 8 decades.
  Eigen::MatrixXd Q1 = Eigen::MatrixXd::Random(6, 6).householderQr().householderQ();
  Eigen::MatrixXd Q2 = Eigen::MatrixXd::Random(4, 4).householderQr().householderQ();
  Eigen::Vector4d sigma(1.0, 1e-3, 1e-6, 1e-8);
  Eigen::MatrixXd A = Q1.leftCols(4) * sigma.asDiagonal() * Q2.transpose();

  const auto jac = lowrank::jacobi_svd(A);
  const auto gk = lowrank::golub_kahan_svd(A);
  const auto gram = lowrank::gram_svd(A);

  std::printf("%-12s %-14s %-14s %-14s\n", "true sigma", "jacobi", "golub-kahan", "gram");
  for (int i = 0; i < 4; ++i)
    std::printf("%-12.3e %-14.6e %-14.6e %-14.6e\n", sigma(i), jac.S(i), gk.S(i), gram.S(i));
  std::printf("\nresidual ‖A − USVᵀ‖/‖A‖: jacobi %.1e, golub-kahan %.1e, gram %.1e\n",
              lowrank::relative_residual(A, jac), lowrank::relative_residual(A, gk), lowrank::relative_residual(A, gram));
  if (!gram.info.warning.empty()) std::printf("gram_svd says: %s\n", gram.info.warning.c_str());

  // The example is also a test: Jacobi must resolve the smallest value to many digits.
  const double rel = std::abs(jac.S(3) - sigma(3)) / sigma(3);
  return rel < 1e-6 ? 0 : 1;
}
