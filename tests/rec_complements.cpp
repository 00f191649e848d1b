// Coherent complements (rec/complements.hpp): the set algebra B_cp − (B_cv ∩ B_vp) on a synthetic event
// log, relevance/compatibility filters, explanations, PPMI/lift values by hand, SVD completion of a
// missing pair, the baselines and the held-out evaluation on known inputs; on real data (Amazon
// co-purchases) the completed model against plain counts.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "lowrank/rec/complements.hpp"
#include "support/data_dir.hpp"

using namespace lowrank;
using namespace lowrank::rec;

namespace {
bool has_pair(const std::vector<PairCount>& v, ItemId a, ItemId b, float count) {
  for (const auto& p : v)
    if (p.a == a && p.b == b) return p.count == count;
  return false;
}
bool has_pair(const std::vector<PairCount>& v, ItemId a, ItemId b) {
  for (const auto& p : v)
    if (p.a == a && p.b == b) return true;
  return false;
}
// 0 phone X, 1 phone Y, 2 case for X, 3 charger, 4 pan (L), 5 lid (L), 6 lid (S)
std::vector<ShopEvent> shop_log() {
  using K = EventKind;
  return {
      {1, 0, K::view, 1}, {1, 1, K::view, 2}, {1, 1, K::purchase, 3},                          // compared, bought 1
      {2, 0, K::purchase, 1}, {2, 1, K::purchase, 2},                                          // bought both once
      {3, 0, K::view, 1}, {3, 0, K::purchase, 2}, {3, 2, K::purchase, 3},                      // phone + case
      {4, 2, K::view, 1}, {4, 0, K::view, 2}, {4, 0, K::purchase, 3}, {4, 2, K::purchase, 4},  // again
      {5, 4, K::purchase, 1}, {5, 5, K::purchase, 2},                                          // pan + lid L
      {6, 4, K::purchase, 1}, {6, 6, K::purchase, 2},                                          // pan + lid S
      {7, 0, K::purchase, 1}, {7, 3, K::purchase, 2}, {7, 4, K::purchase, 3},                  // phone, charger, pan
  };
}
ItemCatalog shop_catalog() {
  ItemCatalog c;
  c.titles = {"Phone X", "Phone Y", "Case X", "Charger", "Pan 28cm", "Lid 28cm", "Lid 20cm"};
  c.categories = {{"Electronics", "Phones"}, {"Electronics", "Phones"}, {"Electronics", "Accessories"},
                  {"Electronics", "Accessories"}, {"Home", "Cookware"}, {"Home", "Cookware"}, {"Home", "Cookware"}};
  c.attributes.resize(7);
  c.attributes[4]["size"] = "28cm";
  c.attributes[5]["size"] = "28cm";
  c.attributes[6]["size"] = "20cm";
  return c;
}
}  // namespace

TEST_CASE("complements: pair sets and the set algebra on an event log", "[complements]") {
  const PairSets s = pairs_from_events(shop_log(), 7);
  // B_cp: (0,1) s2, (0,2) s3+s4, (4,5), (4,6), (0,3), (0,4), (3,4) s7
  REQUIRE(s.co_purchase.size() == 7);
  REQUIRE(has_pair(s.co_purchase, 0, 1, 1));
  REQUIRE(has_pair(s.co_purchase, 0, 2, 2));
  REQUIRE(has_pair(s.co_purchase, 4, 5, 1));
  REQUIRE(has_pair(s.co_purchase, 3, 4, 1));
  // B_cv: (0,1) s1, (0,2) s4
  REQUIRE(s.co_view.size() == 2);
  REQUIRE(has_pair(s.co_view, 0, 1, 1));
  REQUIRE(has_pair(s.co_view, 0, 2, 1));
  // B_vp: only s1 (viewed 0, not bought, bought 1); s3/s4 bought the viewed item too
  REQUIRE(s.view_purchase.size() == 1);
  REQUIRE(has_pair(s.view_purchase, 0, 1, 1));
  const auto comp = complement_pairs(s);
  REQUIRE(comp.size() == 6);
  REQUIRE_FALSE(has_pair(comp, 0, 1));  // substitutes: compared and swapped
  REQUIRE(has_pair(comp, 0, 2, 2));     // co-viewed but never swapped: still a complement

  // baskets: duplicates inside a basket count once; oversized baskets skipped
  const PairSets b = pairs_from_baskets({{0, 1, 1, 2}, {1, 0}, {2}, {0, 1, 2, 3}}, 4, 3);
  REQUIRE(b.co_purchase.size() == 3);
  REQUIRE(has_pair(b.co_purchase, 0, 1, 2));
  REQUIRE(has_pair(b.co_purchase, 1, 2, 1));
  // edges: both directions merged, self-loops dropped
  const PairSets e = pairs_from_edges({{1, 0, 1}, {0, 1, 1}, {2, 2, 1}, {2, 3, 1}}, 4);
  REQUIRE(e.co_purchase.size() == 2);
  REQUIRE(has_pair(e.co_purchase, 0, 1, 2));
  REQUIRE_THROWS_AS(pairs_from_edges({{0, 9, 1}}, 4), Error);
  REQUIRE_THROWS_AS(pairs_from_events({{0, 7, EventKind::view, 0}}, 7), Error);
}

