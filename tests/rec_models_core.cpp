// Popularity, ItemKNN and PureSVD on small data with obvious answers, against dense oracles, and
// on ML-100K (PureSVD and ItemKNN must beat Popularity on NDCG@10).
#include <catch2/catch.hpp>

#include <Eigen/Dense>
#include <Eigen/SVD>

#include "lowrank/rec.hpp"
#include "lowrank/svd/detail/eigen_instances.hpp"  // BDCSVD<MatrixXd>, the oracle: compiled in the library
#include "support/data_dir.hpp"

using namespace lowrank;
using namespace lowrank::rec;

namespace {
/// Two blocks: users 0–9 like items 0–4, users 10–19 like items 5–9; user u misses one item of its
/// block (item (u mod 5) of the block), so that item is the obvious recommendation.
Interactions blocks() {
  std::vector<Interaction> rows;
  for (Index u = 0; u < 20; ++u) {
    const Index base = u < 10 ? 0 : 5;
    for (Index i = 0; i < 5; ++i)
      if (i != u % 5) rows.push_back({u, base + i, 1.f, 0});
  }
  return Interactions::from_interactions(rows, IdMap::identity(20), IdMap::identity(10));
}

Index missing_item(Index u) { return (u < 10 ? 0 : 5) + u % 5; }

Interactions small_random(Index users, Index items, Index nnz, std::uint64_t seed) {
  SyntheticOptions o;
  o.users = users;
  o.items = items;
  o.interactions = nnz;
  o.seed = seed;
  return synthetic(o);
}

Eigen::MatrixXf all_scores(const Recommender& m) {
  std::vector<UserId> users(static_cast<std::size_t>(m.num_users()));
  for (Index u = 0; u < m.num_users(); ++u) users[std::size_t(u)] = u;
  Eigen::MatrixXf s(m.num_users(), m.num_items());
  m.score_block(users, s);
  return s;
}
}  // namespace

TEST_CASE("Popularity scores items by their user count", "[rec][models]") {
  const auto d = Interactions::from_interactions({{0, 0, 5.f, 0}, {1, 0, 1.f, 0}, {1, 2, 1.f, 0}, {2, 2, 3.f, 0}, {2, 1, 1.f, 0}, {3, 2, 1.f, 0}},
                                                 IdMap::identity(4), IdMap::identity(4));
  Popularity p;
  REQUIRE_THROWS_AS(p.recommend(0, 1), Error);
  p.fit(d);
  REQUIRE(p.counts()[0] == 2.f);
  REQUIRE(p.counts()[2] == 3.f);
  REQUIRE(p.counts()[3] == 0.f);
  // user 3 has seen item 2 → 0 (2 users), then 1 (1 user), then 3 (0 users)
  const auto r = p.recommend(3, 3);
  REQUIRE(r.size() == 3);
  REQUIRE(r[0].item == 0);
  REQUIRE(r[1].item == 1);
  REQUIRE(r[2].item == 3);
  REQUIRE(p.predict(0, 2) == 3.0);
  REQUIRE(p.recommend_for_history({{0, 1.f}}, 1)[0].item == 2);
  const auto e = p.explain(0, 2);
  REQUIRE(e.contributions.empty());
  REQUIRE(e.score == 3.f);
  REQUIRE(!e.summary.empty());
}

