#pragma once
// Test matrices and oracles for the truncated solvers (tests/svd_randomized.cpp, tests/svd_lanczos.cpp):
// known spectra, noisy low rank, user-item-like 0/1 sparse matrices, and Eigen BDCSVD as the oracle.
#include <Eigen/SVD>
#include <Eigen/SparseCore>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "lowrank/svd/detail/orthogonalize.hpp"
#include "lowrank/svd/detail/rng.hpp"
#include "lowrank/types.hpp"

namespace lowrank_test {
using lowrank::Index;

template <class Scalar>
lowrank::Matrix<Scalar> orthonormal(Index m, Index r, std::uint64_t seed) {
  lowrank::Matrix<double> Q(m, r);
  lowrank::detail::fill_gaussian<double>(Q, seed, 999);
  lowrank::detail::householder_orthonormalize(Q);
  return Q.cast<Scalar>();
}

/// U diag(sigma) Vᵀ with random orthonormal U (m×r), V (n×r).
template <class Scalar>
lowrank::Matrix<Scalar> with_spectrum(Index m, Index n, const Eigen::VectorXd& sigma, std::uint64_t seed) {
  const Index r = sigma.size();
  const Eigen::MatrixXd U = orthonormal<double>(m, r, seed), V = orthonormal<double>(n, r, seed + 1);
  return (U * sigma.asDiagonal() * V.transpose()).cast<Scalar>();
}

/// Rank-r signal with σ = 1, 0.9, …, plus Gaussian noise of Frobenius norm `noise`·‖signal‖.
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

/// A user×item 0/1 matrix: each user rates ~density·n items drawn with power-law item popularity
/// (weight (j+1)^-0.8), the flat-spectrum case of recommender data.
template <class Scalar, int Options = Eigen::RowMajor>
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

/// All singular values of A (Eigen BDCSVD, the oracle), descending, in double.
template <class Derived>
Eigen::VectorXd oracle_sigma(const Eigen::MatrixBase<Derived>& A) {
  return Eigen::BDCSVD<Eigen::MatrixXd>(A.template cast<double>()).singularValues();
}

/// ‖A − Aₖ‖_F from the oracle spectrum.
inline double best_error(const Eigen::VectorXd& sigma, Index k) { return sigma.tail(sigma.size() - k).norm(); }

/// ‖A − U S Vᵀ‖_F / ‖A − Aₖ‖_F (LAPACK-style residual ratio; 1 is optimal).
template <class Derived, class Scalar>
double residual_ratio(const Eigen::MatrixBase<Derived>& A, const lowrank::SvdResult<Scalar>& r,
                      const Eigen::VectorXd& sigma) {
  const Eigen::MatrixXd Ad = A.template cast<double>();
  const Eigen::MatrixXd R = Ad - r.U.template cast<double>() * r.S.template cast<double>().asDiagonal() *
                                     r.V.template cast<double>().transpose();
  const double best = best_error(sigma, r.S.size());
  return best > 0 ? R.norm() / best : R.norm();
}

/// max_i |σᵢ − σᵢ*| / σᵢ* over the computed values (absolute where σᵢ* = 0).
template <class Scalar>
double max_rel_sigma_error(const lowrank::Vector<Scalar>& S, const Eigen::VectorXd& sigma) {
  double e = 0;
  for (Index i = 0; i < S.size(); ++i) {
    const double d = std::abs(double(S(i)) - sigma(i));
    e = std::max(e, sigma(i) > 0 ? d / sigma(i) : d);
  }
  return e;
}

}  // namespace lowrank_test
