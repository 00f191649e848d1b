// Interactions assembly (duplicate rules, checks, CSC view) and the synthetic data set.
#include <catch2/catch.hpp>

#include <chrono>
#include <numeric>
#include <set>

#include "lowrank/rec.hpp"
#include "lowrank/rec/models/implicit_als.hpp"

using namespace lowrank;
using namespace lowrank::rec;

namespace {
IdMap ids(Index n) { return IdMap::identity(n); }
}  // namespace

TEST_CASE("from_interactions sorts by (user, item) and builds CSR", "[rec][data]") {
  std::vector<Interaction> rows = {{2, 1, 5.f, 0}, {0, 2, 1.f, 0}, {0, 0, 3.f, 0}, {1, 1, 4.f, 0}};
  const auto d = Interactions::from_interactions(rows, ids(3), ids(3));
  REQUIRE(d.num_users() == 3);
  REQUIRE(d.num_items() == 3);
  REQUIRE(d.nnz() == 4);
  REQUIRE_FALSE(d.has_timestamps());
  const auto l = d.to_list();
  REQUIRE(l[0].user == 0);
  REQUIRE(l[0].item == 0);
  REQUIRE(l[0].value == 3.f);
  REQUIRE(l[1].item == 2);
  REQUIRE(l[3].user == 2);
  REQUIRE(d.matrix().coeff(1, 1) == 4.f);
  // the CSC view agrees with the CSR matrix
  const auto& c = d.csc();
  REQUIRE(c.coeff(2, 1) == 5.f);
  REQUIRE(c.nonZeros() == 4);
  REQUIRE(&d.csc() == &c);  // cached
}

TEST_CASE("duplicate rules: sum, last, max", "[rec][data]") {
  // (0,0) three times: values 1 (t=10), 4 (t=30), 2 (t=30; later in file)
  std::vector<Interaction> rows = {{0, 0, 1.f, 10}, {0, 0, 4.f, 30}, {0, 1, 7.f, 5}, {0, 0, 2.f, 30}};
  const auto s = Interactions::from_interactions(rows, ids(1), ids(2), Duplicates::sum);
  REQUIRE(s.nnz() == 2);
  REQUIRE(s.matrix().coeff(0, 0) == 7.f);
  REQUIRE(s.timestamps()[0] == 30);
  const auto l = Interactions::from_interactions(rows, ids(1), ids(2), Duplicates::last);
  REQUIRE(l.matrix().coeff(0, 0) == 2.f);  // latest timestamp, file order breaks the tie
  const auto m = Interactions::from_interactions(rows, ids(1), ids(2), Duplicates::max);
  REQUIRE(m.matrix().coeff(0, 0) == 4.f);
  REQUIRE(m.timestamps()[0] == 30);
  REQUIRE(m.matrix().coeff(0, 1) == 7.f);
  // whether timestamps are kept is decided on the input rows: a merge that keeps only t = 0 keeps it
  const auto z = Interactions::from_interactions({{0, 0, 5.f, 0}, {0, 0, 3.f, 100}}, ids(1), ids(1), Duplicates::max);
  REQUIRE(z.matrix().coeff(0, 0) == 5.f);
  REQUIRE(z.has_timestamps());
  REQUIRE(z.timestamps() == std::vector<std::int64_t>{0});
}

TEST_CASE("from_interactions rejects out-of-map ids and non-finite values", "[rec][data]") {
  REQUIRE_THROWS_MATCHES(Interactions::from_interactions({{3, 0, 1.f, 0}}, ids(2), ids(2)), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::shape_mismatch; }));
  REQUIRE_THROWS_MATCHES(Interactions::from_interactions({{0, -1, 1.f, 0}}, ids(2), ids(2)), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::shape_mismatch; }));
  REQUIRE_THROWS_MATCHES(
      Interactions::from_interactions({{0, 0, std::numeric_limits<float>::quiet_NaN(), 0}}, ids(2), ids(2)), Error,
      Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::non_finite; }));
}

TEST_CASE("from_matrix / with_matrix check shapes and timestamps", "[rec][data]") {
  Interactions::Csr m(2, 3);
  m.insert(0, 1) = 1;
  m.insert(1, 2) = 2;
  m.makeCompressed();
  REQUIRE_THROWS_AS(Interactions::from_matrix(m, ids(3), ids(3)), Error);
  REQUIRE_THROWS_AS(Interactions::from_matrix(m, ids(2), ids(3), {1, 2, 3}), Error);
  const auto d = Interactions::from_matrix(m, ids(2), ids(3), {5, 6});
  REQUIRE(d.has_timestamps());
  REQUIRE(d.to_list()[1].timestamp == 6);
  REQUIRE(d.with_matrix(Interactions::Csr(2, 3)).nnz() == 0);
  REQUIRE_THROWS_AS(d.with_matrix(Interactions::Csr(3, 3)), Error);
}

TEST_CASE("IdMap: insertion order, lookups, unknown ids throw", "[rec][data]") {
  IdMap m;
  REQUIRE(m.insert("b") == 0);
  REQUIRE(m.insert("a") == 1);
  REQUIRE(m.insert("b") == 0);
  REQUIRE(m.index("a") == 1);
  REQUIRE(m.raw(0) == "b");
  REQUIRE_THROWS_MATCHES(m.index("zz", "user"), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::unknown_id; }));
  REQUIRE_THROWS_AS(m.raw(2), Error);
}

