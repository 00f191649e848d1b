// BiasedMF and SVD++ (SGD): recovery of a synthetic low-rank rating model, clamping to the training scale,
// seeded determinism, early stopping, fold-in, explanations, cancellation and option errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "lowrank/rec/model.hpp"
#include "lowrank/rec/models/biased_mf.hpp"
#include "support/rec_toy.hpp"

using namespace lowrank;
using namespace lowrank::rec;

namespace {
using rec_toy::rmse;
using rec_toy::stride_split;
double mean_rmse(const Interactions& train, const std::vector<Interaction>& test) {
  double mu = train.matrix().sum() / double(train.nnz()), s = 0;
  for (const auto& r : test) s += (mu - r.value) * (mu - r.value);
  return std::sqrt(s / double(test.size()));
}
}  // namespace

TEST_CASE("mf: BiasedMF and SVDpp recover a low-rank rating model far better than the mean", "[mf]") {
  const Interactions data = rec_toy::low_rank_ratings(200, 150, 3, 0.3, 0.1, 4);
  Interactions train;
  std::vector<Interaction> test;
  stride_split(data, train, test);
  const double base = mean_rmse(train, test);
  BiasedMFOptions o;
  o.factors = 8;
  o.epochs = 100;
  o.learning_rate = 0.01;
  o.learning_rate_decay = 1.0;  // constant step: long enough to leave the small-init saddle
  o.regularization = 0.02;
  BiasedMF mf(o);
  mf.fit(train);
  const double e1 = rmse(mf, test);
  INFO("mean baseline " << base << ", BiasedMF " << e1);
  REQUIRE(e1 < 0.6 * base);
  REQUIRE(mf.is_rating_model());
  SVDpp pp(o);
  pp.fit(train);
  const double e2 = rmse(pp, test);
  INFO("SVDpp " << e2);
  REQUIRE(e2 < 0.6 * base);
  // training RMSE falls over the epochs
  REQUIRE(mf.train_rmse_history().back() < mf.train_rmse_history().front());
}

TEST_CASE("mf: predict clamps to the training scale; score_block is the raw score", "[mf]") {
  const Interactions data = rec_toy::low_rank_ratings(60, 40, 2, 0.5, 0.0, 9);
  BiasedMF m;
  m.fit(data);
  double lo = 1e9, hi = -1e9;
  for (Index p = 0; p < data.nnz(); ++p) lo = std::min(lo, double(data.matrix().valuePtr()[p])), hi = std::max(hi, double(data.matrix().valuePtr()[p]));
  Eigen::MatrixXf s(1, data.num_items());
  bool any_outside = false;
  for (UserId u = 0; u < data.num_users(); ++u) {
    m.score_block({u}, s);
    for (ItemId i = 0; i < data.num_items(); ++i) {
      const double p = m.predict(u, i);
      REQUIRE(p >= lo);
      REQUIRE(p <= hi);
      const double raw = s(0, i);
      any_outside |= raw < lo || raw > hi;
      REQUIRE(p == Approx(std::min(hi, std::max(lo, raw))).margin(1e-4));
    }
  }
  INFO("scale [" << lo << ", " << hi << "], some raw score outside: " << any_outside);
  SUCCEED();
}

TEST_CASE("mf: a seed gives bit-identical models; another seed differs", "[mf]") {
  const Interactions data = rec_toy::low_rank_ratings(50, 40, 2, 0.3, 0.2, 1);
  for (int model = 0; model < 2; ++model) {
    BiasedMFOptions o;
    o.factors = 4;
    o.epochs = 5;
    o.seed = 3;
    std::unique_ptr<BiasedMF> a(model ? new SVDpp(o) : new BiasedMF(o)), b(model ? new SVDpp(o) : new BiasedMF(o));
    a->fit(data);
    b->fit(data);
    o.seed = 4;
    std::unique_ptr<BiasedMF> c(model ? new SVDpp(o) : new BiasedMF(o));
    c->fit(data);
    bool same = true, differs = false;
    for (UserId u = 0; u < 50; ++u)
      for (ItemId i = 0; i < 40; ++i) {
        same &= a->predict(u, i) == b->predict(u, i);
        differs |= a->predict(u, i) != c->predict(u, i);
      }
    REQUIRE(same);
    REQUIRE(differs);
  }
}

