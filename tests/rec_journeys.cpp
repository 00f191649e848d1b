// Interest journeys (rec/journeys.hpp): online DP-means clustering of one user's history on synthetic
// embeddings with known clusters, expiry, dissolving small journeys, purity and chunking on known inputs,
// the naming prompt, and on ML-100K the genre purity of journeys against time-contiguous chunks.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "lowrank/rec/journeys.hpp"
#include "lowrank/svd/randomized.hpp"
#include "support/data_dir.hpp"

using namespace lowrank;
using namespace lowrank::rec;

namespace {
// 3 clusters of 10 items each along orthogonal axes of R^6, with a small deterministic perturbation.
Eigen::MatrixXf clustered_embeddings() {
  Eigen::MatrixXf E = Eigen::MatrixXf::Zero(30, 6);
  for (int i = 0; i < 30; ++i) {
    const int c = i / 10;
    E(i, 2 * c) = 1.0f;
    E(i, 2 * c + 1) = 0.1f * float((i % 5) - 2);
    E(i, (2 * c + 2) % 6) = 0.05f * float(i % 3);
  }
  return E;
}
}  // namespace

TEST_CASE("journeys: interleaved clusters are separated, each journey pure", "[journeys]") {
  const Eigen::MatrixXf E = clustered_embeddings();
  std::vector<HistoryEvent> h;
  // interleave: 0, 10, 20, 1, 11, 21, ... one event per hour
  for (int k = 0; k < 10; ++k)
    for (int c = 0; c < 3; ++c) h.push_back({ItemId(c * 10 + k), std::int64_t(3600 * (3 * k + c))});
  std::vector<std::vector<int>> attrs(30);
  for (int i = 0; i < 30; ++i) attrs[std::size_t(i)] = {i / 10};
  JourneyOptions opt;
  opt.lambda = 0.3;
  const JourneyResult r = extract_journeys(h, E, opt, attrs);
  INFO("journeys " << r.journeys.size() << " objective " << r.objective);
  REQUIRE(r.journeys.size() == 3);
  REQUIRE(r.unassigned.empty());
  std::vector<std::vector<ItemId>> segs;
  for (std::size_t j = 0; j < 3; ++j) {
    const Journey& J = r.journeys[j];
    REQUIRE(J.items.size() == 10);
    for (ItemId it : J.items) REQUIRE(it / 10 == J.items.front() / 10);
    REQUIRE(J.attributes.size() == 1);
    REQUIRE(J.attributes[0].first == int(J.items.front() / 10));
    REQUIRE(J.attributes[0].second == Approx(1.0));
    REQUIRE(J.representatives.size() == 3);
    INFO("cohesion " << J.cohesion);
    REQUIRE(J.cohesion > 0.95);
    REQUIRE(J.start <= J.end);
    segs.push_back(J.items);
  }
  // ordered by start time: cluster 0 starts at t=0, cluster 1 at 3600, cluster 2 at 7200
  REQUIRE(r.journeys[0].items.front() == 0);
  REQUIRE(r.journeys[1].items.front() == 10);
  const double pj = attribute_purity(segs, attrs);
  const double pc = attribute_purity(chunk_history(h, 3), attrs);
  INFO("journey purity " << pj << " chunk purity " << pc);
  REQUIRE(pj == Approx(1.0));
  // each chunk of 10 interleaved events holds 4/3/3 of the clusters → purity (4+4+4)/30 = 0.4
  REQUIRE(pc == Approx(0.4));
  // objective: λ per journey plus the distances, all small
  REQUIRE(r.objective >= 3 * opt.lambda);
  REQUIRE(r.objective < 3 * opt.lambda + 30 * 0.05);
}

TEST_CASE("journeys: expiry splits one interest after a long gap; small journeys dissolve", "[journeys]") {
  const Eigen::MatrixXf E = clustered_embeddings();
  std::vector<HistoryEvent> h;
  for (int k = 0; k < 4; ++k) h.push_back({ItemId(k), std::int64_t(k * 60)});
  for (int k = 4; k < 8; ++k) h.push_back({ItemId(k), std::int64_t(100 * 86400 + k * 60)});
  h.push_back({ItemId(25), 100 * 86400 + 1000});  // a lone item of another cluster
  JourneyOptions opt;
  opt.lambda = 0.3;
  opt.expiry_seconds = 7 * 86400;
  opt.min_size = 2;
  JourneyResult r = extract_journeys(h, E, opt);
  REQUIRE(r.journeys.size() == 2);
  REQUIRE(r.journeys[0].items == std::vector<ItemId>{0, 1, 2, 3});
  REQUIRE(r.journeys[1].items == std::vector<ItemId>{4, 5, 6, 7});
  REQUIRE(r.journeys[1].start == 100 * 86400 + 240);
  REQUIRE(r.unassigned == std::vector<ItemId>{25});
  // expiry 0 = never: one journey of 8
  opt.expiry_seconds = 0;
  r = extract_journeys(h, E, opt);
  REQUIRE(r.journeys.size() == 1);
  REQUIRE(r.journeys[0].items.size() == 8);
  // a zero embedding row (cold item) is unassigned, not clustered
  Eigen::MatrixXf E2 = E;
  E2.row(29).setZero();
  r = extract_journeys({{29, 0}, {0, 1}, {1, 2}}, E2, opt);
  REQUIRE(r.journeys.size() == 1);
  REQUIRE(r.unassigned == std::vector<ItemId>{29});
}

