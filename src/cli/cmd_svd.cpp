// `lowrank svd FILE.mtx[.gz] --rank K --method M [--out PREFIX]` and `lowrank bench-svd`.
#include <cstdio>
#include <random>
#include <sstream>

#include "common.hpp"
#include "lowrank/matrix_market.hpp"
#include "svd_runner.hpp"

namespace lowrank::cli {
namespace {

double residual_of(const MatrixMarketData& M, const SvdResult<double>& r) {
  // ‖A V − U S‖_F / (σ₁ √k): the per-triplet residual, cheap for sparse input.
  if (r.U.cols() == 0 || r.V.cols() == 0 || r.S.size() == 0 || r.S(0) == 0) return 0;
  const Eigen::MatrixXd AV = M.is_dense ? Eigen::MatrixXd(M.dense * r.V) : Eigen::MatrixXd(M.sparse * r.V);
  return (AV - r.U * r.S.asDiagonal()).norm() / (r.S(0) * std::sqrt(double(r.S.size())));
}

int run_svd_command(const Args& args) {
  if (args.positional().size() != 1) throw UsageError("expected exactly one matrix file");
  const std::string path = args.positional()[0];
  const std::string method = args.get("method", "lanczos");
  const Index rank = args.integer("rank", 10);
  if (rank < 0) throw UsageError("--rank must be >= 0 (0 = all, dense methods only)");
  const bool want_vectors = args.has("out");
  const auto seed = std::uint64_t(args.integer("seed", 42));

  MatrixMarketData M;
  const double read_s = seconds_of([&] { M = read_matrix_market(path); });
  SvdResult<double> r;
  const Vectors vec = Vectors::thin;  // vectors are always computed: the residual needs them
  const double svd_s = seconds_of([&] {
    r = M.is_dense ? run_svd(method, M.dense, rank, vec, seed) : run_svd(method, M.sparse, rank, vec, seed);
  });
  const double residual = residual_of(M, r);
  if (want_vectors) {
    const std::string prefix = args.get("out");
    write_matrix_market(prefix + "_S.mtx", Eigen::MatrixXd(r.S));
    write_matrix_market(prefix + "_U.mtx", r.U);
    write_matrix_market(prefix + "_V.mtx", r.V);
  }
  if (args.flag("json")) {
    std::printf("{\"file\": %s, \"rows\": %lld, \"cols\": %lld, \"method\": %s, \"rank\": %lld, \"seconds\": %s, "
                "\"read_seconds\": %s, \"residual\": %s, \"converged\": %s, \"iterations\": %d, \"singular_values\": [",
                json_string(path).c_str(), (long long)M.rows(), (long long)M.cols(), json_string(method).c_str(),
                (long long)r.S.size(), json_number(svd_s).c_str(), json_number(read_s).c_str(),
                json_number(residual).c_str(), r.info.converged ? "true" : "false", r.info.iterations);
    for (Index i = 0; i < r.S.size(); ++i) std::printf("%s%.17g", i ? ", " : "", r.S(i));
    std::printf("]}\n");
    return 0;
  }
  std::printf("%s: %lld×%lld (%s), method %s, %lld singular values\n", path.c_str(), (long long)M.rows(),
              (long long)M.cols(), M.is_dense ? "dense" : (std::to_string(M.sparse.nonZeros()) + " nonzeros").c_str(),
              method.c_str(), (long long)r.S.size());
  for (Index i = 0; i < r.S.size(); ++i) std::printf("  sigma[%lld] = %.12g\n", (long long)i + 1, r.S(i));
  std::printf("residual ‖AV − US‖_F/(σ₁√k) = %.3g, %s after %d iterations\n", residual,
              r.info.converged ? "converged" : "NOT converged", r.info.iterations);
  if (!r.info.warning.empty()) std::printf("warning: %s\n", r.info.warning.c_str());
  std::printf("time: read %.3f s, svd %.3f s\n", read_s, svd_s);
  if (want_vectors) std::printf("wrote %s_{S,U,V}.mtx\n", args.get("out").c_str());
  return 0;
}

// Low-rank-plus-noise test matrix with a known, geometric spectrum.
Eigen::MatrixXd bench_matrix(Index m, Index n, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> g;
  const Index r = std::min(m, n);
  Eigen::MatrixXd X(m, r), Y(n, r);
  for (Index j = 0; j < r; ++j)
    for (Index i = 0; i < m; ++i) X(i, j) = g(gen);
  for (Index j = 0; j < r; ++j)
    for (Index i = 0; i < n; ++i) Y(i, j) = g(gen);
  Eigen::HouseholderQR<Eigen::MatrixXd> qx(X), qy(Y);
  const Eigen::MatrixXd U = qx.householderQ() * Eigen::MatrixXd::Identity(m, r);
  const Eigen::MatrixXd V = qy.householderQ() * Eigen::MatrixXd::Identity(n, r);
  Eigen::VectorXd s(r);
  for (Index i = 0; i < r; ++i) s(i) = std::pow(10.0, -6.0 * double(i) / double(std::max<Index>(1, r - 1)));
  return U * s.asDiagonal() * V.transpose();
}

int run_bench_svd(const Args& args) {
  std::vector<int> sizes = parse_int_list(args.get("sizes", "100,200,400"), "--sizes");
  const Index rank = args.integer("rank", 10);
  const std::string out_path = args.get("out", "");
  std::ostringstream md;
  md << "| matrix | method | rank | time (s) | ‖A−USVᵀ‖/‖A‖ | ‖I−UᵀU‖ | ‖I−VᵀV‖ |\n|---|---|---|---|---|---|---|\n";
  for (int n : sizes) {
    const Eigen::MatrixXd A = bench_matrix(n, n, 7);
    for (const char* method : kSvdMethods) {
      const Index k = is_dense_method(method) ? 0 : std::min<Index>(rank, n);
      SvdResult<double> r;
      const double t = seconds_of([&] { r = run_svd(method, A, k, Vectors::thin, 42); });
      // Truncated methods are judged against the best rank-k error, dense ones against ‖A‖.
      char line[256];
      std::snprintf(line, sizeof line, "| %d×%d | %s | %lld | %.4f | %.2e | %.2e | %.2e |\n", n, n, method,
                    (long long)r.S.size(), t, relative_residual(A, r), orthogonality_error(r.U), orthogonality_error(r.V));
      md << line;
      if (!quiet()) std::fprintf(stderr, "%s", line);
    }
  }
  std::printf("%s", md.str().c_str());
  if (!out_path.empty()) write_file_atomic(out_path, md.str());
  return 0;
}

}  // namespace

Command svd_command() {
  return {"svd",
          "singular values (and vectors with --out) of a Matrix Market file, with residual and timing",
          "lowrank svd FILE.mtx[.gz] [--rank K] [--method jacobi|golub-kahan|gram|randomized|lanczos] [--out PREFIX]",
          {{"rank", true, "number of singular triplets (default 10; 0 = all, dense methods)"},
           {"method", true, "jacobi, golub-kahan, gram, randomized or lanczos (default lanczos)"},
           {"out", true, "write PREFIX_S.mtx, PREFIX_U.mtx, PREFIX_V.mtx"}},
          run_svd_command};
}

Command bench_svd_command() {
  return {"bench-svd",
          "compare the SVD variants (time and accuracy) on generated square matrices; prints a Markdown table",
          "lowrank bench-svd [--sizes 100,200,400] [--rank 10] [--out FILE.md]",
          {{"sizes", true, "comma-separated matrix orders (default 100,200,400)"},
           {"rank", true, "rank for the truncated methods (default 10)"},
           {"out", true, "also write the table to this file"}},
          run_bench_svd};
}

}  // namespace lowrank::cli
