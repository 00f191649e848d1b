// Per-target kernels that add scaled (often gathered) rows into an output row (Highway): CSR × dense
// block (SpMM), axpy_rows and the implicit-ALS confidence product. Included once per SIMD target by
// sparse.cpp. Each keeps a strip of up to 8 vectors of the output row in registers while the input rows
// stream past, so the output is written once per strip instead of once per input row.
#if defined(LOWRANK_KERNELS_SPARSE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWRANK_KERNELS_SPARSE_INL_H_
#undef LOWRANK_KERNELS_SPARSE_INL_H_
#else
#define LOWRANK_KERNELS_SPARSE_INL_H_
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <hwy/cache_control.h>
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace lowrank::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One strip of V vectors of an output row: acc = (out or 0) + Σ_{p in [begin, end)} coef_at(p)·row_at(p),
// where row_at(p) points at the strip's first column of the p-th input row. The V accumulators stay in
// registers while the input rows stream past, so the output is written once per strip, not once per
// row. Each accumulator is one dependent FMA per row, so wider strips (fewer passes, more independent
// FMAs per row) hide the FMA latency; V = 8 leaves registers for the broadcast on 16-register targets.
// `ahead(p)` runs before row p (the SpMM prefetches X rows a few nonzeros ahead there).
template <int V, class D, class T, class CoefAt, class RowAt, class Ahead>
HWY_INLINE void AccumulateStrip(D d, int64_t begin, int64_t end, const CoefAt& coef_at, const RowAt& row_at,
                                const Ahead& ahead, bool add_to_out, T* HWY_RESTRICT out) {
  const size_t N = hn::Lanes(d);
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  auto a4 = hn::Zero(d), a5 = hn::Zero(d), a6 = hn::Zero(d), a7 = hn::Zero(d);
  if (add_to_out) {
    a0 = hn::LoadU(d, out);
    if constexpr (V > 1) a1 = hn::LoadU(d, out + 1 * N);
    if constexpr (V > 2) a2 = hn::LoadU(d, out + 2 * N);
    if constexpr (V > 3) a3 = hn::LoadU(d, out + 3 * N);
    if constexpr (V > 4) a4 = hn::LoadU(d, out + 4 * N);
    if constexpr (V > 5) a5 = hn::LoadU(d, out + 5 * N);
    if constexpr (V > 6) a6 = hn::LoadU(d, out + 6 * N);
    if constexpr (V > 7) a7 = hn::LoadU(d, out + 7 * N);
  }
  for (int64_t p = begin; p < end; ++p) {
    ahead(p);
    const auto v = hn::Set(d, coef_at(p));
    const T* HWY_RESTRICT x = row_at(p);
    a0 = hn::MulAdd(v, hn::LoadU(d, x), a0);
    if constexpr (V > 1) a1 = hn::MulAdd(v, hn::LoadU(d, x + 1 * N), a1);
    if constexpr (V > 2) a2 = hn::MulAdd(v, hn::LoadU(d, x + 2 * N), a2);
    if constexpr (V > 3) a3 = hn::MulAdd(v, hn::LoadU(d, x + 3 * N), a3);
    if constexpr (V > 4) a4 = hn::MulAdd(v, hn::LoadU(d, x + 4 * N), a4);
    if constexpr (V > 5) a5 = hn::MulAdd(v, hn::LoadU(d, x + 5 * N), a5);
    if constexpr (V > 6) a6 = hn::MulAdd(v, hn::LoadU(d, x + 6 * N), a6);
    if constexpr (V > 7) a7 = hn::MulAdd(v, hn::LoadU(d, x + 7 * N), a7);
  }
  hn::StoreU(a0, d, out);
  if constexpr (V > 1) hn::StoreU(a1, d, out + 1 * N);
  if constexpr (V > 2) hn::StoreU(a2, d, out + 2 * N);
  if constexpr (V > 3) hn::StoreU(a3, d, out + 3 * N);
  if constexpr (V > 4) hn::StoreU(a4, d, out + 4 * N);
  if constexpr (V > 5) hn::StoreU(a5, d, out + 5 * N);
  if constexpr (V > 6) hn::StoreU(a6, d, out + 6 * N);
  if constexpr (V > 7) hn::StoreU(a7, d, out + 7 * N);
}

