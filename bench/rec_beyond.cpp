// Beyond top-k (issue 9): timings of journeys / complements / the LLM bridge, and the measured tables
// (printed once, before the timings; pass --benchmark_filter=Tables to print only them):
//   1. ML-100K interest journeys: genre purity vs time-contiguous chunks (same items, same segment count)
//      and vs a random partition with the journeys' segment sizes.
//   2. Complements on held-out co-purchases: Amazon books (20% of edges held out, training partners
//      excluded) and groceries (20% of baskets held out): Recall@10 / NDCG@10 of plain counts, item-kNN
//      and ComplementModel.
//   3. ML-100K top-5 (P@5, NDCG@5) of the library's models (rec::make_recommender, default parameters)
//      scored by rec::evaluate_ranked_lists, beside the Chat-REC paper's baselines (different protocol).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "lowrank/rec/complements.hpp"
#include "lowrank/rec/journeys.hpp"
#include "lowrank/rec/llm_bridge.hpp"
#include "lowrank/rec/registry.hpp"
#include "lowrank/svd/randomized.hpp"
#include "support/data_dir.hpp"

using namespace lowrank;
using namespace lowrank::rec;

namespace {

struct MovieLens {
  IdMap users, items;
  std::vector<std::vector<HistoryEvent>> hist;
  std::vector<std::vector<std::pair<ItemId, float>>> ratings;
  bool ok = false;
};

const MovieLens& movielens() {
  static MovieLens ml = [] {
    MovieLens m;
    std::ifstream in(lowrank_test::data_path("ml-100k/u.data"));
    std::string u, i;
    double r;
    std::int64_t t;
    while (in >> u >> i >> r >> t) {
      const Index uu = m.users.insert(u), ii = m.items.insert(i);
      if (std::size_t(uu) >= m.hist.size()) {
        m.hist.resize(std::size_t(uu) + 1);
        m.ratings.resize(std::size_t(uu) + 1);
      }
      m.hist[std::size_t(uu)].push_back({ii, t});
      m.ratings[std::size_t(uu)].push_back({ii, float(r)});
    }
    m.ok = m.users.size() > 0;
    return m;
  }();
  return ml;
}

Eigen::SparseMatrix<float> binarized(const std::vector<std::vector<std::pair<ItemId, float>>>& rows, Index items) {
  std::vector<Eigen::Triplet<float>> t;
  for (std::size_t u = 0; u < rows.size(); ++u)
    for (const auto& [i, r] : rows[u]) t.emplace_back(int(u), int(i), 1.0f);
  Eigen::SparseMatrix<float> X(Index(rows.size()), items);
  X.setFromTriplets(t.begin(), t.end());
  return X;
}

Eigen::MatrixXf item_embeddings(const Eigen::SparseMatrix<float>& X, Index rank) {
  RandomizedOptions ro;
  ro.seed = 7;
  const auto svd = randomized_svd(X, rank, ro);
  return svd.V * svd.S.cwiseSqrt().asDiagonal();
}

void journeys_table() {
  const MovieLens& ml = movielens();
  if (!ml.ok) {
    std::printf("journeys: ml-100k not found under %s\n", lowrank_test::data_dir().c_str());
    return;
  }
  const Eigen::MatrixXf emb = item_embeddings(binarized(ml.ratings, ml.items.size()), 32);
  const ItemInfo info = load_movielens_items(lowrank_test::data_path("ml-100k/u.item").string(), ml.items);
  std::printf("\n## Interest journeys, ML-100K (943 users; embeddings V*S^(1/2) of randomized_svd rank 32 of the "
              "binarized matrix; expiry 30 days, min size 3)\n\n");
  std::printf("| lambda | users with >=2 journeys | segments | mean items/segment | journey purity | chunk purity | "
              "random-partition purity |\n|---|---|---|---|---|---|---|\n");
  for (double lambda : {0.4, 0.5, 0.6, 0.7, 0.8}) {
    JourneyOptions opt;
    opt.lambda = lambda;
    opt.min_size = 3;
    std::vector<std::vector<ItemId>> js, cs, rs;
    Index users = 0, items = 0;
    std::mt19937_64 rng(11);
    for (const auto& h : ml.hist) {
      const auto r = extract_journeys(h, emb, opt, info.attributes);
      if (r.journeys.size() < 2) continue;
      ++users;
      std::vector<HistoryEvent> kept;
      std::vector<ItemId> pool;
      for (const auto& j : r.journeys) {
        js.push_back(j.items);
        items += Index(j.items.size());
        for (std::size_t k = 0; k < j.items.size(); ++k) {
          kept.push_back({j.items[k], j.timestamps[k]});
          pool.push_back(j.items[k]);
        }
      }
      for (auto& c : chunk_history(kept, Index(r.journeys.size()))) cs.push_back(std::move(c));
      std::shuffle(pool.begin(), pool.end(), rng);
      std::size_t p = 0;
      for (const auto& j : r.journeys) {
        rs.emplace_back(pool.begin() + std::ptrdiff_t(p), pool.begin() + std::ptrdiff_t(p + j.items.size()));
        p += j.items.size();
      }
    }
    std::printf("| %.1f | %ld | %zu | %.1f | %.3f | %.3f | %.3f |\n", lambda, long(users), js.size(),
                js.empty() ? 0.0 : double(items) / double(js.size()), attribute_purity(js, info.attributes),
                attribute_purity(cs, info.attributes), attribute_purity(rs, info.attributes));
  }
}

struct Split {
  PairSets train;
  std::vector<PairCount> test;
};

bool amazon_split(Split& out, std::vector<std::vector<std::string>>* categories) {
  std::ifstream in(lowrank_test::data_path("amazon-copurchase-books/copurchase_edges_0601.csv"));
  if (!in) return false;
  const auto unq = [](std::string x) {
    x.erase(std::remove(x.begin(), x.end(), '"'), x.end());
    return x;
  };
  std::string line;
  std::getline(in, line);
  IdMap ids;
  std::vector<PairCount> edges;
  while (std::getline(in, line)) {
    std::string a, b;
    std::stringstream ss(line);
    std::getline(ss, a, ',');
    std::getline(ss, b, ',');
    edges.push_back({ids.insert(unq(a)), ids.insert(unq(b)), 1.0f});
  }
  std::mt19937_64 rng(1);
  std::vector<PairCount> train;
  for (const auto& e : edges) (std::uniform_real_distribution<double>(0, 1)(rng) < 0.2 ? out.test : train).push_back(e);
  out.train = pairs_from_edges(train, ids.size());
  if (categories) {
    // books_0601.csv: id,"genre|genre|...",rating,reviews,salesrank,"first_genre",num_main_genres
    categories->assign(std::size_t(ids.size()), {});
    std::ifstream bk(lowrank_test::data_path("amazon-copurchase-books/books_0601.csv"));
    std::getline(bk, line);
    while (std::getline(bk, line)) {
      const std::size_t c1 = line.find(',');
      const auto id = ids.find(unq(line.substr(0, c1)));
      const std::size_t q1 = line.find('"', c1), q2 = line.find('"', q1 + 1);
      if (!id || q1 == std::string::npos || q2 == std::string::npos) continue;
      std::string g = line.substr(q1 + 1, q2 - q1 - 1);
      auto& path = (*categories)[std::size_t(*id)];
      std::stringstream gs(g);
      std::string part;
      while (std::getline(gs, part, '|')) path.push_back(part);
    }
  }
  return true;
}

bool groceries_split(Split& out) {
  std::ifstream in(lowrank_test::data_path("groceries/groceries.csv"));
  if (!in) return false;
  IdMap ids;
  std::vector<std::vector<ItemId>> train, test;
  std::string line;
  std::mt19937_64 rng(1);
  while (std::getline(in, line)) {
    std::vector<ItemId> b;
    std::stringstream ss(line);
    std::string it;
    while (std::getline(ss, it, ',')) {
      while (!it.empty() && (it.back() == ' ' || it.back() == '\r')) it.pop_back();
      if (!it.empty()) b.push_back(ids.insert(it));
    }
    (std::uniform_real_distribution<double>(0, 1)(rng) < 0.2 ? test : train).push_back(std::move(b));
  }
  out.train = pairs_from_baskets(train, ids.size());
  out.test = pairs_from_baskets(test, ids.size()).co_purchase;
  return true;
}

void complement_rows(const char* name, const Split& s, bool exclude, const ItemCatalog& catalog) {
  const auto row = [&](const char* method, const ComplementEval& e) {
    std::printf("| %s | %s | %ld | %.4f | %.4f |\n", name, method, long(e.anchors), e.recall, e.ndcg);
  };
  for (auto [kind, label] : {std::pair{BaselineKind::count, "co-occurrence count (ties by popularity)"},
                             std::pair{BaselineKind::cosine, "item-kNN (cosine of co-occurrence rows)"}}) {
    const CooccurrenceBaseline b(s.train, kind);
    row(label, evaluate_complements([&](ItemId a) { return b.scores(a); }, s.train, s.test, 10, exclude));
  }
  struct Variant {
    const char* label;
    Index rank;
    double w;
    int level;
    double shrink = 0;
  };
  for (const Variant& v : {Variant{"ComplementModel PPMI, no completion", 0, 0.5, -1},
                           Variant{"ComplementModel PPMI + SVD rank 64 (w 0.5)", 64, 0.5, -1},
                           Variant{"ComplementModel PPMI + SVD rank 64 (w 1)", 64, 1.0, -1},
                           Variant{"ComplementModel PPMI shrunk (10) + SVD rank 64 (w 0.5)", 64, 0.5, -1, 10.0},
                           Variant{"ComplementModel PPMI + SVD rank 64 (w 0.5), same first genre", 64, 0.5, 0},
                           Variant{"ComplementModel PPMI + SVD rank 64 (w 0.5), any shared genre", 64, 0.5, 1}}) {
    if (v.level >= 0 && catalog.categories.empty()) continue;
    ComplementOptions o;
    o.rank = std::min<Index>(v.rank, s.train.num_items);
    o.completion_weight = v.w;
    o.shrinkage = v.shrink;
    o.taxonomy_level = v.level >= 0 ? 0 : -1;
    o.match_any_category = v.level == 1;
    ComplementModel m(o);
    m.fit(s.train, v.level >= 0 ? catalog : ItemCatalog{});
    row(v.label, evaluate_complements([&](ItemId a) { return m.score_all(a); }, s.train, s.test, 10, exclude));
  }
}

void complements_table() {
  std::printf("\n## Complements on held-out co-purchases (Recall@10, NDCG@10 averaged over anchors with held-out "
              "partners)\n\n| data | method | anchors | Recall@10 | NDCG@10 |\n|---|---|---|---|---|\n");
  Split amazon;
  std::vector<std::vector<std::string>> cats;
  if (amazon_split(amazon, &cats)) {
    ItemCatalog c;
    c.categories = cats;
    complement_rows("amazon books (20% edges held out, train partners excluded)", amazon, true, c);
  }
  Split groc;
  if (groceries_split(groc)) complement_rows("groceries (20% baskets held out)", groc, false, {});
}

// --- ML-100K top-5 -----------------------------------------------------------------------------------
void top5_table() {
  const MovieLens& ml = movielens();
  if (!ml.ok) return;
  const Index nu = ml.users.size(), ni = ml.items.size();
  // protocol: every rating is an interaction; per user 20% held out at random (seed 42); rank all unseen
  std::mt19937_64 rng(42);
  std::vector<std::vector<std::pair<ItemId, float>>> train(static_cast<std::size_t>(nu));
  std::vector<Eigen::Triplet<float>> tt;
  for (Index u = 0; u < nu; ++u) {
    auto r = ml.ratings[std::size_t(u)];
    std::shuffle(r.begin(), r.end(), rng);
    const std::size_t nt = std::size_t(std::lround(0.2 * double(r.size())));
    for (std::size_t k = 0; k < r.size(); ++k) {
      if (k < nt) tt.emplace_back(int(u), int(r[k].first), 1.0f);
      else train[std::size_t(u)].push_back(r[k]);
    }
  }
  Interactions::Csr test(nu, ni);
  test.setFromTriplets(tt.begin(), tt.end());
  std::printf("\n## ML-100K top-5 (all ratings as interactions, 20%% per user held out at random, all unseen items "
              "ranked, %ld test users)\n\n| model | P@5 | NDCG@5 | Recall@10 | NDCG@10 |\n|---|---|---|---|---|\n",
              long(nu));
  // the library's models through the registry (rec::make_recommender, default parameters), same split
  {
    std::vector<Interaction> rows;
    for (Index u = 0; u < nu; ++u)
      for (const auto& [i, r] : train[std::size_t(u)]) rows.push_back({u, i, 1.0f, 0});
    const Interactions data = Interactions::from_interactions(std::move(rows), IdMap::identity(nu), IdMap::identity(ni));
    std::vector<UserId> all(static_cast<std::size_t>(nu));
    for (Index u = 0; u < nu; ++u) all[std::size_t(u)] = u;
    const std::vector<std::pair<const char*, std::map<std::string, std::string>>> models = {
        {"popularity", {}}, {"itemknn", {}}, {"puresvd", {}}, {"puresvd", {{"factors", "20"}}}, {"als", {}}, {"ease", {}}};
    for (const auto& [name, params] : models) {
      std::string label = name;
      for (const auto& [k, v] : params) label += " " + k + "=" + v;
      try {
        auto model = make_recommender(name, params);
        model->fit(data);
        const auto recs = model->recommend_all(all, 10);
        std::map<UserId, std::vector<ItemId>> lists;
        for (Index u = 0; u < nu; ++u)
          for (const auto& r : recs[std::size_t(u)]) lists[u].push_back(r.item);
        const auto m = evaluate_ranked_lists(lists, test, {5, 10});
        std::printf("| %s | %.3f | %.3f | %.3f | %.3f |\n", label.c_str(),
                    m.values.at("precision@5"), m.values.at("ndcg@5"), m.values.at("recall@10"), m.values.at("ndcg@10"));
      } catch (const std::exception& e) {
        std::printf("| %s | failed: %s | | | |\n", label.c_str(), e.what());
      }
    }
  }
  std::printf("| Chat-REC paper's best conventional baseline (their protocol) | 0.303 | 0.343 | | |\n");
}

void print_tables_once() {
  static bool done = false;
  if (done) return;
  done = true;
  journeys_table();
  complements_table();
  top5_table();
  std::printf("\n");
  std::fflush(stdout);
}

void BM_Tables(benchmark::State& state) {
  print_tables_once();
  for (auto _ : state) benchmark::DoNotOptimize(state.iterations());
}
BENCHMARK(BM_Tables)->Iterations(1);

void BM_ExtractJourneysAllUsers(benchmark::State& state) {
  const MovieLens& ml = movielens();
  if (!ml.ok) {
    state.SkipWithError("ml-100k not found");
    return;
  }
  static const Eigen::MatrixXf emb = item_embeddings(binarized(ml.ratings, ml.items.size()), 32);
  JourneyOptions opt;
  for (auto _ : state) {
    std::size_t n = 0;
    for (const auto& h : ml.hist) n += extract_journeys(h, emb, opt).journeys.size();
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * 100000);
}
BENCHMARK(BM_ExtractJourneysAllUsers)->Unit(benchmark::kMillisecond);

void BM_ComplementFitAmazon(benchmark::State& state) {
  Split s;
  if (!amazon_split(s, nullptr)) {
    state.SkipWithError("amazon-copurchase-books not found");
    return;
  }
  ComplementOptions o;
  o.taxonomy_level = -1;
  o.rank = state.range(0);
  for (auto _ : state) {
    ComplementModel m(o);
    m.fit(s.train);
    benchmark::DoNotOptimize(m.singular_values().data());
  }
}
BENCHMARK(BM_ComplementFitAmazon)->Arg(0)->Arg(64)->Unit(benchmark::kMillisecond);

void BM_ComplementRecommend(benchmark::State& state) {
  Split s;
  if (!amazon_split(s, nullptr)) {
    state.SkipWithError("amazon-copurchase-books not found");
    return;
  }
  ComplementOptions o;
  o.taxonomy_level = -1;
  ComplementModel m(o);
  m.fit(s.train);
  ItemId a = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(m.recommend(a, 10));
    a = (a + 1) % m.num_items();
  }
}
BENCHMARK(BM_ComplementRecommend)->Unit(benchmark::kMicrosecond);

void BM_ParseRankedResponse(benchmark::State& state) {
  std::vector<PromptCandidate> c;
  std::string resp;
  for (int i = 0; i < 20; ++i) {
    c.push_back({ItemId(i), std::to_string(100 + i), "Movie number " + std::to_string(i) + " (199" + std::to_string(i % 10) + ")", 1, ""});
    resp += std::to_string(i + 1) + ". " + (i % 2 ? c.back().id + " | " : "") + c.back().title + " - because\n";
  }
  for (auto _ : state) benchmark::DoNotOptimize(parse_ranked_response(resp, c));
}
BENCHMARK(BM_ParseRankedResponse)->Unit(benchmark::kMicrosecond);

}  // namespace
