// Truncated SVD benchmark: lanczos_svd and randomized_svd on a synthetic user-item matrix (6040×3706,
// 1 M nonzeros, power-law item popularity), a dense 5000×2000 low-rank-plus-noise matrix, and the MovieLens
// sets in LOWRANK_DATA_DIR; plus the sparse block product (SpMM) alone. Single thread (OpenMP and Eigen set
// to 1 thread at start-up). Every solver row carries accuracy (STYLE C15):
//   sigma_err   max_i |σᵢ − σᵢ*| / σᵢ* against a dense Eigen BDCSVD of the same matrix (cached under
//               $LOWRANK_BENCH_CACHE, default /tmp/lowrank-bench-cache: the 6040×3706 one takes ~1 min once)
//   resid_ratio ‖A − U S Vᵀ‖_F / ‖A − Aₖ‖_F   (1 = the optimal rank-k truncation)
// LOWRANK_BENCH_DUMP=<dir> also writes each matrix (+ reference σ) for bench/svd_truncated_python.py, which
// times scikit-learn randomized_svd and SciPy svds (ARPACK, PROPACK) on the very same data.
#include <benchmark/benchmark.h>

#include <Eigen/SVD>
#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "lowrank/operator.hpp"
#include "lowrank/svd/detail/rng.hpp"
#include "lowrank/svd/lanczos.hpp"
#include "lowrank/svd/randomized.hpp"

#if LOWRANK_HAS_OPENMP
#include <omp.h>
#endif

namespace {
using lowrank::Index;
using SpMat = Eigen::SparseMatrix<double, Eigen::RowMajor, int>;
namespace fs = std::filesystem;

const int kSingleThread = [] {
#if LOWRANK_HAS_OPENMP
  omp_set_num_threads(1);
#endif
  Eigen::setNbThreads(1);
  return 1;
}();

struct Problem {
  std::string name;
  bool dense = false;
  SpMat S;
  Eigen::MatrixXd D;
  Eigen::VectorXd sigma;  // reference singular values (all of them)
  double norm2 = 0;       // ‖A‖_F²
  std::string error;      // non-empty: data missing
};

/// Synthetic user-item ratings: 6040 users × 3706 items, exactly 1,000,000 nonzeros. User activity and
/// item popularity follow power laws (ML-1M-like: every user ≥ 20 ratings); values 1..5.
SpMat synthetic_user_item() {
  const Index m = 6040, n = 3706, target = 1000000;
  std::mt19937_64 gen(20261129);
  std::vector<double> act(m);
  for (Index i = 0; i < m; ++i) act[std::size_t(i)] = std::pow(double(i + 1), -0.6);
  const double asum = std::accumulate(act.begin(), act.end(), 0.0);
  std::vector<Index> count(m);
  Index total = 0;
  for (Index i = 0; i < m; ++i) {
    count[std::size_t(i)] = std::min<Index>(n / 2, 20 + Index(double(target - 20 * m) * act[std::size_t(i)] / asum));
    total += count[std::size_t(i)];
  }
  for (Index i = 0; total < target; i = (i + 1) % m) ++count[std::size_t(i)], ++total;  // top up to exactly 1 M
  std::vector<double> w(n);
  for (Index j = 0; j < n; ++j) w[std::size_t(j)] = std::pow(double(j + 1), -0.9);
  std::discrete_distribution<int> item(w.begin(), w.end());
  std::uniform_int_distribution<int> rating(1, 5);
  std::vector<int> perm(n);  // popularity rank → item id, so popular items are not all at the left
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), gen);
  std::vector<Eigen::Triplet<double, int>> t;
  t.reserve(target);
  std::vector<char> seen(n);
  for (Index i = 0; i < m; ++i) {
    std::fill(seen.begin(), seen.end(), 0);
    for (Index c = 0; c < count[std::size_t(i)];) {
      const int j = perm[std::size_t(item(gen))];
      if (seen[std::size_t(j)]) continue;
      seen[std::size_t(j)] = 1;
      t.emplace_back(int(i), j, double(rating(gen)));
      ++c;
    }
  }
  SpMat A(m, n);
  A.setFromTriplets(t.begin(), t.end());
  A.makeCompressed();
  return A;
}

