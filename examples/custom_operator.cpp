// custom_operator: a truncated SVD of a matrix that is never stored.
//
// Any type with rows(), cols(), apply(X, Y) (Y = A·X) and apply_transpose(X, Y) (Y = Aᵀ·X) is a
// linear operator. Here A = D + u·vᵀ with D diagonal: an n×n matrix that costs O(n) memory.
#include <cstdio>

#include <lowrank/svd.hpp>

struct DiagonalPlusRankOne {
  using Scalar = double;
  Eigen::VectorXd d, u, v;
  lowrank::Index rows() const { return d.size(); }
  lowrank::Index cols() const { return d.size(); }
  void apply(Eigen::Ref<const Eigen::MatrixXd> X, Eigen::Ref<Eigen::MatrixXd> Y) const {
    Y.noalias() = d.asDiagonal() * X;
    Y.noalias() += u * (v.transpose() * X);
  }
  void apply_transpose(Eigen::Ref<const Eigen::MatrixXd> X, Eigen::Ref<Eigen::MatrixXd> Y) const {
    Y.noalias() = d.asDiagonal() * X;
    Y.noalias() += v * (u.transpose() * X);
  }
};

int main() {
  const lowrank::Index n = 2000;
  DiagonalPlusRankOne A;
  A.d = Eigen::VectorXd::LinSpaced(n, 1.0, 0.001);
  A.u = Eigen::VectorXd::Constant(n, 0.05);
  A.v = Eigen::VectorXd::Constant(n, 0.05);

  lowrank::LanczosOptions opt;
  const auto res = lowrank::lanczos_svd(A, 5, opt);
  std::printf("top singular values of a %lld×%lld matrix-free operator:\n", (long long)n, (long long)n);
  for (int i = 0; i < res.S.size(); ++i) std::printf("  sigma[%d] = %.10f\n", i + 1, res.S(i));
  std::printf("converged: %s, %lld operator applications\n", res.info.converged ? "yes" : "no",
              (long long)res.info.matvecs);

  // Check one triplet against the operator itself: ‖A v₁ − σ₁ u₁‖ must be tiny.
  Eigen::MatrixXd Av(n, 1);
  A.apply(res.V.col(0), Av);
  const double r = (Av.col(0) - res.S(0) * res.U.col(0)).norm() / res.S(0);
  std::printf("relative residual of the first triplet: %.2e\n", r);
  return res.info.converged && r < 1e-8 ? 0 : 1;
}
