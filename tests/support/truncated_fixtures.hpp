#pragma once
// Test matrices and oracles for the truncated solvers (tests/svd_randomized.cpp, tests/svd_lanczos.cpp):
// known spectra, noisy low rank, user-item-like 0/1 sparse matrices, and Eigen BDCSVD as the oracle.
#include <Eigen/SVD>
#include <Eigen/SparseCore>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "lowrank/limits.hpp"
#include "lowrank/operator.hpp"
#include "lowrank/svd/detail/eigen_instances.hpp"
#include "lowrank/svd/detail/orthogonalize.hpp"
#include "lowrank/svd/detail/rng.hpp"
#include "lowrank/types.hpp"

namespace lowrank_test {
using lowrank::Index;

/// Random m×r matrix with orthonormal columns (Householder QR of a Gaussian).
template <class Scalar>
lowrank::Matrix<Scalar> orthonormal(Index m, Index r, std::uint64_t seed);

/// U diag(sigma) Vᵀ with random orthonormal U (m×r), V (n×r).
template <class Scalar>
lowrank::Matrix<Scalar> with_spectrum(Index m, Index n, const Eigen::VectorXd& sigma, std::uint64_t seed);

/// Rank-r signal with σ = 1, 0.9, …, plus Gaussian noise of Frobenius norm `noise`·‖signal‖.
template <class Scalar>
lowrank::Matrix<Scalar> noisy_low_rank(Index m, Index n, Index r, double noise, std::uint64_t seed);

/// A user×item 0/1 matrix: each user rates ~density·n items drawn with power-law item popularity
/// (weight (j+1)^-0.8), the flat-spectrum case of recommender data.
template <class Scalar, int Options = Eigen::RowMajor>
Eigen::SparseMatrix<Scalar, Options, int> user_item(Index m, Index n, double density, std::uint32_t seed);

// Compiled once in tests/support/truncated_fixtures.cpp, for float and double.
#define LOWRANK_TEST_FIXTURES(S)                                                                        \
  extern template lowrank::Matrix<S> orthonormal<S>(Index, Index, std::uint64_t);                       \
  extern template lowrank::Matrix<S> with_spectrum<S>(Index, Index, const Eigen::VectorXd&, std::uint64_t); \
  extern template lowrank::Matrix<S> noisy_low_rank<S>(Index, Index, Index, double, std::uint64_t);    \
  extern template Eigen::SparseMatrix<S, Eigen::RowMajor, int> user_item<S, Eigen::RowMajor>(Index, Index, double, std::uint32_t);
LOWRANK_TEST_FIXTURES(float)
LOWRANK_TEST_FIXTURES(double)
#undef LOWRANK_TEST_FIXTURES

/// Restores the process-wide memory budget (lowrank::set_memory_budget) when it goes out of scope, so a
/// test that lowers it cannot leak the lower budget into the tests after it, even when a REQUIRE throws.
struct MemoryBudgetGuard {
  std::int64_t saved = lowrank::memory_budget();
  MemoryBudgetGuard() = default;
  MemoryBudgetGuard(const MemoryBudgetGuard&) = delete;
  MemoryBudgetGuard& operator=(const MemoryBudgetGuard&) = delete;
  ~MemoryBudgetGuard() { lowrank::set_memory_budget(saved); }
};

/// All singular values of A (Eigen BDCSVD, the oracle), descending, in double.
Eigen::VectorXd oracle_sigma_double(const Eigen::MatrixXd& A);
template <class Derived>
Eigen::VectorXd oracle_sigma(const Eigen::MatrixBase<Derived>& A) {
  return oracle_sigma_double(A.template cast<double>());
}

/// ‖A − Aₖ‖_F from the oracle spectrum.
inline double best_error(const Eigen::VectorXd& sigma, Index k) { return sigma.tail(sigma.size() - k).norm(); }

/// ‖A − U S Vᵀ‖_F / ‖A − Aₖ‖_F (LAPACK-style residual ratio; 1 is optimal), all in double.
double residual_ratio_double(const Eigen::MatrixXd& A, const Eigen::MatrixXd& U, const Eigen::VectorXd& S,
                             const Eigen::MatrixXd& V, const Eigen::VectorXd& sigma);
template <class Derived, class Scalar>
double residual_ratio(const Eigen::MatrixBase<Derived>& A, const lowrank::SvdResult<Scalar>& r,
                      const Eigen::VectorXd& sigma) {
  return residual_ratio_double(A.template cast<double>(), r.U.template cast<double>(), r.S.template cast<double>(),
                               r.V.template cast<double>(), sigma);
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

/// A matrix-free operator for A (dense, double) whose products turn NaN from call `first_bad` on (both
/// directions counted together): the solver scans only the first product of each direction, so this is
/// the non-finite value that surfaces later, inside the solver's own small problems.
inline auto nan_later_operator(const Eigen::MatrixXd& A, int first_bad) {
  auto calls = std::make_shared<int>(0);
  auto product = [calls, first_bad](const Eigen::MatrixXd& M) {
    return [calls, first_bad, M](Eigen::Ref<const Eigen::MatrixXd> X, Eigen::Ref<Eigen::MatrixXd> Y) {
      Y.noalias() = M * X;
      if (++*calls >= first_bad) Y(0, 0) = std::numeric_limits<double>::quiet_NaN();
    };
  };
  return lowrank::make_operator<double>(A.rows(), A.cols(), product(A), product(A.transpose()), "nan_later");
}

}  // namespace lowrank_test
