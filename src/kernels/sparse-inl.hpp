// Per-target CSR × dense-block kernel (Highway). Included once per SIMD target by sparse.cpp.
// For each output row, a strip of up to 8 vectors of Y stays in registers while the row's nonzeros
// stream past, so Y is written once per strip instead of once per nonzero (the axpy formulation).
#if defined(LOWRANK_KERNELS_SPARSE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWRANK_KERNELS_SPARSE_INL_H_
#undef LOWRANK_KERNELS_SPARSE_INL_H_
#else
#define LOWRANK_KERNELS_SPARSE_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include <hwy/cache_control.h>
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace lowrank::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One strip of V vectors (V·Lanes columns starting at j) of output row y: the V accumulators stay in
// registers while the row's nonzeros stream past. Each accumulator is one dependent FMA per nonzero, so
// wider strips (fewer passes over the row, more independent FMAs per nonzero) hide the FMA latency;
// V = 8 leaves registers for the broadcast on 16-register targets. X rows a few nonzeros ahead are
// prefetched: they are random gathers from a table that rarely fits in L2 (3.7 k × 64 doubles = 1.9 MB).
template <int V, class D, class T>
HWY_INLINE void CsrSpmmStrip(D d, const int32_t* HWY_RESTRICT cols, const T* HWY_RESTRICT values, int64_t p0,
                             int64_t p1, int64_t p_end, const T* HWY_RESTRICT X, size_t k, size_t j,
                             T* HWY_RESTRICT y) {
  const size_t N = hn::Lanes(d);
  constexpr int64_t kAhead = 8;
  const size_t line = 64 / sizeof(T), strip = size_t(V) * N;
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  auto a4 = hn::Zero(d), a5 = hn::Zero(d), a6 = hn::Zero(d), a7 = hn::Zero(d);
  for (int64_t p = p0; p < p1; ++p) {
    if (p + kAhead < p_end) {
      const T* ahead = X + size_t(cols[p + kAhead]) * k + j;
      for (size_t o = 0; o < strip; o += line) hwy::Prefetch(ahead + o);
    }
    const auto v = hn::Set(d, values[p]);
    const T* x = X + size_t(cols[p]) * k + j;
    a0 = hn::MulAdd(v, hn::LoadU(d, x), a0);
    if constexpr (V > 1) a1 = hn::MulAdd(v, hn::LoadU(d, x + 1 * N), a1);
    if constexpr (V > 2) a2 = hn::MulAdd(v, hn::LoadU(d, x + 2 * N), a2);
    if constexpr (V > 3) a3 = hn::MulAdd(v, hn::LoadU(d, x + 3 * N), a3);
    if constexpr (V > 4) a4 = hn::MulAdd(v, hn::LoadU(d, x + 4 * N), a4);
    if constexpr (V > 5) a5 = hn::MulAdd(v, hn::LoadU(d, x + 5 * N), a5);
    if constexpr (V > 6) a6 = hn::MulAdd(v, hn::LoadU(d, x + 6 * N), a6);
    if constexpr (V > 7) a7 = hn::MulAdd(v, hn::LoadU(d, x + 7 * N), a7);
  }
  hn::StoreU(a0, d, y + j);
  if constexpr (V > 1) hn::StoreU(a1, d, y + j + 1 * N);
  if constexpr (V > 2) hn::StoreU(a2, d, y + j + 2 * N);
  if constexpr (V > 3) hn::StoreU(a3, d, y + j + 3 * N);
  if constexpr (V > 4) hn::StoreU(a4, d, y + j + 4 * N);
  if constexpr (V > 5) hn::StoreU(a5, d, y + j + 5 * N);
  if constexpr (V > 6) hn::StoreU(a6, d, y + j + 6 * N);
  if constexpr (V > 7) hn::StoreU(a7, d, y + j + 7 * N);
}

