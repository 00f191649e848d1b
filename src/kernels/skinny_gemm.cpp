// Skinny GEMM: products of a long basis with a block of 2–16 columns, without packing (Highway, one copy per
// SIMD target, dispatched at run time). kernels::gemm (dense.cpp) sends these shapes here:
//   T = α·Qᵀ·P + β·T   (Q k×m, P k×n: k long, the inner dimension)   — skinny_gemm_tn
//   P = α·Q·T + β·P    (Q m×k, T k×n: m long, the rows)              — skinny_gemm_nn
// They are the block Gram–Schmidt steps of the truncated solvers (svd/detail/orthogonalize.hpp): Q the
// Lanczos basis, thousands of rows by up to a few hundred columns, P a block of 8 or 16 columns. A general
// GEMM (Eigen's, as BLAS's) first packs all of Q into cache-sized panels; with 8 columns on the other side,
// each entry of Q then meets only 8 multiply-adds, and packing it cost as much as the product (perf of the
// Lanczos solve at rank 50, block 8: 12 % of the time in gemm_pack_lhs, 9 % in the multiply). Here Q is
// read once, in place, with register tiles of accumulators: TN — 3 columns of Q × 8 of P, vectors along
// k, reduced to scalars at the end; NN — 2 vectors of rows × 8 columns of T, T's entries broadcast.
// (Targets with 16 vector registers — AVX2, SSE4 — take tiles of 1 column and 1 vector.)
// Measured (Zen 5, one thread, float, P 8 columns): alone, with Q in cache, Qᵀ·P 0.078 against Eigen's
// 0.145 ms and P −= Q·T 0.065 against 0.111 ms (Q 3706×152); inside lanczos_svd, where Q comes from L3
// or memory, both are bound by reading Q and the solve gained 1–9 % (tol 1e-5, ranks 10–100, blocks
// 4–16, the two variants alternating in one process).
//
// Determinism: every entry is summed in one fixed order whatever the buffers' alignment and the thread
// count (threads take whole panels of rows or columns, cut at fixed sizes).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/skinny_gemm.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>

HWY_BEFORE_NAMESPACE();
namespace lowrank::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Tile sizes by register count: 24 (TN) or 16 (NN) accumulators need 32 vector registers.
#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3 || HWY_TARGET == HWY_EMU128 || \
    HWY_TARGET == HWY_SCALAR
constexpr int kDotColumns = 1;
constexpr int kAxpyVectors = 1;
#else
constexpr int kDotColumns = 3;
constexpr int kAxpyVectors = 2;
#endif

// Accumulators named s<r><c> (SVE vectors are sizeless: no arrays of them).
#define LOWRANK_ZERO_ROW(r)                                                                        \
  auto s##r##0 = hn::Zero(d), s##r##1 = hn::Zero(d), s##r##2 = hn::Zero(d), s##r##3 = hn::Zero(d), \
       s##r##4 = hn::Zero(d), s##r##5 = hn::Zero(d), s##r##6 = hn::Zero(d), s##r##7 = hn::Zero(d);

// C(r, c) = α·Σ_k q_r[k]·P(k, c) + β·C(r, c) for the MR columns q_0.. of Q and the NR columns of P: vectors
// along k, then each accumulator reduced and the k tail (fewer than one vector) added in scalar.
template <int MR, int NR, class T>
HWY_INLINE void DotTile(size_t K, const T* HWY_RESTRICT q, size_t ldq, const T* HWY_RESTRICT P, size_t ldp, T alpha,
                        T beta, T* HWY_RESTRICT C, size_t ldc) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const T* HWY_RESTRICT q0 = q;
  const T* HWY_RESTRICT q1 = MR > 1 ? q + ldq : q;
  const T* HWY_RESTRICT q2 = MR > 2 ? q + 2 * ldq : q;
  LOWRANK_ZERO_ROW(0)
  LOWRANK_ZERO_ROW(1)
  LOWRANK_ZERO_ROW(2)
  size_t k = 0;
  // in the solvers Q comes from L3 or memory (the SpMM between two products evicts it): 1 KB ahead
  constexpr size_t kAhead = 1024 / sizeof(T);
  for (; k + N <= K; k += N) {
    if (k % (64 / sizeof(T)) < N) {
      hwy::Prefetch(q0 + k + kAhead);
      if constexpr (MR > 1) hwy::Prefetch(q1 + k + kAhead);
      if constexpr (MR > 2) hwy::Prefetch(q2 + k + kAhead);
    }
    const auto a0 = hn::LoadU(d, q0 + k);
    const auto a1 = hn::LoadU(d, q1 + k);
    const auto a2 = hn::LoadU(d, q2 + k);
#define LOWRANK_DOT_STEP(c)                                 \
  if constexpr (NR > c) {                                   \
    const auto b = hn::LoadU(d, P + c * ldp + k);           \
    s0##c = hn::MulAdd(a0, b, s0##c);                       \
    if constexpr (MR > 1) s1##c = hn::MulAdd(a1, b, s1##c); \
    if constexpr (MR > 2) s2##c = hn::MulAdd(a2, b, s2##c); \
  }
    LOWRANK_DOT_STEP(0)
    LOWRANK_DOT_STEP(1)
    LOWRANK_DOT_STEP(2)
    LOWRANK_DOT_STEP(3)
    LOWRANK_DOT_STEP(4)
    LOWRANK_DOT_STEP(5)
    LOWRANK_DOT_STEP(6)
    LOWRANK_DOT_STEP(7)
#undef LOWRANK_DOT_STEP
  }
  const auto finish = [&](auto acc, const T* HWY_RESTRICT qr, size_t r, size_t c) {
    T t = hn::GetLane(hn::SumOfLanes(d, acc));
    for (size_t i = k; i < K; ++i) t += qr[i] * P[c * ldp + i];
    T* out = C + c * ldc + r;
    *out = beta == T(0) ? alpha * t : alpha * t + beta * *out;  // β = 0 does not read C
  };