/// MovieLens ratings (u.data tab-separated, ratings.csv with header, ratings.dat "::", optionally .gz) as a
/// user×item matrix with ids remapped densely in order of first appearance.
SpMat load_ratings(const fs::path& path) {
  std::string cmd = path.extension() == ".gz" ? "gzip -dc '" + path.string() + "'" : "cat '" + path.string() + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> f(popen(cmd.c_str(), "r"), pclose);
  std::unordered_map<long, int> users, items;
  std::vector<Eigen::Triplet<double, int>> t;
  char line[512];
  while (f && std::fgets(line, sizeof line, f.get())) {
    std::string s(line);
    for (char& c : s)
      if (c == ',' || c == ':' || c == '\t') c = ' ';
    std::istringstream in(s);
    long u, i;
    double r;
    if (!(in >> u >> i >> r)) continue;  // header
    const int ui = users.emplace(u, int(users.size())).first->second;
    const int ii = items.emplace(i, int(items.size())).first->second;
    t.emplace_back(ui, ii, r);
  }
  SpMat A(Index(users.size()), Index(items.size()));
  A.setFromTriplets(t.begin(), t.end());
  A.makeCompressed();
  return A;
}

fs::path cache_dir() {
  const char* e = std::getenv("LOWRANK_BENCH_CACHE");
  fs::path d = e && *e ? e : "/tmp/lowrank-bench-cache";
  fs::create_directories(d);
  return d;
}

Eigen::VectorXd reference_sigma(const std::string& name, const Eigen::MatrixXd& D) {
  const fs::path p = cache_dir() / (name + "-" + std::to_string(D.rows()) + "x" + std::to_string(D.cols()) + "-" +
                                    std::to_string(std::hash<double>()(D.sum())) + ".sigma");
  const Index k = std::min(D.rows(), D.cols());
  Eigen::VectorXd s(k);
  if (std::ifstream in{p, std::ios::binary}; in.read(reinterpret_cast<char*>(s.data()), std::streamsize(k * 8)))
    return s;
  s = Eigen::BDCSVD<Eigen::MatrixXd>(D).singularValues();
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(s.data()), std::streamsize(k * 8));
  return s;
}

void dump(const Problem& p) {
  const char* e = std::getenv("LOWRANK_BENCH_DUMP");
  if (!e || !*e) return;
  fs::create_directories(e);
  const fs::path base = fs::path(e) / p.name;
  if (p.dense) {
    std::ofstream f(base.string() + ".dense", std::ios::binary);  // int64 m, n, then column-major doubles
    const std::int64_t mn[2] = {p.D.rows(), p.D.cols()};
    f.write(reinterpret_cast<const char*>(mn), 16);
    f.write(reinterpret_cast<const char*>(p.D.data()), std::streamsize(p.D.size() * 8));
  } else {
    std::ofstream f(base.string() + ".mtx");
    f << "%%MatrixMarket matrix coordinate real general\n" << p.S.rows() << ' ' << p.S.cols() << ' ' << p.S.nonZeros() << '\n';
    for (Index r = 0; r < p.S.outerSize(); ++r)
      for (SpMat::InnerIterator it(p.S, r); it; ++it) f << it.row() + 1 << ' ' << it.col() + 1 << ' ' << it.value() << '\n';
  }
  std::ofstream s(base.string() + ".sigma");
  s.precision(17);
  for (Index i = 0; i < p.sigma.size(); ++i) s << p.sigma(i) << '\n';
}

enum ProblemId { synthetic = 0, dense_lr = 1, ml100k = 2, mlsmall = 3, ml1m_partial = 4 };

