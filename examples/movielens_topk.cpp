// movielens_topk: top-10 movies for a MovieLens user, with titles and a reason for each.
//
//   Loads ML-100K (LOWRANK_DATA_DIR/ml-100k/u.data and u.item), holds out 20% of every user's ratings,
//   fits PureSVD (rank-50 truncated SVD of the user×movie matrix, Cremonesi et al. 2010) and EASE
//   (Steck 2019), compares them with Popularity on NDCG@10 and Recall@10, and prints user 1's top-10.
//   Skips (exit 77) when the data set is absent.
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include <lowrank/rec.hpp>

#include "data_dir.hpp"

using namespace lowrank::rec;

// u.item: "movie id|title|release date|...", Latin-1; titles are ASCII enough for a terminal.
static std::map<std::string, std::string> movie_titles(const std::filesystem::path& path) {
  std::map<std::string, std::string> titles;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const auto a = line.find('|'), b = line.find('|', a + 1);
    if (a != std::string::npos && b != std::string::npos) titles[line.substr(0, a)] = line.substr(a + 1, b - a - 1);
  }
  return titles;
}

int main() {
  const auto dir = example_data_dir() / "ml-100k";
  if (!std::filesystem::exists(dir / "u.data")) {
    std::printf("skipped: %s not found (set LOWRANK_DATA_DIR)\n", (dir / "u.data").string().c_str());
    return kExampleSkipped;
  }
  const Interactions data = load_movielens(dir / "u.data");
  const auto titles = movie_titles(dir / "u.item");
  const Split split = split_per_user(data, 0.2, /*seed=*/42);
  std::printf("ML-100K: %lld users, %lld movies, %lld ratings (train %lld, test %lld)\n\n",
              (long long)data.num_users(), (long long)data.num_items(), (long long)data.nnz(),
              (long long)split.train.nnz(), (long long)split.test.nnz());

  std::map<std::string, std::unique_ptr<Recommender>> models;
  models["popularity"] = std::make_unique<Popularity>();
  models["puresvd"] = std::make_unique<PureSVD>(PureSVDOptions{/*factors=*/50});
  models["ease"] = std::make_unique<EASE>();
  std::printf("%-11s %8s %10s\n", "model", "ndcg@10", "recall@10");
  std::map<std::string, double> ndcg;
  for (auto& [name, model] : models) {
    model->fit(split.train);
    const Metrics m = evaluate(*model, split);
    ndcg[name] = m.values.at("ndcg@10");
    std::printf("%-11s %8.4f %10.4f\n", name.c_str(), ndcg[name], m.values.at("recall@10"));
  }

  const Recommender& ease = *models["ease"];
  const UserId user = data.users().index("1", "user");
  std::printf("\ntop-10 for user 1 (EASE):\n");
  for (const auto& r : ease.recommend(user, 10)) {
    const std::string& raw = data.items().raw(r.item);
    std::printf("  %-45.45s %.3f  %s\n", titles.count(raw) ? titles.at(raw).c_str() : raw.c_str(), r.score,
                ease.explain(user, r.item).summary.c_str());
  }
  // Self-check: both personalized models beat the popularity baseline.
  return ndcg["puresvd"] > ndcg["popularity"] && ndcg["ease"] > ndcg["popularity"] ? 0 : 1;
}
