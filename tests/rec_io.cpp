// Loaders: MovieLens auto-detection, CSV column roles, every malformed case with path:line:column,
// CRLF / BOM / comments / blank lines, gzip, duplicates, min_rating and k-core.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>

#include <unistd.h>

#include "lowrank/rec.hpp"
#include "support/data_dir.hpp"

using namespace lowrank;
using namespace lowrank::rec;

namespace {
namespace fs = std::filesystem;

/// A file in a per-process temp folder with the given bytes.
fs::path fixture(const std::string& name, const std::string& bytes) {
  const fs::path dir = fs::temp_directory_path() / ("lowrank_rec_io_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

/// The parse error message of loading `path`, or "" if it loaded.
template <class F>
std::string parse_error(F&& load) {
  try {
    load();
  } catch (const Error& e) {
    if (e.code() == Errc::parse) return e.what();
    return std::string("other error: ") + e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& sub) { return s.find(sub) != std::string::npos; }
}  // namespace

TEST_CASE("load_movielens detects u.data, ratings.dat and ratings.csv", "[rec][io]") {
  const auto a = load_movielens(fixture("u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t377\t1\t878887116\n"));
  REQUIRE(a.num_users() == 2);
  REQUIRE(a.num_items() == 3);
  REQUIRE(a.nnz() == 3);
  REQUIRE(a.users().raw(0) == "196");
  REQUIRE(a.matrix().coeff(a.users().index("196"), a.items().index("377")) == 1.f);
  REQUIRE(a.has_timestamps());
  const auto b = load_movielens(fixture("ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978300275\n"));
  REQUIRE(b.nnz() == 3);
  REQUIRE(b.num_items() == 2);
  REQUIRE(b.matrix().coeff(b.users().index("2"), b.items().index("1193")) == 4.f);
  const auto c = load_movielens(
      fixture("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n2,3,0.5,1\n"));
  REQUIRE(c.nnz() == 3);
  REQUIRE(c.matrix().coeff(c.users().index("1"), c.items().index("3")) == 4.5f);
  REQUIRE(c.timestamps().back() == 1);
}

TEST_CASE("CRLF, BOM, blank lines and comments are tolerated", "[rec][io]") {
  const std::string text = "\xEF\xBB\xBF# a comment\r\n\r\n1,10,5,100\r\n   \r\n  # indented comment\r\n2,10,3,200\r\n2,11,4,300";
  const auto d = load_csv(fixture("crlf.csv", text));
  REQUIRE(d.nnz() == 3);
  REQUIRE(d.users().raw(0) == "1");  // the BOM is not part of the id
  REQUIRE(d.matrix().coeff(1, 1) == 4.f);
  REQUIRE(d.timestamps().back() == 300);  // last line without newline
  // a header after a BOM on CSV
  CsvOptions o;
  o.header = true;
  const auto h = load_csv(fixture("bomheader.csv", "\xEF\xBB\xBFuser,item,rating,ts\nu1,i1,2,7\n"), o);
  REQUIRE(h.nnz() == 1);
  REQUIRE(h.users().raw(0) == "u1");
}

TEST_CASE("malformed input names path:line:column and the offending text", "[rec][io]") {
  SECTION("bad rating") {
    const auto p = fixture("bad_rating.csv", "1,2,3,4\n1,3,x5,9\n");
    const auto msg = parse_error([&] { load_csv(p); });
    INFO(msg);
    REQUIRE(contains(msg, p.string() + ":2:5: expected a finite number (rating), got \"x5\""));
  }
  SECTION("rating beyond the float range (would be stored as Inf)") {
    const auto p = fixture("huge_rating.csv", "1,2,3,4\n1,3,1e39,9\n");
    const auto msg = parse_error([&] { load_csv(p); });
    INFO(msg);
    REQUIRE(contains(msg, p.string() + ":2:5: expected a rating within the float range"));
    REQUIRE(contains(msg, "got \"1e39\""));
  }
  SECTION("bad timestamp") {
    const auto p = fixture("bad_ts.csv", "1,2,3,4\n\n1,3,5,12:30\n");
    const auto msg = parse_error([&] { load_csv(p); });
    INFO(msg);
    REQUIRE(contains(msg, p.string() + ":3:7: expected an integer timestamp, got \"12:30\""));
  }
  SECTION("missing column") {
    const auto p = fixture("missing.csv", "1,2,3,4\n1,3,5\n");
    const auto msg = parse_error([&] { load_csv(p); });
    INFO(msg);
    REQUIRE(contains(msg, p.string() + ":2:6: expected 4 fields separated by ','"));
    REQUIRE(contains(msg, "a timestamp in field 4"));
    REQUIRE(contains(msg, "got \"1,3,5\""));
  }
  SECTION("wrong delimiter") {
    const auto p = fixture("tabs.csv", "1\t2\t3\t4\n");
    const auto msg = parse_error([&] { load_csv(p); });
    INFO(msg);
    REQUIRE(contains(msg, p.string() + ":1:8: expected 4 fields separated by ','"));
    REQUIRE(contains(msg, "an item id in field 2"));
  }
  SECTION("empty id") {
    const auto p = fixture("emptyid.csv", "1,2,3,4\n ,2,3,4\n");
    const auto msg = parse_error([&] { load_csv(p); });
    INFO(msg);
    REQUIRE(contains(msg, p.string() + ":2:1: expected a user id, got \"\""));
  }
  SECTION("non-finite rating") {
    const auto p = fixture("inf.csv", "1,2,inf,4\n");
    const auto msg = parse_error([&] { load_csv(p); });
    INFO(msg);
    REQUIRE(contains(msg, p.string() + ":1:5: expected a finite number (rating), got \"inf\""));
  }
  SECTION("MovieLens: extra field") {
    const auto p = fixture("u_extra.data", "1\t2\t3\t4\n1\t2\t3\t4\t5\n");
    const auto msg = parse_error([&] { load_movielens(p); });
    INFO(msg);
    REQUIRE(contains(msg, p.string() + ":2:9: expected end of line after 4 fields, got \"5\""));
  }
  SECTION("MovieLens: unknown layout") {
    const auto p = fixture("ml_bad.txt", "# c\nhello world\n");
    const auto msg = parse_error([&] { load_movielens(p); });
    INFO(msg);
    REQUIRE(contains(msg, p.string() + ":2:1: expected MovieLens ratings"));
    REQUIRE(contains(msg, "got \"hello world\""));
  }
  SECTION("MovieLens: bad number in ratings.dat") {
    const auto p = fixture("ratings_bad.dat", "1::2::3::4\n1::2::three::4\n");
    const auto msg = parse_error([&] { load_movielens(p); });
    INFO(msg);
    REQUIRE(contains(msg, p.string() + ":2:7: expected a finite number (rating), got \"three\""));
  }
}

TEST_CASE("missing files and bad options throw", "[rec][io]") {
  REQUIRE_THROWS_MATCHES(load_csv("/nonexistent/x.csv"), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::io; }));
  CsvOptions o;
  o.item_column = 0;
  REQUIRE_THROWS_MATCHES(load_csv(fixture("ok.csv", "1,2,3,4\n"), o), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::invalid_argument; }));
}

