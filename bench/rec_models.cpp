// Recommender model benchmarks (STYLE C15: speed is never quoted without accuracy).
//  - ALS/epoch:      ImplicitALS on ML-1M-partial (487,650 interactions), 64 factors, 3 CG steps, 1 and 2
//                    threads; counters: seconds per epoch and interactions/s per thread (anchor: implicit's
//                    CPU CG, 0.085 s/epoch single-threaded on this machine = 5.7 M/s/thread).
//  - EASE/fit:       EASE (λ = 500) on ML-1M-partial (3.6 k items).
//  - RatingCV:       BiasedMF / SVDpp (SGD and Gibbs) on ML-100K and ml-latest-small, 5-fold random CV with
//                    seed 42: mean RMSE and total fit time.
//  - TopN:           every model on ML-100K and ml-latest-small, 80/20 split_per_user seed 42, full ranking:
//                    recall@10/20, ndcg@5/10/20, precision@5.
// Data sets come from LOWRANK_DATA_DIR (default ../shared/data); a missing one skips its benchmarks.
#include <benchmark/benchmark.h>

#include <chrono>
#include <map>
#include <memory>

#include "lowrank/rec.hpp"
#include "lowrank/rec/models/biased_mf.hpp"
#include "lowrank/rec/models/ease.hpp"
#include "lowrank/rec/models/implicit_als.hpp"
#include "lowrank/rec/registry.hpp"
#include "support/data_dir.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

using namespace lowrank;
using namespace lowrank::rec;

namespace {
const Interactions* dataset(const std::string& sub) {
  static std::map<std::string, std::unique_ptr<Interactions>> cache;
  auto it = cache.find(sub);
  if (it != cache.end()) return it->second.get();
  const auto path = lowrank_test::data_path(sub);
  std::unique_ptr<Interactions> d;
  if (std::filesystem::exists(path)) d = std::make_unique<Interactions>(load_movielens(path));
  auto* p = d.get();
  cache[sub] = std::move(d);
  return p;
}
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
void set_threads(int t) {
#if defined(_OPENMP)
  omp_set_num_threads(t);
#else
  (void)t;
#endif
}
}  // namespace

// ---- ALS epoch speed ---------------------------------------------------------------------------------
static void ALS_epoch(benchmark::State& state) {
  const Interactions* d = dataset("ml-1m-partial/ratings.partial.dat.gz");
  if (!d) return state.SkipWithError("ml-1m-partial not found");
  const int threads = int(state.range(0));
  set_threads(threads);
  ImplicitALSOptions o;
  o.factors = 64;
  o.cg_steps = 3;
  o.compute_loss = state.range(1) != 0;
  o.iterations = 0;
  ImplicitALS setup(o);
  auto t0 = std::chrono::steady_clock::now();
  setup.fit(*d);  // data preparation only
  const double prep = seconds_since(t0);
  o.iterations = 5;
  double per_epoch = 0;
  for (auto _ : state) {
    ImplicitALS m(o);
    t0 = std::chrono::steady_clock::now();
    m.fit(*d);
    per_epoch = (seconds_since(t0) - prep) / o.iterations;
    benchmark::DoNotOptimize(m.item_factors().data());
  }
  state.counters["s_per_epoch"] = per_epoch;
  state.counters["M_interactions_per_s_per_thread"] = double(d->nnz()) / per_epoch / threads / 1e6;
  state.counters["nnz"] = double(d->nnz());
  set_threads(2);
}
BENCHMARK(ALS_epoch)->ArgsProduct({{1, 2}, {0, 1}})->ArgNames({"threads", "loss"})->Unit(benchmark::kMillisecond)->Iterations(2);

// ---- EASE fit ------------------------------------------------------------------------------------------
static void EASE_fit(benchmark::State& state) {
  const Interactions* d = dataset("ml-1m-partial/ratings.partial.dat.gz");
  if (!d) return state.SkipWithError("ml-1m-partial not found");
  EASEOptions o;
  o.lambda = 500;
  o.double_precision = state.range(0) != 0;
  for (auto _ : state) {
    EASE m(o);
    m.fit(*d);
    benchmark::DoNotOptimize(m.weights().data());
  }
  state.counters["items"] = double(d->num_items());
}
BENCHMARK(EASE_fit)->Arg(0)->Arg(1)->ArgNames({"double"})->Unit(benchmark::kMillisecond)->Iterations(1);

// RMSE of a rating model's predictions on the held-out ratings.
static double test_rmse(const Recommender& m, const Interactions& test) {
  double se = 0;
  Index n = 0;
  const auto& t = test.matrix();
  for (Index u = 0; u < t.rows(); ++u)
    for (Interactions::Csr::InnerIterator it(t, u); it; ++it, ++n) {
      const double e = m.predict(u, it.col()) - it.value();
      se += e * e;
    }
  return std::sqrt(se / double(n));
}

