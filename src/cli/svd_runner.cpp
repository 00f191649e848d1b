#include "svd_runner.hpp"

#include "args.hpp"

namespace lowrank::cli {
namespace {
template <class R>
SvdResult<double> truncate(R res, Index rank) {
  if (rank > 0 && rank < res.S.size()) {
    res.S.conservativeResize(rank);
    if (res.U.cols() > rank) res.U.conservativeResize(Eigen::NoChange, rank);
    if (res.V.cols() > rank) res.V.conservativeResize(Eigen::NoChange, rank);
  }
  return res;
}
void check_method(const std::string& method) {
  for (const char* m : kSvdMethods)
    if (method == m) return;
  throw UsageError("unknown --method '" + method + "' (expected jacobi, golub-kahan, gram, randomized or lanczos)");
}
// The two truncated methods, on a dense or a sparse matrix alike.
template <class Matrix>
SvdResult<double> run_truncated(const std::string& method, const Matrix& A, Index k, Vectors vectors,
                                std::uint64_t seed) {
  if (method == "randomized") {
    RandomizedOptions o;
    o.vectors = vectors;
    o.seed = seed;
    return randomized_svd(A, k, o);
  }
  LanczosOptions o;
  o.vectors = vectors;
  o.seed = seed;
  return lanczos_svd(A, k, o);
}
}  // namespace

SvdResult<double> run_svd(const std::string& method, const Eigen::MatrixXd& A, Index rank, Vectors vectors,
                          std::uint64_t seed) {
  check_method(method);
  const Index k = rank > 0 ? rank : std::min(A.rows(), A.cols());
  if (method == "jacobi") {
    JacobiOptions o;
    o.vectors = vectors;
    return truncate(jacobi_svd(A, o), rank);
  }
  if (method == "golub-kahan") {
    GolubKahanOptions o;
    o.vectors = vectors;
    return truncate(golub_kahan_svd(A, o), rank);
  }
  if (method == "gram") {
    GramOptions o;
    o.vectors = vectors;
    return truncate(gram_svd(A, o), rank);
  }
  return run_truncated(method, A, k, vectors, seed);
}

SvdResult<double> run_svd(const std::string& method, const Eigen::SparseMatrix<double, Eigen::RowMajor, int>& A,
                          Index rank, Vectors vectors, std::uint64_t seed) {
  check_method(method);
  if (is_dense_method(method)) {
    LOWRANK_CHECK(double(A.rows()) * double(A.cols()) <= 2.5e8, resource_limit, "svd: method '", method,
                  "' needs the dense ", A.rows(), "×", A.cols(), " matrix (",
                  double(A.rows()) * double(A.cols()) * 8 / 1e9, " GB); use --method randomized or lanczos");
    return run_svd(method, Eigen::MatrixXd(A), rank, vectors, seed);
  }
  const Index k = rank > 0 ? rank : std::min(A.rows(), A.cols());
  return run_truncated(method, A, k, vectors, seed);
}

}  // namespace lowrank::cli
