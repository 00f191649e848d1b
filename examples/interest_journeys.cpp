// Interest journeys: split one user's history into coherent interests (rec/journeys.hpp).
// With ML-100K (LOWRANK_DATA_DIR/ml-100k) it embeds the movies with a rank-32 randomized SVD of the
// binarized user×movie matrix (item factors V·S^(1/2)), extracts user 1's journeys, prints them with their
// dominant genres and the prompt a language model would be given to name the largest one. Without the
// data it runs on synthetic embeddings with three known interests. Exits non-zero when a self-check fails.
#include <lowrank/rec/journeys.hpp>
#include <lowrank/svd/randomized.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "data_dir.hpp"

using namespace lowrank;
using namespace lowrank::rec;

#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      std::fprintf(stderr, "self-check failed: %s\n", #cond);        \
      return 1;                                                      \
    }                                                                \
  } while (0)

int main() {
  const auto dir = example_data_dir() / "ml-100k";
  if (!std::filesystem::exists(dir / "u.data") || !std::filesystem::exists(dir / "u.item")) {
    // synthetic: three interests along orthogonal axes, interleaved in time
    Eigen::MatrixXf E = Eigen::MatrixXf::Zero(12, 3);
    for (int i = 0; i < 12; ++i) {
      E(i, i % 3) = 1.0f;
      E(i, (i + 1) % 3) = 0.1f;
    }
    std::vector<HistoryEvent> h;
    for (int i = 0; i < 12; ++i) h.push_back({ItemId(i), std::int64_t(i) * 3600});
    JourneyOptions opt;
    opt.lambda = 0.3;
    const auto r = extract_journeys(h, E, opt);
    std::printf("ML-100K not found under %s: synthetic history of 12 items, %zu journeys\n", dir.c_str(), r.journeys.size());
    CHECK(r.journeys.size() == 3);
    for (const auto& j : r.journeys) CHECK(j.items.size() == 4);
    return 0;
  }
  // 1. read ratings (user item rating time), keep user histories and the binarized matrix
  std::ifstream in(dir / "u.data");
  IdMap users, items;
  std::vector<std::vector<HistoryEvent>> hist;
  std::vector<Eigen::Triplet<float>> trip;
  std::string u, i;
  double rating;
  std::int64_t t;
  while (in >> u >> i >> rating >> t) {
    const Index uu = users.insert(u), ii = items.insert(i);
    if (std::size_t(uu) >= hist.size()) hist.resize(std::size_t(uu) + 1);
    hist[std::size_t(uu)].push_back({ii, t});
    trip.emplace_back(int(uu), int(ii), 1.0f);
  }
  Eigen::SparseMatrix<float> X(users.size(), items.size());
  X.setFromTriplets(trip.begin(), trip.end());
  // 2. item embeddings from a truncated SVD
  const auto svd = randomized_svd(X, 32);
  const Eigen::MatrixXf emb = svd.V * svd.S.cwiseSqrt().asDiagonal();
  const ItemInfo info = load_movielens_items((dir / "u.item").string(), items);
  // 3. journeys of user "1"
  JourneyOptions opt;
  opt.lambda = 0.6;
  opt.min_size = 3;
  const auto& h = hist[std::size_t(users.index("1", "user"))];
  const JourneyResult r = extract_journeys(h, emb, opt, info.attributes);
  std::printf("user 1: %zu ratings -> %zu journeys (+%zu items in no journey), DP-means objective %.2f\n", h.size(),
              r.journeys.size(), r.unassigned.size(), r.objective);
  std::size_t largest = 0;
  for (std::size_t k = 0; k < r.journeys.size(); ++k) {
    const Journey& j = r.journeys[k];
    std::printf("journey %zu: %zu movies, %.0f days, cohesion %.2f;", k + 1, j.items.size(),
                double(j.end - j.start) / 86400.0, j.cohesion);
    for (const auto& [a, share] : j.attributes) std::printf(" %s %.0f%%", info.attribute_names[std::size_t(a)].c_str(), 100 * share);
    std::printf("\n   e.g. %s\n", info.titles[std::size_t(j.representatives.front())].c_str());
    if (j.items.size() > r.journeys[largest].items.size()) largest = k;
    CHECK(j.items.size() >= std::size_t(opt.min_size));
    CHECK(!j.representatives.empty());
  }
  CHECK(r.journeys.size() >= 2);
  std::printf("\nprompt for journey %zu:\n%s", largest + 1,
              journey_naming_prompt(r.journeys[largest], info.titles, info.attribute_names).c_str());
  // 4. genre purity of this user's journeys vs the same items cut into as many time-contiguous chunks
  std::vector<std::vector<ItemId>> segs;
  std::vector<HistoryEvent> kept;
  for (const auto& j : r.journeys) {
    segs.push_back(j.items);
    for (std::size_t k = 0; k < j.items.size(); ++k) kept.push_back({j.items[k], j.timestamps[k]});
  }
  std::printf("\ngenre purity: journeys %.3f, time-contiguous chunks %.3f\n", attribute_purity(segs, info.attributes),
              attribute_purity(chunk_history(kept, Index(segs.size())), info.attributes));
  return 0;
}