TEST_CASE("journeys: refinement never increases the DP-means objective", "[journeys]") {
  // random-ish embeddings (deterministic LCG), lambda in the middle: online pass then refinement
  Eigen::MatrixXf E(60, 8);
  std::uint64_t s = 12345;
  for (Index i = 0; i < E.size(); ++i) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    E.data()[i] = float(double(s >> 11) / double(1ULL << 53) - 0.5);
  }
  std::vector<HistoryEvent> h;
  for (int i = 0; i < 60; ++i) h.push_back({ItemId((i * 7) % 60), i});
  JourneyOptions opt;
  opt.lambda = 0.8;
  opt.min_size = 1;
  opt.refine_iterations = 0;
  const JourneyResult online = extract_journeys(h, E, opt);
  opt.refine_iterations = 10;
  const JourneyResult refined = extract_journeys(h, E, opt);
  INFO("online " << online.objective << " refined " << refined.objective << " passes " << refined.refine_passes);
  REQUIRE(refined.objective <= online.objective + 1e-9);
  REQUIRE(refined.refine_passes >= 1);
  REQUIRE(refined.refine_passes <= 10);
  std::size_t total = 0;
  for (const auto& j : refined.journeys) total += j.items.size();
  REQUIRE(total == 60);
}

TEST_CASE("journeys: purity, chunking, prompt and errors on known inputs", "[journeys]") {
  const std::vector<std::vector<int>> attrs = {{0}, {0, 1}, {1}, {2}, {}};
  // segment {0,1,2}: attribute 1 in 2 items, 0 in 2 → 2; segment {3,4}: 1 → (2+1)/5
  REQUIRE(attribute_purity({{0, 1, 2}, {3, 4}}, attrs) == Approx(0.6));
  REQUIRE(attribute_purity({}, attrs) == 0.0);
  REQUIRE_THROWS_AS(attribute_purity({{7}}, attrs), Error);

  std::vector<HistoryEvent> h = {{4, 50}, {0, 10}, {1, 20}, {2, 30}, {3, 40}};
  const auto ch = chunk_history(h, 2);
  REQUIRE(ch.size() == 2);
  REQUIRE(ch[0] == std::vector<ItemId>{0, 1, 2});
  REQUIRE(ch[1] == std::vector<ItemId>{3, 4});
  REQUIRE(chunk_history(h, 99).size() == 5);
  REQUIRE(chunk_history({}, 3).empty());

  Journey j;
  j.items = {0, 1, 2};
  j.timestamps = {0, 86400, 2 * 86400};
  j.start = 0;
  j.end = 2 * 86400;
  j.representatives = {1};
  j.attributes = {{1, 2.0 / 3.0}};
  const std::string p = journey_naming_prompt(j, {"Alien (1979)", "Aliens (1986)"}, {"Horror", "Sci-Fi"});
  INFO(p);
  REQUIRE(p.find("3 items over 2.0 days") != std::string::npos);
  REQUIRE(p.find("Sci-Fi (67%)") != std::string::npos);
  REQUIRE(p.find("- Aliens (1986)\n") < p.find("- Alien (1979)\n"));
  REQUIRE(p.find("- item 2") != std::string::npos);

  const Eigen::MatrixXf E = Eigen::MatrixXf::Identity(3, 3);
  JourneyOptions bad;
  bad.lambda = 0;
  REQUIRE_THROWS_AS(extract_journeys({{0, 0}}, E, bad), Error);
  REQUIRE_THROWS_AS(extract_journeys({{3, 0}}, E), Error);
  Eigen::MatrixXf En = E;
  En(1, 1) = std::numeric_limits<float>::quiet_NaN();
  REQUIRE_THROWS_AS(extract_journeys({{1, 0}}, En), Error);
  REQUIRE(extract_journeys({}, E).journeys.empty());
}

TEST_CASE("journeys: ML-100K genre purity of journeys vs time-contiguous chunks", "[journeys][data]") {
  LOWRANK_REQUIRE_DATA("ml-100k/u.data");
  // u.data: user item rating timestamp (tab-separated); binarized user×item matrix
  std::ifstream in(lowrank_test::data_path("ml-100k/u.data"));
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
  RandomizedOptions ro;
  ro.seed = 7;
  const auto svd = randomized_svd(X, 32, ro);
  const Eigen::MatrixXf emb = svd.V * svd.S.cwiseSqrt().asDiagonal();
  const ItemInfo info = load_movielens_items(lowrank_test::data_path("ml-100k/u.item").string(), items);
  REQUIRE(info.titles[std::size_t(items.index("1"))] == "Toy Story (1995)");

  JourneyOptions opt;
  opt.lambda = 0.6;
  opt.min_size = 3;
  std::vector<std::vector<ItemId>> jsegs, csegs;
  for (const auto& h : hist) {
    const auto r = extract_journeys(h, emb, opt, info.attributes);
    if (r.journeys.size() < 2) continue;
    // baseline over the same items: the journeys' items in time order, cut into as many chunks
    std::vector<HistoryEvent> kept;
    for (const auto& j : r.journeys) {
      jsegs.push_back(j.items);
      for (std::size_t k = 0; k < j.items.size(); ++k) kept.push_back({j.items[k], j.timestamps[k]});
    }
    for (auto& c : chunk_history(kept, Index(r.journeys.size()))) csegs.push_back(std::move(c));
  }
  const double pj = attribute_purity(jsegs, info.attributes), pc = attribute_purity(csegs, info.attributes);
  INFO("segments " << jsegs.size() << " journey purity " << pj << " chunk purity " << pc);
  REQUIRE(jsegs.size() == csegs.size());
  REQUIRE(jsegs.size() > 100);
  REQUIRE(pj > pc);
}
