// Scale: how time and peak memory grow with the number of interactions (issue: reliability and scale).
//
// BM_Scale/<interactions> generates a synthetic user-item data set (the seeded low-rank preference
// model of rec::synthetic_data) with users = interactions / 50 and items = min(200 k, interactions / 250):
// 1 M → 20 k × 4 k, 5 M → 100 k × 20 k, 20 M → 400 k × 80 k, 50 M → 1 M × 200 k. It writes the data as
// a CSV file once (cached under LOWRANK_SCALE_DIR, default <temp>/lowrank-scale), then measures, each
// phase with its own peak resident memory (VmHWM, reset through /proc/self/clear_refs):
//   load      load_csv of the file into Interactions (CSR + id maps)
//   svd       randomized_svd(R, 64) on the float CSR (default options: p = 10, q = 7)
//   als       one ImplicitALS epoch at 64 factors (3 CG steps)
// The svd and als phases run kRepeats times and report the fastest run (and the median): on this shared
// 2-core machine one run of the same binary swung by up to ±30 %, which is more than the growth
// exponents the issue judges can tell apart. Peak memory covers all repeats.
//   recommend recommend_all top-10 over a fixed sample of 20 000 users (the whole user set at 1 M):
//             the per-user cost is O(items · factors), so a fixed sample keeps this phase linear in the
//             item count; the counter users_per_s gives the throughput for a full pass.
// Counters: seconds and peak MB per phase, csr_MB (values + column indices + row pointers), factors_MB
// ((users + items) · 64 floats), and peak_ratio = the largest phase peak / (csr_MB + factors_MB).
// Threads: all cores (OpenMP), whatever OMP_NUM_THREADS says for the other benchmarks.
// Run: scripts/bench scale   (about 10 minutes on a 2-core machine; 2 GB of CSV cached in the temp dir)
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lowrank/rec.hpp"
#include "lowrank/rec/models/implicit_als.hpp"
#include "lowrank/svd.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

using namespace lowrank;
using namespace lowrank::rec;

namespace {

constexpr int kRank = 64;
constexpr Index kRecommendSample = 20000;
constexpr int kRepeats = 3;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Runs `phase` kRepeats times; returns {fastest, median} seconds.
template <class F>
std::pair<double, double> timed_repeats(const F& phase) {
  std::vector<double> t;
  for (int r = 0; r < kRepeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    phase();
    t.push_back(seconds_since(t0));
  }
  std::sort(t.begin(), t.end());
  return {t.front(), t[t.size() / 2]};
}

/// A memory line of /proc/self/status ("VmHWM:" peak since start or the last reset_peak(), "VmRSS:"
/// current) in MB.
double status_mb(const char* key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  return -1;
}
double peak_mb() { return status_mb("VmHWM:"); }
double rss_mb() { return status_mb("VmRSS:"); }

/// Returns freed heap to the system and resets VmHWM to the current RSS (Linux ≥ 4.0).
void reset_peak() {
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";
}

struct Shape {
  Index interactions, users, items;
};
Shape shape_for(Index interactions) {
  return {interactions, interactions / 50, std::min<Index>(200000, std::max<Index>(1000, interactions / 250))};
}

/// The CSV file of a shape, generated on first use (user,item,rating lines).
std::filesystem::path data_file(const Shape& s) {
  const char* env = std::getenv("LOWRANK_SCALE_DIR");
  const std::filesystem::path dir = env && *env ? std::filesystem::path(env)
                                                : std::filesystem::temp_directory_path() / "lowrank-scale";
  std::filesystem::create_directories(dir);
  const auto path = dir / ("synthetic_" + std::to_string(s.interactions) + "_" + std::to_string(s.users) + "x" +
                           std::to_string(s.items) + ".csv");
  if (std::filesystem::exists(path)) return path;
  // Generated in a child process, so that the generator's heap does not linger in this one's RSS.
  const pid_t child = fork();
  if (child < 0) throw Error(Errc::io, "fork failed");
  if (child > 0) {
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !std::filesystem::exists(path))
      throw Error(Errc::io, path.string() + ": generating the data set failed");
    return path;
  }
  // The child has only this thread: the parent's OpenMP pool did not survive fork(), and a parallel region
  // (Eigen's GEMM in synthetic_data) would wait for it forever. Run everything on this thread.
  Eigen::setNbThreads(1);
#if defined(_OPENMP)
  omp_set_num_threads(1);
#endif
  SyntheticOptions o;
  o.users = s.users, o.items = s.items, o.interactions = s.interactions, o.seed = 7;
  const auto data = synthetic_data(o).interactions;
  const auto tmp = path.string() + ".part";
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw Error(Errc::io, tmp + ": cannot create");
    const auto& m = data.matrix();
    for (Index u = 0; u < m.rows(); ++u)
      for (int e = m.outerIndexPtr()[u]; e < m.outerIndexPtr()[u + 1]; ++e)
        std::fprintf(f, "%lld,%d,%g\n", static_cast<long long>(u), m.innerIndexPtr()[e], double(m.valuePtr()[e]));
    if (std::fclose(f) != 0) throw Error(Errc::io, tmp + ": write failed");
  }
  std::filesystem::rename(tmp, path);  // a cut-off run never leaves a half file under the final name
  std::_Exit(0);
}