TEST_CASE("CSV column roles, no rating, string ids, delimiter", "[rec][io]") {
  CsvOptions o;
  o.delimiter = ';';
  o.user_column = 2;
  o.item_column = 0;
  o.rating_column = -1;
  o.timestamp_column = -1;
  const auto d = load_csv(fixture("roles.csv", "apple;x;alice\npear;x;bob\napple;y; alice \n"), o);
  REQUIRE(d.num_users() == 2);
  REQUIRE(d.num_items() == 2);
  REQUIRE_FALSE(d.has_timestamps());
  // (alice, apple) twice → summed to 2 by default (Duplicates::sum); spaces are trimmed
  REQUIRE(d.matrix().coeff(d.users().index("alice"), d.items().index("apple")) == 2.f);
  o.duplicates = Duplicates::max;
  const auto m = load_csv(fixture("roles.csv", "apple;x;alice\npear;x;bob\napple;y; alice \n"), o);
  REQUIRE(m.matrix().coeff(m.users().index("alice"), m.items().index("apple")) == 1.f);
  // leading zeros keep their own raw id ("07" and "7" differ)
  CsvOptions z;
  z.timestamp_column = -1;
  const auto zd = load_csv(fixture("zeros.csv", "07,1,1\n7,1,1\n"), z);
  REQUIRE(zd.num_users() == 2);
}

