// SIMD kernels vs a plain loop and vs Eigen, in GB/s of input read (and written, for rot).
// The plain loops are compiled with the build's flags (no -march), exactly as a user's header code would be.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <random>
#include <vector>

#include "lowrank/kernels.hpp"

namespace {
template <class T>
std::vector<T> random_vector(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1, 1);
  std::vector<T> v(n);
  for (auto& x : v) x = T(dist(gen));
  return v;
}

// Plain loops the compiler may vectorize only to its baseline (SSE2 on x86-64).
template <class T>
__attribute__((noinline)) T plain_dot(const T* x, const T* y, std::size_t n) {
  T s = 0;
  for (std::size_t i = 0; i < n; ++i) s += x[i] * y[i];
  return s;
}
template <class T>
__attribute__((noinline)) void plain_rot(T* x, T* y, std::size_t n, T c, T s) {
  for (std::size_t i = 0; i < n; ++i) {
    const T xi = x[i], yi = y[i];
    x[i] = c * xi + s * yi;
    y[i] = c * yi - s * xi;
  }
}

template <class T>
void set_bytes(benchmark::State& state, std::size_t n, int streams) {
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(n * sizeof(T) * streams));
  state.SetLabel(lowrank::kernels::active_target());
}

template <class T> void BM_dot_lowrank(benchmark::State& state) {
  const auto n = std::size_t(state.range(0));
  auto x = random_vector<T>(n, 1), y = random_vector<T>(n, 2);
  for (auto _ : state) benchmark::DoNotOptimize(lowrank::kernels::dot(x.data(), y.data(), n));
  set_bytes<T>(state, n, 2);
}
template <class T> void BM_dot_plain(benchmark::State& state) {
  const auto n = std::size_t(state.range(0));
  auto x = random_vector<T>(n, 1), y = random_vector<T>(n, 2);
  for (auto _ : state) benchmark::DoNotOptimize(plain_dot(x.data(), y.data(), n));
  set_bytes<T>(state, n, 2);
}
template <class T> void BM_dot_eigen(benchmark::State& state) {
  const auto n = Eigen::Index(state.range(0));
  using V = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  V x = V::Random(n), y = V::Random(n);
  for (auto _ : state) benchmark::DoNotOptimize(x.dot(y));
  set_bytes<T>(state, std::size_t(n), 2);
}
template <class T> void BM_rot_lowrank(benchmark::State& state) {
  const auto n = std::size_t(state.range(0));
  auto x = random_vector<T>(n, 1), y = random_vector<T>(n, 2);
  for (auto _ : state) {
    lowrank::kernels::rot(x.data(), y.data(), n, T(0.6), T(0.8));
    benchmark::ClobberMemory();
  }
  set_bytes<T>(state, n, 4);
}
template <class T> void BM_rot_plain(benchmark::State& state) {
  const auto n = std::size_t(state.range(0));
  auto x = random_vector<T>(n, 1), y = random_vector<T>(n, 2);
  for (auto _ : state) {
    plain_rot(x.data(), y.data(), n, T(0.6), T(0.8));
    benchmark::ClobberMemory();
  }
  set_bytes<T>(state, n, 4);
}
template <class T> void BM_gram2_lowrank(benchmark::State& state) {
  const auto n = std::size_t(state.range(0));
  auto x = random_vector<T>(n, 1), y = random_vector<T>(n, 2);
  T out[3];
  for (auto _ : state) {
    lowrank::kernels::gram2(x.data(), y.data(), n, out);
    benchmark::DoNotOptimize(out);
  }
  set_bytes<T>(state, n, 2);
}
template <class T> void BM_nrm2_lowrank(benchmark::State& state) {
  const auto n = std::size_t(state.range(0));
  auto x = random_vector<T>(n, 1);
  for (auto _ : state) benchmark::DoNotOptimize(lowrank::kernels::nrm2(x.data(), n));
  set_bytes<T>(state, n, 1);
}
}  // namespace

#define LOWRANK_BENCH_SIZES ->Arg(4096)->Arg(1000000)
BENCHMARK_TEMPLATE(BM_dot_lowrank, float) LOWRANK_BENCH_SIZES;
BENCHMARK_TEMPLATE(BM_dot_plain, float) LOWRANK_BENCH_SIZES;
BENCHMARK_TEMPLATE(BM_dot_eigen, float) LOWRANK_BENCH_SIZES;
BENCHMARK_TEMPLATE(BM_dot_lowrank, double) LOWRANK_BENCH_SIZES;
BENCHMARK_TEMPLATE(BM_dot_plain, double) LOWRANK_BENCH_SIZES;
BENCHMARK_TEMPLATE(BM_dot_eigen, double) LOWRANK_BENCH_SIZES;
BENCHMARK_TEMPLATE(BM_rot_lowrank, float) LOWRANK_BENCH_SIZES;
BENCHMARK_TEMPLATE(BM_rot_plain, float) LOWRANK_BENCH_SIZES;
BENCHMARK_TEMPLATE(BM_rot_lowrank, double) LOWRANK_BENCH_SIZES;
BENCHMARK_TEMPLATE(BM_rot_plain, double) LOWRANK_BENCH_SIZES;
BENCHMARK_TEMPLATE(BM_gram2_lowrank, double) LOWRANK_BENCH_SIZES;
BENCHMARK_TEMPLATE(BM_nrm2_lowrank, double) LOWRANK_BENCH_SIZES;
