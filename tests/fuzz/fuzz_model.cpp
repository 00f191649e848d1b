// Fuzz target: the model-file loader (rec::deserialize, the parser behind rec::load) must return a
// usable model or throw lowrank::Error — never crash, hang, leak or allocate without bound.
// The checksum and the body length are recomputed before parsing (when the input is long enough to
// hold them), so that mutations reach the body parser instead of stopping at the checksum; the
// checksum and length checks themselves are covered by tests/rec_persist.cpp.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "lowrank/rec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<unsigned char> bytes(data, data + size);
  constexpr std::size_t kHeader = 8 + 4 + 4 + 8;  // magic, version, endian marker, body length
  if (bytes.size() >= kHeader + 8) {
    const std::uint64_t body = bytes.size() - kHeader - 8;
    std::memcpy(bytes.data() + kHeader - 8, &body, 8);
    const std::uint64_t sum = lowrank::rec::detail::fnv1a64(bytes.data(), bytes.size() - 8);
    std::memcpy(bytes.data() + bytes.size() - 8, &sum, 8);
  }
  try {
    const auto model = lowrank::rec::deserialize(bytes.data(), bytes.size(), "fuzz.lrm");
    if (!model) __builtin_trap();
    // A model that loads must work: a top-k list for its first user, and a round trip.
    if (model->is_fitted() && model->num_users() > 0 && model->num_items() > 0) {
      const auto top = model->recommend(0, 5);
      if (top.size() > 5) __builtin_trap();
      (void)model->explain(0, top.empty() ? 0 : top.front().item);
    }
    const auto again = lowrank::rec::serialize(*model);
    (void)lowrank::rec::deserialize(again.data(), again.size(), "fuzz-roundtrip.lrm");
  } catch (const lowrank::Error&) {
  }
  return 0;
}