#define LOWRANK_DOT_FINISH(c)                      \
  if constexpr (NR > c) {                          \
    finish(s0##c, q0, 0, c);                       \
    if constexpr (MR > 1) finish(s1##c, q1, 1, c); \
    if constexpr (MR > 2) finish(s2##c, q2, 2, c); \
  }
  LOWRANK_DOT_FINISH(0)
  LOWRANK_DOT_FINISH(1)
  LOWRANK_DOT_FINISH(2)
  LOWRANK_DOT_FINISH(3)
  LOWRANK_DOT_FINISH(4)
  LOWRANK_DOT_FINISH(5)
  LOWRANK_DOT_FINISH(6)
  LOWRANK_DOT_FINISH(7)
#undef LOWRANK_DOT_FINISH
}

// Rows [i, i + RV·Lanes(d)) of C (columns c0 .. c0 + NR) = α·Q·T + β·C: RV vectors of rows × NR columns
// of accumulators; per column of Q, RV loads and NR broadcasts of T's entries.
template <int RV, int NR, class D, class T>
HWY_INLINE void AxpyTile(D d, size_t i, size_t K, const T* HWY_RESTRICT Q, size_t ldq, const T* HWY_RESTRICT Tm,
                         size_t ldt, T alpha, T beta, T* HWY_RESTRICT C, size_t ldc) {
  const size_t N = hn::Lanes(d);
  LOWRANK_ZERO_ROW(0)
  LOWRANK_ZERO_ROW(1)
  for (size_t k = 0; k < K; ++k) {
    const T* HWY_RESTRICT qk = Q + k * ldq + i;
    const auto a0 = hn::LoadU(d, qk);
    const auto a1 = RV > 1 ? hn::LoadU(d, qk + N) : a0;
#define LOWRANK_AXPY_STEP(c)                                \
  if constexpr (NR > c) {                                   \
    const auto t = hn::Set(d, Tm[c * ldt + k]);             \
    s0##c = hn::MulAdd(a0, t, s0##c);                       \
    if constexpr (RV > 1) s1##c = hn::MulAdd(a1, t, s1##c); \
  }
    LOWRANK_AXPY_STEP(0)
    LOWRANK_AXPY_STEP(1)
    LOWRANK_AXPY_STEP(2)
    LOWRANK_AXPY_STEP(3)
    LOWRANK_AXPY_STEP(4)
    LOWRANK_AXPY_STEP(5)
    LOWRANK_AXPY_STEP(6)
    LOWRANK_AXPY_STEP(7)
#undef LOWRANK_AXPY_STEP
  }
  const auto va = hn::Set(d, alpha), vb = hn::Set(d, beta);
  const auto store = [&](auto acc, size_t v, size_t c) {
    T* HWY_RESTRICT out = C + c * ldc + i + v * N;
    const auto scaled = hn::Mul(va, acc);
    hn::StoreU(beta == T(0) ? scaled : hn::MulAdd(vb, hn::LoadU(d, out), scaled), d, out);
  };
#define LOWRANK_AXPY_STORE(c)                 \
  if constexpr (NR > c) {                     \
    store(s0##c, 0, c);                       \
    if constexpr (RV > 1) store(s1##c, 1, c); \
  }
  LOWRANK_AXPY_STORE(0)
  LOWRANK_AXPY_STORE(1)
  LOWRANK_AXPY_STORE(2)
  LOWRANK_AXPY_STORE(3)
  LOWRANK_AXPY_STORE(4)
  LOWRANK_AXPY_STORE(5)
  LOWRANK_AXPY_STORE(6)
  LOWRANK_AXPY_STORE(7)
#undef LOWRANK_AXPY_STORE
}
#undef LOWRANK_ZERO_ROW

// Calls f(std::integral_constant<int, NR>) for nr in 1..8.
template <class F>
HWY_INLINE void WithColumns(size_t nr, const F& f) {
  switch (nr) {
    case 1:
      f(std::integral_constant<int, 1>());
      break;
    case 2:
      f(std::integral_constant<int, 2>());
      break;
    case 3:
      f(std::integral_constant<int, 3>());
      break;
    case 4:
      f(std::integral_constant<int, 4>());
      break;
    case 5:
      f(std::integral_constant<int, 5>());
      break;
    case 6:
      f(std::integral_constant<int, 6>());
      break;
    case 7:
      f(std::integral_constant<int, 7>());
      break;
    default:
      f(std::integral_constant<int, 8>());
      break;
  }
}

// C(r_begin..r_end, 0..n) = α·Qᵀ·P + β·C, Q k×m (columns r of Q give rows r of C), P k×n.
template <class T>
void SkinnyTnImpl(size_t r_begin, size_t r_end, size_t n, size_t K, T alpha, const T* q, size_t ldq, const T* P,
                  size_t ldp, T beta, T* C, size_t ldc) {
  size_t r = r_begin;
  // the MR columns of Q stay in L1/L2 while they meet the column groups of P
  for (; r + kDotColumns <= r_end; r += kDotColumns)
    for (size_t c0 = 0; c0 < n; c0 += 8)
      WithColumns(n - c0, [&](auto nr) {
        DotTile<kDotColumns, decltype(nr)::value>(K, q + r * ldq, ldq, P + c0 * ldp, ldp, alpha, beta, C + c0 * ldc + r,
                                                  ldc);
      });
  for (; r < r_end; ++r)
    for (size_t c0 = 0; c0 < n; c0 += 8)
      WithColumns(n - c0, [&](auto nr) {
        DotTile<1, decltype(nr)::value>(K, q + r * ldq, ldq, P + c0 * ldp, ldp, alpha, beta, C + c0 * ldc + r, ldc);
      });
}

// Rows [i_begin, i_end) of C (m×n) = α·Q·T + β·C, Q m×k, T k×n.
template <class T>
void SkinnyNnImpl(size_t i_begin, size_t i_end, size_t n, size_t K, T alpha, const T* Q, size_t ldq, const T* Tm,
                  size_t ldt, T beta, T* C, size_t ldc) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  size_t i = i_begin;
  for (; i + kAxpyVectors * N <= i_end; i += kAxpyVectors * N)
    for (size_t c0 = 0; c0 < n; c0 += 8)
      WithColumns(n - c0, [&](auto nr) {
        AxpyTile<kAxpyVectors, decltype(nr)::value>(d, i, K, Q, ldq, Tm + c0 * ldt, ldt, alpha, beta, C + c0 * ldc,
                                                    ldc);
      });
  for (; i + N <= i_end; i += N)
    for (size_t c0 = 0; c0 < n; c0 += 8)
      WithColumns(n - c0, [&](auto nr) {
        AxpyTile<1, decltype(nr)::value>(d, i, K, Q, ldq, Tm + c0 * ldt, ldt, alpha, beta, C + c0 * ldc, ldc);
      });
  // the last rows, fewer than one vector: one lane at a time, the same multiply-adds in the same order
  const hn::CappedTag<T, 1> d1;
  for (; i < i_end; ++i)
    for (size_t c0 = 0; c0 < n; c0 += 8)
      WithColumns(n - c0, [&](auto nr) {
        AxpyTile<1, decltype(nr)::value>(d1, i, K, Q, ldq, Tm + c0 * ldt, ldt, alpha, beta, C + c0 * ldc, ldc);
      });
}

void SkinnyTnF64(size_t r_begin, size_t r_end, size_t n, size_t k, double alpha, const double* q, size_t ldq,
                 const double* p, size_t ldp, double beta, double* c, size_t ldc) {
  SkinnyTnImpl(r_begin, r_end, n, k, alpha, q, ldq, p, ldp, beta, c, ldc);
}
void SkinnyTnF32(size_t r_begin, size_t r_end, size_t n, size_t k, float alpha, const float* q, size_t ldq,
                 const float* p, size_t ldp, float beta, float* c, size_t ldc) {
  SkinnyTnImpl(r_begin, r_end, n, k, alpha, q, ldq, p, ldp, beta, c, ldc);
}
void SkinnyNnF64(size_t i_begin, size_t i_end, size_t n, size_t k, double alpha, const double* q, size_t ldq,
                 const double* t, size_t ldt, double beta, double* c, size_t ldc) {
  SkinnyNnImpl(i_begin, i_end, n, k, alpha, q, ldq, t, ldt, beta, c, ldc);
}
void SkinnyNnF32(size_t i_begin, size_t i_end, size_t n, size_t k, float alpha, const float* q, size_t ldq,
                 const float* t, size_t ldt, float beta, float* c, size_t ldc) {
  SkinnyNnImpl(i_begin, i_end, n, k, alpha, q, ldq, t, ldt, beta, c, ldc);
}
}  // namespace lowrank::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/skinny_gemm.hpp"
#include "kernels/targets_anchor.hpp"
namespace lowrank::kernels {
HWY_EXPORT(SkinnyTnF64);
HWY_EXPORT(SkinnyTnF32);
HWY_EXPORT(SkinnyNnF64);
HWY_EXPORT(SkinnyNnF32);

namespace {
// As kernels/dense.hpp's kParallelMinWork: below m·n·k = 2²⁴ the product runs on one thread.
constexpr double kSkinnyParallelMinWork = double(1 << 24);
// Fixed panels (whatever the thread count): 48 columns of Q (TN: a multiple of every tile's 3 columns),
// 1024 rows (NN: a multiple of 2 vectors on every target up to 2048-bit SVE).
constexpr std::size_t kTnPanel = 48, kNnPanel = 1024;

template <class T, class Kernel>
bool skinny_gemm_impl(const Kernel& kernel, bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n,
                      std::ptrdiff_t k, T alpha, const T* a, std::ptrdiff_t lda, const T* b, std::ptrdiff_t ldb, T beta,
                      T* c, std::ptrdiff_t ldc) {
  if (!skinny_gemm_shape(trans_a, trans_b, m, n, k) || alpha == T(0)) return false;
  const std::size_t count = std::size_t(m), panel = trans_a ? kTnPanel : kNnPanel;
  const std::ptrdiff_t panels = std::ptrdiff_t((count + panel - 1) / panel);
  const bool parallel = panels > 1 && double(m) * double(n) * double(k) >= kSkinnyParallelMinWork;
  (void)parallel;
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) if (parallel)
#endif
  for (std::ptrdiff_t p = 0; p < panels; ++p) {
    const std::size_t begin = std::size_t(p) * panel, end = begin + panel < count ? begin + panel : count;
    kernel(trans_a, begin, end, std::size_t(n), std::size_t(k), alpha, a, std::size_t(lda), b, std::size_t(ldb), beta,
           c, std::size_t(ldc));
  }
  return true;
}
}  // namespace

bool skinny_gemm_shape(bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k) {
  if (trans_b || n < 2 || n > kSkinnyMaxColumns || m < 1 || k < 1) return false;
  return trans_a ? k >= kSkinnyMinLength : m >= kSkinnyMinLength;
}

bool skinny_gemm(bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k, double alpha,
                 const double* a, std::ptrdiff_t lda, const double* b, std::ptrdiff_t ldb, double beta, double* c,
                 std::ptrdiff_t ldc) {
  const auto kernel = [](bool tn, std::size_t begin, std::size_t end, std::size_t nn, std::size_t kk, double al,
                         const double* aa, std::size_t la, const double* bb, std::size_t lb, double be, double* cc,
                         std::size_t lc) {
    if (tn)
      HWY_DYNAMIC_DISPATCH(SkinnyTnF64)(begin, end, nn, kk, al, aa, la, bb, lb, be, cc, lc);
    else
      HWY_DYNAMIC_DISPATCH(SkinnyNnF64)(begin, end, nn, kk, al, aa, la, bb, lb, be, cc, lc);
  };
  return skinny_gemm_impl(kernel, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

bool skinny_gemm(bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k, float alpha,
                 const float* a, std::ptrdiff_t lda, const float* b, std::ptrdiff_t ldb, float beta, float* c,
                 std::ptrdiff_t ldc) {
  const auto kernel = [](bool tn, std::size_t begin, std::size_t end, std::size_t nn, std::size_t kk, float al,
                         const float* aa, std::size_t la, const float* bb, std::size_t lb, float be, float* cc,
                         std::size_t lc) {
    if (tn)
      HWY_DYNAMIC_DISPATCH(SkinnyTnF32)(begin, end, nn, kk, al, aa, la, bb, lb, be, cc, lc);
    else
      HWY_DYNAMIC_DISPATCH(SkinnyNnF32)(begin, end, nn, kk, al, aa, la, bb, lb, be, cc, lc);
  };
  return skinny_gemm_impl(kernel, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
}  // namespace lowrank::kernels
#endif  // HWY_ONCE
