// svd_to_recommendation: from the SVD of a tiny rating matrix to a recommendation, following
// Deisenroth, Faisal & Ong, "Mathematics for Machine Learning" (2020), §4.5 (Example 4.14).
//
//   Rows are movies (Star Wars, Blade Runner, Amelie, Delicatessen), columns are viewers
//   (Ali, Beatrix, Chandra). First the textbook construction — eigenvectors of AᵀA give V, the
//   square roots of its eigenvalues give σ, and u_i = A·v_i/σ_i — then the same through lowrank's
//   gram_svd and jacobi_svd. The left singular vectors are "movie themes" (science fiction, art house);
//   projecting a new viewer's ratings onto the top two themes and back scores the movies she has
//   not rated.
#include <cmath>
#include <cstdio>

#include <Eigen/Eigenvalues>
#include <lowrank/svd.hpp>

int main() {
  const char* movies[4] = {"Star Wars", "Blade Runner", "Amelie", "Delicatessen"};
  Eigen::Matrix<double, 4, 3> A;
  A << 5, 4, 1,  //
      5, 5, 0,   //
      0, 0, 5,   //
      1, 0, 4;

  // 1. The textbook route: AᵀA = V·Λ·Vᵀ, σ_i = √λ_i, u_i = A·v_i / σ_i (eigenvalues come ascending).
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(A.transpose() * A);
  Eigen::Vector3d sigma_textbook = eig.eigenvalues().reverse().cwiseSqrt();
  Eigen::Matrix3d V_textbook = eig.eigenvectors().rowwise().reverse();
  Eigen::Matrix<double, 4, 3> U_textbook = A * V_textbook * sigma_textbook.cwiseInverse().asDiagonal();

  // 2. The same through lowrank: gram_svd is exactly this construction; jacobi_svd never forms AᵀA.
  const auto gram = lowrank::gram_svd(A);
  const auto jac = lowrank::jacobi_svd(A);
  std::printf("%-8s %-12s %-12s %-12s\n", "", "textbook", "gram_svd", "jacobi_svd");
  for (int i = 0; i < 3; ++i)
    std::printf("sigma_%d  %-12.6f %-12.6f %-12.6f\n", i + 1, sigma_textbook(i), gram.S(i), jac.S(i));
  std::printf("\nmovie themes (columns of U, signs as Jacobi returns them):\n");
  for (int m = 0; m < 4; ++m) std::printf("  %-13s % .3f  % .3f\n", movies[m], jac.U(m, 0), jac.U(m, 1));

  // 3. A new viewer who rated only Star Wars (5 stars): project onto the two leading themes and back.
  Eigen::Vector4d viewer(5, 0, 0, 0);
  const Eigen::Matrix<double, 4, 2> Uk = jac.U.leftCols(2);
  const Eigen::Vector4d scores = Uk * (Uk.transpose() * viewer);
  std::printf("\nscores for a viewer who liked Star Wars:\n");
  int best = 1;
  for (int m = 0; m < 4; ++m) {
    std::printf("  %-13s %.3f%s\n", movies[m], scores(m), m == 0 ? "  (already rated)" : "");
    if (m > 0 && scores(m) > scores(best)) best = m;
  }
  std::printf("recommend: %s\n", movies[best]);

  // Self-checks: the three routes agree, U from the textbook equals Jacobi's up to sign, and the
  // science-fiction fan is sent to Blade Runner.
  bool ok = best == 1;
  for (int i = 0; i < 3; ++i) {
    ok = ok && std::abs(sigma_textbook(i) - jac.S(i)) < 1e-10 * jac.S(0);
    ok = ok && std::abs(gram.S(i) - jac.S(i)) < 1e-10 * jac.S(0);
    ok = ok && std::abs(std::abs(U_textbook.col(i).dot(jac.U.col(i))) - 1) < 1e-10;
  }
  return ok ? 0 : 1;
}
