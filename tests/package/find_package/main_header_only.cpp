// The header-only consumer: lowrank::header_only with the scalar reference kernels. It includes only
// what it uses (lowrank.hpp in header-only mode would compile the whole recommender inline).
#include <cmath>
#include <cstdio>

#include <lowrank/kernels.hpp>
#include <lowrank/svd.hpp>
#include <lowrank/version.hpp>

int main() {
  Eigen::MatrixXd A(3, 2);
  A << 3, 0, 0, 2, 0, 0;  // singular values 3 and 2
  // jacobi_svd<MatrixXd> is one of the instances that the compiled library declares `extern template`
  // (LOWRANK_EXTERN_TEMPLATE): it must be complete here without it, as must a truncated solver on a
  // sparse input (operator adaptors, SpMM kernels and the solver body, all inline).
  const auto res = lowrank::jacobi_svd(A);
  const auto lcz = lowrank::lanczos_svd(Eigen::SparseMatrix<double>(A.sparseView()), 2);
  const double x[3] = {1, 2, 3};
  const double d = lowrank::kernels::dot(x, x, 3);
  std::printf("lowrank %s (header-only): sigma = %g %g, dot = %g\n", LOWRANK_VERSION_STRING, res.S(0), res.S(1), d);
  const bool ok = std::abs(res.S(0) - 3) < 1e-12 && std::abs(res.S(1) - 2) < 1e-12 && d == 14 &&
                  std::abs(lcz.S(0) - 3) < 1e-12 && std::abs(lcz.S(1) - 2) < 1e-12;
  return ok ? 0 : 1;
}