const Problem& problem(int id) {
  static std::map<int, Problem> cache;
  if (auto it = cache.find(id); it != cache.end()) return it->second;
  Problem p;
  const char* env = std::getenv("LOWRANK_DATA_DIR");
  const fs::path data = env && *env ? fs::path(env) : fs::path(LOWRANK_DEFAULT_DATA_DIR);
  auto load = [&](const char* name, const char* rel) {
    p.name = name;
    if (!fs::exists(data / rel)) {
      p.error = std::string("data set not found: ") + (data / rel).string();
      return;
    }
    p.S = load_ratings(data / rel);
  };
  switch (id) {
    case synthetic: p.name = "useritem6040x3706"; p.S = synthetic_user_item(); break;
    case dense_lr: {
      p.name = "dense5000x2000";
      p.dense = true;
      const Index m = 5000, n = 2000, r = 10;  // rank 10 with σ = 100·0.8^i, plus N(0, 1) noise (‖noise‖₂ ≈ 115)
      Eigen::MatrixXd U(m, r), V(n, r);
      lowrank::detail::fill_gaussian<double>(U, 5, 1);
      lowrank::detail::fill_gaussian<double>(V, 5, 2);
      lowrank::detail::householder_orthonormalize(U);
      lowrank::detail::householder_orthonormalize(V);
      Eigen::VectorXd s(r);
      for (Index i = 0; i < r; ++i) s(i) = 1000.0 * std::pow(0.8, double(i));
      p.D.resize(m, n);
      lowrank::detail::fill_gaussian<double>(p.D, 5, 3);
      p.D += U * s.asDiagonal() * V.transpose();
      break;
    }
    case ml100k: load("ml100k", "ml-100k/u.data"); break;
    case mlsmall: load("ml_latest_small", "ml-latest-small/ratings.csv"); break;
    case ml1m_partial: load("ml1m_partial", "ml-1m-partial/ratings.partial.dat.gz"); break;
  }
  if (p.error.empty()) {
    p.sigma = reference_sigma(p.name, p.dense ? p.D : Eigen::MatrixXd(p.S));
    p.norm2 = p.dense ? p.D.squaredNorm() : p.S.squaredNorm();
    dump(p);
  }
  return cache.emplace(id, std::move(p)).first->second;
}

/// Accuracy counters for a result of rank k: σ error against the reference and the residual ratio, via
/// ‖A − USVᵀ‖² = ‖A‖² − 2 Σᵢ σᵢ uᵢᵀ A vᵢ + Σᵢ σᵢ² (U, V orthonormal to working accuracy).
template <class Op>
void accuracy(benchmark::State& state, const Problem& p, const Op& op, const lowrank::SvdResult<double>& r) {
  const Index k = r.S.size();
  double se = 0;
  for (Index i = 0; i < k; ++i) se = std::max(se, std::abs(r.S(i) - p.sigma(i)) / p.sigma(i));
  Eigen::MatrixXd AV(op.rows(), k);
  op.apply(r.V, AV);
  const double cross = (r.U.cwiseProduct(AV).colwise().sum().transpose().cwiseProduct(r.S)).sum();
  const double err2 = std::max(0.0, p.norm2 - 2 * cross + r.S.squaredNorm());
  const double best2 = p.sigma.tail(p.sigma.size() - k).squaredNorm();
  state.counters["sigma_err"] = se;
  state.counters["resid_ratio"] = best2 > 0 ? std::sqrt(err2 / best2) : std::sqrt(err2);
  state.counters["matvecs"] = double(r.info.matvecs);
  state.counters["iterations"] = double(r.info.iterations);
  state.counters["converged"] = r.info.converged;
  state.counters["kd"] = double(r.info.subspace_dimension);
}

template <class F>
void run_solver(benchmark::State& state, int id, F&& solve) {
  const Problem& p = problem(id);
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    return;
  }
  lowrank::SvdResult<double> r;
  auto go = [&](const auto& A) {
    const auto op = lowrank::make_operator(A);
    for (auto _ : state) {
      r = solve(A);
      benchmark::DoNotOptimize(r.S.data());
    }
    accuracy(state, p, op, r);
  };
  if (p.dense) go(p.D);
  else go(p.S);
}

