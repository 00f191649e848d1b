// Persistence: every model round-trips bit-exactly; wrong magic / newer version → version_mismatch;
// every flipped byte and every truncation → a lowrank::Error (corrupt or version_mismatch), never UB;
// atomic save leaves no temporary file; the bounds-checked reader refuses to read past the end.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "lowrank/rec/model.hpp"
#include "lowrank/rec/models/biased_mf.hpp"
#include "lowrank/rec/models/ease.hpp"
#include "lowrank/rec/models/implicit_als.hpp"
#include "lowrank/rec/persist.hpp"
#include "lowrank/rec/registry.hpp"
#include "support/rec_toy.hpp"

using namespace lowrank;
using namespace lowrank::rec;

namespace {
Interactions toy() {
  Interactions d = rec_toy::low_rank_ratings(25, 18, 2, 0.4, 0.1, 3);
  return d;
}
std::vector<std::unique_ptr<Recommender>> fitted_models() {
  const Interactions d = toy();
  std::vector<std::unique_ptr<Recommender>> out;
  for (const std::string name : {"als", "biasedmf", "svdpp", "ease"}) {
    auto m = make_recommender(name, {{name == "ease" ? "lambda" : "factors", name == "ease" ? "10" : "3"}});
    m->fit(d);
    out.push_back(std::move(m));
  }
  ImplicitALSOptions o;
  o.double_precision = true;
  o.factors = 3;
  out.push_back(std::make_unique<ImplicitALS>(o));
  out.back()->fit(d);
  return out;
}
Eigen::MatrixXf all_scores(const Recommender& m) {
  std::vector<UserId> users;
  for (UserId u = 0; u < m.num_users(); ++u) users.push_back(u);
  Eigen::MatrixXf s(m.num_users(), m.num_items());
  m.score_block(users, s);
  return s;
}
bool is_load_error(const std::vector<unsigned char>& bytes) {
  try {
    deserialize(bytes.data(), bytes.size(), "test");
  } catch (const Error& e) {
    return e.code() == Errc::corrupt || e.code() == Errc::version_mismatch;
  }
  return false;
}
}  // namespace

TEST_CASE("persist: every model round-trips through a file with identical scores", "[persist]") {
  const auto dir = std::filesystem::temp_directory_path() / "lowrank_persist_test";
  std::filesystem::create_directories(dir);
  for (const auto& m : fitted_models()) {
    const auto path = dir / (m->name() + ".lrk");
    save(*m, path);
    save(*m, path);  // overwrite an existing file
    auto back = load(path);
    INFO(m->name());
    REQUIRE(back->name() == m->name());
    REQUIRE(back->is_fitted());
    REQUIRE(back->num_users() == m->num_users());
    REQUIRE(back->items().raw(3) == m->items().raw(3));
    REQUIRE((all_scores(*back) - all_scores(*m)).cwiseAbs().maxCoeff() == 0.0f);
    REQUIRE(back->recommend(2, 5).size() == m->recommend(2, 5).size());
    REQUIRE(serialize(*back) == serialize(*m));
  }
  // no temporary files left behind
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    REQUIRE(entry.path().string().find(".tmp-") == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("persist: unfitted models round-trip their hyper-parameters", "[persist]") {
  auto m = make_recommender("als", {{"factors", "17"}, {"alpha", "4.5"}});
  const auto bytes = serialize(*m);
  auto back = deserialize(bytes.data(), bytes.size());
  REQUIRE_FALSE(back->is_fitted());
  const auto* als = dynamic_cast<const ImplicitALS*>(back.get());
  REQUIRE(als != nullptr);
  REQUIRE(als->options().factors == 17);
  REQUIRE(als->options().alpha == 4.5);
}

TEST_CASE("persist: wrong magic and newer version are version_mismatch", "[persist]") {
  auto m = make_recommender("ease", {{"lambda", "5"}});
  m->fit(toy());
  auto bytes = serialize(*m);
  auto bad = bytes;
  bad[0] = 'X';
  REQUIRE_THROWS_MATCHES(deserialize(bad.data(), bad.size()), Error,
                         Catch::Predicate<Error>([](const Error& e) {
                           return e.code() == Errc::version_mismatch && std::string(e.what()).find("magic") != std::string::npos;
                         }));
  bad = bytes;
  const std::uint32_t v = kFormatVersion + 1;
  std::memcpy(bad.data() + 8, &v, 4);
  const std::uint64_t sum = rec::detail::fnv1a64(bad.data(), bad.size() - 8);  // a well-formed newer file
  std::memcpy(bad.data() + bad.size() - 8, &sum, 8);
  REQUIRE_THROWS_MATCHES(deserialize(bad.data(), bad.size()), Error,
                         Catch::Predicate<Error>([](const Error& e) {
                           return e.code() == Errc::version_mismatch && std::string(e.what()).find("version") != std::string::npos;
                         }));
  REQUIRE_THROWS_MATCHES(load("/nonexistent/dir/model.lrk"), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::io; }));
}