// Covers the columns [0, k − k mod Lanes) with strips: strip(std::integral_constant<int, V>, j) for strips
// of 8 vectors, then one strip of the remaining whole vectors. Returns the first column left over (the
// scalar tail, for k not a multiple of the lane count).
template <class D, class StripAt>
HWY_INLINE size_t ForEachStrip(D d, size_t k, const StripAt& strip) {
  const size_t N = hn::Lanes(d);
  size_t j = 0;
  for (; j + 8 * N <= k; j += 8 * N) strip(std::integral_constant<int, 8>(), j);
  switch ((k - j) / N) {
    case 7: strip(std::integral_constant<int, 7>(), j); break;
    case 6: strip(std::integral_constant<int, 6>(), j); break;
    case 5: strip(std::integral_constant<int, 5>(), j); break;
    case 4: strip(std::integral_constant<int, 4>(), j); break;
    case 3: strip(std::integral_constant<int, 3>(), j); break;
    case 2: strip(std::integral_constant<int, 2>(), j); break;
    case 1: strip(std::integral_constant<int, 1>(), j); break;
    default: break;
  }
  return j + (k - j) / N * N;
}

// The columns [j, k) left by ForEachStrip (fewer than one full vector) in one-vector strips of kCap,
// kCap/2, …, 1 lanes: strip(dc, j) with dc a CappedTag. Returns the first column still left (only on
// targets whose vectors are narrower than kCap). A scalar loop per column here was one dependent
// multiply-add chain per column: k = 4 doubles (AVX-512) took 3.7 ms per product on issue 4's 1 M-nonzero
// matrix, three times as long as k = 8.
template <class T, size_t kCap, class StripAt>
HWY_INLINE size_t ForEachTailStrip(size_t j, size_t k, const StripAt& strip) {
  if constexpr (kCap >= 1) {
    const hn::CappedTag<T, kCap> dc;
    if (k - j >= hn::Lanes(dc)) {
      strip(dc, j);
      j += hn::Lanes(dc);
    }
    if constexpr (kCap > 1) j = ForEachTailStrip<T, kCap / 2>(j, k, strip);
  }
  return j;
}

// y (+)= Σ_{p in [p0, p1)} values[p]·X[cols[p], :] for one output row (k columns, row-major X): strips
// of the row in registers, entries in storage order. X rows a few entries ahead (below `p_ahead_end`) are
// prefetched: they are random gathers from a table that rarely fits in L2 (3.7 k × 64 doubles = 1.9 MB).
template <class D, class T, class I>
HWY_INLINE void SpmmRow(D d, const I* HWY_RESTRICT cols, const T* HWY_RESTRICT values, const T* HWY_RESTRICT X,
                        size_t k, int64_t p0, int64_t p1, int64_t p_ahead_end, bool add_to_out, T* HWY_RESTRICT y,
                        int32_t col_base = 0) {
  constexpr int64_t kAhead = 8;
  const size_t line = 64 / sizeof(T);
  const auto value_at = [&](int64_t p) { return values[p]; };
  const auto strip = [&](auto dv, auto width, size_t j0) {
    constexpr int V = decltype(width)::value;
    const size_t lanes = hn::Lanes(dv);
    AccumulateStrip<V>(
        dv, p0, p1, value_at, [&](int64_t p) { return X + size_t(cols[p] - col_base) * k + j0; },
        [&](int64_t p) {
          // The first strip prefetches the whole row, so the first entries of a row do not miss in the
          // later strips; those prefetch their own part again (on a long row, strip 0's lines are gone
          // by then). The repeat cost nothing measurable on issue 4's 1 M-nonzero matrix (64 doubles).
          if (p + kAhead < p_ahead_end) {
            const T* next = X + size_t(cols[p + kAhead] - col_base) * k;
            const size_t to = j0 == 0 ? k : j0 + size_t(V) * lanes;
            for (size_t o = j0; o < to; o += line) hwy::Prefetch(next + o);
            hwy::Prefetch(next + to - 1);  // the last line, when the row does not start on one
          }
        },
        add_to_out, y + j0);
  };
  size_t j = ForEachStrip(d, k, [&](auto width, size_t j0) { strip(d, width, j0); });
  j = ForEachTailStrip<T, HWY_LANES(T) / 2>(
      j, k, [&](auto dc, size_t j0) { strip(dc, std::integral_constant<int, 1>(), j0); });
  for (; j < k; ++j) {
    T a = add_to_out ? y[j] : T(0);
    for (int64_t p = p0; p < p1; ++p) a += values[p] * X[size_t(cols[p] - col_base) * k + j];
    y[j] = a;
  }
}