TEST_CASE("IdMap: many ids through table growth, copies, empty and look-alike keys", "[rec][data]") {
  IdMap m;
  REQUIRE_FALSE(m.find("0").has_value());  // no table yet
  const Index n = 100000;
  for (Index i = 0; i < n; ++i) REQUIRE(m.insert("u" + std::to_string(i * 7919)) == i);
  REQUIRE(m.size() == n);
  for (Index i = 0; i < n; ++i) {
    REQUIRE(m.index("u" + std::to_string(i * 7919)) == i);
    REQUIRE(m.raw(i) == "u" + std::to_string(i * 7919));
  }
  // keys that differ by a character, a prefix or a trailing byte are distinct ids, not hash collisions
  REQUIRE_FALSE(m.find("u").has_value());
  REQUIRE_FALSE(m.find("u7918").has_value());
  REQUIRE_FALSE(m.find(std::string("u7919\0", 6)).has_value());
  REQUIRE(m.insert("") == n);
  REQUIRE(m.insert(std::string("\0", 1)) == n + 1);
  REQUIRE(m.index("") == n);
  // a copy is independent of the original
  IdMap copy = m;
  REQUIRE(copy.insert("new") == n + 2);
  REQUIRE_FALSE(m.find("new").has_value());
  REQUIRE(copy.index("u0") == 0);
  REQUIRE(m.size() == n + 2);
}

TEST_CASE("models share the training matrix with the Interactions instead of copying it", "[rec][data]") {
  SyntheticOptions so;
  so.users = 300;
  so.items = 200;
  so.interactions = 6000;
  const Interactions data = synthetic_data(so).interactions;
  const Interactions copy = data;  // copies of Interactions share the immutable matrix too
  REQUIRE(copy.matrix().valuePtr() == data.matrix().valuePtr());
  ImplicitALSOptions ao;
  ao.factors = 4;
  ao.iterations = 1;
  ImplicitALS als(ao);
  als.fit(data);
  REQUIRE(als.seen().valuePtr() == data.matrix().valuePtr());
  REQUIRE(als.seen().nonZeros() == data.nnz());
  // a partial fit replaces the model's matrix, never the data's
  Interactions::Csr row(1, data.num_items());
  row.insert(0, 0) = 5.0f;
  row.makeCompressed();
  const Index before = data.matrix().row(0).nonZeros();
  als.partial_fit_users({0}, row);
  REQUIRE(als.seen().valuePtr() != data.matrix().valuePtr());
  REQUIRE(als.seen().row(0).nonZeros() == 1);
  REQUIRE(data.matrix().row(0).nonZeros() == before);
}

TEST_CASE("synthetic: deterministic, sized, power-law, genres", "[rec][data][synthetic]") {
  SyntheticOptions o;
  o.users = 800;
  o.items = 400;
  o.interactions = 40000;
  const auto a = synthetic_data(o);
  const auto b = synthetic_data(o);
  const auto& d = a.interactions;
  INFO("nnz = " << d.nnz());
  REQUIRE(d.nnz() > 0.9 * o.interactions);
  REQUIRE(d.nnz() < 1.1 * o.interactions);
  REQUIRE(d.num_users() == 800);
  REQUIRE(d.num_items() == 400);
  REQUIRE(d.has_timestamps());
  // bit-identical for the same seed
  REQUIRE(d.nnz() == b.interactions.nnz());
  REQUIRE(std::equal(d.matrix().valuePtr(), d.matrix().valuePtr() + d.nnz(), b.interactions.matrix().valuePtr()));
  REQUIRE(std::equal(d.matrix().innerIndexPtr(), d.matrix().innerIndexPtr() + d.nnz(),
                     b.interactions.matrix().innerIndexPtr()));
  // a different seed gives different data
  o.seed = 7;
  const auto c = synthetic(o);
  REQUIRE_FALSE(std::equal(d.matrix().innerIndexPtr(), d.matrix().innerIndexPtr() + std::min(d.nnz(), c.nnz()),
                           c.matrix().innerIndexPtr()));
  // ratings 1..5, every rating used
  std::set<float> values(d.matrix().valuePtr(), d.matrix().valuePtr() + d.nnz());
  REQUIRE(values == std::set<float>{1, 2, 3, 4, 5});
  // popularity is skewed: the top 10 % of items hold clearly more than their uniform 10 % share
  // (the preference-based selection from popularity-drawn candidates flattens the Zipf draw: ~21 % here)
  std::vector<Index> pop(400, 0);
  for (Index e = 0; e < d.nnz(); ++e) ++pop[std::size_t(d.matrix().innerIndexPtr()[e])];
  std::sort(pop.rbegin(), pop.rend());
  const double top = double(std::accumulate(pop.begin(), pop.begin() + 40, Index(0))) / double(d.nnz());
  INFO("share of the top 10% items = " << top);
  REQUIRE(top > 0.15);
  REQUIRE(a.item_genres.size() == 400);
  for (const auto& g : a.item_genres) {
    REQUIRE(!g.empty());
    REQUIRE(g.size() <= 3);
    for (int x : g) REQUIRE((x >= 0 && x < 18));
  }
  REQUIRE(a.genre_names.size() == 18);
}

TEST_CASE("synthetic default size is about 1 M interactions and fast", "[rec][data][synthetic]") {
  const auto t0 = std::chrono::steady_clock::now();
  const auto d = synthetic(SyntheticOptions{});
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO("nnz = " << d.nnz() << ", seconds = " << s);
  REQUIRE(d.nnz() > 900000);
  REQUIRE(d.nnz() < 1100000);
  WARN("synthetic(default): " << d.nnz() << " interactions in " << s << " s");
}

TEST_CASE("synthetic rejects bad options", "[rec][data][synthetic]") {
  SyntheticOptions o;
  o.items = 0;
  REQUIRE_THROWS_AS(synthetic(o), Error);
  o = {};
  o.noise = -1;
  REQUIRE_THROWS_AS(synthetic(o), Error);
}