TEST_CASE("complements: filters, substitutes and explanations", "[complements]") {
  ComplementOptions opt;
  opt.rank = 0;
  opt.compatibility_keys = {"size"};
  ComplementModel m(opt);
  m.fit(pairs_from_events(shop_log(), 7), shop_catalog());
  REQUIRE(m.is_substitute(0, 1));
  REQUIRE(m.count(0, 1) == 0);
  REQUIRE(m.count(0, 2) == 2);
  REQUIRE(m.relevant(0, 2));
  REQUIRE_FALSE(m.relevant(0, 4));
  REQUIRE(m.compatible(4, 5));
  REQUIRE_FALSE(m.compatible(4, 6));
  REQUIRE(m.compatible(0, 4));  // no size on the phone: nothing to disagree on

  const auto recs = m.recommend(0, 5);
  // 1: substitute; 4: other root category; candidates 2 (count 2) and 3 (count 1)
  REQUIRE(recs.size() == 2);
  REQUIRE(recs[0].item == 2);
  REQUIRE(recs[1].item == 3);
  REQUIRE(recs[0].observed_count == 2);
  INFO(recs[0].explanation);
  REQUIRE(recs[0].explanation == "bought together by 2 customers; both in Electronics");
  REQUIRE(m.explain(0, 1) == "compared and bought instead of each other (a substitute, not a complement); both in Electronics");
  REQUIRE(m.explain(4, 6) == "bought together by 1 customer; both in Home; different size (28cm vs 20cm)");
  REQUIRE(m.explain(4, 5) == "bought together by 1 customer; both in Home; same size (28cm)");
  const auto pan = m.recommend(4, 5);
  REQUIRE(pan.size() == 1);  // lid 20cm incompatible, charger/phone irrelevant
  REQUIRE(pan[0].item == 5);
  // taxonomy level 1: phones and accessories differ
  opt.taxonomy_level = 1;
  ComplementModel m1(opt);
  m1.fit(pairs_from_events(shop_log(), 7), shop_catalog());
  REQUIRE_FALSE(m1.relevant(0, 2));
  REQUIRE(m1.recommend(0, 5).empty());
  // relevance off, set algebra off: the substitute comes back
  opt.taxonomy_level = -1;
  opt.use_complement_set = false;
  ComplementModel m2(opt);
  m2.fit(pairs_from_events(shop_log(), 7), shop_catalog());
  REQUIRE(m2.count(0, 1) == 1);
  const auto back = m2.recommend(0, 10);  // PPMI > 0: 1, 2, 3 (the pair (0, 4) has PMI < 0)
  REQUIRE(back.size() == 3);
  REQUIRE(std::any_of(back.begin(), back.end(), [](const ComplementRecommendation& r) { return r.item == 1; }));
  REQUIRE_THROWS_AS(m2.recommend(0, 0), Error);
  REQUIRE_THROWS_AS(m2.recommend(7, 1), Error);
  REQUIRE_THROWS_AS(ComplementModel().recommend(0, 1), Error);
}

TEST_CASE("complements: PPMI and lift values by hand", "[complements]") {
  // pairs (0,1) x2, (0,2) x1: c = [3, 2, 1], T = 6
  PairSets s;
  s.num_items = 3;
  s.co_purchase = {{0, 1, 2}, {0, 2, 1}};
  ComplementOptions opt;
  opt.rank = 0;
  opt.taxonomy_level = -1;
  opt.association = Association::lift;
  ComplementModel lift(opt);
  lift.fit(s);
  REQUIRE(lift.association(0, 1) == Approx(2.0 * 6 / (3 * 2)));
  REQUIRE(lift.association(0, 2) == Approx(1.0 * 6 / (3 * 1)));
  REQUIRE(lift.association(1, 2) == 0);
  opt.shrinkage = 2;  // × c_ab / (c_ab + 2)
  ComplementModel shrunk(opt);
  shrunk.fit(s);
  REQUIRE(shrunk.association(0, 1) == Approx(2.0 * (2.0 / 4.0)));
  REQUIRE(shrunk.association(0, 2) == Approx(2.0 * (1.0 / 3.0)));
  opt.shrinkage = 0;
  opt.association = Association::ppmi;
  opt.context_exponent = 1.0;  // no context smoothing: PMI = log lift
  ComplementModel pmi(opt);
  pmi.fit(s);
  REQUIRE(pmi.association(0, 1) == Approx(std::log(2.0)));
  REQUIRE(pmi.association(1, 0) == Approx(std::log(2.0)));
  // with α = 0.75: ĉ_b = T c_b^α / Σ c^α, symmetrised mean of both directions
  opt.context_exponent = 0.75;
  ComplementModel sm(opt);
  sm.fit(s);
  const double z = std::pow(3.0, 0.75) + std::pow(2.0, 0.75) + 1.0;
  const double ab = std::log(2.0 * 6 / (3 * (6 * std::pow(2.0, 0.75) / z)));
  const double ba = std::log(2.0 * 6 / (2 * (6 * std::pow(3.0, 0.75) / z)));
  INFO("ppmi(0,1) " << sm.association(0, 1) << " expected " << 0.5 * (ab + ba));
  REQUIRE(sm.association(0, 1) == Approx(std::max(0.0, 0.5 * (ab + ba))).margin(1e-6));
  opt.completion_weight = 2;
  REQUIRE_THROWS_AS(ComplementModel(opt).fit(s), Error);
}