TEST_CASE("min_rating keeps implicit positives; k-core iterates to a fixpoint", "[rec][io]") {
  CsvOptions o;
  o.timestamp_column = -1;
  o.min_rating = 4;
  const auto d = load_csv(fixture("minr.csv", "1,a,5\n1,b,3\n2,a,4\n3,c,1\n"), o);
  REQUIRE(d.nnz() == 2);
  REQUIRE(d.num_users() == 2);  // user 3 had only a low rating: never added
  REQUIRE_FALSE(d.items().find("c").has_value());
  // k-core (users >= 2, items >= 2): pass 1 drops u3 and u5 (1 item each); pass 2 drops items y and z
  // (u2 is their only user left); pass 3 drops u2 (no items left); left: u1, u4 × {x, w}
  CsvOptions k;
  k.timestamp_column = -1;
  k.rating_column = -1;
  k.min_user_interactions = 2;
  k.min_item_interactions = 2;
  const auto c = load_csv(fixture("kcore.csv", "u1,x\nu1,w\nu4,x\nu4,w\nu2,y\nu2,z\nu3,z\nu5,y\n"), k);
  INFO("users " << c.num_users() << " items " << c.num_items() << " nnz " << c.nnz());
  REQUIRE(c.num_users() == 2);
  REQUIRE(c.num_items() == 2);
  REQUIRE(c.nnz() == 4);
  REQUIRE(c.users().find("u1").has_value());
  REQUIRE(c.users().find("u4").has_value());
  REQUIRE_FALSE(c.items().find("z").has_value());
}

TEST_CASE("gzip input", "[rec][io]") {
  // gzip of "1\t10\t5\t100\n2\t10\t3\t200\n2\t11\t4\t300\n" (made with Python's gzip, mtime 0)
  const unsigned char gz[] = {31, 139, 8, 0, 0, 0, 0, 0, 2, 255, 51, 228, 52, 52, 224, 52, 5, 18, 6, 92, 70, 32,
                              166, 49, 167, 17, 132, 105, 200, 105, 194, 105, 12, 100, 2, 0, 217, 203, 50, 228, 33, 0, 0, 0};
  const auto p = fixture("u.data.gz", std::string(reinterpret_cast<const char*>(gz), sizeof gz));
  try {
    const auto d = load_movielens(p);
    REQUIRE(d.nnz() == 3);
    REQUIRE(d.matrix().coeff(d.users().index("2"), d.items().index("11")) == 4.f);
  } catch (const Error& e) {
    // a build without zlib must say so clearly
    INFO(e.what());
    REQUIRE(e.code() == Errc::io);
    REQUIRE(contains(e.what(), "zlib"));
    WARN("this build has no zlib: " << e.what());
  }
}

