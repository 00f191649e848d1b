// Dense SVD: lowrank's golub_kahan_svd, jacobi_svd and gram_svd against Eigen JacobiSVD / BDCSVD and,
// when LAPACK is found (LOWRANK_BENCH_HAVE_LAPACK), LAPACKE dgesdd, dgesvd, dgesvj, dgejsv. Same
// matrices for every solver (deterministic Gaussian, seed by shape), double, thin vectors, at n = 500,
// 1000, 2000 square and 4000×500, plus values only at n = 2000. Every row carries accuracy counters:
//   residual_ratio  ‖A − U·S·Vᵀ‖₁ / (‖A‖₁·max(m,n)·ε)
//   orth_ratio      max(‖I − UᵀU‖₁ / (m·ε), ‖I − VᵀV‖₁ / (n·ε))
//   sigma_ratio     (values only) max|σᵢ − σᵢ(ref)| / (σ₁·max(m,n)·ε), ref = dgesdd (or BDCSVD)
// Single thread: OpenBLAS is pinned to one thread below (openblas_set_num_threads); running with
// OPENBLAS_NUM_THREADS=1 in the environment does the same. Slow rows are long: filter, e.g.
//   bench_svd_dense --benchmark_filter='/1000' --benchmark_min_time=0.01
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <Eigen/SVD>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>
#include <vector>

#include "lowrank/svd/golub_kahan.hpp"
#if __has_include("lowrank/svd/jacobi.hpp")
#include "lowrank/svd/jacobi.hpp"
#define LOWRANK_BENCH_HAVE_JACOBI 1
#endif
#if __has_include("lowrank/svd/gram.hpp")
#include "lowrank/svd/gram.hpp"
#define LOWRANK_BENCH_HAVE_GRAM 1
#endif

#ifdef LOWRANK_BENCH_HAVE_LAPACK
#include <lapacke.h>
extern "C" void openblas_set_num_threads(int);
#endif

