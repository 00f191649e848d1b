// Pulls targets.cpp (and its LOWRANK_FORCE_TARGET initializer) into any program that links a kernel TU
// from the static library. Included once, in the HWY_ONCE part of each kernel TU.
#pragma once
#include <cstdint>

namespace lowrank::kernels::detail {
extern const int forced_target_anchor;
namespace {
[[maybe_unused]] __attribute__((used)) const int* const forced_target_anchor_use = &forced_target_anchor;
}  // namespace
}  // namespace lowrank::kernels::detail

namespace lowrank::kernels::detail {
/// hwy::SupportedTargets() (forced targets honoured), cached: Highway runs CPUID on each call, which
/// costs about 20 µs in a virtual machine. force_targets() and LOWRANK_FORCE_TARGET reset the cache.
std::int64_t supported_targets_cached();
}  // namespace lowrank::kernels::detail