// Y(rows row_begin..row_end) = A·X for a block of one vector, k = Lanes(d) (the 8- and 16-column blocks of
// the Lanczos solver): one row at a time, each row is a single chain of dependent FMAs, one per entry,
// bound by the FMA latency — 16 columns of float took as long as 4 (about 1 ms on issue 4's 1 M-nonzero
// matrix, AVX-512). So four rows are in flight at once, each summed from zero in its own storage order:
// the sums of the one-row code bit for bit (and of the column-blocked csr_spmm_rows_until). The slots
// advance in lockstep for as many entries as the shortest has left; each finished row is stored and its
// slot takes the next row; when no row is left to take, the unfinished ones run on one at a time. Measured
// there (A·X, new against old, bench/RESULTS.md): 0.54 against 0.99 ms for 16 floats, 0.45 against 0.93
// for 8 floats, 0.68 against 1.05 for 8 doubles. Two vectors per row (16 doubles) gained nothing: they are
// bound by the L2→L1 line fills.
template <class D, class T, class I>
HWY_INLINE void SpmmOneVectorRows(D d, const int64_t* HWY_RESTRICT row_ptr, const I* HWY_RESTRICT cols,
                                  const T* HWY_RESTRICT values, const T* HWY_RESTRICT X, T* HWY_RESTRICT Y, size_t k,
                                  size_t row_begin, size_t row_end) {
  constexpr size_t kSlots = 4;
  const auto value_at = [&](int64_t q) { return values[q]; };
  const auto row_at = [&](int64_t q) { return X + size_t(cols[q]) * k; };
  // slot s: its row, next entry p[s], entries left[s] (−1: idle); accumulator a<s> (named: SVE vectors
  // are sizeless and cannot live in arrays)
  size_t row[kSlots];
  int64_t p[kSlots], left[kSlots];
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  const auto flush = [&](size_t s) {  // slot s's sum into its row of Y; the accumulator starts again at zero
    T* HWY_RESTRICT y = Y + row[s] * k;
    switch (s) {
      case 0:
        hn::StoreU(a0, d, y);
        a0 = hn::Zero(d);
        break;
      case 1:
        hn::StoreU(a1, d, y);
        a1 = hn::Zero(d);
        break;
      case 2:
        hn::StoreU(a2, d, y);
        a2 = hn::Zero(d);
        break;
      default:
        hn::StoreU(a3, d, y);
        a3 = hn::Zero(d);
        break;
    }
  };
  size_t next_row = row_begin;
  const auto take = [&](size_t s) {
    row[s] = next_row;
    p[s] = row_ptr[next_row];
    left[s] = row_ptr[next_row + 1] - p[s];
    ++next_row;
  };
  if (row_end - row_begin >= kSlots) {
    for (size_t s = 0; s < kSlots; ++s) take(s);
    for (bool all_busy = true; all_busy;) {
      const int64_t steps = HWY_MIN(HWY_MIN(left[0], left[1]), HWY_MIN(left[2], left[3]));
      const T* HWY_RESTRICT v0 = values + p[0];
      const T* HWY_RESTRICT v1 = values + p[1];
      const T* HWY_RESTRICT v2 = values + p[2];
      const T* HWY_RESTRICT v3 = values + p[3];
      const I* HWY_RESTRICT c0 = cols + p[0];
      const I* HWY_RESTRICT c1 = cols + p[1];
      const I* HWY_RESTRICT c2 = cols + p[2];
      const I* HWY_RESTRICT c3 = cols + p[3];
      int64_t t = 0;
      if constexpr (HWY_TARGET != HWY_SCALAR) {
        // G entries per slot at a time: their values in one 128-bit load (repeated across wider vectors),
        // each broadcast by a shuffle, so that an entry costs one vector load (its X row) instead of two.
        // Same chains, same sums. A·X and Aᵀ·X on issue 4's 1 M-nonzero matrix, AVX-512, best of 6
        // alternated runs: 2–7 % faster for 4 floats, 5–10 % for 8 and 16 floats, 2–8 % for 4 and 8 doubles.
        constexpr int64_t G = int64_t(16 / sizeof(T));
        const auto entry = [&](auto lane, auto w0, auto w1, auto w2, auto w3) {
          constexpr int i = decltype(lane)::value;
          a0 = hn::MulAdd(hn::Broadcast<i>(w0), hn::LoadU(d, X + size_t(c0[t + i]) * k), a0);
          a1 = hn::MulAdd(hn::Broadcast<i>(w1), hn::LoadU(d, X + size_t(c1[t + i]) * k), a1);
          a2 = hn::MulAdd(hn::Broadcast<i>(w2), hn::LoadU(d, X + size_t(c2[t + i]) * k), a2);
          a3 = hn::MulAdd(hn::Broadcast<i>(w3), hn::LoadU(d, X + size_t(c3[t + i]) * k), a3);
        };
        for (; t + G <= steps; t += G) {
          const auto w0 = hn::LoadDup128(d, v0 + t), w1 = hn::LoadDup128(d, v1 + t);
          const auto w2 = hn::LoadDup128(d, v2 + t), w3 = hn::LoadDup128(d, v3 + t);
          entry(std::integral_constant<int, 0>(), w0, w1, w2, w3);
          entry(std::integral_constant<int, 1>(), w0, w1, w2, w3);
          if constexpr (G == 4) {
            entry(std::integral_constant<int, 2>(), w0, w1, w2, w3);
            entry(std::integral_constant<int, 3>(), w0, w1, w2, w3);
          }
        }
      }
      for (; t < steps; ++t) {
        a0 = hn::MulAdd(hn::Set(d, v0[t]), hn::LoadU(d, X + size_t(c0[t]) * k), a0);
        a1 = hn::MulAdd(hn::Set(d, v1[t]), hn::LoadU(d, X + size_t(c1[t]) * k), a1);
        a2 = hn::MulAdd(hn::Set(d, v2[t]), hn::LoadU(d, X + size_t(c2[t]) * k), a2);
        a3 = hn::MulAdd(hn::Set(d, v3[t]), hn::LoadU(d, X + size_t(c3[t]) * k), a3);
      }
      for (size_t s = 0; s < kSlots; ++s) {
        p[s] += steps;
        left[s] -= steps;
        if (left[s] != 0) continue;
        flush(s);
        if (next_row < row_end) {
          take(s);
        } else {
          left[s] = -1;
          all_busy = false;
        }
      }
    }
    // the rows still in slots: their partial sums stored, the remaining entries added on top (the same
    // chain in the same order); a row just taken may have no entries (left 0) and is stored as zeros
    for (size_t s = 0; s < kSlots; ++s) {
      if (left[s] < 0) continue;
      flush(s);
      AccumulateStrip<1>(
          d, p[s], p[s] + left[s], value_at, row_at, [](int64_t) {}, true, Y + row[s] * k);
    }
  }
  for (; next_row < row_end; ++next_row)  // fewer rows than slots
    AccumulateStrip<1>(
        d, row_ptr[next_row], row_ptr[next_row + 1], value_at, row_at, [](int64_t) {}, false, Y + next_row * k);
}