namespace {

using Mat = Eigen::MatrixXd;
using Vec = Eigen::VectorXd;

struct SingleThread {
  SingleThread() {
#ifdef LOWRANK_BENCH_HAVE_LAPACK
    openblas_set_num_threads(1);
#endif
    Eigen::setNbThreads(1);
  }
} const single_thread;

// Deterministic Gaussian test matrix per shape (splitmix64 + Box–Muller), cached.
const Mat& test_matrix(Eigen::Index m, Eigen::Index n) {
  static std::map<std::pair<Eigen::Index, Eigen::Index>, Mat> cache;
  auto it = cache.find({m, n});
  if (it != cache.end()) return it->second;
  std::uint64_t s = 0x9e3779b97f4a7c15ull * std::uint64_t(m * 131 + n);
  auto next = [&s]() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return double((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  };
  Mat A(m, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < m; ++i) {
      const double u1 = next() + 1e-300, u2 = next();
      A(i, j) = std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
  return cache.emplace(std::make_pair(m, n), std::move(A)).first->second;
}

double one_norm(const Mat& M) { return M.cwiseAbs().colwise().sum().maxCoeff(); }

// Accuracy counters of a thin SVD (U m×k, S, V n×k).
void vector_counters(benchmark::State& st, const Mat& A, const Mat& U, const Vec& S, const Mat& V) {
  const double eps = std::numeric_limits<double>::epsilon();
  const Eigen::Index m = A.rows(), n = A.cols(), k = S.size();
  const Mat R = A - U.leftCols(k) * S.asDiagonal() * V.leftCols(k).transpose();
  st.counters["residual_ratio"] = one_norm(R) / (one_norm(A) * double(std::max(m, n)) * eps);
  const double ou = one_norm(Mat::Identity(U.cols(), U.cols()) - U.transpose() * U) / (double(m) * eps);
  const double ov = one_norm(Mat::Identity(V.cols(), V.cols()) - V.transpose() * V) / (double(n) * eps);
  st.counters["orth_ratio"] = std::max(ou, ov);
}

// Reference σ for the values-only rows (dgesdd when available, else BDCSVD), cached.
const Vec& reference_sigma(const Mat& A) {
  static std::map<std::pair<Eigen::Index, Eigen::Index>, Vec> cache;
  auto it = cache.find({A.rows(), A.cols()});
  if (it != cache.end()) return it->second;
  Vec s;
#ifdef LOWRANK_BENCH_HAVE_LAPACK
  Mat W = A;
  s.resize(std::min(A.rows(), A.cols()));
  LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', int(W.rows()), int(W.cols()), W.data(), int(W.rows()), s.data(), nullptr, 1,
                 nullptr, 1);
#else
  s = Eigen::BDCSVD<Mat>(A).singularValues();
#endif
  return cache.emplace(std::make_pair(A.rows(), A.cols()), std::move(s)).first->second;
}

void sigma_counter(benchmark::State& st, const Mat& A, const Vec& S) {
  const Vec& ref = reference_sigma(A);
  const double eps = std::numeric_limits<double>::epsilon();
  st.counters["sigma_ratio"] = (S - ref).cwiseAbs().maxCoeff() / (ref(0) * double(std::max(A.rows(), A.cols())) * eps);
}

lowrank::Vectors vectors_of(const benchmark::State& st) {
  return st.range(2) ? lowrank::Vectors::thin : lowrank::Vectors::none;
}

// ---- lowrank ----------------------------------------------------------------------------------------
template <class Run>
void run_lowrank(benchmark::State& st, Run run) {
  const Mat& A = test_matrix(st.range(0), st.range(1));
  const auto vec = vectors_of(st);
  lowrank::SvdResult<double> r;
  for (auto _ : st) {
    r = run(A, vec);
    benchmark::DoNotOptimize(r.S.data());
  }
  if (vec == lowrank::Vectors::none)
    sigma_counter(st, A, r.S);
  else
    vector_counters(st, A, r.U, r.S, r.V);
}

void BM_golub_kahan(benchmark::State& st) {
  run_lowrank(st, [](const Mat& A, lowrank::Vectors v) {
    lowrank::GolubKahanOptions o;
    o.vectors = v;
    return lowrank::golub_kahan_svd(A, o);
  });
}
#ifdef LOWRANK_BENCH_HAVE_JACOBI
void BM_jacobi(benchmark::State& st) {
  run_lowrank(st, [](const Mat& A, lowrank::Vectors v) {
    lowrank::JacobiOptions o;
    o.vectors = v;
    return lowrank::jacobi_svd(A, o);
  });
}
#endif
#ifdef LOWRANK_BENCH_HAVE_GRAM
void BM_gram(benchmark::State& st) {
  run_lowrank(st, [](const Mat& A, lowrank::Vectors v) {
    lowrank::GramOptions o;
    o.vectors = v;
    return lowrank::gram_svd(A, o);
  });
}
#endif

// ---- Eigen ------------------------------------------------------------------------------------------
template <class Svd>
void run_eigen(benchmark::State& st) {
  const Mat& A = test_matrix(st.range(0), st.range(1));
  const bool want = st.range(2) != 0;
  const unsigned flags = want ? (Eigen::ComputeThinU | Eigen::ComputeThinV) : 0u;
  Svd svd;
  for (auto _ : st) {
    svd.compute(A, flags);
    benchmark::DoNotOptimize(svd.singularValues().data());
  }
  if (want)
    vector_counters(st, A, svd.matrixU(), svd.singularValues(), svd.matrixV());
  else
    sigma_counter(st, A, svd.singularValues());
}
void BM_eigen_bdcsvd(benchmark::State& st) { run_eigen<Eigen::BDCSVD<Mat>>(st); }
void BM_eigen_jacobisvd(benchmark::State& st) { run_eigen<Eigen::JacobiSVD<Mat, Eigen::ColPivHouseholderQRPreconditioner>>(st); }

// ---- LAPACK -----------------------------------------------------------------------------------------
#ifdef LOWRANK_BENCH_HAVE_LAPACK
enum class Lapack { gesdd, gesvd, gesvj, gejsv };

void run_lapack(benchmark::State& st, Lapack which) {
  const Mat& A = test_matrix(st.range(0), st.range(1));
  const bool want = st.range(2) != 0;
  const int m = int(A.rows()), n = int(A.cols()), k = std::min(m, n);
  Mat W, U, VT, V;
  Vec S(k);
  int info = 0;
  for (auto _ : st) {
    W = A;  // the routines overwrite A: copying it is part of every solver's cost
    switch (which) {
      case Lapack::gesdd:
        if (want) {
          U.resize(m, k);
          VT.resize(k, n);
        }
        info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, want ? 'S' : 'N', m, n, W.data(), m, S.data(), want ? U.data() : nullptr,
                              m, want ? VT.data() : nullptr, want ? k : 1);
        break;
      case Lapack::gesvd: {
        std::vector<double> superb(std::size_t(std::max(1, k - 1)));
        if (want) {
          U.resize(m, k);
          VT.resize(k, n);
        }
        info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, want ? 'S' : 'N', want ? 'S' : 'N', m, n, W.data(), m, S.data(),
                              want ? U.data() : nullptr, m, want ? VT.data() : nullptr, want ? k : 1, superb.data());
        break;
      }
      case Lapack::gesvj: {  // one-sided Jacobi; needs m >= n; U overwrites A
        double stat[6] = {0};
        V.resize(n, n);
        info = LAPACKE_dgesvj(LAPACK_COL_MAJOR, 'G', want ? 'U' : 'N', want ? 'V' : 'N', m, n, W.data(), m, S.data(), 0,
                              V.data(), n, stat);
        if (stat[0] != 1) S *= stat[0];  // dgesvj returns σ/SCALE, SCALE = stat[0]
        if (want) U = W.leftCols(k);
        break;
      }
      case Lapack::gejsv: {  // preconditioned Jacobi (Drmač–Veselić); needs m >= n
        double stat[7] = {0};
        int istat[3] = {0};
        U.resize(m, n);
        V.resize(n, n);
        info = LAPACKE_dgejsv(LAPACK_COL_MAJOR, 'C', want ? 'U' : 'N', want ? 'V' : 'N', 'R', 'N', 'N', m, n, W.data(),
                              m, S.data(), U.data(), m, V.data(), n, stat, istat);
        const double scale = stat[1] / stat[0];  // dgejsv: SCALE = WORK(2)/WORK(1), σ = SCALE·SVA
        if (scale != 1) S *= scale;
        break;
      }
    }
    benchmark::DoNotOptimize(S.data());
  }
  if (info != 0) {
    st.SkipWithError("LAPACK info != 0");
    return;
  }
  if (!want) {
    sigma_counter(st, A, S);
    return;
  }
  if (which == Lapack::gesdd || which == Lapack::gesvd) V = VT.transpose();
  vector_counters(st, A, U, S, V);
}
void BM_lapack_dgesdd(benchmark::State& st) { run_lapack(st, Lapack::gesdd); }
void BM_lapack_dgesvd(benchmark::State& st) { run_lapack(st, Lapack::gesvd); }
void BM_lapack_dgesvj(benchmark::State& st) { run_lapack(st, Lapack::gesvj); }
void BM_lapack_dgejsv(benchmark::State& st) { run_lapack(st, Lapack::gejsv); }
#endif