// A gzip member made of stored (uncompressed) deflate blocks, so the test needs no zlib of its own.
std::string gzip_stored(const std::string& text) {
  std::uint32_t table[256];
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char ch : text) crc = table[(crc ^ ch) & 0xFF] ^ (crc >> 8);
  crc ^= 0xFFFFFFFFu;
  auto le32 = [](std::string& out, std::uint32_t v) {
    for (int k = 0; k < 4; ++k) out.push_back(char((v >> (8 * k)) & 0xFF));
  };
  std::string out = {char(31), char(139), 8, 0, 0, 0, 0, 0, 0, char(255)};
  for (std::size_t at = 0; at < text.size() || at == 0; at += 65535) {
    const std::size_t n = std::min<std::size_t>(65535, text.size() - at);
    const bool last = at + n >= text.size();
    out.push_back(char(last ? 1 : 0));
    out.push_back(char(n & 0xFF)), out.push_back(char(n >> 8));
    out.push_back(char(~n & 0xFF)), out.push_back(char((~n >> 8) & 0xFF));
    out.append(text, at, n);
    if (last) break;
  }
  le32(out, crc);
  le32(out, std::uint32_t(text.size()));
  return out;
}

TEST_CASE("gzip input larger than the read-ahead blocks; a truncated stream is an error", "[rec][io]") {
  // 600k lines, about 11 MB inflated: three 4 MiB read-ahead blocks, lines cut at block edges
  std::string text;
  const int lines = 600000;
  for (int e = 0; e < lines; ++e)
    text += std::to_string(e % 7001) + "\t" + std::to_string(e / 7001 * 13 + e % 13) + "\t" + std::to_string(1 + e % 5) +
            "\t" + std::to_string(880000000 + e) + "\n";
  const std::string gz = gzip_stored(text);
  const auto plain = fixture("big.data", text);
  const auto packed = fixture("big.data.gz", gz);
  const auto cut = fixture("cut.data.gz", gz.substr(0, gz.size() / 2));
  const auto want = load_movielens(plain);
  try {
    const auto got = load_movielens(packed);
    REQUIRE(got.nnz() == want.nnz());
    REQUIRE(got.num_users() == want.num_users());
    REQUIRE(got.matrix().isApprox(want.matrix(), 0.0f));
    REQUIRE(got.timestamps() == want.timestamps());
    try {
      (void)load_movielens(cut);
      FAIL("a truncated gzip file loaded without an error");
    } catch (const Error& e) {
      INFO(e.what());
      REQUIRE(e.code() == Errc::io);
      REQUIRE(contains(e.what(), "truncated"));
      REQUIRE(contains(e.what(), "cut.data.gz"));
    }
  } catch (const Error& e) {
    INFO(e.what());
    REQUIRE(e.code() == Errc::io);
    REQUIRE(contains(e.what(), "zlib"));
    WARN("this build has no zlib: " << e.what());
  }
}

TEST_CASE("real MovieLens files load with the documented sizes", "[rec][io][data]") {
  LOWRANK_REQUIRE_DATA("ml-100k/u.data");
  const auto t0 = std::chrono::steady_clock::now();
  const auto d = load_movielens(lowrank_test::data_path("ml-100k/u.data"));
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(d.nnz() == 100000);
  REQUIRE(d.num_users() == 943);
  REQUIRE(d.num_items() == 1682);
  WARN("ml-100k: " << 100000 / s / 1e6 << " M lines/s");
  if (std::filesystem::exists(lowrank_test::data_path("ml-latest-small/ratings.csv"))) {
    const auto c = load_movielens(lowrank_test::data_path("ml-latest-small/ratings.csv"));
    REQUIRE(c.nnz() == 100836);
    REQUIRE(c.num_users() == 610);
    REQUIRE(c.num_items() == 9724);
  }
  if (std::filesystem::exists(lowrank_test::data_path("ml-1m-partial/ratings.partial.dat.gz"))) {
    try {
      const auto g = load_movielens(lowrank_test::data_path("ml-1m-partial/ratings.partial.dat.gz"));
      REQUIRE(g.nnz() == 487650);
      REQUIRE(g.num_users() == 2999);
    } catch (const Error& e) {
      REQUIRE(e.code() == Errc::io);  // no zlib in this build
    }
  }
}
