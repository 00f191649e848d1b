// Top-k selection and the base recommend: masking of seen items, allow / deny lists, ties, k limits.
#include <catch2/catch.hpp>

#include <numeric>

#include "lowrank/rec.hpp"

using namespace lowrank;
using namespace lowrank::rec;

namespace {
/// A model with fixed scores: score(u, i) = table(u, i); seen items from the data.
class FixedScores : public Recommender {
 public:
  explicit FixedScores(Eigen::MatrixXf table) : m_table(std::move(table)) {}
  std::string name() const override { return "fixed"; }
  void fit(const Interactions& data) override {
    remember_training_data(data);
    set_fitted(true);
  }
  void score_block(const std::vector<UserId>& users, Eigen::Ref<Eigen::MatrixXf> out) const override {
    for (std::size_t r = 0; r < users.size(); ++r) out.row(Index(r)) = m_table.row(users[r]);
  }
  Eigen::VectorXf score_history(const std::vector<std::pair<ItemId, float>>&) const override {
    return m_table.row(0).transpose();
  }

 private:
  Eigen::MatrixXf m_table;
};

std::vector<ItemId> items_of(const std::vector<ScoredItem>& v) {
  std::vector<ItemId> out;
  for (const auto& s : v) out.push_back(s.item);
  return out;
}

Interactions seen_data() {
  // user 0 has seen items 1 and 3; user 1 nothing; 2 users × 6 items
  return Interactions::from_interactions({{0, 1, 1.f, 0}, {0, 3, 1.f, 0}}, IdMap::identity(2), IdMap::identity(6));
}
}  // namespace

TEST_CASE("select_top_k: order, ties by lower index, NaN skipped, short lists", "[rec][topk]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> s = {0.5f, 2.f, nan, 2.f, -inf, 1.f, 2.f};
  REQUIRE(items_of(select_top_k(s.data(), Index(s.size()), 3)) == std::vector<ItemId>{1, 3, 6});
  REQUIRE(items_of(select_top_k(s.data(), Index(s.size()), 4)) == std::vector<ItemId>{1, 3, 6, 5});
  // more than available: every non-NaN item, −∞ last
  REQUIRE(items_of(select_top_k(s.data(), Index(s.size()), 10)) == std::vector<ItemId>{1, 3, 6, 5, 0, 4});
  REQUIRE(select_top_k(s.data(), Index(s.size()), 0).empty());
  // candidates
  REQUIRE(items_of(select_top_k(s.data(), std::vector<ItemId>{0, 2, 5, 6}, 2)) == std::vector<ItemId>{6, 5});
}

TEST_CASE("select_top_k agrees with a full sort on random scores with many ties", "[rec][topk]") {
  std::vector<float> s(5000);
  std::uint64_t x = 12345;
  for (auto& v : s) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    v = float((x >> 33) % 50);  // heavy ties
  }
  std::vector<ItemId> idx(s.size());
  std::iota(idx.begin(), idx.end(), ItemId(0));
  std::stable_sort(idx.begin(), idx.end(), [&](ItemId a, ItemId b) { return s[std::size_t(a)] > s[std::size_t(b)]; });
  for (int k : {1, 7, 100, 4999}) {
    const auto got = items_of(select_top_k(s.data(), Index(s.size()), k));
    REQUIRE(got == std::vector<ItemId>(idx.begin(), idx.begin() + k));
  }
}

