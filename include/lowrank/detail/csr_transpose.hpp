#pragma once
/// \file detail/csr_transpose.hpp  The CSR of Aᵀ from the CSR of A: a stable counting sort on the column
/// index, in two cache-sized passes (the most-significant-digit-first radix sort), threaded.
///
/// A one-pass counting sort writes every entry to the next free slot of its column: one write stream per
/// column. At 200 k columns those streams (two arrays × 200 k cache lines, 25 MB) do not fit the cache,
/// so nearly every write misses: 2.0–2.7 s for bench/scale's 50 M-interaction matrix, a tenth of its
/// randomized SVD. Here pass 1 moves the entries to buckets of 2^shift adjacent columns (at most 256
/// buckets: 3 streams each, a few tens of KB), and pass 2 sorts each bucket by its low column bits
/// (at most 65 536 streams into the bucket's own range). Up to 4096 columns the one-pass sort is kept: its
/// streams fit the L2 cache. Both passes keep the order of A's rows, so each
/// transposed row lists its entries by increasing row index, exactly as the one-pass sort, and the result
/// does not depend on the thread count.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "lowrank/config.hpp"
#include "lowrank/detail/huge_pages.hpp"
#include "lowrank/types.hpp"

#if LOWRANK_HAS_OPENMP
#include <omp.h>
#endif

namespace lowrank::detail {

/// Entries ahead at which a sort pass prefetches its write destinations. A store that misses L1 holds up
/// the stores behind it until its line arrives, so a scatter into thousands of streams ran at one L2
/// latency per entry: 4.1 ms for issue 4's 1 M-nonzero matrix (3706 columns, one pass), 2.1 ms with the
/// destination lines requested 64 entries ahead (16 ahead: 3.1 ms; 256: 2.8 ms).
constexpr std::int64_t kWriteAhead = 64;

/// Asks for the cache line at `p` in a writable state; a hint only (nothing on compilers without it).
inline void prefetch_for_write(const void* p) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 1);
#else
  (void)p;
#endif
}