// Y(rows row_begin..row_end) = A·X, X and Y row-major with k columns: strips of 8 vectors, then one
// strip of the remaining whole vectors, then the scalar tail (k not a multiple of the lane count).
template <class T>
void CsrSpmmRowsImpl(const int64_t* HWY_RESTRICT row_ptr, const int32_t* HWY_RESTRICT cols,
                     const T* HWY_RESTRICT values, const T* HWY_RESTRICT X, T* HWY_RESTRICT Y, size_t k,
                     size_t row_begin, size_t row_end) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const int64_t p_end = row_ptr[row_end];
  for (size_t r = row_begin; r < row_end; ++r) {
    T* y = Y + r * k;
    const int64_t p0 = row_ptr[r], p1 = row_ptr[r + 1];
    size_t j = 0;
    for (; j + 8 * N <= k; j += 8 * N) CsrSpmmStrip<8>(d, cols, values, p0, p1, p_end, X, k, j, y);
    switch ((k - j) / N) {
      case 7: CsrSpmmStrip<7>(d, cols, values, p0, p1, p_end, X, k, j, y); break;
      case 6: CsrSpmmStrip<6>(d, cols, values, p0, p1, p_end, X, k, j, y); break;
      case 5: CsrSpmmStrip<5>(d, cols, values, p0, p1, p_end, X, k, j, y); break;
      case 4: CsrSpmmStrip<4>(d, cols, values, p0, p1, p_end, X, k, j, y); break;
      case 3: CsrSpmmStrip<3>(d, cols, values, p0, p1, p_end, X, k, j, y); break;
      case 2: CsrSpmmStrip<2>(d, cols, values, p0, p1, p_end, X, k, j, y); break;
      case 1: CsrSpmmStrip<1>(d, cols, values, p0, p1, p_end, X, k, j, y); break;
      default: break;
    }
    j += (k - j) / N * N;
    for (; j < k; ++j) {
      T a = 0;
      for (int64_t p = p0; p < p1; ++p) a += values[p] * X[size_t(cols[p]) * k + j];
      y[j] = a;
    }
  }
}

// out += c0·r0 + c1·r1 + c2·r2 + c3·r3 (k entries): `out` loaded and stored once for four rows, the FMAs
// in row order, as four row-at-a-time axpys would run them. Shared by axpy_rows and the ALS kernel.
template <class D, class T>
HWY_INLINE void AddFourScaledRows(D d, T c0, const T* HWY_RESTRICT r0, T c1, const T* HWY_RESTRICT r1, T c2,
                                  const T* HWY_RESTRICT r2, T c3, const T* HWY_RESTRICT r3, T* HWY_RESTRICT out,
                                  size_t k) {
  const size_t N = hn::Lanes(d);
  const auto v0 = hn::Set(d, c0), v1 = hn::Set(d, c1), v2 = hn::Set(d, c2), v3 = hn::Set(d, c3);
  size_t i = 0;
  for (; i + N <= k; i += N) {
    auto o = hn::LoadU(d, out + i);
    o = hn::MulAdd(v0, hn::LoadU(d, r0 + i), o);
    o = hn::MulAdd(v1, hn::LoadU(d, r1 + i), o);
    o = hn::MulAdd(v2, hn::LoadU(d, r2 + i), o);
    o = hn::MulAdd(v3, hn::LoadU(d, r3 + i), o);
    hn::StoreU(o, d, out + i);
  }
  for (; i < k; ++i) out[i] += c0 * r0[i] + c1 * r1[i] + c2 * r2[i] + c3 * r3[i];
}

// out += c·r (k entries): the one-row remainder of AddFourScaledRows.
template <class D, class T>
HWY_INLINE void AddScaledRow(D d, T c, const T* HWY_RESTRICT r, T* HWY_RESTRICT out, size_t k) {
  const size_t N = hn::Lanes(d);
  const auto v = hn::Set(d, c);
  size_t i = 0;
  for (; i + N <= k; i += N) hn::StoreU(hn::MulAdd(v, hn::LoadU(d, r + i), hn::LoadU(d, out + i)), d, out + i);
  for (; i < k; ++i) out[i] += c * r[i];
}