TEST_CASE("mf: BiasedMF fits every rating when there are fewer users or items than SGD blocks", "[mf]") {
  // 3 users × 5 items, every rating present: BiasedMF's stratified SGD cuts users and items into
  // min(8, users, items) ranges, and a block it skipped would leave its ratings unfitted.
  std::vector<Eigen::Triplet<float, int>> t;
  for (int u = 0; u < 3; ++u)
    for (int i = 0; i < 5; ++i) t.emplace_back(u, i, float(1 + (7 * u + 3 * i) % 5));
  Interactions::Csr m(3, 5);
  m.setFromTriplets(t.begin(), t.end());
  const Interactions data = Interactions::from_matrix(std::move(m), IdMap::identity(3), IdMap::identity(5));
  BiasedMFOptions o;
  o.factors = 8;
  o.epochs = 400;
  o.learning_rate = 0.05;
  o.learning_rate_decay = 1;
  o.regularization = 0;
  o.bias_regularization = 0;
  o.init_std = 0.3;
  o.seed = 2;
  BiasedMF model(o);
  model.fit(data);
  REQUIRE(model.epochs_run() == 400);
  CHECK(model.train_rmse_history().back() < 0.05);
  for (const auto& r : t) {
    INFO("user " << r.row() << ", item " << r.col());
    CHECK(std::abs(model.predict(r.row(), r.col()) - double(r.value())) < 0.15);
  }
}

TEST_CASE("mf: early stopping keeps the best validation epoch", "[mf]") {
  const Interactions data = rec_toy::low_rank_ratings(100, 80, 2, 0.3, 0.3, 2);
  BiasedMFOptions o;
  o.factors = 32;
  o.epochs = 200;
  o.regularization = 0.0;  // overfits: validation error turns up
  o.learning_rate_decay = 1.0;
  o.learning_rate = 0.03;
  o.validation_fraction = 0.2;
  o.patience = 2;
  BiasedMF m(o);
  m.fit(data);
  const auto& v = m.validation_rmse_history();
  INFO("epochs run " << m.epochs_run() << ", last validation " << v.back());
  REQUIRE(m.epochs_run() < 200);
  REQUIRE(v.size() == std::size_t(m.epochs_run()));
  const double best = *std::min_element(v.begin(), v.end());
  REQUIRE(v.back() > best);
}

TEST_CASE("mf: fold-in of a user's own ratings ranks like the fitted user; explain is consistent", "[mf]") {
  const Interactions data = rec_toy::low_rank_ratings(120, 60, 2, 0.4, 0.1, 6);
  BiasedMFOptions o;
  o.factors = 4;
  o.epochs = 40;
  for (int model = 0; model < 2; ++model) {
    std::unique_ptr<BiasedMF> m(model ? new SVDpp(o) : new BiasedMF(o));
    m->fit(data);
    std::vector<std::pair<ItemId, float>> h;
    for (Interactions::Csr::InnerIterator it(data.matrix(), 3); it; ++it) h.emplace_back(it.col(), it.value());
    const Eigen::VectorXf f = m->score_history(h);
    Eigen::MatrixXf s(1, 60);
    m->score_block({3}, s);
    const Eigen::VectorXf fitted = s.row(0).transpose();
    const double corr = ((f.array() - f.mean()) * (fitted.array() - fitted.mean())).sum() /
                        std::sqrt((f.array() - f.mean()).square().sum() * (fitted.array() - fitted.mean()).square().sum());
    INFO(m->name() << ": correlation fold-in vs fitted " << corr);
    REQUIRE(corr > 0.8);
    const Explanation e = m->explain(3, 7);
    REQUIRE(e.score == Approx(m->predict(3, 7)));
    REQUIRE(!e.contributions.empty());
    REQUIRE(m->similar_items(7, 5).size() == 5);
  }
}

TEST_CASE("mf: cancel and option errors", "[mf]") {
  const Interactions data = rec_toy::low_rank_ratings(20, 20, 2, 0.5, 0.1, 1);
  BiasedMF m;
  m.set_progress([](const std::string&, double f) { return f < 0.3; });
  REQUIRE_THROWS_MATCHES(m.fit(data), Error, Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::cancelled; }));
  REQUIRE_FALSE(m.is_fitted());
  BiasedMFOptions o;
  o.learning_rate = 0;
  REQUIRE_THROWS_WITH(BiasedMF(o).fit(data), Catch::Contains("learning_rate"));
  o = {};
  o.validation_fraction = 1.5;
  REQUIRE_THROWS_WITH(SVDpp(o).fit(data), Catch::Contains("validation_fraction"));
  o = {};
  o.learning_rate = 0.9;  // diverges
  o.init_std = 1;
  o.regularization = 0;
  o.factors = 64;
  REQUIRE_THROWS_MATCHES(BiasedMF(o).fit(data), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::numerical; }));
}