TEST_CASE("ItemKNN: shrunk cosine by hand, top-N neighbours, scores and explanations", "[rec][models]") {
  // users: u0 {0, 1}, u1 {0, 1, 2}, u2 {2}; every column norm is √2; dots: (0,1) = 2, (0,2) = (1,2) = 1
  const auto d = Interactions::from_interactions({{0, 0, 1.f, 0}, {0, 1, 1.f, 0}, {1, 0, 1.f, 0}, {1, 1, 1.f, 0},
                                                  {1, 2, 1.f, 0}, {2, 2, 1.f, 0}},
                                                 IdMap::identity(3), IdMap::identity(3));
  ItemKNNOptions o;
  o.shrinkage = 1;
  o.neighbors = 2;
  ItemKNN knn(o);
  knn.fit(d);
  const auto& W = knn.similarity();
  INFO("W =\n" << Eigen::MatrixXf(W));
  REQUIRE(W.coeff(0, 1) == Approx(2.0 / (2 + 1)));
  REQUIRE(W.coeff(0, 2) == Approx(1.0 / (2 + 1)));
  REQUIRE(W.coeff(2, 1) == Approx(1.0 / (2 + 1)));
  REQUIRE(W.coeff(1, 1) == 0.f);  // no self-similarity
  // user 2 has seen item 2: score(j) = W(2, j)
  const Eigen::MatrixXf s = all_scores(knn);
  REQUIRE(s(2, 0) == Approx(1.0 / 3));
  REQUIRE(s(2, 1) == Approx(1.0 / 3));
  REQUIRE(knn.recommend(2, 1)[0].item == 0);  // tie → lower index
  const auto e = knn.explain(2, 0);
  REQUIRE(e.contributions.size() == 1);
  REQUIRE(e.contributions[0].item == 2);
  REQUIRE(e.contributions[0].weight == Approx(1.0 / 3));
  REQUIRE(e.score == Approx(s(2, 0)));
  // one neighbour per item: item 2 keeps item 0 (tie with item 1 → lower index)
  o.neighbors = 1;
  ItemKNN one(o);
  one.fit(d);
  REQUIRE(one.similarity().row(2).nonZeros() == 1);
  REQUIRE(one.similarity().coeff(2, 0) == Approx(1.0 / 3));
  const auto sim = one.similar_items(0, 5);
  REQUIRE(sim.size() == 1);
  REQUIRE(sim[0].item == 1);
}

TEST_CASE("ItemKNN similarity equals a dense cosine oracle (tf-idf and BM25 too)", "[rec][models]") {
  const auto d = small_random(120, 60, 1500, 5);
  for (Weighting w : {Weighting::none, Weighting::tfidf, Weighting::bm25}) {
    ItemKNNOptions o;
    o.neighbors = 1000;  // keep everything: the sparse result must equal the dense one
    o.shrinkage = 2.5;
    o.weighting = w;
    ItemKNN knn(o);
    knn.fit(d);
    if (w != Weighting::none) {
      // the weighted matrix is internal; check symmetry and range instead of the oracle
      const Eigen::MatrixXf W(knn.similarity());
      INFO("asymmetry " << (W - W.transpose()).cwiseAbs().maxCoeff());
      REQUIRE((W - W.transpose()).cwiseAbs().maxCoeff() < 1e-5f);
      REQUIRE(W.minCoeff() >= 0.f);
      REQUIRE(W.maxCoeff() < 1.f);
      continue;
    }
    Eigen::MatrixXd X = Eigen::MatrixXd(d.matrix().cast<double>());
    X = (X.array() != 0).cast<double>();
    const Eigen::MatrixXd G = X.transpose() * X;
    const Eigen::VectorXd n = G.diagonal().cwiseSqrt();
    Eigen::MatrixXd C = G.array() / ((n * n.transpose()).array() + 2.5);
    C.diagonal().setZero();
    const Eigen::MatrixXd W = Eigen::MatrixXf(knn.similarity()).cast<double>();
    const double err = (W - C).cwiseAbs().maxCoeff();
    INFO("max |W − dense cosine| = " << err);
    REQUIRE(err < 1e-5);
  }
  // top-N: each row keeps N entries, the largest ones of the full row
  ItemKNNOptions full;
  full.neighbors = 1000;
  ItemKNN a(full);
  a.fit(d);
  ItemKNNOptions top;
  top.neighbors = 5;
  ItemKNN b(top);
  b.fit(d);
  for (Index i = 0; i < d.num_items(); ++i) {
    auto all = a.similar_items(i, 1000);
    auto kept = b.similar_items(i, 1000);
    REQUIRE(kept.size() == std::min<std::size_t>(5, all.size()));
    for (std::size_t k = 0; k < kept.size(); ++k) REQUIRE(kept[k].item == all[k].item);
  }
}