// args: problem, rank, tolerance exponent (0 = default 1e-10), reorthogonalization (0 full, 1 one-sided)
void BM_lanczos(benchmark::State& state) {
  lowrank::LanczosOptions o;
  if (state.range(2) > 0) o.tolerance = std::pow(10.0, -double(state.range(2)));
  if (state.range(3) == 1) o.reorthogonalization = lowrank::Reorthogonalization::one_sided;
  if (state.range(4) > 0) o.krylov_dimension = state.range(4);
  if (state.range(5) > 0) o.block_size = state.range(5);
  o.mixed_precision = state.range(6) == 0;
  run_solver(state, int(state.range(0)), [&](const auto& A) { return lowrank::lanczos_svd(A, state.range(1), o); });
}
// args: problem, rank, power iterations (-1 = sklearn rule), block Krylov, all products in double
void BM_randomized(benchmark::State& state) {
  lowrank::RandomizedOptions o;
  o.power_iterations = int(state.range(2));
  o.block_krylov = state.range(3) != 0;
  o.mixed_precision = state.range(4) == 0;
  run_solver(state, int(state.range(0)), [&](const auto& A) { return lowrank::randomized_svd(A, state.range(1), o); });
}

void lanczos_args(benchmark::internal::Benchmark* b) {
  for (int id : {synthetic, dense_lr, ml100k, mlsmall, ml1m_partial})
    for (int k : {10, 50, 100}) {
      if (id == dense_lr && k != 10) continue;
      b->Args({id, k, 0, 0, 0, 0, 0});   // defaults (tol 1e-10, block 1)
      b->Args({id, k, 6, 0, 0, 0, 0});   // tol 1e-6: σ error ≈ residual² / gap, still ≲ 1e-8
      b->Args({id, k, 6, 1, 0, 0, 0});   // one-sided reorthogonalization
      b->Args({id, k, 6, 0, 0, 16, 0});  // block 16
      // tol 1e-5: mixed precision (float iteration + double Rayleigh–Ritz) against all double; block 1
      // runs all in double either way (the mixed path needs a block), so it has one row; blocks 4 and 8 are
      // the float iteration's defaults below and from rank 32
      b->Args({id, k, 5, 0, 0, 1, 0});
      for (int block : {4, 8, 16})
        for (int all_double : {0, 1}) b->Args({id, k, 5, 0, 0, block, all_double});
    }
  b->ArgNames({"problem", "rank", "tol_exp", "one_sided", "kd", "block", "all_double"})->Unit(benchmark::kMillisecond);
}
void randomized_args(benchmark::internal::Benchmark* b) {
  for (int id : {synthetic, dense_lr, ml100k, mlsmall, ml1m_partial})
    for (int k : {10, 50, 100}) {
      if (id == dense_lr && k != 10) continue;
      b->Args({id, k, 4, 0, 0});   // scikit-learn with n_iter=4 (power steps in float, see mixed_precision)
      b->Args({id, k, 4, 0, 1});   // the same with every product in double
      b->Args({id, k, -1, 0, 0});  // scikit-learn's default rule (7 when rank < 0.1·min(m, n))
      b->Args({id, k, 2, 1, 0});   // block Krylov, 2 blocks beyond the first
    }
  b->ArgNames({"problem", "rank", "q", "block_krylov", "all_double"})->Unit(benchmark::kMillisecond);
}
BENCHMARK(BM_lanczos)->Apply(lanczos_args);
BENCHMARK(BM_randomized)->Apply(randomized_args);

