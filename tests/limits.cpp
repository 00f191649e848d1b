// Size arithmetic is overflow-checked and allocations respect the memory budget (issue 8).
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

#include "lowrank/limits.hpp"

TEST_CASE("limits: checked_mul detects overflow and negatives", "[limits]") {
  REQUIRE(lowrank::checked_mul(3, 4, "x") == 12);
  REQUIRE(lowrank::checked_mul(0, std::numeric_limits<std::int64_t>::max(), "x") == 0);
  const std::int64_t big = std::int64_t(1) << 32;
  REQUIRE_THROWS_AS(lowrank::checked_mul(big, big, "users × items"), lowrank::Error);
  REQUIRE_THROWS_AS(lowrank::checked_mul(-1, 5, "x"), lowrank::Error);
  try {
    lowrank::checked_mul(big, big, "users × items");
  } catch (const lowrank::Error& e) {
    REQUIRE(e.code() == lowrank::Errc::resource_limit);
    REQUIRE(std::string(e.what()).find("users × items") != std::string::npos);
  }
}

TEST_CASE("limits: the memory budget refuses before allocating", "[limits]") {
  const auto old = lowrank::memory_budget();
  lowrank::set_memory_budget(1 << 20);
  REQUIRE(lowrank::check_dense_allocation(100, 100, 8, "ok") == 80000);
  REQUIRE_THROWS_AS(lowrank::check_dense_allocation(1000, 1000, 8, "EASE items²"), lowrank::Error);
  REQUIRE_THROWS_AS(lowrank::set_memory_budget(0), lowrank::Error);
  lowrank::set_memory_budget(old);
  REQUIRE(lowrank::memory_budget() == old);
}