TEST_CASE("Block data: ItemKNN and PureSVD recommend the missing item of the user's block", "[rec][models]") {
  const auto d = blocks();
  ItemKNN knn;
  knn.fit(d);
  PureSVDOptions o;
  o.factors = 2;
  for (const char* solver : {"randomized", "lanczos", "gram"}) {
    o.solver = solver;
    PureSVD svd(o);
    svd.fit(d);
    for (Index u = 0; u < 20; ++u) {
      INFO("solver " << solver << ", user " << u);
      REQUIRE(svd.recommend(u, 1)[0].item == missing_item(u));
    }
    REQUIRE(svd.item_factors().rows() == 10);
    REQUIRE(svd.singular_values().size() == 2);
  }
  for (Index u = 0; u < 20; ++u) REQUIRE(knn.recommend(u, 1)[0].item == missing_item(u));
  // similar items stay inside the block
  for (const auto& s : knn.similar_items(7, 3)) REQUIRE(s.item >= 5);
  PureSVD svd(o);
  svd.fit(d);
  for (const auto& s : svd.similar_items(1, 3)) REQUIRE(s.item < 5);
}

TEST_CASE("PureSVD scores equal R·V·Vᵀ of a dense SVD oracle for every solver", "[rec][models]") {
  const auto d = small_random(150, 80, 3000, 8);
  const Eigen::MatrixXd R = Eigen::MatrixXd(d.matrix().cast<double>());
  Eigen::BDCSVD<Eigen::MatrixXd> oracle(R, Eigen::ComputeThinV);
  const Index f = 6;
  const Eigen::MatrixXd Vf = oracle.matrixV().leftCols(f);
  const Eigen::MatrixXd expected = R * Vf * Vf.transpose();
  INFO("sigma_f / sigma_f+1 = " << oracle.singularValues()[f - 1] / oracle.singularValues()[f]);
  for (const char* solver : {"randomized", "lanczos", "gram"}) {
    PureSVDOptions o;
    o.factors = int(f);
    o.solver = solver;
    PureSVD svd(o);
    svd.fit(d);
    const Eigen::MatrixXd got = all_scores(svd).cast<double>();
    const double rel = (got - expected).norm() / expected.norm();
    INFO("solver " << solver << ": ‖scores − R V Vᵀ‖ / ‖R V Vᵀ‖ = " << rel);
    // Lanczos and the Gram eigensolver converge to working accuracy; randomized SVD's subspace error
    // decays like (σ_{f+1}/σ_f)^(2q+1) with q = 7 power steps, which for this gap (~1.08) is ~1e-3.
    const bool randomized = std::string(solver) == "randomized";
    REQUIRE(rel < (randomized ? 5e-3 : 1e-4));
    const double s_err = (svd.singular_values().cast<double>() - oracle.singularValues().head(f)).cwiseAbs().maxCoeff() /
                         oracle.singularValues()[0];
    INFO("max singular value error / sigma_1 = " << s_err);
    REQUIRE(s_err < (randomized ? 1e-3 : 1e-5));
    // explain: contributions add up to the score; fold-in of user 3's own history reproduces its scores
    const auto e = svd.explain(3, 7);
    float sum = 0;
    for (const auto& c : e.contributions) sum += c.weight;
    INFO("score " << e.score << " vs contributions " << sum << " (" << e.contributions.size() << " terms)");
    REQUIRE(e.score == Approx(got(3, 7)).margin(1e-5));
    if (d.matrix().row(3).nonZeros() <= 20) REQUIRE(sum == Approx(e.score).margin(1e-5));
    std::vector<std::pair<ItemId, float>> h;
    for (Interactions::Csr::InnerIterator it(d.matrix(), 3); it; ++it) h.emplace_back(ItemId(it.col()), it.value());
    const Eigen::VectorXf folded = svd.score_history(h);
    INFO("fold-in difference " << (folded.cast<double>() - got.row(3).transpose()).norm());
    REQUIRE((folded.cast<double>() - got.row(3).transpose()).norm() < 1e-4 * (1 + got.row(3).norm()));
  }
}