// Y(rows row_begin..row_end) = A·X, X and Y row-major with k columns. Prefetches run across row ends
// (the next row's entries follow in memory). A block of exactly one vector (full, or capped at 8 or 4
// lanes on wider targets) runs four rows at a time instead (SpmmOneVectorRows): same sums.
template <class T, class I>
void CsrSpmmRowsImpl(const int64_t* HWY_RESTRICT row_ptr, const I* HWY_RESTRICT cols, const T* HWY_RESTRICT values,
                     const T* HWY_RESTRICT X, T* HWY_RESTRICT Y, size_t k, size_t row_begin, size_t row_end) {
  const hn::ScalableTag<T> d;
  if (k == hn::Lanes(d)) return SpmmOneVectorRows(d, row_ptr, cols, values, X, Y, k, row_begin, row_end);
  if constexpr (HWY_LANES(T) > 8) {
    const hn::CappedTag<T, 8> d8;
    if (k == 8 && hn::Lanes(d8) == 8) return SpmmOneVectorRows(d8, row_ptr, cols, values, X, Y, k, row_begin, row_end);
  }
  if constexpr (HWY_LANES(T) > 4) {
    const hn::CappedTag<T, 4> d4;
    if (k == 4 && hn::Lanes(d4) == 4) return SpmmOneVectorRows(d4, row_ptr, cols, values, X, Y, k, row_begin, row_end);
  }
  const int64_t p_end = row_ptr[row_end];
  for (size_t r = row_begin; r < row_end; ++r)
    SpmmRow(d, cols, values, X, k, row_ptr[r], row_ptr[r + 1], p_end, false, Y + r * k);
}

