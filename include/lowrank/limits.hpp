#pragma once
/// \file limits.hpp  Overflow-checked size arithmetic and the memory budget.
///
/// Every public entry point that allocates from user-controlled sizes (dimensions, nnz, factors,
/// items²) computes the byte count with these helpers first, so a product that overflows int64 or a
/// request beyond the budget raises `Errc::resource_limit` *before* anything is allocated.
#include <atomic>
#include <cstdint>
#include <limits>

#include "lowrank/error.hpp"

namespace lowrank {

namespace detail {
inline std::atomic<std::int64_t>& memory_budget_storage() {
  static std::atomic<std::int64_t> budget{std::int64_t(16) << 30};  // 16 GiB default
  return budget;
}
}  // namespace detail

/// The largest single allocation (bytes) lowrank may make on a caller's behalf. Default 16 GiB.
inline std::int64_t memory_budget() { return detail::memory_budget_storage().load(std::memory_order_relaxed); }
/// Sets the budget (bytes, > 0). Thread-safe.
inline void set_memory_budget(std::int64_t bytes) {
  LOWRANK_CHECK(bytes > 0, invalid_argument, "set_memory_budget: budget ", bytes, " must be > 0");
  detail::memory_budget_storage().store(bytes, std::memory_order_relaxed);
}

/// a·b, or `Errc::resource_limit` naming `what` when the product overflows int64 or an operand is < 0.
inline std::int64_t checked_mul(std::int64_t a, std::int64_t b, const char* what) {
  LOWRANK_CHECK(a >= 0 && b >= 0, resource_limit, what, ": negative size (", a, " × ", b, ")");
  std::int64_t out = 0;
  LOWRANK_CHECK(!__builtin_mul_overflow(a, b, &out), resource_limit, what, ": size ", a, " × ", b,
                " overflows 64-bit arithmetic");
  return out;
}

/// Checks that `count` elements of `elem_bytes` each fit the memory budget; returns the byte count.
inline std::int64_t check_allocation(std::int64_t count, std::int64_t elem_bytes, const char* what) {
  const std::int64_t bytes = checked_mul(count, elem_bytes, what);
  LOWRANK_CHECK(bytes <= memory_budget(), resource_limit, what, ": needs ", bytes, " bytes (",
                double(bytes) / double(1 << 30), " GiB), over the memory budget of ", memory_budget(),
                " bytes; raise it with lowrank::set_memory_budget()");
  return bytes;
}

/// rows·cols·elem_bytes for a dense matrix, checked.
inline std::int64_t check_dense_allocation(std::int64_t rows, std::int64_t cols, std::int64_t elem_bytes,
                                           const char* what) {
  return check_allocation(checked_mul(rows, cols, what), elem_bytes, what);
}

}  // namespace lowrank
