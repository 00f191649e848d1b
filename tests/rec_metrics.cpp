// evaluate against hand-computed values (the definitions are in rec/metrics.hpp).
#include <catch2/catch.hpp>

#include <cmath>

#include "lowrank/rec.hpp"

using namespace lowrank;
using namespace lowrank::rec;

namespace {
class FixedScores : public Recommender {
 public:
  FixedScores(Eigen::MatrixXf table, bool rating) : m_table(std::move(table)), m_rating(rating) {}
  std::string name() const override { return "fixed"; }
  bool is_rating_model() const override { return m_rating; }
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
  bool m_rating;
};

Interactions make(std::vector<Interaction> rows) {
  return Interactions::from_interactions(std::move(rows), IdMap::identity(2), IdMap::identity(6));
}

// user 0: train {0}, test {2: 5, 4: 3}; user 1: train {5}, test {0: 1}
// scores: user 0 = 10 9 8 7 6 5 → ranking after masking [1 2 3 4 5]; user 1 = 1..6 → [4 3 2 1 0]
Split toy_split() {
  Split s;
  s.train = make({{0, 0, 4.f, 0}, {1, 5, 2.f, 0}});
  s.test = make({{0, 2, 5.f, 0}, {0, 4, 3.f, 0}, {1, 0, 1.f, 0}});
  return s;
}

Eigen::MatrixXf toy_scores() {
  Eigen::MatrixXf t(2, 6);
  t << 10, 9, 8, 7, 6, 5,  //
      1, 2, 3, 4, 5, 6;
  return t;
}

void check(const Metrics& m, const std::string& name, double expected) {
  REQUIRE(m.values.count(name) == 1);
  const double got = m.values.at(name);
  INFO(name << " = " << got << ", expected " << expected);
  REQUIRE(std::abs(got - expected) < 1e-6);
}
}  // namespace

TEST_CASE("evaluate: binary metrics against hand-computed values", "[rec][metrics]") {
  FixedScores model(toy_scores(), false);
  const Split s = toy_split();
  model.fit(s.train);
  EvalOptions o;
  o.cutoffs = {2, 4};
  const Metrics m = evaluate(model, s, o);
  REQUIRE(m.users_evaluated == 2);
  const double l3 = std::log2(3.0), l5 = std::log2(5.0);
  // user 0, k = 2: top [1 2], one hit at rank 2; user 1: no hit
  check(m, "precision@2", (0.5 + 0) / 2);
  check(m, "recall@2", (0.5 + 0) / 2);
  check(m, "ndcg@2", ((1 / l3) / (1 + 1 / l3)) / 2);
  check(m, "map@2", ((1.0 / 2) / 2) / 2);
  check(m, "mrr@2", 0.5 / 2);
  check(m, "hit@2", 0.5);
  // user 0, k = 4: hits at ranks 2 and 4
  check(m, "precision@4", (2.0 / 4) / 2);
  check(m, "recall@4", 1.0 / 2);
  check(m, "ndcg@4", ((1 / l3 + 1 / l5) / (1 + 1 / l3)) / 2);
  check(m, "map@4", ((1.0 / 2 + 2.0 / 4) / 2) / 2);
  check(m, "mrr@4", 0.5 / 2);
  check(m, "hit@4", 0.5);
  // coverage: lists {1 2} ∪ {4 3} and {1 2 3 4} ∪ {4 3 2 1}, of 6 items
  check(m, "coverage@2", 4.0 / 6);
  check(m, "coverage@4", 4.0 / 6);
  REQUIRE(m.values.count("rmse") == 0);
}

TEST_CASE("evaluate: graded NDCG, relevance threshold, recall denominator, no masking", "[rec][metrics]") {
  FixedScores model(toy_scores(), false);
  const Split s = toy_split();
  model.fit(s.train);
  EvalOptions o;
  o.cutoffs = {4};
  o.graded_ndcg = true;
  const double l3 = std::log2(3.0), l5 = std::log2(5.0);
  check(evaluate(model, s, o), "ndcg@4", ((5 / l3 + 3 / l5) / (5 + 3 / l3)) / 2);
  // only test values >= 4 are relevant: user 0 keeps item 2, user 1 drops out
  EvalOptions t;
  t.cutoffs = {2};
  t.relevance_threshold = 4;
  const Metrics mt = evaluate(model, s, t);
  REQUIRE(mt.users_evaluated == 1);
  check(mt, "recall@2", 1.0);
  check(mt, "ndcg@2", 1 / l3);
  check(mt, "precision@2", 0.5);
  // recall denominator min(k, |T|): user 0 with three test items and k = 2
  Split big;
  big.train = make({{0, 0, 1.f, 0}});
  big.test = make({{0, 1, 1.f, 0}, {0, 2, 1.f, 0}, {0, 3, 1.f, 0}});
  model.fit(big.train);
  EvalOptions r;
  r.cutoffs = {2};
  check(evaluate(model, big, r), "recall@2", 2.0 / 3);
  check(evaluate(model, big, r), "map@2", (1.0 + 1.0) / 2);
  r.recall_denominator_min_k = true;
  check(evaluate(model, big, r), "recall@2", 1.0);
  // exclude_train = false: the train item 0 (score 10) takes rank 1
  EvalOptions keep;
  keep.cutoffs = {2};
  keep.exclude_train = false;
  check(evaluate(model, big, keep), "precision@2", 0.5);
  check(evaluate(model, big, keep), "mrr@2", 0.5);
}

TEST_CASE("evaluate: RMSE / MAE for rating models", "[rec][metrics]") {
  FixedScores model(toy_scores(), true);
  const Split s = toy_split();
  model.fit(s.train);
  const Metrics m = evaluate(model, s, {});
  // errors: (8 − 5), (6 − 3), (1 − 1)
  check(m, "rmse", std::sqrt((9.0 + 9.0 + 0.0) / 3));
  check(m, "mae", 2.0);
}

TEST_CASE("evaluate: strong generalization folds in the history", "[rec][metrics]") {
  FixedScores model(toy_scores(), false);
  Split s;
  s.train = make({{0, 0, 1.f, 0}, {0, 1, 1.f, 0}});
  s.fold_in = make({{1, 5, 1.f, 0}});
  s.test = make({{1, 0, 1.f, 0}});
  s.test_users = {1};
  model.fit(s.train);
  EvalOptions o;
  o.cutoffs = {2};
  // score_history gives row 0 (10 9 8 7 6 5); item 5 (the fold-in) is masked; item 0 ranks first
  const Metrics m = evaluate(model, s, o);
  REQUIRE(m.users_evaluated == 1);
  check(m, "ndcg@2", 1.0);
  check(m, "mrr@2", 1.0);
}

TEST_CASE("evaluate: argument errors", "[rec][metrics]") {
  FixedScores model(toy_scores(), false);
  const Split s = toy_split();
  REQUIRE_THROWS_AS(evaluate(model, s, {}), Error);  // not fitted
  model.fit(s.train);
  EvalOptions bad;
  bad.cutoffs = {0};
  REQUIRE_THROWS_AS(evaluate(model, s, bad), Error);
  Split other;
  other.train = Interactions::from_interactions({}, IdMap::identity(2), IdMap::identity(5));
  other.test = other.train;
  REQUIRE_THROWS_MATCHES(evaluate(model, other, {}), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::shape_mismatch; }));
}
