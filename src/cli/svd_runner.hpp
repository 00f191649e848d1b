#pragma once
// Runs any of the five SVD methods on a dense or sparse double matrix (shared by `svd`, `bench-svd`
// and `demo`).
#include <string>

#include "lowrank/svd.hpp"

namespace lowrank::cli {

/// The method names the CLI accepts.
inline const char* const kSvdMethods[] = {"jacobi", "golub-kahan", "gram", "randomized", "lanczos"};

inline bool is_dense_method(const std::string& m) { return m == "jacobi" || m == "golub-kahan" || m == "gram"; }

/// Dense input: every method. `rank` truncates the dense methods' output (0 = all).
SvdResult<double> run_svd(const std::string& method, const Eigen::MatrixXd& A, Index rank, Vectors vectors,
                          std::uint64_t seed);
/// Sparse input: the truncated methods run on the CSR directly; dense methods densify first.
SvdResult<double> run_svd(const std::string& method, const Eigen::SparseMatrix<double, Eigen::RowMajor, int>& A,
                          Index rank, Vectors vectors, std::uint64_t seed);

}  // namespace lowrank::cli
