// Thread safety (issue 8): a fitted model is read-only in recommend / recommend_all / explain /
// similar_items / predict / score_history (rec/model.hpp), so many threads may share one. Every model
// is queried from 4 std::threads at once and must return exactly what one thread returns. Built under
// ThreadSanitizer by the "tsan" preset (scripts/test), where a data race fails the run.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "lowrank/rec.hpp"
#include "support/rec_toy.hpp"

namespace {
using lowrank::Index;
using namespace lowrank::rec;

/// Everything one pass of queries returns, for comparison across threads.
struct Answers {
  std::vector<std::vector<ScoredItem>> top;
  std::vector<std::string> explanations;
  std::vector<std::vector<ScoredItem>> similar;
  std::vector<double> predictions;
  std::vector<ScoredItem> folded;
  bool operator==(const Answers& o) const {
    auto same = [](const std::vector<ScoredItem>& a, const std::vector<ScoredItem>& b) {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].item != b[i].item || a[i].score != b[i].score) return false;
      return true;
    };
    if (top.size() != o.top.size() || similar.size() != o.similar.size()) return false;
    for (std::size_t i = 0; i < top.size(); ++i)
      if (!same(top[i], o.top[i])) return false;
    for (std::size_t i = 0; i < similar.size(); ++i)
      if (!same(similar[i], o.similar[i])) return false;
    return explanations == o.explanations && predictions == o.predictions && same(folded, o.folded);
  }
};

/// Whether the model implements similar_items (Popularity, for one, has no item similarity).
bool has_similar_items(const Recommender& model) {
  try {
    (void)model.similar_items(0, 1);
    return true;
  } catch (const lowrank::Error&) {
    return false;
  }
}

Answers query(const Recommender& model) {
  Answers a;
  std::vector<UserId> users;
  for (Index u = 0; u < model.num_users(); u += 7) users.push_back(u);
  for (UserId u : users) {
    a.top.push_back(model.recommend(u, 10));
    if (!a.top.back().empty()) a.explanations.push_back(model.explain(u, a.top.back().front().item).summary);
    a.predictions.push_back(model.predict(u, (u * 3) % model.num_items()));
  }
  const auto all = model.recommend_all(users, 10);
  a.top.insert(a.top.end(), all.begin(), all.end());
  if (has_similar_items(model))
    for (Index i = 0; i < model.num_items(); i += 11) a.similar.push_back(model.similar_items(i, 5));
  a.folded = model.recommend_for_history({{0, 1.0f}, {3, 1.0f}, {5, 1.0f}}, 10);
  return a;
}
}  // namespace

TEST_CASE("concurrency: every model answers the same from 4 threads at once", "[concurrency]") {
  const Interactions implicit_data = rec_toy::random_implicit(120, 80, 0.08, 21);
  const Interactions rating_data = rec_toy::low_rank_ratings(120, 80, 3, 0.15, 0.3, 21);
  for (const std::string& name : recommender_names()) {
    INFO("model " << name);
    std::map<std::string, std::string> params;
    if (name == "puresvd" || name == "als" || name == "biasedmf" || name == "svdpp") params["factors"] = "8";
    auto model = make_recommender(name, params);
    model->fit(name == "biasedmf" || name == "svdpp" ? rating_data : implicit_data);
    const Answers expected = query(*model);

    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        for (int rep = 0; rep < 3; ++rep)
          if (!(query(*model) == expected)) ++mismatches;
      });
    for (auto& th : threads) th.join();
    CHECK(mismatches.load() == 0);
    CHECK(!expected.top.empty());
  }
}
