// Per-target CSR × dense-block kernel (Highway). Included once per SIMD target by sparse.cpp.
// For each output row, a strip of 4 vectors of Y stays in registers while the row's nonzeros stream
// past, so Y is written once per strip instead of once per nonzero (the axpy formulation).
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

template <class T>
void CsrSpmmRowsImpl(const int64_t* HWY_RESTRICT row_ptr, const int32_t* HWY_RESTRICT cols,
                     const T* HWY_RESTRICT values, const T* HWY_RESTRICT X, T* HWY_RESTRICT Y, size_t k,
                     size_t row_begin, size_t row_end) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  for (size_t r = row_begin; r < row_end; ++r) {
    T* y = Y + r * k;
    const int64_t p0 = row_ptr[r], p1 = row_ptr[r + 1];
    size_t j = 0;
    for (; j + 4 * N <= k; j += 4 * N) {
      auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
      for (int64_t p = p0; p < p1; ++p) {
        const auto v = hn::Set(d, values[p]);
        const T* x = X + size_t(cols[p]) * k + j;
        a0 = hn::MulAdd(v, hn::LoadU(d, x), a0);
        a1 = hn::MulAdd(v, hn::LoadU(d, x + N), a1);
        a2 = hn::MulAdd(v, hn::LoadU(d, x + 2 * N), a2);
        a3 = hn::MulAdd(v, hn::LoadU(d, x + 3 * N), a3);
      }
      hn::StoreU(a0, d, y + j);
      hn::StoreU(a1, d, y + j + N);
      hn::StoreU(a2, d, y + j + 2 * N);
      hn::StoreU(a3, d, y + j + 3 * N);
    }
    for (; j + N <= k; j += N) {
      auto a0 = hn::Zero(d);
      for (int64_t p = p0; p < p1; ++p)
        a0 = hn::MulAdd(hn::Set(d, values[p]), hn::LoadU(d, X + size_t(cols[p]) * k + j), a0);
      hn::StoreU(a0, d, y + j);
    }
    for (; j < k; ++j) {
      T a = 0;
      for (int64_t p = p0; p < p1; ++p) a += values[p] * X[size_t(cols[p]) * k + j];
      y[j] = a;
    }
  }
}

// out += Σ_j (a·c_j + b·(c_j − shift)·(y_j·p))·y_j over the gathered rows y_j = Y + idx[j]·ld. One call
// per user of the ALS conjugate-gradient solve, instead of a dispatched dot and axpy per interaction;
// the row two ahead is prefetched (rows are random gathers from an item-factor table).
template <class T>
void ConfidenceGramApplyImpl(const T* HWY_RESTRICT Y, size_t ld, const int32_t* HWY_RESTRICT idx,
                             const T* HWY_RESTRICT conf, size_t n, T shift, T a, T b, const T* HWY_RESTRICT p,
                             T* HWY_RESTRICT out, size_t k) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const size_t line = 64 / sizeof(T);
  for (size_t j = 0; j < n; ++j) {
    if (j + 2 < n) {
      const T* ahead = Y + size_t(idx[j + 2]) * ld;
      for (size_t o = 0; o < k; o += line) hwy::Prefetch(ahead + o);
    }
    const T* HWY_RESTRICT y = Y + size_t(idx[j]) * ld;
    auto s0 = hn::Zero(d), s1 = hn::Zero(d);
    size_t i = 0;
    for (; i + 2 * N <= k; i += 2 * N) {
      s0 = hn::MulAdd(hn::LoadU(d, y + i), hn::LoadU(d, p + i), s0);
      s1 = hn::MulAdd(hn::LoadU(d, y + i + N), hn::LoadU(d, p + i + N), s1);
    }
    for (; i + N <= k; i += N) s0 = hn::MulAdd(hn::LoadU(d, y + i), hn::LoadU(d, p + i), s0);
    T s = hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
    for (; i < k; ++i) s += y[i] * p[i];
    const T c = conf[j];
    const T coef = a * c + b * (c - shift) * s;
    const auto vc = hn::Set(d, coef);
    i = 0;
    for (; i + N <= k; i += N) hn::StoreU(hn::MulAdd(vc, hn::LoadU(d, y + i), hn::LoadU(d, out + i)), d, out + i);
    for (; i < k; ++i) out[i] += coef * y[i];
  }
}

}  // namespace lowrank::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();
#endif  // include guard toggle
