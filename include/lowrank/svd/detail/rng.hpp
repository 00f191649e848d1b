#pragma once
/// \file svd/detail/rng.hpp  Counter-based Gaussian numbers owned by lowrank (STYLE C11).
///
/// Entry (i, j) of a test matrix drawn with (seed, stream) is a pure function of (seed, stream, j, i): a
/// splitmix64 hash (Steele, Lea & Flood 2014) of the counter gives two uniforms, Box–Muller (1958) turns
/// them into two normals for rows 2t and 2t+1. No generator state is carried between entries, so the
/// numbers are the same whatever the thread count, the block the column is generated in, or the standard
/// library (std::normal_distribution differs between libstdc++ and libc++). Not stable API.
#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <utility>

#include "lowrank/config.hpp"
#include "lowrank/types.hpp"

namespace lowrank::detail {

/// splitmix64 finalizer applied to x + golden ratio: a bijective 64-bit mix.
inline std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// Uniform in (0, 1] from the top 53 bits (never 0, so log() below is finite).
inline double unit_uniform(std::uint64_t x) noexcept { return (double(x >> 11) + 1.0) * (1.0 / 9007199254740992.0); }

/// Key of column `col` of stream `stream` under `seed`.
inline std::uint64_t rng_key(std::uint64_t seed, std::uint64_t stream, std::uint64_t col) noexcept {
  return splitmix64(splitmix64(splitmix64(seed) ^ (stream * 0xD1B54A32D192ED03ull)) ^ col);
}

/// The two standard normals of pair `t` under `key` (rows 2t and 2t+1 of the column).
inline void gaussian_pair(std::uint64_t key, std::uint64_t t, double& z0, double& z1) noexcept {
  const double u1 = unit_uniform(splitmix64(key ^ (2 * t)));
  const double u2 = unit_uniform(splitmix64(key ^ (2 * t + 1)) * 0x2545F4914F6CDD1Dull);
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double a = 6.283185307179586476925286766559 * u2;
  z0 = r * std::cos(a);
  z1 = r * std::sin(a);
}

/// Fills M with standard normals: M(i, j) depends only on (seed, stream, col_offset + j, i).
template <class Scalar>
void fill_gaussian(Eigen::Ref<Matrix<Scalar>> M, std::uint64_t seed, std::uint64_t stream, Index col_offset = 0) {
  const Index m = M.rows(), n = M.cols();
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(static) if (m * n > 100000)
#endif
  for (Index j = 0; j < n; ++j) {
    const std::uint64_t key = rng_key(seed, stream, std::uint64_t(col_offset + j));
    for (Index i = 0; i < m; i += 2) {
      double z0, z1;
      gaussian_pair(key, std::uint64_t(i / 2), z0, z1);
      M(i, j) = Scalar(z0);
      if (i + 1 < m) M(i + 1, j) = Scalar(z1);
    }
  }
}

/// Fills M (n×l, zeroed first) as a sparse sign test matrix (Martinsson & Tropp, "Randomized numerical
/// linear algebra", Acta Numerica 2020, §9.2): each row holds ±1 at `nonzeros` distinct columns (clamped to
/// [1, l]), the columns and signs a pure function of (seed, stream, col_offset, row) like fill_gaussian's
/// entries — a partial Fisher–Yates shuffle of 0..l−1 driven by splitmix64 of the row's key.
template <class Scalar>
void fill_sparse_sign(Eigen::Ref<Matrix<Scalar>> M, std::uint64_t seed, std::uint64_t stream, Index nonzeros,
                      Index col_offset = 0) {
  const Index n = M.rows(), l = M.cols();
  M.setZero();
  if (l == 0) return;
  const Index zeta = nonzeros < 1 ? 1 : nonzeros > l ? l : nonzeros;
  // a block's rows are keyed apart from its other blocks (fixed-accuracy growth) by col_offset
  const std::uint64_t block = splitmix64(std::uint64_t(col_offset) ^ 0x5EED5EED5EED5EEDull);
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(static) if (n * zeta > 100000)
#endif
  for (Index i = 0; i < n; ++i) {
    const std::uint64_t key = rng_key(seed, stream, std::uint64_t(i) ^ block);
    Index perm[64];  // the first zeta of a shuffle of 0..l−1, for l ≤ 64; beyond, rejection of repeats
    for (Index t = 0; t < zeta; ++t) {
      const std::uint64_t h = splitmix64(key ^ std::uint64_t(t));
      Index c;
      if (l <= 64) {
        if (t == 0)
          for (Index u = 0; u < l; ++u) perm[u] = u;
        const Index pick = t + Index((h >> 1) % std::uint64_t(l - t));
        std::swap(perm[t], perm[pick]);
        c = perm[t];
      } else {
        std::uint64_t g = h;
        do {  // a column not taken yet (zeta ≤ l/…: few retries); deterministic in (key, t)
          c = Index((g >> 1) % std::uint64_t(l));
          g = splitmix64(g);
        } while (M(i, c) != Scalar(0));
      }
      M(i, c) = (h & 1) ? Scalar(1) : Scalar(-1);
    }
  }
}

}  // namespace lowrank::detail
