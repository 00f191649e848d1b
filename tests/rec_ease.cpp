// EASE (Steck 2019): weights against the textbook formula with Eigen's dense inverse as oracle, the memory
// budget, explanations and fold-in (the inverse itself, kernels::spd_inverse, is tested in kernels_dense).
#include <catch2/catch.hpp>

#include <Eigen/Dense>
#include <cmath>

#include "lowrank/rec.hpp"
#include "lowrank/rec/models/ease.hpp"
#include "support/data_dir.hpp"
#include "support/rec_toy.hpp"

using namespace lowrank;
using namespace lowrank::rec;

TEST_CASE("ease: weights match B = I − P diag(1/diag P) computed with Eigen's inverse", "[ease]") {
  // 300 items: the inverse recurses past one 128-wide panel and the Gram is split over threads
  const Interactions data = rec_toy::random_implicit(200, 300, 0.08, 4);
  for (bool dbl : {true, false})
    for (bool binarize : {true, false}) {
      EASEOptions o;
      o.lambda = 20;
      o.double_precision = dbl;
      o.binarize = binarize;
      EASE m(o);
      m.fit(data);
      Eigen::MatrixXd X = Eigen::MatrixXd(data.matrix().cast<double>());
      if (binarize) X = (X.array() != 0).cast<double>();
      Eigen::MatrixXd G = X.transpose() * X;
      G.diagonal().array() += o.lambda;
      const Eigen::MatrixXd P = G.inverse();
      Eigen::MatrixXd B = -P * P.diagonal().cwiseInverse().asDiagonal();
      B.diagonal().setZero();
      const double err = (m.weights().cast<double>() - B).norm() / B.norm();
      INFO((dbl ? "double" : "float") << (binarize ? " binarized" : " values") << " relative error " << err);
      REQUIRE(err < (dbl ? 1e-6 : 1e-4));
      REQUIRE(m.weights().diagonal().cwiseAbs().maxCoeff() == 0.0f);
    }
}

TEST_CASE("ease: toy blocks, explanations sum to the score, fold-in equals score_block", "[ease]") {
  const Interactions data = rec_toy::blocks(40, 30, 4);
  // λ of the order of the co-occurrence counts (10 users per block): with λ → 0 EASE reproduces the
  // training zeros of the held-out cells instead of generalising (Steck 2019, §3 on λ).
  EASEOptions o;
  o.lambda = 10;
  EASE m(o);
  m.fit(data);
  int hits = 0;
  for (UserId u = 0; u < 40; ++u)
    if (m.recommend(u, 1)[0].item == rec_toy::held_out_item(u, 40, 30, 4)) ++hits;
  INFO("hits " << hits);
  REQUIRE(hits == 40);
  Eigen::MatrixXf s(1, 30);
  m.score_block({5}, s);
  std::vector<std::pair<ItemId, float>> h;
  for (Interactions::Csr::InnerIterator it(data.matrix(), 5); it; ++it) h.emplace_back(it.col(), it.value());
  REQUIRE((m.score_history(h) - s.row(0).transpose()).norm() < 1e-6);
  const Explanation e = m.explain(5, rec_toy::held_out_item(5, 40, 30, 4));
  float sum = 0;
  for (const auto& c : e.contributions) sum += c.weight;
  INFO("sum " << sum << " score " << e.score << " predict " << m.predict(5, e.item));
  REQUIRE(sum == Approx(e.score).epsilon(1e-5));
  REQUIRE(e.score == Approx(m.predict(5, e.item)).epsilon(1e-5));
  REQUIRE(e.score == Approx(s(0, e.item)).epsilon(1e-5));
  for (const auto& sim : m.similar_items(0, 3)) REQUIRE(sim.item / (30 / 4) == 0);
}

TEST_CASE("ease: memory budget refuses with the bytes needed; λ ≤ 0 refused; cancel keeps state", "[ease]") {
  const Interactions data = rec_toy::random_implicit(30, 200, 0.1, 1);
  EASEOptions o;
  o.memory_budget = 1000;
  try {
    EASE(o).fit(data);
    FAIL("no error");
  } catch (const Error& e) {
    REQUIRE(e.code() == Errc::resource_limit);
    REQUIRE_THAT(e.what(), Catch::Contains("160000 bytes"));  // 200²·4: G, P and B share one float buffer
  }
  o.double_precision = true;
  REQUIRE_THROWS_WITH(EASE(o).fit(data), Catch::Contains("480000 bytes"));  // 200²·(8 + 4): P double, B float
  o.memory_budget = 480000;
  REQUIRE_NOTHROW(EASE(o).fit(data));
  o = {};
  o.lambda = 0;
  REQUIRE_THROWS_WITH(EASE(o).fit(data), Catch::Contains("lambda"));
  EASE m;
  m.set_progress([](const std::string& stage, double) { return stage != "ease inverse"; });
  REQUIRE_THROWS_MATCHES(m.fit(data), Error, Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::cancelled; }));
  REQUIRE_FALSE(m.is_fitted());
}

TEST_CASE("ease and als beat popularity on ML-100K NDCG@10 (80/20 per user, seed 42)", "[ease][als][data]") {
  LOWRANK_REQUIRE_DATA("ml-100k/u.data");
  const Interactions d = load_movielens(lowrank_test::data_path("ml-100k/u.data"));
  const Split s = split_per_user(d, 0.2, 42);
  EvalOptions eo;
  eo.cutoffs = {10};
  Popularity pop;
  pop.fit(s.train);
  const double base = evaluate(pop, s, eo).values.at("ndcg@10");
  EASE ease;
  ease.fit(s.train);
  const double e = evaluate(ease, s, eo).values.at("ndcg@10");
  ImplicitALS als;
  als.fit(s.train);
  const double a = evaluate(als, s, eo).values.at("ndcg@10");
  INFO("ndcg@10 popularity " << base << ", EASE " << e << ", ALS " << a);
  REQUIRE(e > 1.5 * base);
  REQUIRE(a > 1.5 * base);
}