// One column block of a cache-blocked SpMM: Y[r, :] += the entries of row r from next[r] up to the first
// column index ≥ col_end; next[r] moves past them. X holds the block's rows from column col_begin on. Each row's
// entries still meet Y[r, :] in storage order, so the blocked product equals the unblocked one bit for bit.
template <class T, class I>
void CsrSpmmRowsUntilImpl(const int64_t* HWY_RESTRICT row_ptr, const I* HWY_RESTRICT cols, const T* HWY_RESTRICT values,
                          const T* HWY_RESTRICT X, T* HWY_RESTRICT Y, size_t k, size_t row_begin, size_t row_end,
                          int64_t* HWY_RESTRICT next, int32_t col_end, int32_t col_begin) {
  const hn::ScalableTag<T> d;
  for (size_t r = row_begin; r < row_end; ++r) {
    const int64_t p0 = next[r], row_end_p = row_ptr[r + 1];
    int64_t p1 = p0;
    while (p1 < row_end_p && cols[p1] < col_end) ++p1;
    if (p1 > p0) SpmmRow(d, cols, values, X, k, p0, p1, p1, true, Y + r * k, col_begin);
    next[r] = p1;
  }
}

// out += Σ_{j<n} coef_at(j)·row_at(j) (k entries), out held in registers per strip; FMAs in row order, as
// n row-at-a-time axpys would run them. Shared by axpy_rows and the ALS kernel.
template <class D, class T, class CoefAt, class RowAt>
HWY_INLINE void AddScaledRows(D d, size_t n, const CoefAt& coef_at, const RowAt& row_at, T* HWY_RESTRICT out,
                              size_t k) {
  const size_t tail = ForEachStrip(d, k, [&](auto width, size_t j0) {
    AccumulateStrip<decltype(width)::value>(
        d, 0, int64_t(n), coef_at, [&](int64_t j) { return row_at(size_t(j)) + j0; }, [](int64_t) {}, true,
        out + j0);
  });
  for (size_t j = 0; j < n; ++j) {
    const T c = coef_at(int64_t(j));
    const T* HWY_RESTRICT r = row_at(j);
    for (size_t i = tail; i < k; ++i) out[i] += c * r[i];
  }
}

// out += Σ_j coef[j]·a_j over the rows a_j = A + j·ld.
template <class T>
void AxpyRowsImpl(const T* HWY_RESTRICT A, size_t ld, const T* HWY_RESTRICT coef, size_t n, T* HWY_RESTRICT out,
                  size_t k) {
  const hn::ScalableTag<T> d;
  AddScaledRows(
      d, n, [&](int64_t j) { return coef[j]; }, [&](size_t j) { return A + j * ld; }, out, k);
}