TEST_CASE("persist: every flipped byte and every truncation is refused with corrupt / version_mismatch", "[persist]") {
  for (const auto& m : fitted_models()) {
    const auto bytes = serialize(*m);
    INFO(m->name() << ", " << bytes.size() << " bytes");
    const std::size_t stride = bytes.size() > 4000 ? bytes.size() / 2000 : 1;
    std::size_t refused = 0, tried = 0;
    for (std::size_t i = 0; i < bytes.size(); i += stride) {
      auto bad = bytes;
      bad[i] ^= std::uint8_t(1u << (i % 8));
      ++tried;
      refused += is_load_error(bad);
    }
    REQUIRE(refused == tried);
    refused = tried = 0;
    for (std::size_t len = 0; len < bytes.size(); len += stride) {
      std::vector<unsigned char> cut(bytes.begin(), bytes.begin() + std::ptrdiff_t(len));
      ++tried;
      refused += is_load_error(cut);
    }
    REQUIRE(refused == tried);
    auto longer = bytes;
    longer.push_back(0);
    REQUIRE(is_load_error(longer));
  }
}

TEST_CASE("persist: the reader is bounds-checked and sanity-checks sizes before allocating", "[persist]") {
  BinaryWriter w;
  w.write<std::uint64_t>(~std::uint64_t(0));  // absurd length
  BinaryReader r(w.buffer().data(), w.buffer().size(), "buf");
  REQUIRE_THROWS_MATCHES(r.read_string("name"), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::corrupt; }));
  BinaryReader r2(w.buffer().data(), 4, "buf");
  REQUIRE_THROWS_MATCHES(r2.read<std::uint64_t>("x"), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::corrupt; }));
  BinaryWriter m;
  m.write_matrix(Eigen::MatrixXd::Ones(3, 2));
  BinaryReader r3(m.buffer().data(), m.buffer().size(), "buf");
  REQUIRE_THROWS_MATCHES(r3.read_matrix<float>("factors"), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::version_mismatch; }));
  BinaryReader r4(m.buffer().data(), m.buffer().size(), "buf");
  REQUIRE(r4.read_matrix<double>("factors") == Eigen::MatrixXd::Ones(3, 2));
}

TEST_CASE("registry: names, parameters and errors", "[persist][registry]") {
  for (const auto& n : recommender_names()) REQUIRE(make_recommender(n)->name() == n);
  REQUIRE_THROWS_WITH(make_recommender("nope"), Catch::Contains("nope"));
  REQUIRE_THROWS_WITH(make_recommender("als", {{"factorz", "3"}}), Catch::Contains("factorz"));
  REQUIRE_THROWS_WITH(make_recommender("als", {{"factors", "abc"}}), Catch::Contains("factors"));
  REQUIRE_THROWS_WITH(make_recommender("als", {{"factors", "0"}}), Catch::Contains("factors"));
  REQUIRE_THROWS_WITH(make_recommender("biasedmf", {{"learning_rate", "x"}}), Catch::Contains("learning_rate"));
  REQUIRE_THROWS_WITH(make_recommender("ease", {{"lambda", "-1"}}), Catch::Contains("lambda"));
  REQUIRE_THROWS_WITH(make_recommender("ease", {{"use_cholesky", "true"}}), Catch::Contains("use_cholesky"));
  auto m = make_recommender("svdpp", {{"factors", "12"}, {"epochs", "3"}, {"learning_rate", "0.01"}, {"regularization", "0.1"}});
  const auto* s = dynamic_cast<const SVDpp*>(m.get());
  REQUIRE(s != nullptr);
  REQUIRE(s->options().factors == 12);
  REQUIRE(s->options().epochs == 3);
  const auto p = recommender_parameters("als");
  REQUIRE(std::find(p.begin(), p.end(), "cg_steps") != p.end());
}