// Args {m, n, vectors}: the square sizes and 4000×500 with thin vectors, then values only at 2000.
void shapes(benchmark::internal::Benchmark* b) {
  for (auto mn : std::vector<std::pair<long, long>>{{500, 500}, {1000, 1000}, {2000, 2000}, {4000, 500}})
    b->Args({mn.first, mn.second, 1});
  b->Args({2000, 2000, 0});
  b->ArgNames({"m", "n", "vectors"})->Unit(benchmark::kMillisecond)->Iterations(1);
}
void shapes_vectors_only(benchmark::internal::Benchmark* b) {
  for (auto mn : std::vector<std::pair<long, long>>{{500, 500}, {1000, 1000}, {2000, 2000}, {4000, 500}})
    b->Args({mn.first, mn.second, 1});
  b->ArgNames({"m", "n", "vectors"})->Unit(benchmark::kMillisecond)->Iterations(1);
}
void small_only(benchmark::internal::Benchmark* b) {  // Eigen's two-sided JacobiSVD: 16 s at n = 1000
  b->Args({500, 500, 1})->ArgNames({"m", "n", "vectors"})->Unit(benchmark::kMillisecond)->Iterations(1);
}

}  // namespace

BENCHMARK(BM_golub_kahan)->Apply(shapes);
#ifdef LOWRANK_BENCH_HAVE_JACOBI
BENCHMARK(BM_jacobi)->Apply(shapes_vectors_only);
#endif
#ifdef LOWRANK_BENCH_HAVE_GRAM
BENCHMARK(BM_gram)->Apply(shapes);
#endif
BENCHMARK(BM_eigen_bdcsvd)->Apply(shapes);
BENCHMARK(BM_eigen_jacobisvd)->Apply(small_only);
#ifdef LOWRANK_BENCH_HAVE_LAPACK
BENCHMARK(BM_lapack_dgesdd)->Apply(shapes);
BENCHMARK(BM_lapack_dgesvd)->Apply(shapes);
BENCHMARK(BM_lapack_dgesvj)->Apply(shapes_vectors_only);
BENCHMARK(BM_lapack_dgejsv)->Apply(shapes_vectors_only);
#endif
