// The fixtures of truncated_fixtures.hpp, compiled once into lowrank_test_support.
#include "support/truncated_fixtures.hpp"

namespace lowrank_test {

template <class Scalar>
lowrank::Matrix<Scalar> orthonormal(Index m, Index r, std::uint64_t seed) {
  lowrank::Matrix<double> Q(m, r);
  lowrank::detail::fill_gaussian<double>(Q, seed, 999);
  lowrank::detail::householder_orthonormalize(Q);
  return Q.cast<Scalar>();
}

// U diag(sigma) Vᵀ with random orthonormal U (m×r), V (n×r).
template <class Scalar>
lowrank::Matrix<Scalar> with_spectrum(Index m, Index n, const Eigen::VectorXd& sigma, std::uint64_t seed) {
  const Index r = sigma.size();
  const Eigen::MatrixXd U = orthonormal<double>(m, r, seed), V = orthonormal<double>(n, r, seed + 1);
  return (U * sigma.asDiagonal() * V.transpose()).cast<Scalar>();
}

// Rank-r signal with σ = 1, 0.9, …, plus Gaussian noise of Frobenius norm `noise`·‖signal‖.
template <class Scalar>
lowrank::Matrix<Scalar> noisy_low_rank(Index m, Index n, Index r, double noise, std::uint64_t seed) {
  Eigen::VectorXd s(r);
  for (Index i = 0; i < r; ++i) s(i) = std::pow(0.9, double(i));
  Eigen::MatrixXd A = with_spectrum<double>(m, n, s, seed);
  Eigen::MatrixXd E(m, n);
  lowrank::detail::fill_gaussian<double>(E, seed + 7, 998);
  A += noise * s.norm() / E.norm() * E;
  return A.cast<Scalar>();
}

// A user×item 0/1 matrix: each user rates ~density·n items drawn with power-law item popularity
// (weight (j+1)^-0.8), the flat-spectrum case of recommender data.
template <class Scalar, int Options>
Eigen::SparseMatrix<Scalar, Options, int> user_item(Index m, Index n, double density, std::uint32_t seed) {
  std::mt19937_64 gen(seed);
  std::vector<double> w(static_cast<std::size_t>(n));
  for (Index j = 0; j < n; ++j) w[std::size_t(j)] = std::pow(double(j + 1), -0.8);
  std::discrete_distribution<Index> item(w.begin(), w.end());
  std::poisson_distribution<int> count(density * double(n));
  std::vector<Eigen::Triplet<Scalar, int>> t;
  for (Index i = 0; i < m; ++i) {
    const int c = std::max(1, count(gen));
    for (int e = 0; e < c; ++e) t.emplace_back(int(i), int(item(gen)), Scalar(1));
  }
  Eigen::SparseMatrix<Scalar, Options, int> A(m, n);
  A.setFromTriplets(t.begin(), t.end(), [](Scalar a, Scalar) { return a; });  // duplicates stay 1
  A.makeCompressed();
  return A;
}

Eigen::VectorXd oracle_sigma_double(const Eigen::MatrixXd& A) {
  return Eigen::BDCSVD<Eigen::MatrixXd>(A).singularValues();
}

double residual_ratio_double(const Eigen::MatrixXd& A, const Eigen::MatrixXd& U, const Eigen::VectorXd& S,
                             const Eigen::MatrixXd& V, const Eigen::VectorXd& sigma) {
  const Eigen::MatrixXd R = A - U * S.asDiagonal() * V.transpose();
  const double best = best_error(sigma, S.size());
  return best > 0 ? R.norm() / best : R.norm();
}

#define LOWRANK_TEST_FIXTURES(S)                                                                  \
  template lowrank::Matrix<S> orthonormal<S>(Index, Index, std::uint64_t);                       \
  template lowrank::Matrix<S> with_spectrum<S>(Index, Index, const Eigen::VectorXd&, std::uint64_t); \
  template lowrank::Matrix<S> noisy_low_rank<S>(Index, Index, Index, double, std::uint64_t);    \
  template Eigen::SparseMatrix<S, Eigen::RowMajor, int> user_item<S, Eigen::RowMajor>(Index, Index, double, std::uint32_t);
LOWRANK_TEST_FIXTURES(float)
LOWRANK_TEST_FIXTURES(double)

}  // namespace lowrank_test