/// Transposes the outer × inner CSR (row_ptr[0..outer], cols, vals) into the inner × outer CSR
/// (t_ptr, t_cols, t_vals), resized here. Column indices must lie in [0, inner) (validated by the
/// caller: Eigen's matrices guarantee it). `threads` ≤ 1 runs serially; the result is the same.
template <class Scalar>
void transpose_csr(Index outer, Index inner, const std::int64_t* row_ptr, const std::int32_t* cols, const Scalar* vals,
                   std::vector<std::int64_t>& t_ptr, std::vector<std::int32_t>& t_cols, std::vector<Scalar>& t_vals,
                   int threads) {
  const std::int64_t base = row_ptr[0], nnz = row_ptr[outer] - base;
  t_ptr.assign(std::size_t(inner) + 1, 0);
  // fresh arrays of hundreds of MB at scale: huge pages (page faults were most of the one-pass sort's time)
  resize_advised(t_cols, std::size_t(nnz));
  resize_advised(t_vals, std::size_t(nnz));
  if (nnz == 0) return;

  // Bucket = column >> shift: at most 256 buckets, and at most 2^16 columns a bucket (low bits in 16 bits).
  int bits = 0;
  while ((Index(1) << bits) < inner) ++bits;
  // Up to 4096 columns the one-pass sort's streams (two lines a column, 512 KB) already fit the L2 cache:
  // shift 0 sorts in one pass, without the low-bit array and the second pass.
  const int shift = inner <= 4096 ? 0 : std::min(16, std::max(0, bits - 8));
  const Index buckets = ((inner - 1) >> shift) + 1;
  // threads only pay off on many entries per column (each thread counts all columns)
  threads = nnz < (std::int64_t(1) << 16) || inner > nnz ? 1 : std::max(1, threads);

  // Row ranges of about equal nonzero count, one per thread; each thread's entries go after those of
  // the threads before it in every bucket (stability).
  std::vector<Index> row_begin(std::size_t(threads) + 1, outer);
  row_begin[0] = 0;
  for (int t = 1, r = 0; t < threads; ++t) {
    const std::int64_t target = base + nnz * t / threads;
    while (r < outer && row_ptr[r] < target) ++r;
    row_begin[std::size_t(t)] = r;
  }
  // Column counts per thread (each thread its own array: no atomics), summed into t_ptr.
  std::vector<std::vector<std::int64_t>> counts(static_cast<std::size_t>(threads));
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for num_threads(threads) schedule(static, 1) if (threads > 1)
#endif
  for (int t = 0; t < threads; ++t) {
    std::vector<std::int64_t>& c = counts[std::size_t(t)];
    c.assign(std::size_t(inner), 0);
    const std::int64_t p0 = row_ptr[row_begin[std::size_t(t)]], p1 = row_ptr[row_begin[std::size_t(t) + 1]];
    for (std::int64_t p = p0; p < p1; ++p) ++c[std::size_t(cols[p])];
  }
  for (Index j = 0; j < inner; ++j) {
    std::int64_t s = 0;
    for (int t = 0; t < threads; ++t) s += counts[std::size_t(t)][std::size_t(j)];
    t_ptr[std::size_t(j) + 1] = t_ptr[std::size_t(j)] + s;
  }

  // Each thread's next slot in every bucket: after the threads before it (stability).
  std::vector<std::vector<std::int64_t>> next(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) next[std::size_t(t)].resize(std::size_t(buckets));
  for (Index b = 0; b < buckets; ++b) {
    const Index j0 = b << shift, j1 = std::min(inner, (b + 1) << shift);
    std::int64_t at = t_ptr[std::size_t(j0)];
    for (int t = 0; t < threads; ++t) {
      next[std::size_t(t)][std::size_t(b)] = at;
      for (Index j = j0; j < j1; ++j) at += counts[std::size_t(t)][std::size_t(j)];
    }
  }
  counts.clear();
  counts.shrink_to_fit();

  // pass 1 — to buckets (with shift 0 a bucket is a column: the final places), carrying the low column
  // bits when a second pass follows
  std::vector<std::uint16_t> low;
  if (shift > 0) resize_advised(low, std::size_t(nnz));
  const std::int32_t low_mask = (std::int32_t(1) << shift) - 1;
  const auto to_buckets = [&](auto keep_low) {
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for num_threads(threads) schedule(static, 1) if (threads > 1)
#endif
    for (int t = 0; t < threads; ++t) {
      // raw pointers: through the vectors the compiler reloaded each array's address after every store
      std::int64_t* const nx = next[std::size_t(t)].data();
      std::int32_t* const out_rows = t_cols.data();
      Scalar* const out_vals = t_vals.data();
      std::uint16_t* const out_low = low.data();
      const std::int64_t p_end = row_ptr[row_begin[std::size_t(t) + 1]];
      for (Index r = row_begin[std::size_t(t)]; r < row_begin[std::size_t(t) + 1]; ++r)
        for (std::int64_t p = row_ptr[r]; p < row_ptr[r + 1]; ++p) {
          if (p + kWriteAhead < p_end) {
            const std::int64_t ahead = nx[cols[p + kWriteAhead] >> shift];
            prefetch_for_write(out_rows + ahead);
            prefetch_for_write(out_vals + ahead);
          }
          const std::int32_t c = cols[p];
          const std::int64_t q = nx[c >> shift]++;
          out_rows[q] = std::int32_t(r);
          out_vals[q] = vals[p];
          if constexpr (decltype(keep_low)::value) out_low[q] = std::uint16_t(c & low_mask);
        }
    }
  };
  if (shift == 0) {
    to_buckets(std::false_type());
    return;
  }
  to_buckets(std::true_type());

  // pass 2 — each bucket by its low bits, through a scratch copy of the bucket (buckets in parallel)
#if LOWRANK_HAS_OPENMP
#pragma omp parallel num_threads(threads) if (threads > 1)
#endif
  {
    std::vector<std::int32_t> rows;
    std::vector<Scalar> values;
    std::vector<std::int64_t> at;
#if LOWRANK_HAS_OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
    for (Index b = 0; b < buckets; ++b) {
      const Index j0 = b << shift, j1 = std::min(inner, (b + 1) << shift);
      const std::int64_t s = t_ptr[std::size_t(j0)], e = t_ptr[std::size_t(j1)];
      if (e - s < 2) continue;
      rows.assign(t_cols.begin() + s, t_cols.begin() + e);
      values.assign(t_vals.begin() + s, t_vals.begin() + e);
      at.assign(t_ptr.begin() + j0, t_ptr.begin() + j1);
      for (std::int64_t p = s; p < e; ++p) {
        if (p + kWriteAhead < e) {
          const std::int64_t ahead = at[low[std::size_t(p + kWriteAhead)]];
          prefetch_for_write(t_cols.data() + ahead);
          prefetch_for_write(t_vals.data() + ahead);
        }
        const std::int64_t q = at[low[std::size_t(p)]]++;
        t_cols[std::size_t(q)] = rows[std::size_t(p - s)];
        t_vals[std::size_t(q)] = values[std::size_t(p - s)];
      }
    }
  }
}

}  // namespace lowrank::detail