void bm_scale(benchmark::State& state) {
  const Shape shape = shape_for(state.range(0));
#if defined(_OPENMP)
  omp_set_num_threads(omp_get_num_procs());
#endif
  const auto path = data_file(shape);
  static bool header_printed = false;
  if (!header_printed) {
    header_printed = true;
    std::printf(
        "| interactions | users × items | load s | svd s (fastest / median of 3) | ALS epoch s (fastest / median) | "
        "recommend 20k s | base MB | load MB | svd MB | "
        "ALS MB | recommend MB | CSR + factors MB | peak ratio "
        "|\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  }
  for (auto _ : state) {
    // load
    reset_peak();
    const double base_mb = rss_mb();  // the process before loading: code, libraries, allocator
    auto t0 = std::chrono::steady_clock::now();
    CsvOptions csv;
    csv.rating_column = 2;
    csv.timestamp_column = -1;
    const Interactions data = load_csv(path, csv);
    const double load_s = seconds_since(t0), load_mb = peak_mb();
    const auto& R = data.matrix();
    const double csr_mb = (double(R.nonZeros()) * (sizeof(float) + sizeof(int)) + double(R.rows() + 1) * sizeof(int)) / 1048576.0;
    const double factors_mb = double(data.num_users() + data.num_items()) * kRank * sizeof(float) / 1048576.0;

    // randomized SVD, rank 64
    reset_peak();
    double sigma1 = 0;
    const auto [svd_s, svd_median_s] = timed_repeats([&] {
      const auto svd = randomized_svd(R, kRank);
      sigma1 = double(svd.S(0));
      benchmark::DoNotOptimize(svd.U.data());
    });
    const double svd_mb = peak_mb();

    // one ImplicitALS epoch, 64 factors: a fresh model per repeat (the previous one is freed first, so
    // the peak is that of one fit); the last one serves recommend
    reset_peak();
    ImplicitALSOptions ao;
    ao.factors = kRank;
    ao.iterations = 1;
    ao.compute_loss = false;
    std::unique_ptr<ImplicitALS> model;
    const auto [als_s, als_median_s] = timed_repeats([&] {
      model.reset();
      model = std::make_unique<ImplicitALS>(ao);
      model->fit(data);
    });
    const ImplicitALS& als = *model;
    const double als_mb = peak_mb();

    // recommend_all top-10 over a fixed sample of users
    reset_peak();
    std::vector<UserId> users;
    const Index sample = std::min(kRecommendSample, data.num_users());
    for (Index k = 0; k < sample; ++k) users.push_back(k * data.num_users() / sample);
    t0 = std::chrono::steady_clock::now();
    const auto lists = als.recommend_all(users, 10);
    const double rec_s = seconds_since(t0), rec_mb = peak_mb();
    benchmark::DoNotOptimize(lists.data());

    const double peak = std::max({load_mb, svd_mb, als_mb, rec_mb});
    state.SetIterationTime(load_s + svd_s + als_s + rec_s);
    state.counters["interactions"] = double(data.nnz());
    state.counters["users"] = double(data.num_users());
    state.counters["items"] = double(data.num_items());
    state.counters["load_s"] = load_s;
    state.counters["svd_s"] = svd_s;
    state.counters["svd_median_s"] = svd_median_s;
    state.counters["als_epoch_s"] = als_s;
    state.counters["als_epoch_median_s"] = als_median_s;
    state.counters["recommend_s"] = rec_s;
    state.counters["users_per_s"] = double(sample) / rec_s;
    state.counters["load_MB"] = load_mb;
    state.counters["svd_MB"] = svd_mb;
    state.counters["als_MB"] = als_mb;
    state.counters["recommend_MB"] = rec_mb;
    state.counters["base_MB"] = base_mb;
    state.counters["csr_MB"] = csr_mb;
    state.counters["factors_MB"] = factors_mb;
    state.counters["peak_ratio"] = peak / (csr_mb + factors_mb);
    state.counters["sigma1"] = sigma1;
    std::printf(
        "| %lld | %lld × %lld | %.2f | %.2f / %.2f | %.2f / %.2f | %.2f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f + "
        "%.0f | %.2f |\n",
        static_cast<long long>(data.nnz()), static_cast<long long>(data.num_users()),
        static_cast<long long>(data.num_items()), load_s, svd_s, svd_median_s, als_s, als_median_s, rec_s, base_mb,
        load_mb, svd_mb, als_mb, rec_mb, csr_mb, factors_mb, peak / (csr_mb + factors_mb));
    std::fflush(stdout);
  }
}

BENCHMARK(bm_scale)
    ->Arg(1000000)
    ->Arg(5000000)
    ->Arg(20000000)
    ->Arg(50000000)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

}  // namespace
