// Recommender core benchmarks on real data from LOWRANK_DATA_DIR (data sets that are absent are not
// registered, so the binary runs cleanly without them):
//   BM_Load/<set>              loader speed (items_per_second = lines/s of wall time: .gz inflates on a 2nd thread)
//   BM_Fit/<set>/<model>       fit time
//   BM_RecommendAll/<set>/<m>  recommend_all(k = 10) over every user (items_per_second = users/s)
//   BM_Evaluate/<set>/<model>  the evaluation table: 80/20 split_per_user (seed 42), full ranking over
//                              unseen items; counters recall@10/20, ndcg@5/10/20, precision@5, coverage@10.
// At exit the evaluation rows are printed as a Markdown table on stderr, and written to the file named
// by LOWRANK_REC_TABLE when that is set (scripts/bench puts it into bench/RESULTS.md).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <chrono>
#include <filesystem>
#include <functional>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "lowrank/rec.hpp"
#include "support/data_dir.hpp"

using namespace lowrank;
using namespace lowrank::rec;

namespace {

struct DataSet {
  std::string name, file;
};
const std::vector<DataSet> kSets = {{"ml-100k", "ml-100k/u.data"},
                                    {"ml-latest-small", "ml-latest-small/ratings.csv"},
                                    {"ml-1m-partial", "ml-1m-partial/ratings.partial.dat.gz"}};

const Interactions& cached(const DataSet& s) {
  static std::map<std::string, Interactions> cache;
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(s.name);
  if (it == cache.end()) it = cache.emplace(s.name, load_movielens(lowrank_test::data_path(s.file))).first;
  return it->second;
}

const Split& cached_split(const DataSet& s) {
  static std::map<std::string, Split> cache;
  auto it = cache.find(s.name);
  if (it == cache.end()) it = cache.emplace(s.name, split_per_user(cached(s), 0.2, 42)).first;
  return it->second;
}

struct ModelSpec {
  std::string label;
  std::function<std::unique_ptr<Recommender>()> make;
};
std::vector<ModelSpec> models() {
  return {{"Popularity", [] { return std::make_unique<Popularity>(); }},
          {"ItemKNN(100, shrink 10)", [] { return std::make_unique<ItemKNN>(); }},
          {"PureSVD(50, randomized)",
           [] {
             PureSVDOptions o;
             o.factors = 50;
             return std::make_unique<PureSVD>(o);
           }},
          {"PureSVD(50, lanczos)", [] {
             PureSVDOptions o;
             o.factors = 50;
             o.solver = "lanczos";
             return std::make_unique<PureSVD>(o);
           }}};
}

std::map<std::string, std::string>& table_rows() {
  static std::map<std::string, std::string> rows;
  return rows;
}

void print_table() {
  if (table_rows().empty()) return;
  std::ostringstream out;
  out << "| data set | model | Recall@10 | Recall@20 | NDCG@5 | NDCG@10 | NDCG@20 | P@5 | Coverage@10 | fit s |\n"
      << "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& [key, row] : table_rows()) out << row << "\n";
  std::fprintf(stderr, "\n%s", out.str().c_str());
  if (const char* path = std::getenv("LOWRANK_REC_TABLE"); path && *path) std::ofstream(path) << out.str();
}

void bm_load(benchmark::State& state, DataSet s) {
  Index lines = 0;
  for (auto _ : state) {
    const auto d = load_movielens(lowrank_test::data_path(s.file));
    lines = d.nnz();
    benchmark::DoNotOptimize(d.matrix().valuePtr());
  }
  state.SetItemsProcessed(std::int64_t(lines) * state.iterations());
  state.counters["lines"] = double(lines);
}

void bm_fit(benchmark::State& state, DataSet s, ModelSpec m) {
  const auto& d = cached(s);
  for (auto _ : state) {
    auto model = m.make();
    model->fit(d);
    benchmark::DoNotOptimize(model.get());
  }
}

void bm_recommend_all(benchmark::State& state, DataSet s, ModelSpec m) {
  const auto& d = cached(s);
  auto model = m.make();
  model->fit(d);
  std::vector<UserId> users;
  for (Index u = 0; u < d.num_users(); ++u) users.push_back(u);
  for (auto _ : state) {
    auto r = model->recommend_all(users, 10);
    benchmark::DoNotOptimize(r.data());
  }
  state.SetItemsProcessed(std::int64_t(users.size()) * state.iterations());
}

void bm_evaluate(benchmark::State& state, DataSet s, ModelSpec m, int order) {
  const auto& split = cached_split(s);
  EvalOptions eo;
  eo.cutoffs = {5, 10, 20};
  Metrics r;
  double fit_s = 0;
  for (auto _ : state) {
    auto model = m.make();
    const auto t0 = std::chrono::steady_clock::now();
    model->fit(split.train);
    fit_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r = evaluate(*model, split, eo);
  }
  const char* keys[] = {"recall@10", "recall@20", "ndcg@5", "ndcg@10", "ndcg@20", "precision@5", "coverage@10"};
  char buf[512];
  int len = std::snprintf(buf, sizeof buf, "| %s | %s |", s.name.c_str(), m.label.c_str());
  for (const char* k : keys) {
    state.counters[k] = r.values.at(k);
    len += std::snprintf(buf + len, sizeof buf - std::size_t(len), " %.4f |", r.values.at(k));
  }
  std::snprintf(buf + len, sizeof buf - std::size_t(len), " %.2f |", fit_s);
  state.counters["users"] = double(r.users_evaluated);
  char key[64];
  std::snprintf(key, sizeof key, "%s/%02d", s.name.c_str(), order);
  table_rows()[key] = buf;
}

const bool registered = [] {
  table_rows();  // constructed before the atexit handler is registered, so destroyed after it runs
  std::atexit(print_table);
  for (const auto& s : kSets) {
    if (!std::filesystem::exists(lowrank_test::data_path(s.file))) {
      std::fprintf(stderr, "bench_rec_core: %s not found under %s (set LOWRANK_DATA_DIR); skipped\n", s.file.c_str(),
                   lowrank_test::data_dir().string().c_str());
      continue;
    }
    benchmark::RegisterBenchmark(("BM_Load/" + s.name).c_str(), bm_load, s)->Unit(benchmark::kMillisecond)->UseRealTime();  // .gz input inflates on a second thread
    const auto ms = models();
    for (std::size_t i = 0; i < ms.size(); ++i) {
      const auto& m = ms[i];
      benchmark::RegisterBenchmark(("BM_Fit/" + s.name + "/" + m.label).c_str(), bm_fit, s, m)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("BM_RecommendAll/" + s.name + "/" + m.label).c_str(), bm_recommend_all, s, m)
          ->Unit(benchmark::kMillisecond);
      if (s.name != "ml-1m-partial")
        benchmark::RegisterBenchmark(("BM_Evaluate/" + s.name + "/" + m.label).c_str(), bm_evaluate, s, m, int(i))
            ->Unit(benchmark::kMillisecond)
            ->Iterations(1);
    }
  }
  return true;
}();

}  // namespace