TEST_CASE("recommend masks seen items and applies allow / deny lists", "[rec][topk]") {
  Eigen::MatrixXf t(2, 6);
  t << 1, 9, 3, 8, 5, 5,  //
      6, 5, 4, 3, 2, 1;
  FixedScores m(t);
  m.fit(seen_data());
  // user 0: 9 (item 1) and 8 (item 3) are seen → 4/5 tie → item 4 before 5, then item 2
  REQUIRE(items_of(m.recommend(0, 3)) == std::vector<ItemId>{4, 5, 2});
  RecommendOptions keep;
  keep.exclude_seen = false;
  REQUIRE(items_of(m.recommend(0, 3, keep)) == std::vector<ItemId>{1, 3, 4});
  RecommendOptions deny;
  deny.deny = {4};
  REQUIRE(items_of(m.recommend(0, 3, deny)) == std::vector<ItemId>{5, 2, 0});
  RecommendOptions allow;
  allow.allow = {0, 1, 5, 5};  // 1 is seen, duplicates ignored
  REQUIRE(items_of(m.recommend(0, 10, allow)) == std::vector<ItemId>{5, 0});
  allow.deny = {5};
  REQUIRE(items_of(m.recommend(0, 10, allow)) == std::vector<ItemId>{0});
  // user 1 has no history: plain order
  REQUIRE(items_of(m.recommend(1, 2)) == std::vector<ItemId>{0, 1});
  // k larger than the candidates: all unseen items
  REQUIRE(m.recommend(0, 100).size() == 4);
  // scores are returned
  REQUIRE(m.recommend(1, 1)[0].score == 6.f);
}

TEST_CASE("recommend_all equals recommend per user; fold-in masks the history", "[rec][topk]") {
  Eigen::MatrixXf t(2, 6);
  t << 1, 9, 3, 8, 5, 5,  //
      6, 5, 4, 3, 2, 1;
  FixedScores m(t);
  m.fit(seen_data());
  std::vector<UserId> users;
  for (int r = 0; r < 300; ++r) users.push_back(r % 2);
  const auto all = m.recommend_all(users, 3);
  REQUIRE(all.size() == users.size());
  for (std::size_t i = 0; i < users.size(); ++i) REQUIRE(items_of(all[i]) == items_of(m.recommend(users[i], 3)));
  // recommend_for_history: table row 0, history {1, 4} masked
  REQUIRE(items_of(m.recommend_for_history({{1, 1.f}, {4, 1.f}}, 2)) == std::vector<ItemId>{3, 5});
}

TEST_CASE("recommend_all on a wide catalogue (small user blocks, tiled transpose) equals recommend", "[rec][topk]") {
  // 40 k items: blocks of 52 users (2 Mi scores), item tiles of 256 with a ragged last tile
  const Index ni = 40000 + 77, nu = 130;
  Eigen::MatrixXf t(nu, ni);
  std::uint32_t x = 12345;
  for (Index i = 0; i < ni; ++i)
    for (Index u = 0; u < nu; ++u) {
      x = x * 1664525u + 1013904223u;
      t(u, i) = float(x >> 8) / float(1u << 24);
    }
  std::vector<Interaction> rows;
  for (Index u = 0; u < nu; ++u)
    for (Index j = 0; j < 5; ++j) rows.push_back({u, (u * 7919 + j * 104729) % ni, 1.f, 0});
  FixedScores m(t);
  m.fit(Interactions::from_interactions(rows, IdMap::identity(nu), IdMap::identity(ni)));
  std::vector<UserId> users;
  for (Index u = nu - 1; u >= 0; --u) users.push_back(u);
  const auto all = m.recommend_all(users, 20);
  for (std::size_t i = 0; i < users.size(); ++i) {
    INFO("user " << users[i]);
    REQUIRE(items_of(all[i]) == items_of(m.recommend(users[i], 20)));
  }
}

TEST_CASE("recommend argument errors", "[rec][topk]") {
  Eigen::MatrixXf t = Eigen::MatrixXf::Zero(2, 6);
  FixedScores m(t);
  REQUIRE_THROWS_MATCHES(m.recommend(0, 1), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::invalid_argument; }));
  m.fit(seen_data());
  REQUIRE_THROWS_MATCHES(m.recommend(2, 1), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::unknown_id; }));
  REQUIRE_THROWS_MATCHES(m.recommend(0, 0), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::invalid_argument; }));
  RecommendOptions bad;
  bad.deny = {6};
  REQUIRE_THROWS_MATCHES(m.recommend(0, 1, bad), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::unknown_id; }));
  REQUIRE_THROWS_AS(m.recommend_all({0, 5}, 2), Error);
  REQUIRE_THROWS_AS(m.recommend_for_history({{7, 1.f}}, 2), Error);
  REQUIRE_THROWS_AS(m.explain(0, 0), Error);
  REQUIRE_THROWS_AS(m.similar_items(0, 2), Error);
}