// ---- rating prediction: 5-fold CV ------------------------------------------------------------------------
static void rating_cv(benchmark::State& state, const std::string& name, const std::string& sub,
                      std::map<std::string, std::string> params) {
  const Interactions* d = dataset(sub);
  if (!d) return state.SkipWithError("data set not found");
  std::vector<Split> folds;
  for (int f = 0; f < 5; ++f) folds.push_back(split_kfold(*d, 5, f, 42));
  double rmse = 0, fit_s = 0;
  for (auto _ : state) {
    rmse = 0, fit_s = 0;
    for (const auto& s : folds) {
      auto m = make_recommender(name, params);
      const auto t0 = std::chrono::steady_clock::now();
      m->fit(s.train);
      fit_s += seconds_since(t0);
      rmse += test_rmse(*m, s.test) / 5;
    }
  }
  state.counters["rmse"] = rmse;
  state.counters["fit_s_5folds"] = fit_s;
}
BENCHMARK_CAPTURE(rating_cv, biasedmf_ml100k, "biasedmf", "ml-100k/u.data", {})->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(rating_cv, svdpp_ml100k, "svdpp", "ml-100k/u.data", {})->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(rating_cv, biasedmf_mlsmall, "biasedmf", "ml-latest-small/ratings.csv", {})->Unit(benchmark::kMillisecond)->Iterations(1);
// The other solver of each model: SVD++ by SGD (its defaults before Gibbs became the default), BiasedMF by Gibbs.
BENCHMARK_CAPTURE(rating_cv, svdpp_sgd_ml100k, "svdpp", "ml-100k/u.data",
                  {{"solver", "sgd"}, {"factors", "64"}, {"epochs", "40"}})->Unit(benchmark::kMillisecond)->Iterations(1);
// BiasedMF by Gibbs: its registry preset (BiasedMF::gibbs_options(): 8 factors, 40 sweeps, burn-in 8), and
// 200 sweeps.
BENCHMARK_CAPTURE(rating_cv, biasedmf_gibbs_ml100k, "biasedmf", "ml-100k/u.data",
                  {{"solver", "gibbs"}})->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(rating_cv, biasedmf_gibbs200_ml100k, "biasedmf", "ml-100k/u.data",
                  {{"solver", "gibbs"}, {"epochs", "200"}, {"burn_in", "50"}})->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(rating_cv, svdpp_mlsmall, "svdpp", "ml-latest-small/ratings.csv", {})->Unit(benchmark::kMillisecond)->Iterations(1);

// One 80/20 random hold-out (seed 42), issue 6's protocol for ml-latest-small (LIBMF k=64: 0.870 there)
// and ML-1M-partial.
static void rating_holdout(benchmark::State& state, const std::string& name, const std::string& sub,
                           std::map<std::string, std::string> params) {
  const Interactions* d = dataset(sub);
  if (!d) return state.SkipWithError("data set not found");
  const Split s = split_random(*d, 0.2, 42);
  double rmse = 0, fit_s = 0;
  for (auto _ : state) {
    auto m = make_recommender(name, params);
    const auto t0 = std::chrono::steady_clock::now();
    m->fit(s.train);
    fit_s = seconds_since(t0);
    rmse = test_rmse(*m, s.test);
  }
  state.counters["rmse"] = rmse;
  state.counters["fit_s"] = fit_s;
}
BENCHMARK_CAPTURE(rating_holdout, biasedmf_mlsmall, "biasedmf", "ml-latest-small/ratings.csv", {})->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(rating_holdout, biasedmf_gibbs_mlsmall, "biasedmf", "ml-latest-small/ratings.csv", {{"solver", "gibbs"}})->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(rating_holdout, svdpp_mlsmall, "svdpp", "ml-latest-small/ratings.csv", {})->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(rating_holdout, biasedmf_ml1m, "biasedmf", "ml-1m-partial/ratings.partial.dat.gz", {})->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(rating_holdout, biasedmf_gibbs_ml1m, "biasedmf", "ml-1m-partial/ratings.partial.dat.gz", {{"solver", "gibbs"}})->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(rating_holdout, svdpp_ml1m, "svdpp", "ml-1m-partial/ratings.partial.dat.gz", {})->Unit(benchmark::kMillisecond)->Iterations(1);

// ---- top-N --------------------------------------------------------------------------------------------------
static void topn(benchmark::State& state, const std::string& name, const std::string& sub,
                 std::map<std::string, std::string> params) {
  const Interactions* d = dataset(sub);
  if (!d) return state.SkipWithError("data set not found");
  const Split s = split_per_user(*d, 0.2, 42);
  Metrics m;
  double fit_s = 0;
  for (auto _ : state) {
    auto model = make_recommender(name, params);
    const auto t0 = std::chrono::steady_clock::now();
    model->fit(s.train);
    fit_s = seconds_since(t0);
    EvalOptions eo;
    eo.cutoffs = {5, 10, 20};
    m = evaluate(*model, s, eo);
  }
  for (const char* k : {"recall@10", "recall@20", "ndcg@10", "ndcg@20", "precision@5", "ndcg@5"})
    state.counters[k] = m.values[k];
  state.counters["fit_s"] = fit_s;
}
#define LOWRANK_TOPN(model, params)                                                                          \
  BENCHMARK_CAPTURE(topn, model##_ml100k, #model, "ml-100k/u.data", params)->Unit(benchmark::kMillisecond)->Iterations(1); \
  BENCHMARK_CAPTURE(topn, model##_mlsmall, #model, "ml-latest-small/ratings.csv", params)->Unit(benchmark::kMillisecond)->Iterations(1)
LOWRANK_TOPN(popularity, {});
LOWRANK_TOPN(itemknn, {});
LOWRANK_TOPN(puresvd, {});
LOWRANK_TOPN(als, {});
LOWRANK_TOPN(ease, {});
