// Coherent complements (rec/complements.hpp): what to buy with an item, with explanations.
// First a small event log shows the set algebra: a pair that shoppers compared and swapped (co-viewed and
// viewed-then-bought-instead) is a substitute and is removed from the co-purchases. Then, with the
// groceries baskets (LOWRANK_DATA_DIR/groceries), complements of a few products, scored by smoothed PMI
// completed with a rank-32 truncated SVD and shrunk towards 0 for rare pairs. Exits non-zero when a self-check fails.
#include <lowrank/rec/complements.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "data_dir.hpp"

using namespace lowrank;
using namespace lowrank::rec;

#define CHECK(cond)                                            \
  do {                                                         \
    if (!(cond)) {                                             \
      std::fprintf(stderr, "self-check failed: %s\n", #cond);  \
      return 1;                                                \
    }                                                          \
  } while (0)

int main() {
  // 1. event log: 0 phone X, 1 phone Y, 2 case, 3 charger
  using K = EventKind;
  const std::vector<ShopEvent> log = {
      {1, 0, K::view, 1},     {1, 1, K::view, 2},     {1, 1, K::purchase, 3},  // compared, bought Y instead
      {2, 0, K::purchase, 1}, {2, 1, K::purchase, 2},                          // a household buying both
      {3, 0, K::purchase, 1}, {3, 2, K::purchase, 2}, {4, 0, K::purchase, 1},
      {4, 2, K::purchase, 2}, {4, 3, K::purchase, 3}, {5, 1, K::purchase, 1}, {5, 3, K::purchase, 2}};
  ItemCatalog shop;
  shop.titles = {"Phone X", "Phone Y", "Case for X", "Charger"};
  shop.categories = {{"Electronics", "Phones"}, {"Electronics", "Phones"}, {"Electronics", "Accessories"},
                     {"Electronics", "Accessories"}};
  const PairSets sets = pairs_from_events(log, 4);
  ComplementOptions small;
  small.rank = 0;
  ComplementModel m(small);
  m.fit(sets, shop);
  std::printf("event log: %zu co-purchase, %zu co-view, %zu view-then-purchase pairs; %zu complements\n",
              sets.co_purchase.size(), sets.co_view.size(), sets.view_purchase.size(), complement_pairs(sets).size());
  const auto recs = m.recommend(0, 3);
  for (const auto& r : recs) std::printf("  with %s: %s -- %s\n", shop.titles[0].c_str(), shop.titles[std::size_t(r.item)].c_str(), r.explanation.c_str());
  CHECK(m.is_substitute(0, 1));
  CHECK(!recs.empty() && recs.front().item == 2);

  // 2. groceries baskets
  const auto path = example_data_dir() / "groceries" / "groceries.csv";
  std::ifstream in(path);
  if (!in) {
    std::printf("groceries not found under %s: done\n", path.parent_path().c_str());
    return 0;
  }
  IdMap ids;
  std::vector<std::vector<ItemId>> baskets;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<ItemId> b;
    std::stringstream ss(line);
    std::string it;
    while (std::getline(ss, it, ',')) {
      while (!it.empty() && (it.back() == ' ' || it.back() == '\r')) it.pop_back();
      if (!it.empty()) b.push_back(ids.insert(it));
    }
    baskets.push_back(std::move(b));
  }
  ComplementOptions opt;
  opt.rank = 32;
  opt.shrinkage = 10;  // a PMI seen in 1 basket counts ~1/11
  ComplementModel g(opt);
  g.fit(pairs_from_baskets(baskets, ids.size()));
  std::printf("\ngroceries: %zu baskets, %ld products\n", baskets.size(), long(ids.size()));
  for (const char* anchor : {"frankfurter", "pasta", "flour"}) {
    const auto a = ids.find(anchor);
    if (!a) continue;
    std::printf("with %s:\n", anchor);
    const auto r = g.recommend(*a, 4);
    CHECK(!r.empty());
    for (const auto& x : r) {
      std::printf("  %-22s score %.2f -- %s\n", ids.raw(x.item).c_str(), double(x.score), x.explanation.c_str());
      CHECK(!x.explanation.empty());
    }
  }
  return 0;
}
