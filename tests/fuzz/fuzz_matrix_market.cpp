// Fuzz target: the Matrix Market parser must return a matrix or throw lowrank::Error — nothing else.
#include <cstddef>
#include <cstdint>
#include <string>

#include "lowrank/matrix_market.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    // A small entry budget keeps a hostile header from asking for gigabytes.
    const auto m = lowrank::parse_matrix_market(text, "fuzz.mtx", std::int64_t(1) << 20);
    if (m.rows() <= 0 || m.cols() <= 0) __builtin_trap();
  } catch (const lowrank::Error&) {
  }
  return 0;
}