// The SpMM kernel alone on the synthetic matrix: CSR × 64-column row-major block (the kernel) and through
// the operator (column-major blocks, layout conversion included), both orientations. GFLOP/s = 2·nnz·k/t.
void BM_spmm(benchmark::State& state) {
  const Problem& p = problem(synthetic);
  const Index k = state.range(0);
  const auto op = lowrank::make_operator(p.S);
  const int mode = int(state.range(1));  // 0 kernel A·X, 1 kernel Aᵀ·X, 2 operator apply, 3 operator apply_transpose
  const Index in = (mode == 1 || mode == 3) ? p.S.rows() : p.S.cols(), out = (mode == 1 || mode == 3) ? p.S.cols() : p.S.rows();
  Eigen::MatrixXd X(in, k), Y(out, k);
  lowrank::detail::fill_gaussian<double>(X, 1, 0);
  // The kernel rows as the operator hands them over: 64-byte aligned scratch (Eigen's own arrays are only
  // 16-byte aligned, so each 512-byte row would straddle nine cache lines instead of eight).
  lowrank::detail::ScratchBuffer<double> xs, ys;
  double* xr = xs.get(std::size_t(X.size()));
  double* yr = ys.get(std::size_t(Y.size()));
  std::copy(X.data(), X.data() + X.size(), xr);
  for (auto _ : state) {
    if (mode == 0) lowrank::detail::csr_times_rowmajor(op.csr(), xr, yr, std::size_t(k));
    if (mode == 1) lowrank::detail::csr_times_rowmajor(op.csr_transpose(), xr, yr, std::size_t(k));
    if (mode == 2) op.apply(X, Y);
    if (mode == 3) op.apply_transpose(X, Y);
    benchmark::DoNotOptimize(Y.data());
    benchmark::DoNotOptimize(yr);
  }
  state.counters["GFLOPs"] =
      benchmark::Counter(2e-9 * double(p.S.nonZeros()) * double(k), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_spmm)
    ->ArgsProduct({{1, 4, 8, 16, 64, 110}, {0, 1, 2, 3}})
    ->ArgNames({"k", "mode"})
    ->Unit(benchmark::kMillisecond);

// The float products of the mixed-precision solvers on the synthetic matrix, A·X then Aᵀ·Y as a Lanczos
// step runs them (16 MB of matrix between them, beyond the L2): narrow 1 = the float copy of the double
// operator (16-bit column indices, 6 bytes per entry), narrow 0 = a float operator on the same values
// with 32-bit indices (8 bytes per entry). Time per pair of products.
void BM_spmm_float_pair(benchmark::State& state) {
  const Problem& p = problem(synthetic);
  const Index k = state.range(0);
  const bool narrow = state.range(1) != 0;
  const auto op = lowrank::make_operator(p.S);
  const auto sketch = op.float_sketch();
  const Eigen::SparseMatrix<float, Eigen::RowMajor> Sf = (p.S * sketch->scale()).cast<float>();
  const auto op_f = lowrank::make_operator(Sf);
  Eigen::MatrixXf X(p.S.cols(), k), Y(p.S.rows(), k);
  lowrank::detail::fill_gaussian<float>(X, 1, 0);
  for (auto _ : state) {
    if (narrow) {
      sketch->apply(X, Y);
      sketch->apply_transpose(Y, X);
    } else {
      op_f.apply(X, Y);
      op_f.apply_transpose(Y, X);
    }
    X *= 1.0f / X.norm();  // keep the values in range over the repetitions
    benchmark::DoNotOptimize(X.data());
  }
  state.counters["GFLOPs"] =
      benchmark::Counter(4e-9 * double(p.S.nonZeros()) * double(k), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_spmm_float_pair)
    ->ArgsProduct({{4, 8, 16}, {0, 1}})
    ->ArgNames({"k", "narrow"})
    ->Unit(benchmark::kMillisecond);

#ifdef LOWRANK_BENCH_HAVE_LAPACK
extern "C" void openblas_set_num_threads(int);
extern "C" void dgemm_(const char*, const char*, const int*, const int*, const int*, const double*, const double*,
                       const int*, const double*, const int*, const double*, double*, const int*);
// The reference rate of the SpMM target (≥ 40 % of the single-thread dgemm rate): OpenBLAS dgemm at
// n = 1000 on one thread, in the same run.
void BM_dgemm_openblas(benchmark::State& state) {
  openblas_set_num_threads(1);
  const int n = 1000;
  Eigen::MatrixXd A(n, n), B(n, n), C(n, n);
  lowrank::detail::fill_gaussian<double>(A, 1, 0);
  lowrank::detail::fill_gaussian<double>(B, 2, 0);
  const double one = 1, zero = 0;
  for (auto _ : state) {
    dgemm_("N", "N", &n, &n, &n, &one, A.data(), &n, B.data(), &n, &zero, C.data(), &n);
    benchmark::DoNotOptimize(C.data());
  }
  state.counters["GFLOPs"] =
      benchmark::Counter(2e-9 * n * double(n) * n, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_dgemm_openblas)->Unit(benchmark::kMillisecond);
#endif

}  // namespace
