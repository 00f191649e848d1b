#pragma once
/// \file matrix_market.hpp  Matrix Market (.mtx, .mtx.gz) reading and writing.
///
/// Reads `%%MatrixMarket matrix coordinate|array real|integer|pattern general|symmetric|skew-symmetric`
/// files (the NIST format, as in the SuiteSparse collection). Symmetric and skew-symmetric storage is
/// expanded. Malformed input throws `Error(Errc::parse, "path:line:column: ...")`; a `.gz` file is
/// read through zlib when the library was built with it.
#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <cstdint>
#include <filesystem>
#include <string>

#include "lowrank/config.hpp"
#include "lowrank/error.hpp"
#include "lowrank/types.hpp"

namespace lowrank {

/// A matrix read from a Matrix Market file: sparse for coordinate files, dense for array files.
struct MatrixMarketData {
  bool is_dense = false;                                  ///< true for array files (use `dense`), else `sparse`
  Eigen::MatrixXd dense;                                  ///< array files
  Eigen::SparseMatrix<double, Eigen::RowMajor, int> sparse;  ///< coordinate files
  std::string header;                                     ///< the banner line
  /// Number of rows of the matrix read.
  Index rows() const { return is_dense ? dense.rows() : sparse.rows(); }
  /// Number of columns of the matrix read.
  Index cols() const { return is_dense ? dense.cols() : sparse.cols(); }
};

/// Reads a Matrix Market file (plain or .gz). `max_entries` bounds what a header may ask to allocate.
LOWRANK_API MatrixMarketData read_matrix_market(const std::filesystem::path& path,
                                                std::int64_t max_entries = std::int64_t(1) << 31);
/// Parses Matrix Market text already in memory; `name` is used in error messages.
LOWRANK_API MatrixMarketData parse_matrix_market(const std::string& text, const std::string& name,
                                                 std::int64_t max_entries = std::int64_t(1) << 31);
/// Writes a dense matrix as `array real general` (atomically: temp file + rename).
LOWRANK_API void write_matrix_market(const std::filesystem::path& path, const Eigen::MatrixXd& A);

/// Reads a whole file into memory, decompressing when the name ends in ".gz"; throws Errc::io.
LOWRANK_API std::string read_file_maybe_gz(const std::filesystem::path& path);
/// Writes `bytes` to `path` atomically: a temporary file beside it, flushed, then renamed over it.
LOWRANK_API void write_file_atomic(const std::filesystem::path& path, const std::string& bytes);

}  // namespace lowrank