TEST_CASE("complements: the SVD completion scores a never-seen pair inside its block", "[complements]") {
  // two blocks {0..4} and {5..9}: every pair inside a block co-purchased, except (0, 4)
  std::vector<std::vector<ItemId>> baskets;
  for (ItemId a = 0; a < 10; ++a)
    for (ItemId b = a + 1; b < 10; ++b)
      if ((a < 5) == (b < 5) && !(a == 0 && b == 4)) baskets.push_back({a, b});
  const PairSets s = pairs_from_baskets(baskets, 10);
  ComplementOptions opt;
  opt.taxonomy_level = -1;
  opt.association = Association::count;
  opt.rank = 2;
  opt.completion_weight = 1.0;
  ComplementModel m(opt);
  m.fit(s);
  REQUIRE(m.singular_values().size() == 2);
  const Eigen::VectorXf sc = m.score_all(0);
  INFO("score(0,4) " << sc(4) << " max other block " << sc.tail(5).maxCoeff());
  REQUIRE(sc(4) > 0.3f);
  REQUIRE(sc(4) > 10 * std::abs(sc.tail(5).maxCoeff()));
  const auto recs = m.recommend(0, 4, {1, 2, 3});
  REQUIRE(recs.front().item == 4);
  REQUIRE(recs.front().observed_count == 0);
  INFO(recs.front().explanation);
  REQUIRE(recs.front().explanation.rfind("never bought together; predicted from shared co-purchase patterns", 0) == 0);
  // without completion the pair is invisible: score 0 like the other block
  opt.rank = 0;
  ComplementModel none(opt);
  none.fit(s);
  REQUIRE(none.score_all(0)(4) == 0);
}

TEST_CASE("complements: baselines and held-out evaluation on known inputs", "[complements]") {
  PairSets s;
  s.num_items = 5;
  s.co_purchase = {{0, 1, 3}, {0, 2, 1}, {1, 2, 1}, {3, 4, 1}};
  const CooccurrenceBaseline cnt(s, BaselineKind::count), cos(s, BaselineKind::cosine);
  const Eigen::VectorXf c0 = cnt.scores(0);
  REQUIRE(std::isinf(c0(0)));
  REQUIRE(c0(1) > c0(2));
  REQUIRE(c0(2) > c0(3));  // 1 co-purchase beats popularity alone
  REQUIRE(c0(3) == Approx(1.0 / 5));  // popularity of 3 (= 1) / (1 + max popularity 4)
  const Eigen::VectorXf k0 = cos.scores(0);
  // rows: c0 = [0,3,1,0,0], c1 = [3,0,1,0,0], c2 = [1,1,0,0,0]: cos(0,2) = 3/(√10·√2), cos(0,1) = 1/10
  REQUIRE(k0(2) == Approx(3.0 / (std::sqrt(10.0) * std::sqrt(2.0))));
  REQUIRE(k0(1) == Approx(0.1));
  REQUIRE(k0(3) == 0);

  // a scorer that ranks items by id descending (the anchor excluded by the evaluation)
  const auto by_id = [](ItemId) { return Eigen::VectorXf(Eigen::VectorXf::LinSpaced(5, 0, 4)); };
  // held out: (0,3) and (0,1) for anchor 0; (2,4) for anchors 2 and 4
  const std::vector<PairCount> test = {{0, 3, 1}, {0, 1, 1}, {2, 4, 1}};
  // anchors with held-out partners: 0 {1, 3}, 1 {0}, 2 {4}, 3 {0}, 4 {2}
  // k = 2, no exclusion: 0 ranks 4,3 (hit at 2 of 2 relevant); 1 ranks 4,3 (miss); 2 ranks 4,3 (hit at 1);
  // 3 ranks 4,2 (miss); 4 ranks 3,2 (hit at 2)
  const ComplementEval ev = evaluate_complements(by_id, s, test, 2, false);
  REQUIRE(ev.anchors == 5);
  const double d2 = 1 / std::log2(3.0);
  INFO("recall " << ev.recall << " ndcg " << ev.ndcg);
  REQUIRE(ev.recall == Approx((0.5 + 0 + 1.0 + 0 + 1.0) / 5));
  REQUIRE(ev.ndcg == Approx((d2 / (1 + d2) + 0 + 1.0 + 0 + d2) / 5));
  // excluding training partners: 0 → 4,3; 1 → 4,3; 2 → 4,3; 3 (loses 4) → 2,1; 4 (loses 3) → 2,1 (hit at 1)
  const ComplementEval ex = evaluate_complements(by_id, s, test, 2, true);
  INFO("recall " << ex.recall << " ndcg " << ex.ndcg);
  REQUIRE(ex.recall == Approx((0.5 + 0 + 1.0 + 0 + 1.0) / 5));
  REQUIRE(ex.ndcg == Approx((d2 / (1 + d2) + 0 + 1.0 + 0 + 1.0) / 5));
}

