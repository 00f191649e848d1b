#pragma once
/// \file detail/finite.hpp  A vectorized check that every entry of an array is finite.
#include <cmath>

namespace lowrank::detail {

/// True when every entry of the dense expression `x` is finite: Σ (xᵢ − xᵢ) is 0 for finite entries and
/// NaN otherwise, a sum Eigen vectorizes even without -march (5000×2000 doubles: 3 ms, against 5.5 ms for
/// allFinite(), a scalar loop there, and about 10 ms entry by entry, which cost as much as 4 block
/// products of a lanczos_svd solve). Callers loop entry by entry only to name a bad entry.
template <class Derived>
bool sums_finite(const Derived& x) {
  return std::isfinite(double((x.array() - x.array()).sum()));
}

}  // namespace lowrank::detail
