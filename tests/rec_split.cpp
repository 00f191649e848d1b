// Splits: sizes, disjointness (train + test = data), determinism, per-user rules, leave-last-out.
#include <catch2/catch.hpp>

#include <set>

#include "lowrank/rec.hpp"

using namespace lowrank;
using namespace lowrank::rec;

namespace {
Interactions data_set() {
  SyntheticOptions o;
  o.users = 300;
  o.items = 200;
  o.interactions = 12000;
  o.seed = 3;
  return synthetic(o);
}

using Key = std::pair<Index, Index>;
std::set<Key> keys(const Interactions& d) {
  std::set<Key> s;
  for (const auto& r : d.to_list()) s.insert({r.user, r.item});
  return s;
}

/// train ∪ test (∪ fold_in) = data, pairwise disjoint, values and timestamps carried over.
void check_partition(const Interactions& data, const Split& s) {
  REQUIRE(s.train.num_users() == data.num_users());
  REQUIRE(s.test.num_items() == data.num_items());
  REQUIRE(&s.train.users() == &data.users());  // shared maps
  const auto a = keys(s.train), b = keys(s.test), c = keys(s.fold_in);
  REQUIRE(a.size() + b.size() + c.size() == std::size_t(data.nnz()));
  std::set<Key> all = a;
  all.insert(b.begin(), b.end());
  all.insert(c.begin(), c.end());
  REQUIRE(all == keys(data));
  REQUIRE(s.test.has_timestamps() == data.has_timestamps());
  for (const auto& r : s.test.to_list()) REQUIRE(data.matrix().coeff(r.user, r.item) == r.value);
}

bool same(const Interactions& x, const Interactions& y) { return keys(x) == keys(y); }
}  // namespace

TEST_CASE("split_random: exact size, partition, deterministic", "[rec][split]") {
  const auto d = data_set();
  const auto s = split_random(d, 0.25, 11);
  check_partition(d, s);
  REQUIRE(s.test.nnz() == Index(std::llround(0.25 * double(d.nnz()))));
  REQUIRE(same(s.test, split_random(d, 0.25, 11).test));
  REQUIRE_FALSE(same(s.test, split_random(d, 0.25, 12).test));
  REQUIRE_THROWS_AS(split_random(d, 0.0, 1), Error);
  REQUIRE_THROWS_AS(split_random(d, 1.0, 1), Error);
}

TEST_CASE("split_per_user: fraction inside each user, single-interaction users stay in train", "[rec][split]") {
  std::vector<Interaction> rows;
  for (int i = 0; i < 10; ++i) rows.push_back({0, i, 1.f, 0});
  rows.push_back({1, 3, 1.f, 0});                       // one interaction
  for (int i = 0; i < 3; ++i) rows.push_back({2, i, 1.f, 0});  // round(0.2·3) = 1
  const auto d = Interactions::from_interactions(rows, IdMap::identity(3), IdMap::identity(10));
  const auto s = split_per_user(d, 0.2, 5);
  check_partition(d, s);
  REQUIRE(s.test.matrix().row(0).nonZeros() == 2);
  REQUIRE(s.test.matrix().row(1).nonZeros() == 0);
  REQUIRE(s.test.matrix().row(2).nonZeros() == 1);
  const auto big = data_set();
  const auto t = split_per_user(big, 0.2, 42);
  check_partition(big, t);
  for (Index u = 0; u < big.num_users(); ++u) {
    const Index n = big.matrix().row(u).nonZeros();
    const Index want = n < 2 ? 0 : std::clamp<Index>(Index(std::llround(0.2 * double(n))), 1, n - 1);
    REQUIRE(t.test.matrix().row(u).nonZeros() == want);
  }
  REQUIRE(same(t.test, split_per_user(big, 0.2, 42).test));
  REQUIRE_FALSE(same(t.test, split_per_user(big, 0.2, 43).test));
}

TEST_CASE("split_leave_last_out picks each user's latest interaction", "[rec][split]") {
  const std::vector<Interaction> rows = {{0, 0, 1.f, 50}, {0, 1, 1.f, 90}, {0, 2, 1.f, 70},
                                         {1, 0, 1.f, 10},                                      // single
                                         {2, 1, 1.f, 30}, {2, 2, 1.f, 30}};                    // tie → item 2
  const auto d = Interactions::from_interactions(rows, IdMap::identity(3), IdMap::identity(3));
  const auto s = split_leave_last_out(d);
  check_partition(d, s);
  REQUIRE(keys(s.test) == std::set<Key>{{0, 1}, {2, 2}});
  const auto none = Interactions::from_interactions({{0, 0, 1.f, 0}, {0, 1, 1.f, 0}}, IdMap::identity(1), IdMap::identity(2));
  REQUIRE_THROWS_MATCHES(split_leave_last_out(none), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::invalid_argument; }));
}

TEST_CASE("split_kfold: folds partition the data", "[rec][split]") {
  const auto d = data_set();
  std::set<Key> seen;
  Index total = 0;
  for (int f = 0; f < 5; ++f) {
    const auto s = split_kfold(d, 5, f, 9);
    check_partition(d, s);
    const auto k = keys(s.test);
    for (const auto& x : k) REQUIRE(seen.insert(x).second);  // each interaction in exactly one fold
    total += s.test.nnz();
    REQUIRE(std::abs(double(s.test.nnz()) - double(d.nnz()) / 5) <= 1.0);
  }
  REQUIRE(total == d.nnz());
  REQUIRE_THROWS_AS(split_kfold(d, 1, 0, 0), Error);
  REQUIRE_THROWS_AS(split_kfold(d, 5, 5, 0), Error);
}

TEST_CASE("split_users: held-out users are absent from train; fold-in / test inside them", "[rec][split]") {
  const auto d = data_set();
  const auto s = split_users(d, 0.2, 0.8, 4);
  check_partition(d, s);
  REQUIRE(s.test_users.size() == std::size_t(std::llround(0.2 * double(d.num_users()))));
  REQUIRE(std::is_sorted(s.test_users.begin(), s.test_users.end()));
  std::set<UserId> held(s.test_users.begin(), s.test_users.end());
  for (Index u = 0; u < d.num_users(); ++u) {
    const Index n = d.matrix().row(u).nonZeros();
    if (held.count(u)) {
      REQUIRE(s.train.matrix().row(u).nonZeros() == 0);
      const Index want = std::clamp<Index>(Index(std::llround(0.2 * double(n))), 1, n - 1);
      REQUIRE(s.test.matrix().row(u).nonZeros() == want);
      REQUIRE(s.fold_in.matrix().row(u).nonZeros() == n - want);
    } else {
      REQUIRE(s.train.matrix().row(u).nonZeros() == n);
    }
  }
  REQUIRE(split_users(d, 0.2, 0.8, 4).test_users == s.test_users);
}
