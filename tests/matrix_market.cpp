// Matrix Market reader: formats, symmetry expansion, gz, every malformed case names path:line:col.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "lowrank/matrix_market.hpp"
#include "support/data_dir.hpp"

using lowrank::Errc;
using lowrank::parse_matrix_market;

namespace {
lowrank::Errc code_of(const std::string& text) {
  try {
    parse_matrix_market(text, "m.mtx");
  } catch (const lowrank::Error& e) {
    return e.code();
  }
  FAIL("no error thrown for:\n" << text);
  return Errc::io;
}
std::string message_of(const std::string& text) {
  try {
    parse_matrix_market(text, "m.mtx");
  } catch (const lowrank::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("matrix market: coordinate general, symmetric, skew, pattern", "[io]") {
  auto g = parse_matrix_market("%%MatrixMarket matrix coordinate real general\n% c\n2 3 3\n1 1 1.5\n2 3 -2\n1 3 4e1\n", "g");
  REQUIRE(!g.is_dense);
  REQUIRE(g.rows() == 2);
  REQUIRE(g.cols() == 3);
  REQUIRE(g.sparse.coeff(0, 0) == 1.5);
  REQUIRE(g.sparse.coeff(1, 2) == -2);
  REQUIRE(g.sparse.coeff(0, 2) == 40);
  REQUIRE(g.sparse.nonZeros() == 3);

  auto s = parse_matrix_market("%%MatrixMarket matrix coordinate real symmetric\r\n3 3 2\r\n1 1 2\r\n3 1 5\r\n", "s");
  REQUIRE(s.sparse.coeff(2, 0) == 5);
  REQUIRE(s.sparse.coeff(0, 2) == 5);
  REQUIRE(s.sparse.nonZeros() == 3);

  auto k = parse_matrix_market("%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 3\n", "k");
  REQUIRE(k.sparse.coeff(1, 0) == 3);
  REQUIRE(k.sparse.coeff(0, 1) == -3);

  auto p = parse_matrix_market("%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 2\n2 1\n", "p");
  REQUIRE(p.sparse.coeff(0, 1) == 1);
  REQUIRE(p.sparse.coeff(1, 0) == 1);
}

TEST_CASE("matrix market: array format is column-major", "[io]") {
  auto a = parse_matrix_market("%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n", "a");
  REQUIRE(a.is_dense);
  REQUIRE(a.dense(0, 0) == 1);
  REQUIRE(a.dense(1, 0) == 2);
  REQUIRE(a.dense(0, 1) == 3);
  REQUIRE(a.dense(1, 1) == 4);
}

TEST_CASE("matrix market: malformed input names file, line and column", "[io][errors]") {
  REQUIRE(code_of("") == Errc::parse);
  REQUIRE(code_of("%%NotMatrixMarket matrix coordinate real general\n1 1 0\n") == Errc::parse);
  REQUIRE(code_of("%%MatrixMarket matrix coordinate complex general\n1 1 0\n") == Errc::parse);
  REQUIRE(code_of("%%MatrixMarket matrix coordinate real general\n") == Errc::parse);
  REQUIRE(code_of("%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1\n") == Errc::parse);
  REQUIRE(code_of("%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n") == Errc::parse);
  REQUIRE(code_of("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 nan\n") == Errc::parse);
  REQUIRE(code_of("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1 7\n") == Errc::parse);
  REQUIRE(code_of("%%MatrixMarket matrix coordinate real general\n-2 2 1\n") == Errc::parse);
  REQUIRE(code_of("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1\n2 2 2\n") == Errc::parse);
  REQUIRE(code_of("%%MatrixMarket matrix coordinate real general\n100000 100000 4000000000\n") ==
          Errc::resource_limit);
  // Few entries, huge dimensions: the index arrays count against the budget (found by fuzzing).
  REQUIRE(code_of("%%MatrixMarket matrix coordinate pattern general\n2000000000 2000000000 1\n1 1\n") ==
          Errc::resource_limit);
  const std::string msg = message_of("%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 x 1\n");
  INFO(msg);
  REQUIRE(msg.find("m.mtx:4:3:") != std::string::npos);
  REQUIRE(msg.find("\"x 1\"") != std::string::npos);
}

TEST_CASE("matrix market: files, gzip and atomic write round trip", "[io]") {
  const auto dir = std::filesystem::temp_directory_path() / "lowrank_mm_test";
  std::filesystem::create_directories(dir);
  Eigen::MatrixXd A(2, 3);
  A << 1, 2.5, -3, 4e-300, 5, 6e300;
  lowrank::write_matrix_market(dir / "a.mtx", A);
  const auto back = lowrank::read_matrix_market(dir / "a.mtx");
  REQUIRE(back.is_dense);
  REQUIRE(back.dense == A);
  REQUIRE_THROWS_AS(lowrank::read_matrix_market(dir / "missing.mtx"), lowrank::Error);
  for (const auto& e : std::filesystem::directory_iterator(dir))  // no temporary left behind
    REQUIRE(e.path().filename().string().find(".tmp-") == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("matrix market: SuiteSparse files from the data folder", "[io][data]") {
  LOWRANK_REQUIRE_DATA("matrices/well1033.mtx.gz");
  const auto w = lowrank::read_matrix_market(lowrank_test::data_path("matrices/well1033.mtx.gz"));
  REQUIRE(w.rows() == 1033);
  REQUIRE(w.cols() == 320);
  REQUIRE(w.sparse.nonZeros() == 4732);
}

TEST_CASE("matrix market: fuzz regressions", "[io][errors]") {
  // A symmetric header with a non-square size once mirrored entries out of range (Eigen assertion).
  REQUIRE(code_of("%%MatrixMarket matrix coordinate real symmetric\n3 2 1\n3 1 1\n") == Errc::parse);
  REQUIRE(code_of("%%MatrixMarket matrix array real symmetric\n3 2\n1\n2\n3\n") == Errc::parse);
}
