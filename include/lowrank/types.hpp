#pragma once
/// \file types.hpp  Shared vocabulary: Index, Vectors, SvdOptions, SvdInfo, SvdResult.
#include <Eigen/Core>
#include <cstdint>
#include <string>

namespace lowrank {

/// Signed index and size type (Eigen::Index, std::ptrdiff_t by default).
using Index = Eigen::Index;
/// Dynamic-size column-major dense matrix.
template <class Scalar> using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
/// Dynamic-size column vector.
template <class Scalar> using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

/// Which singular vectors to compute.
enum class Vectors {
  none,  ///< singular values only (U and V are left empty)
  thin,  ///< U is m×r and V is n×r with r = min(m, n) (or the requested rank)
  full,  ///< U is m×m and V is n×n (dense solvers only)
};

/// Options every solver shares; each solver's options struct derives from it.
struct SvdOptions {
  Vectors vectors = Vectors::thin;  ///< U and V: none, thin or full
  double tolerance = 0;             ///< 0 = the solver's documented default
  int max_iterations = 0;           ///< 0 = the solver's documented default
  std::uint64_t seed = 0;           ///< randomized and iterative solvers
};

/// What a solver reports about its run (never thrown: see error.hpp).
struct SvdInfo {
  bool converged = true;           ///< false when an iteration cap stopped the solver
  int iterations = 0;              ///< sweeps, QR iterations, restarts or power steps that ran
  double residual_estimate = 0;    ///< solver-specific a-posteriori residual estimate (relative to σ₁)
  std::string method;              ///< "jacobi", "golub_kahan", "gram", "randomized", "lanczos"
  std::string warning;             ///< non-empty when accuracy is known to be degraded (e.g. gram_svd)
  Index matvecs = 0;               ///< operator applications (truncated solvers), in columns
  Index restarts = 0;              ///< Lanczos restarts / randomized rank growth steps
  Index converged_count = 0;       ///< triplets that met the tolerance (truncated solvers)
  Index oversampling = 0;          ///< oversampling actually used (randomized; after clamping)
  Index subspace_dimension = 0;    ///< Krylov / sketch dimension actually used (after clamping)
};

/// Result of every solver: A ≈ U·diag(S)·Vᵀ, S descending and >= 0.
template <class Scalar>
struct SvdResult {
  Matrix<Scalar> U;  ///< m×r, columns = left singular vectors
  Vector<Scalar> S;  ///< r singular values, descending, >= 0
  Matrix<Scalar> V;  ///< n×r, columns = right singular vectors
  SvdInfo info;      ///< how the solver ran (convergence, iterations, residual estimate)
};

}  // namespace lowrank
