#pragma once
// Test matrices for the dense SVD solvers, after LAPACK's ddrvbd/dchkbd matrix types (dlatms): zero,
// identity, diagonal with chosen spectra, dense U·diag(σ)·Vᵀ with chosen condition number, scaled near
// overflow/underflow, graded B·D and rank-deficient. Every matrix comes with its singular values when
// they are known by construction (sigma_known); otherwise the tests use an oracle (svd_checks.hpp).
//
// Deterministic: a small splitmix64 + Box–Muller generator owned here (std::normal_distribution differs
// between standard libraries), so the same (kind, m, n, seed) gives the same matrix everywhere.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "lowrank/types.hpp"

namespace lowrank_test {

using lowrank::Index;
using lowrank::Matrix;
using lowrank::Vector;

/// The LAPACK-style matrix types. "diag_*" are m×n diagonal matrices whose diagonal is the spectrum in
/// a random order (so solvers must sort); "random_*", "scaled_*" and "rank_deficient" are dense
/// U·diag(σ)·Vᵀ with Haar-random orthogonal U, V; "graded" is B·D (σ not known: use an oracle).
enum class MatrixKind {
  zero,              ///< all zeros
  identity,          ///< ones on the diagonal
  diag_arithmetic,   ///< σᵢ evenly spaced: (k−i)/k
  diag_geometric,    ///< σᵢ = κ^(−i/(k−1)), κ = 1/√ε (of the matrix's Scalar)
  diag_clustered,    ///< three clusters {1, 1e−3, 1e−6}, relative spread 1e−10 inside a cluster
  diag_one_large,    ///< σ₁ = 1, the rest ε (LAPACK dlatms mode 1)
  diag_one_small,    ///< all 1, the last ε (LAPACK dlatms mode 2)
  random_kappa_1e2,  ///< dense, geometric spectrum 1 … 1e−2
  random_kappa_1e8,  ///< dense, geometric spectrum 1 … 1e−8
  random_kappa_inv_eps,  ///< dense, geometric spectrum 1 … ε
  scaled_overflow,   ///< random_kappa_1e2 times max·ε of the Scalar (LAPACK type "near overflow")
  scaled_underflow,  ///< random_kappa_1e2 times min/ε of the Scalar (LAPACK type "near underflow")
  graded,            ///< B·D (m ≥ n) or D·B (m < n): B = U·diag(1…½)·Vᵀ (κ = 2), D = diag(10^(−15·j/(k−1))) in random order
  rank_deficient,    ///< dense, rank ⌈k/2⌉, nonzero σ geometric 1 … 1e−3, the rest exactly 0
};

inline const char* kind_name(MatrixKind k) {
  switch (k) {
    case MatrixKind::zero: return "zero";
    case MatrixKind::identity: return "identity";
    case MatrixKind::diag_arithmetic: return "diag_arithmetic";
    case MatrixKind::diag_geometric: return "diag_geometric";
    case MatrixKind::diag_clustered: return "diag_clustered";
    case MatrixKind::diag_one_large: return "diag_one_large";
    case MatrixKind::diag_one_small: return "diag_one_small";
    case MatrixKind::random_kappa_1e2: return "random_kappa_1e2";
    case MatrixKind::random_kappa_1e8: return "random_kappa_1e8";
    case MatrixKind::random_kappa_inv_eps: return "random_kappa_inv_eps";
    case MatrixKind::scaled_overflow: return "scaled_overflow";
    case MatrixKind::scaled_underflow: return "scaled_underflow";
    case MatrixKind::graded: return "graded";
    case MatrixKind::rank_deficient: return "rank_deficient";
  }
  return "?";
}

/// Every kind, for loops over the LAPACK types.
inline std::vector<MatrixKind> all_matrix_kinds() {
  return {MatrixKind::zero,           MatrixKind::identity,         MatrixKind::diag_arithmetic,
          MatrixKind::diag_geometric, MatrixKind::diag_clustered,   MatrixKind::diag_one_large,
          MatrixKind::diag_one_small, MatrixKind::random_kappa_1e2, MatrixKind::random_kappa_1e8,
          MatrixKind::random_kappa_inv_eps, MatrixKind::scaled_overflow, MatrixKind::scaled_underflow,
          MatrixKind::graded,         MatrixKind::rank_deficient};
}

/// Shapes worth testing: 1×1, 1×n, n×1, square, tall, wide, up to 200. The qemu-emulated aarch64 run
/// (LOWRANK_TEST_EMULATED) stops at 64×64: the two largest shapes run the same SIMD kernels (multi-panel
/// sweeps are covered by the explicit panel widths of the Jacobi test) at about 80 % of its emulated time.
inline std::vector<std::pair<Index, Index>> test_shapes() {
  std::vector<std::pair<Index, Index>> shapes = {{1, 1},   {1, 7},   {7, 1},   {2, 2},   {3, 5},   {5, 3},
                                                 {8, 8},   {17, 17}, {40, 23}, {23, 40}, {64, 64}};
#ifndef LOWRANK_TEST_EMULATED
  shapes.insert(shapes.end(), {{200, 120}, {90, 200}});
#endif
  return shapes;
}

/// Deterministic generator: splitmix64, uniform in (0,1) and standard normal (Box–Muller).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : m_state(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}
  std::uint64_t next() {
    std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return (double(next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
  double normal() {
    if (m_have_spare) {
      m_have_spare = false;
      return m_spare;
    }
    const double u = uniform(), v = uniform();
    const double r = std::sqrt(-2.0 * std::log(u)), t = 6.283185307179586 * v;
    m_spare = r * std::sin(t);
    m_have_spare = true;
    return r * std::cos(t);
  }
  Eigen::MatrixXd gaussian(Index m, Index n) {
    Eigen::MatrixXd G(m, n);
    for (Index j = 0; j < n; ++j)
      for (Index i = 0; i < m; ++i) G(i, j) = normal();
    return G;
  }

 private:
  std::uint64_t m_state;
  double m_spare = 0;
  bool m_have_spare = false;
};

/// Haar-random m×k matrix with orthonormal columns (QR of a Gaussian, signs fixed by diag(R)).
Eigen::MatrixXd random_orthonormal(Index m, Index k, Rng& rng);

/// A test matrix and, when known by construction, its singular values (descending, length min(m, n)).
template <class S>
struct TestMatrix {
  Matrix<S> A;
  Vector<double> sigma;      ///< exact σ of the double-precision matrix before rounding to S; empty if unknown
  bool sigma_known = false;  ///< false for graded (use an oracle)
  std::string name;          ///< "random_kappa_1e8 40x23 seed 3", for INFO
};

namespace detail {
// U·diag(σ)·Vᵀ with Haar-random U (m×k), V (n×k), computed in double.
Eigen::MatrixXd dense_with_spectrum(const Eigen::VectorXd& sigma, Index m, Index n, Rng& rng);
// σᵢ = κ^(−i/(k−1)), i = 0..k−1.
Eigen::VectorXd geometric(Index k, double kappa);
// Random permutation of 0..k-1 (Fisher–Yates).
std::vector<Index> permutation(Index k, Rng& rng);
}  // namespace detail

/// Builds the matrix of the given kind and shape. σ is computed in double; the matrix is rounded to S
/// at the end (so for float the known σ are exact to about ε_float·σ₁, which the test ratios allow).
template <class S>
TestMatrix<S> make_test_matrix(MatrixKind kind, Index m, Index n, std::uint64_t seed);
// Compiled once in tests/support/matrices.cpp (the Householder QR and products of every matrix kind
// would otherwise be compiled again in each solver test).
extern template TestMatrix<float> make_test_matrix<float>(MatrixKind, Index, Index, std::uint64_t);
extern template TestMatrix<double> make_test_matrix<double>(MatrixKind, Index, Index, std::uint64_t);

}  // namespace lowrank_test