TEST_CASE("PureSVD options are checked; recommend_all matches recommend", "[rec][models]") {
  const auto d = small_random(100, 40, 1500, 2);
  PureSVDOptions o;
  o.factors = 0;
  REQUIRE_THROWS_AS(PureSVD(o).fit(d), Error);
  o.factors = 41;
  REQUIRE_THROWS_AS(PureSVD(o).fit(d), Error);
  o.factors = 5;
  o.solver = "qr";
  REQUIRE_THROWS_AS(PureSVD(o).fit(d), Error);
  o.solver = "gram";
  o.gram_max_items = 10;
  REQUIRE_THROWS_MATCHES(PureSVD(o).fit(d), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::resource_limit; }));
  o.solver = "randomized";
  PureSVD svd(o);
  svd.fit(d);
  std::vector<UserId> users;
  for (Index u = 0; u < d.num_users(); ++u) users.push_back(u);
  const auto all = svd.recommend_all(users, 7);
  for (Index u = 0; u < d.num_users(); ++u) {
    const auto one = svd.recommend(u, 7);
    REQUIRE(one.size() == all[std::size_t(u)].size());
    for (std::size_t k = 0; k < one.size(); ++k) REQUIRE(one[k].item == all[std::size_t(u)][k].item);
  }
  ItemKNNOptions bad;
  bad.neighbors = 0;
  REQUIRE_THROWS_AS(ItemKNN(bad).fit(d), Error);
}

TEST_CASE("ItemKNN fit can be cancelled and keeps its previous state", "[rec][models]") {
  const auto d = small_random(100, 40, 1500, 2);
  ItemKNN knn;
  knn.fit(d);
  const Index before = knn.similarity().nonZeros();
  knn.set_progress([](const std::string&, double) { return false; });
  REQUIRE_THROWS_MATCHES(knn.fit(blocks()), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::cancelled; }));
  REQUIRE(knn.num_items() == 40);
  REQUIRE(knn.similarity().nonZeros() == before);
}

TEST_CASE("save / load round trip of Popularity, ItemKNN and PureSVD", "[rec][models][persist]") {
  const auto d = small_random(120, 50, 2000, 4);
  const auto path = std::filesystem::temp_directory_path() / ("lowrank_core_models_" + std::to_string(d.nnz()) + ".bin");
  std::vector<std::unique_ptr<Recommender>> models;
  models.push_back(std::make_unique<Popularity>());
  models.push_back(std::make_unique<ItemKNN>());
  PureSVDOptions o;
  o.factors = 4;
  o.solver = "lanczos";
  models.push_back(std::make_unique<PureSVD>(o));
  for (auto& m : models) {
    m->fit(d);
    save(*m, path);
    const auto back = load(path);
    REQUIRE(back->name() == m->name());
    const Eigen::MatrixXf a = all_scores(*m), b = all_scores(*back);
    INFO(m->name() << ": max score difference " << (a - b).cwiseAbs().maxCoeff());
    REQUIRE((a - b).cwiseAbs().maxCoeff() == 0.f);
    REQUIRE(back->recommend(3, 5).front().item == m->recommend(3, 5).front().item);
  }
  std::filesystem::remove(path);
}

TEST_CASE("ML-100K: PureSVD and ItemKNN beat Popularity on NDCG@10", "[rec][models][data]") {
  LOWRANK_REQUIRE_DATA("ml-100k/u.data");
  const auto data = load_movielens(lowrank_test::data_path("ml-100k/u.data"));
  const auto split = split_per_user(data, 0.2, 42);
  EvalOptions eo;
  eo.cutoffs = {10};
  Popularity pop;
  pop.fit(split.train);
  const double p = evaluate(pop, split, eo).values.at("ndcg@10");
  PureSVDOptions so;
  so.factors = 50;
  PureSVD svd(so);
  svd.fit(split.train);
  const double s = evaluate(svd, split, eo).values.at("ndcg@10");
  ItemKNN knn;
  knn.fit(split.train);
  const double k = evaluate(knn, split, eo).values.at("ndcg@10");
  INFO("NDCG@10: popularity " << p << ", puresvd " << s << ", itemknn " << k);
  REQUIRE(p > 0.05);  // the baseline itself is sane
  REQUIRE(s > p);
  REQUIRE(k > p);
  WARN("ML-100K NDCG@10: popularity " << p << ", puresvd " << s << ", itemknn " << k);
}