TEST_CASE("complements: Amazon book co-purchases, completed PPMI beats plain counts on held-out edges",
          "[complements][data]") {
  LOWRANK_REQUIRE_DATA("amazon-copurchase-books/copurchase_edges_0601.csv");
  std::ifstream in(lowrank_test::data_path("amazon-copurchase-books/copurchase_edges_0601.csv"));
  std::string line;
  std::getline(in, line);  // header
  IdMap ids;
  std::vector<PairCount> edges;
  while (std::getline(in, line)) {
    std::string a, b;
    std::stringstream ss(line);
    std::getline(ss, a, ',');
    std::getline(ss, b, ',');
    const auto unq = [](std::string x) {
      x.erase(std::remove(x.begin(), x.end(), '"'), x.end());
      return x;
    };
    edges.push_back({ids.insert(unq(a)), ids.insert(unq(b)), 1.0f});
  }
  REQUIRE(edges.size() == 8946);
  std::mt19937_64 rng(1);
  std::vector<PairCount> train, test;
  for (const auto& e : edges) (std::uniform_real_distribution<double>(0, 1)(rng) < 0.2 ? test : train).push_back(e);
  const PairSets s = pairs_from_edges(train, ids.size());
  ComplementOptions opt;
  opt.taxonomy_level = -1;
  opt.rank = 32;  // bench/rec_beyond.cpp reports rank 64; 32 keeps this test fast under emulation
  ComplementModel m(opt);
  m.fit(s);
  const CooccurrenceBaseline cnt(s, BaselineKind::count);
  const auto em = evaluate_complements([&](ItemId a) { return m.score_all(a); }, s, test, 10, true);
  const auto ec = evaluate_complements([&](ItemId a) { return cnt.scores(a); }, s, test, 10, true);
  INFO("model recall@10 " << em.recall << " ndcg@10 " << em.ndcg << "; count recall@10 " << ec.recall << " ndcg@10 "
                          << ec.ndcg << " anchors " << em.anchors);
  REQUIRE(em.anchors == ec.anchors);
  REQUIRE(em.anchors > 1000);
  REQUIRE(em.recall > ec.recall);
}

TEST_CASE("complements: categories as a bag of labels", "[complements]") {
  PairSets s;
  s.num_items = 3;
  s.co_purchase = {{0, 1, 4}, {0, 2, 4}};
  ItemCatalog c;
  c.categories = {{"Mystery", "Thrillers", "Spy"}, {"Fiction", "Spy"}, {"Cooking"}};
  ComplementOptions opt;
  opt.rank = 0;
  opt.association = Association::count;
  ComplementModel path(opt);
  path.fit(s, c);
  REQUIRE_FALSE(path.relevant(0, 1));  // roots differ
  REQUIRE(path.shared_category(0, 1).empty());
  opt.match_any_category = true;
  ComplementModel bag(opt);
  bag.fit(s, c);
  REQUIRE(bag.relevant(0, 1));
  REQUIRE(bag.shared_category(0, 1) == "Spy");
  REQUIRE_FALSE(bag.relevant(0, 2));
  const auto recs = bag.recommend(0, 5);
  REQUIRE(recs.size() == 1);
  REQUIRE(recs[0].explanation == "bought together by 4 customers; both in Spy");
  REQUIRE(bag.explain(0, 2) == "bought together by 4 customers; different categories (Mystery vs Cooking)");
}