// out += Σ_j coef[j]·a_j over the rows a_j = A + j·ld, four rows per pass over `out`.
template <class T>
void AxpyRowsImpl(const T* HWY_RESTRICT A, size_t ld, const T* HWY_RESTRICT coef, size_t n, T* HWY_RESTRICT out,
                  size_t k) {
  const hn::ScalableTag<T> d;
  size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const T* r0 = A + j * ld;
    AddFourScaledRows(d, coef[j], r0, coef[j + 1], r0 + ld, coef[j + 2], r0 + 2 * ld, coef[j + 3], r0 + 3 * ld,
                      out, k);
  }
  for (; j < n; ++j) AddScaledRow(d, coef[j], A + j * ld, out, k);
}

// out += Σ_j (a·c_j + b·(c_j − shift)·(y_j·p))·y_j over the gathered rows y_j = Y + idx[j]·ld. One call
// per user of the ALS conjugate-gradient solve, instead of a dispatched dot and axpy per interaction.
// Rows go in groups of four: four independent dot chains hide the FMA latency, and `out` is loaded and
// stored once per group instead of once per row. The FMAs into `out` run in row order, as one row at a
// time would. Rows a group ahead are prefetched (random gathers from an item-factor table).
template <class T>
void ConfidenceGramApplyImpl(const T* HWY_RESTRICT Y, size_t ld, const int32_t* HWY_RESTRICT idx,
                             const T* HWY_RESTRICT conf, size_t n, T shift, T a, T b, const T* HWY_RESTRICT p,
                             T* HWY_RESTRICT out, size_t k) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const size_t line = 64 / sizeof(T);
  const auto coefficient = [&](size_t j, T dot) { return a * conf[j] + b * (conf[j] - shift) * dot; };
  size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    for (size_t ahead = j + 4; ahead < j + 8 && ahead < n; ++ahead)
      for (size_t o = 0; o < k; o += line) hwy::Prefetch(Y + size_t(idx[ahead]) * ld + o);
    const T* HWY_RESTRICT y0 = Y + size_t(idx[j]) * ld;
    const T* HWY_RESTRICT y1 = Y + size_t(idx[j + 1]) * ld;
    const T* HWY_RESTRICT y2 = Y + size_t(idx[j + 2]) * ld;
    const T* HWY_RESTRICT y3 = Y + size_t(idx[j + 3]) * ld;
    auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
    size_t i = 0;
    for (; i + N <= k; i += N) {
      const auto pv = hn::LoadU(d, p + i);
      s0 = hn::MulAdd(hn::LoadU(d, y0 + i), pv, s0);
      s1 = hn::MulAdd(hn::LoadU(d, y1 + i), pv, s1);
      s2 = hn::MulAdd(hn::LoadU(d, y2 + i), pv, s2);
      s3 = hn::MulAdd(hn::LoadU(d, y3 + i), pv, s3);
    }
    T d0 = hn::GetLane(hn::SumOfLanes(d, s0)), d1 = hn::GetLane(hn::SumOfLanes(d, s1));
    T d2 = hn::GetLane(hn::SumOfLanes(d, s2)), d3 = hn::GetLane(hn::SumOfLanes(d, s3));
    for (size_t t = i; t < k; ++t) {
      d0 += y0[t] * p[t];
      d1 += y1[t] * p[t];
      d2 += y2[t] * p[t];
      d3 += y3[t] * p[t];
    }
    AddFourScaledRows(d, coefficient(j, d0), y0, coefficient(j + 1, d1), y1, coefficient(j + 2, d2), y2,
                      coefficient(j + 3, d3), y3, out, k);
  }
  for (; j < n; ++j) {  // the last n mod 4 rows one at a time
    const T* HWY_RESTRICT y = Y + size_t(idx[j]) * ld;
    auto s0 = hn::Zero(d);
    size_t i = 0;
    for (; i + N <= k; i += N) s0 = hn::MulAdd(hn::LoadU(d, y + i), hn::LoadU(d, p + i), s0);
    T s = hn::GetLane(hn::SumOfLanes(d, s0));
    for (; i < k; ++i) s += y[i] * p[i];
    AddScaledRow(d, coefficient(j, s), y, out, k);
  }
}

}  // namespace lowrank::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();
#endif  // include guard toggle