// out += Σ_j (a·c_j + b·(c_j − shift)·(y_j·p))·y_j over the gathered rows y_j = Y + idx[j]·ld. One call
// per user of the ALS conjugate-gradient solve, instead of a dispatched dot and axpy per interaction.
// Two passes per chunk of rows: first the dots, four rows at a time (four independent FMA chains), then
// out += Σ coef_j·y_j with out in registers (AddScaledRows) while the chunk's rows are still in L1.
// Holding out in registers over the chunk, instead of loading and storing it per group of four rows,
// cut this kernel's instructions by a tenth. No software prefetch: a CG solve visits the same rows four
// times in a row, and the prefetch loop (about 26 of 85 instructions per row, callgrind) made the ML-1M
// epoch 4–6 % slower and the 5 M-interaction one no faster (bench_rec_models, bench_scale).
template <class T>
void ConfidenceGramApplyImpl(const T* HWY_RESTRICT Y, size_t ld, const int32_t* HWY_RESTRICT idx,
                             const T* HWY_RESTRICT conf, size_t n, T shift, T a, T b, const T* HWY_RESTRICT p,
                             T* HWY_RESTRICT out, size_t k) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  constexpr size_t kChunk = 32;  // 32 rows of 64 doubles: 16 KB, half of a typical L1
  const T* rows[kChunk];
  HWY_ALIGN T dots[kChunk] = {}, confs[kChunk] = {}, coef[kChunk];
  for (size_t j0 = 0; j0 < n; j0 += kChunk) {
    const size_t len = n - j0 < kChunk ? n - j0 : kChunk;
    for (size_t t = 0; t < len; ++t) rows[t] = Y + size_t(idx[j0 + t]) * ld;
    size_t t = 0;
    for (; t + 4 <= len; t += 4) {
      const T* HWY_RESTRICT y0 = rows[t];
      const T* HWY_RESTRICT y1 = rows[t + 1];
      const T* HWY_RESTRICT y2 = rows[t + 2];
      const T* HWY_RESTRICT y3 = rows[t + 3];
      auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
      size_t i = 0;
      for (; i + N <= k; i += N) {
        const auto pv = hn::LoadU(d, p + i);
        s0 = hn::MulAdd(hn::LoadU(d, y0 + i), pv, s0);
        s1 = hn::MulAdd(hn::LoadU(d, y1 + i), pv, s1);
        s2 = hn::MulAdd(hn::LoadU(d, y2 + i), pv, s2);
        s3 = hn::MulAdd(hn::LoadU(d, y3 + i), pv, s3);
      }
      dots[t] = hn::GetLane(hn::SumOfLanes(d, s0));
      dots[t + 1] = hn::GetLane(hn::SumOfLanes(d, s1));
      dots[t + 2] = hn::GetLane(hn::SumOfLanes(d, s2));
      dots[t + 3] = hn::GetLane(hn::SumOfLanes(d, s3));
    }
    for (; t < len; ++t) {  // the last len mod 4 rows one at a time
      const T* HWY_RESTRICT y = rows[t];
      auto s0 = hn::Zero(d);
      for (size_t i = 0; i + N <= k; i += N) s0 = hn::MulAdd(hn::LoadU(d, y + i), hn::LoadU(d, p + i), s0);
      dots[t] = hn::GetLane(hn::SumOfLanes(d, s0));
    }
    // the scalar tail of the dots (k not a multiple of the lane count) at one site for every row, like
    // the coefficients below
    for (size_t i = k - k % N; i < k; ++i)
      for (size_t q = 0; q < len; ++q) dots[q] += rows[q][i] * p[i];
    // coef = a·c + b·(c − shift)·dot with explicit vector operations, one site for every row: written as
    // scalar code at several sites, the compiler fused a different one of the two products into an FMA
    // at each (and compiled the dots' tails differently), so a row's coefficient depended on where it fell
    // in the chunk, and solving a row's neighbours in pieces (als_cg_rows_jointly) changed its result in
    // the last bit
    std::copy(conf + j0, conf + j0 + len, confs);
    const hn::CappedTag<T, kChunk> dc;
    const auto va = hn::Set(dc, a), vb = hn::Set(dc, b), vshift = hn::Set(dc, shift);
    for (size_t q = 0; q < len; q += hn::Lanes(dc)) {
      const auto c = hn::LoadU(dc, confs + q);
      hn::StoreU(hn::MulAdd(hn::Mul(vb, hn::Sub(c, vshift)), hn::LoadU(dc, dots + q), hn::Mul(va, c)), dc, coef + q);
    }
    AddScaledRows(
        d, len, [&](int64_t u) { return coef[u]; }, [&](size_t u) { return rows[u]; }, out, k);
  }
}

}  // namespace lowrank::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();
#endif  // include guard toggle
