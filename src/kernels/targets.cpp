// Which SIMD targets this build compiled, which one dispatch picks, and the test hook that forces one.
// These live in a foreach_target TU because HWY_TARGETS (the compiled set) is a per-TU notion (STYLE C8).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/targets.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace lowrank::kernels::HWY_NAMESPACE {
int64_t ThisTarget() { return HWY_TARGET; }
}  // namespace lowrank::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/targets_anchor.hpp"
#include "lowrank/kernels.hpp"

namespace lowrank::kernels {
HWY_EXPORT(ThisTarget);

namespace detail {
// hwy::SupportedTargets() runs CPUID on every call (Highway re-detects rather than caches), and CPUID
// traps to the hypervisor in a virtual machine: about 20 µs per call measured here, which made every
// kernels::gemm call cost 20 µs whatever its size. The mask is cached; force_targets() clears it.
namespace {
std::atomic<std::int64_t> supported_targets_cache{0};
}  // namespace
std::int64_t supported_targets_cached() {
  std::int64_t t = supported_targets_cache.load(std::memory_order_relaxed);
  if (t == 0) {
    t = hwy::SupportedTargets();
    supported_targets_cache.store(t, std::memory_order_relaxed);
  }
  return t;
}
}  // namespace detail

std::vector<std::int64_t> compiled_targets() {
  std::vector<std::int64_t> out;
  for (std::int64_t t = HWY_TARGETS; t != 0; t &= t - 1) out.push_back(t & ~(t - 1));
  // Keep those the CPU runs (as limited by any forcing now in place), best first.
  const std::int64_t supported = hwy::SupportedTargets();
  std::vector<std::int64_t> runnable;
  for (auto t : out)
    if (supported & t) runnable.push_back(t);
  return runnable;
}

const char* target_name(std::int64_t target) { return hwy::TargetName(target); }

namespace {
// LOWRANK_FORCE_TARGET=AVX2 (any name target_name() prints) pins dispatch for reproducible runs.
std::int64_t env_forced_target() {
  const char* want = std::getenv("LOWRANK_FORCE_TARGET");
  if (want == nullptr || *want == '\0') return 0;
  for (std::int64_t t = HWY_TARGETS; t != 0; t &= t - 1) {
    const std::int64_t bit = t & ~(t - 1);
    if (std::strcmp(hwy::TargetName(bit), want) == 0) return bit;
  }
  return 0;  // unknown or not compiled: keep the default choice
}
struct ApplyEnvForcedTarget {
  ApplyEnvForcedTarget() {
    if (const std::int64_t t = env_forced_target()) {
      hwy::SetSupportedTargetsForTest(t);
      detail::supported_targets_cache.store(0, std::memory_order_relaxed);
    }
  }
} const apply_env_forced_target;
}  // namespace

// Referenced by every kernel TU (see targets_anchor.hpp): a static library links an object only when
// one of its symbols is used, and without this one a program that never calls the functions below
// would not get the initializer above, so LOWRANK_FORCE_TARGET would be silently ignored.
namespace detail {
extern const int forced_target_anchor;
const int forced_target_anchor = 0;
}  // namespace detail

void force_targets(std::int64_t target_mask) {
  hwy::SetSupportedTargetsForTest(target_mask != 0 ? target_mask : env_forced_target());
  detail::supported_targets_cache.store(0, std::memory_order_relaxed);
}

std::string active_target() { return hwy::TargetName(HWY_DYNAMIC_DISPATCH(ThisTarget)()); }
}  // namespace lowrank::kernels
#endif  // HWY_ONCE
