// Skinny GEMM: products of a long matrix with a block of 2–32 columns, without packing (Highway, one copy
// per SIMD target, dispatched at run time). kernels::gemm (dense.cpp) sends these shapes here:
//   T = α·Qᵀ·P + β·T   (Q k×m, P k×n: k long, the inner dimension; n ≤ 32)  — skinny_gemm_tn
//   P = α·Q·T + β·P    (Q m×k, T k×n: m long, the rows; n ≤ 32)             — skinny_gemm_nn
// (n ≤ 16 on targets with 16 vector registers, AVX2 and SSE4).
// They are the block Gram–Schmidt steps of the truncated solvers (svd/detail/orthogonalize.hpp), Q the
// Lanczos basis, thousands of rows by up to a few hundred columns, P a block of 4–16 columns; and the
// products of the dense operator (operator.hpp) with the solvers' blocks, Q = A. A general GEMM (Eigen's,
// as BLAS's) first packs all of Q into cache-sized panels; with 8 columns on the other side, each entry
// of Q then meets only 8 multiply-adds, and packing it cost as much as the product (perf of the Lanczos
// solve at rank 50, block 8: 12 % of the time in gemm_pack_lhs, 9 % in the multiply). Here Q is read
// once, in place, with register tiles of accumulators (TileRows): TN — columns of Q × up to 4 or 8 of P,
// vectors along k, reduced to scalars at the end; NN — vectors of rows × up to 8 columns of T, T's
// entries broadcast. More columns are cut into chunks of equal width, which a tile's rows of Q meet in
// turn while they are in L1/L2.
// Measured (Zen 5, one thread): alone, Q 3706×152 floats in cache, P 8 columns, Qᵀ·P 0.078 against
// Eigen's 0.145 ms and P −= Q·T 0.065 against 0.111 ms; inside lanczos_svd, where Q comes from L3 or
// memory, both are bound by reading Q and the solve gained 1–9 %. A = 5000×2000 doubles from memory
// against 4 columns (dense lanczos_svd's default block): A·X 2.95 ms and Aᵀ·X 2.37 ms with the tiles of
// 6 × 4 against 4.53 and 5.50 ms with the earlier 2 × 4 and 3 × 4 (a plain read of A: 2.0 ms); 20
// columns (randomized_svd at rank 10) A·X 7.7 against Eigen's 12.3 ms.
//
// Determinism: every entry is summed in one fixed order whatever the buffers' alignment and the thread
// count (threads take whole panels of rows or columns, cut at fixed sizes).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/skinny_gemm.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include "kernels/skinny_gemm.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

HWY_BEFORE_NAMESPACE();
namespace lowrank::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Tiles by register count. A tile holds rows × columns accumulators: rows = columns of Q (TN) or vectors
// of rows (NN), columns = up to 8 columns of P or T. With 32 vector registers (AVX-512, NEON, SVE) the
// rows fill up to 24 accumulators beside their loads and the broadcast — 3 × 8, 4 × 6, 6 × 4, 7 × 3, 8 × 2:
// the taller the tile, the more of Q each step reads at once. For a Q from memory (the dense operator's
// products, 5000×2000 doubles) a step of 2 vectors × 8 touched two new cache lines 40 KB apart; 6 × 4
// reads six adjacent lines and ran at the speed of a plain read of Q. Targets with 16 registers (AVX2,
// SSE4) keep at most 13 live: 1 × 5–8, 2 × 4, 3 × 3, 4 × 1–2.
//
// Chunks and widest block, by measurement (A = 5000×2000 doubles from memory, one thread, Zen 5). With 32
// registers, Aᵀ·B runs chunks of at most 4 columns under 6 × 4 tiles: 3 × 8 tiles read 3 columns of Q and
// 8 of P per step and took 8.6 ms for 8 columns, two chunks of 4 take 3.2 ms (16 columns: 12.9 → 5.7 ms);
// 20 and 32 columns then take 7.2 and 12.3 ms against the general GEMM's 10.8 and 13.3. With 16
// registers the single-row tiles want the widest chunks (8 columns Aᵀ·B: 6.0 ms with a chunk of 8, 9.6
// with two of 4), and beyond 16 columns the general GEMM is as fast or faster (AVX2: 20 columns A·B 17.2
// against 17.1 ms, Aᵀ·B 16.5 against 17.7; 32 columns 23.2 against 19.8, 30.7 against 19.2).
#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3 || HWY_TARGET == HWY_EMU128 || \
    HWY_TARGET == HWY_SCALAR
constexpr int TileRows(int columns) { return columns >= 5 ? 1 : columns == 4 ? 2 : columns == 3 ? 3 : 4; }
constexpr size_t kTnMaxChunk = 8, kMaxColumns = 16;
#else
constexpr int TileRows(int columns) {
  return columns >= 7 ? 3 : columns >= 5 ? 4 : columns == 4 ? 6 : columns == 3 ? 7 : 8;
}
constexpr size_t kTnMaxChunk = 4, kMaxColumns = 32;
#endif
static_assert(kMaxColumns <= size_t(kSkinnyMaxColumns), "skinny_gemm.hpp's bound covers every target");

// Accumulators named s<r><c> (SVE vectors are sizeless: no arrays of them); unused ones are dropped.
#define LOWRANK_ZERO_ROW(r)                                                                        \
  auto s##r##0 = hn::Zero(d), s##r##1 = hn::Zero(d), s##r##2 = hn::Zero(d), s##r##3 = hn::Zero(d), \
       s##r##4 = hn::Zero(d), s##r##5 = hn::Zero(d), s##r##6 = hn::Zero(d), s##r##7 = hn::Zero(d);
#define LOWRANK_ZERO_TILE \
  LOWRANK_ZERO_ROW(0)     \
  LOWRANK_ZERO_ROW(1)     \
  LOWRANK_ZERO_ROW(2)     \
  LOWRANK_ZERO_ROW(3)     \
  LOWRANK_ZERO_ROW(4)     \
  LOWRANK_ZERO_ROW(5)     \
  LOWRANK_ZERO_ROW(6)     \
  LOWRANK_ZERO_ROW(7)
// s<r><c> += a<r>·b for the tile's rows r < R
#define LOWRANK_FMA_COLUMN(R, c, b)                      \
  s0##c = hn::MulAdd(a0, b, s0##c);                      \
  if constexpr (R > 1) s1##c = hn::MulAdd(a1, b, s1##c); \
  if constexpr (R > 2) s2##c = hn::MulAdd(a2, b, s2##c); \
  if constexpr (R > 3) s3##c = hn::MulAdd(a3, b, s3##c); \
  if constexpr (R > 4) s4##c = hn::MulAdd(a4, b, s4##c); \
  if constexpr (R > 5) s5##c = hn::MulAdd(a5, b, s5##c); \
  if constexpr (R > 6) s6##c = hn::MulAdd(a6, b, s6##c); \
  if constexpr (R > 7) s7##c = hn::MulAdd(a7, b, s7##c);
// f(s<r><c>, r, c) for every accumulator of an R × NC tile
#define LOWRANK_TILE_COLUMN(R, c, f)     \
  if constexpr (NC > c) {                \
    f(s0##c, 0, c);                      \
    if constexpr (R > 1) f(s1##c, 1, c); \
    if constexpr (R > 2) f(s2##c, 2, c); \
    if constexpr (R > 3) f(s3##c, 3, c); \
    if constexpr (R > 4) f(s4##c, 4, c); \
    if constexpr (R > 5) f(s5##c, 5, c); \
    if constexpr (R > 6) f(s6##c, 6, c); \
    if constexpr (R > 7) f(s7##c, 7, c); \
  }
#define LOWRANK_FOR_TILE(R, f) \
  LOWRANK_TILE_COLUMN(R, 0, f) \
  LOWRANK_TILE_COLUMN(R, 1, f) \
  LOWRANK_TILE_COLUMN(R, 2, f) \
  LOWRANK_TILE_COLUMN(R, 3, f) \
  LOWRANK_TILE_COLUMN(R, 4, f) \
  LOWRANK_TILE_COLUMN(R, 5, f) \
  LOWRANK_TILE_COLUMN(R, 6, f) \
  LOWRANK_TILE_COLUMN(R, 7, f)

// C(r, c) = α·Σ_k q_r[k]·P(k, c) + β·C(r, c) for the MR columns q_0.. of Q and the NC columns of P: vectors
// along k, then each accumulator reduced and the k tail (fewer than one vector) added in scalar.
template <int MR, int NC, class T>
HWY_INLINE void DotTile(size_t K, const T* HWY_RESTRICT q, size_t ldq, const T* HWY_RESTRICT P, size_t ldp, T alpha,
                        T beta, T* HWY_RESTRICT C, size_t ldc) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const T* HWY_RESTRICT qr[8];
  for (int r = 0; r < 8; ++r) qr[r] = q + size_t(r < MR ? r : 0) * ldq;
  LOWRANK_ZERO_TILE
  size_t k = 0;
  // in the solvers Q comes from L3 or memory (the SpMM between two products evicts it): 1 KB ahead
  constexpr size_t kAhead = 1024 / sizeof(T);
  for (; k + N <= K; k += N) {
    if (k % (64 / sizeof(T)) < N)
      for (int r = 0; r < MR; ++r) hwy::Prefetch(qr[r] + k + kAhead);
    const auto a0 = hn::LoadU(d, qr[0] + k);
    const auto a1 = MR > 1 ? hn::LoadU(d, qr[1] + k) : a0;
    const auto a2 = MR > 2 ? hn::LoadU(d, qr[2] + k) : a0;
    const auto a3 = MR > 3 ? hn::LoadU(d, qr[3] + k) : a0;
    const auto a4 = MR > 4 ? hn::LoadU(d, qr[4] + k) : a0;
    const auto a5 = MR > 5 ? hn::LoadU(d, qr[5] + k) : a0;
    const auto a6 = MR > 6 ? hn::LoadU(d, qr[6] + k) : a0;
    const auto a7 = MR > 7 ? hn::LoadU(d, qr[7] + k) : a0;
#define LOWRANK_DOT_STEP(c)                       \
  if constexpr (NC > c) {                         \
    const auto b = hn::LoadU(d, P + c * ldp + k); \
    LOWRANK_FMA_COLUMN(MR, c, b)                  \
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
  const auto finish = [&](auto acc, size_t r, size_t c) {
    T t = hn::GetLane(hn::SumOfLanes(d, acc));
    for (size_t i = k; i < K; ++i) t += qr[r][i] * P[c * ldp + i];
    T* out = C + c * ldc + r;
    *out = beta == T(0) ? alpha * t : alpha * t + beta * *out;  // β = 0 does not read C
  };
  LOWRANK_FOR_TILE(MR, finish)
}

// Rows [i, i + RV·Lanes(d)) of C (columns 0 .. NC) = α·Q·T + β·C: RV vectors of rows × NC columns of
// accumulators; per column of Q, RV loads and NC broadcasts of T's entries.
// With kPrefetch, the tile's lines of Q kNnAhead columns ahead are prefetched: Q's columns lie ldq apart, a
// pattern the hardware prefetchers do not follow, so without it each step waited for its lines from
// memory (5000×2000 from memory, 20 columns: float 3.5–3.9 → 2.4–2.9 ms, double 7.9–8.9 → 5.8–6.4 ms;
// 16 and 64 columns ahead were slower than 32). Only the first chunk of a band prefetches: the others
// find the band in L1/L2, where the prefetches cost 5–10 % (256×500 floats in L2).
constexpr size_t kNnAhead = 32;
template <int RV, int NC, bool kPrefetch, class D, class T>
HWY_INLINE void AxpyTile(D d, size_t i, size_t K, const T* HWY_RESTRICT Q, size_t ldq, const T* HWY_RESTRICT Tm,
                         size_t ldt, T alpha, T beta, T* HWY_RESTRICT C, size_t ldc) {
  const size_t N = hn::Lanes(d);
  LOWRANK_ZERO_TILE
  for (size_t k = 0; k < K; ++k) {
    const T* HWY_RESTRICT qk = Q + k * ldq + i;
    if (kPrefetch && k + kNnAhead < K) {
      const T* ahead = qk + kNnAhead * ldq;
      hwy::Prefetch(ahead);
      if constexpr (RV > 1) hwy::Prefetch(ahead + 1 * N);
      if constexpr (RV > 2) hwy::Prefetch(ahead + 2 * N);
      if constexpr (RV > 3) hwy::Prefetch(ahead + 3 * N);
      if constexpr (RV > 4) hwy::Prefetch(ahead + 4 * N);
      if constexpr (RV > 5) hwy::Prefetch(ahead + 5 * N);
      if constexpr (RV > 6) hwy::Prefetch(ahead + 6 * N);
      if constexpr (RV > 7) hwy::Prefetch(ahead + 7 * N);
      hwy::Prefetch(ahead + RV * N - 1);
    }
    const auto a0 = hn::LoadU(d, qk);
    const auto a1 = RV > 1 ? hn::LoadU(d, qk + 1 * N) : a0;
    const auto a2 = RV > 2 ? hn::LoadU(d, qk + 2 * N) : a0;
    const auto a3 = RV > 3 ? hn::LoadU(d, qk + 3 * N) : a0;
    const auto a4 = RV > 4 ? hn::LoadU(d, qk + 4 * N) : a0;
    const auto a5 = RV > 5 ? hn::LoadU(d, qk + 5 * N) : a0;
    const auto a6 = RV > 6 ? hn::LoadU(d, qk + 6 * N) : a0;
    const auto a7 = RV > 7 ? hn::LoadU(d, qk + 7 * N) : a0;
#define LOWRANK_AXPY_STEP(c)                    \
  if constexpr (NC > c) {                       \
    const auto t = hn::Set(d, Tm[c * ldt + k]); \
    LOWRANK_FMA_COLUMN(RV, c, t)                \
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
  LOWRANK_FOR_TILE(RV, store)
}
#undef LOWRANK_FOR_TILE
#undef LOWRANK_TILE_COLUMN
#undef LOWRANK_FMA_COLUMN
#undef LOWRANK_ZERO_TILE
#undef LOWRANK_ZERO_ROW

// The n columns of P or T in ceil(n / kMaxWidth) chunks of equal width W or W − 1 (W = the widest): f(width
// constant W, chunk_op) with chunk_op(g) calling g(std::integral_constant<int, w>, c0) for each chunk of
// w columns from c0. A tile's height is chosen for W, so every chunk of a band shares it.
template <size_t kMaxWidth, class F>
HWY_INLINE void WithChunks(size_t n, const F& f) {
  static_assert(kMaxWidth >= 1 && kMaxWidth <= 8, "tiles have up to 8 columns");
  const size_t chunks = (n + kMaxWidth - 1) / kMaxWidth, widest = (n + chunks - 1) / chunks,
               wide = n - chunks * (widest - 1);
  const auto run = [&](auto w) {
    constexpr int W = decltype(w)::value;
    f(w, [&](const auto& g) {
      size_t c0 = 0;
      for (size_t c = 0; c < chunks; ++c) {  // the first `wide` chunks are W wide, the rest W − 1
        if (c < wide) {
          g(std::integral_constant<int, W>(), c0);
          c0 += W;
        } else if constexpr (W > 1) {
          g(std::integral_constant<int, W - 1>(), c0);
          c0 += W - 1;
        }
      }
    });
  };
  switch (widest) {
    case 1:
      run(std::integral_constant<int, 1>());
      break;
    case 2:
      run(std::integral_constant<int, 2>());
      break;
    case 3:
      run(std::integral_constant<int, 3>());
      break;
    case 4:
      run(std::integral_constant<int, 4>());
      break;
    case 5:
      run(std::integral_constant<int, 5>());
      break;
    case 6:
      run(std::integral_constant<int, 6>());
      break;
    case 7:
      run(std::integral_constant<int, 7>());
      break;
    default:
      run(std::integral_constant<int, 8>());
      break;
  }
}

// C(r_begin..r_end, 0..n) = α·Qᵀ·P + β·C, Q k×m (columns r of Q give rows r of C), P k×n.
template <class T>
void SkinnyTnImpl(size_t r_begin, size_t r_end, size_t n, size_t K, T alpha, const T* q, size_t ldq, const T* P,
                  size_t ldp, T beta, T* C, size_t ldc) {
  WithChunks<kTnMaxChunk>(n, [&](auto widest, const auto& for_each_chunk) {
    constexpr int MR = TileRows(decltype(widest)::value);
    size_t r = r_begin;
    // the MR columns of Q stay in L1/L2 while they meet the chunks of P
    for (; r + MR <= r_end; r += MR)
      for_each_chunk([&](auto nc, size_t c0) {
        DotTile<MR, decltype(nc)::value>(K, q + r * ldq, ldq, P + c0 * ldp, ldp, alpha, beta, C + c0 * ldc + r, ldc);
      });
    for (; r < r_end; ++r)
      for_each_chunk([&](auto nc, size_t c0) {
        DotTile<1, decltype(nc)::value>(K, q + r * ldq, ldq, P + c0 * ldp, ldp, alpha, beta, C + c0 * ldc + r, ldc);
      });
  });
}

// Rows [i_begin, i_end) of C (m×n) = α·Q·T + β·C, Q m×k, T k×n.
template <class T>
void SkinnyNnImpl(size_t i_begin, size_t i_end, size_t n, size_t K, T alpha, const T* Q, size_t ldq, const T* Tm,
                  size_t ldt, T beta, T* C, size_t ldc) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  WithChunks<8>(n, [&](auto widest, const auto& for_each_chunk) {
    constexpr int RV = TileRows(decltype(widest)::value);
    size_t i = i_begin;
    // the band's rows of Q stay in L1/L2 while they meet the chunks of T
    for (; i + RV * N <= i_end; i += RV * N)
      for_each_chunk([&](auto nc, size_t c0) {
        if (c0 == 0)
          AxpyTile<RV, decltype(nc)::value, true>(d, i, K, Q, ldq, Tm, ldt, alpha, beta, C, ldc);
        else
          AxpyTile<RV, decltype(nc)::value, false>(d, i, K, Q, ldq, Tm + c0 * ldt, ldt, alpha, beta, C + c0 * ldc, ldc);
      });
    for (; i + N <= i_end; i += N)
      for_each_chunk([&](auto nc, size_t c0) {
        AxpyTile<1, decltype(nc)::value, false>(d, i, K, Q, ldq, Tm + c0 * ldt, ldt, alpha, beta, C + c0 * ldc, ldc);
      });
    // the last rows, fewer than one vector: one lane at a time, the same multiply-adds in the same order
    const hn::CappedTag<T, 1> d1;
    for (; i < i_end; ++i)
      for_each_chunk([&](auto nc, size_t c0) {
        AxpyTile<1, decltype(nc)::value, false>(d1, i, K, Q, ldq, Tm + c0 * ldt, ldt, alpha, beta, C + c0 * ldc, ldc);
      });
  });
}

// The widest block this target's kernels take (skinny_gemm_shape).
size_t SkinnyMaxColumns() { return kMaxColumns; }

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
#include "kernels/targets_anchor.hpp"
namespace lowrank::kernels {
HWY_EXPORT(SkinnyMaxColumns);
HWY_EXPORT(SkinnyTnF64);
HWY_EXPORT(SkinnyTnF32);
HWY_EXPORT(SkinnyNnF64);
HWY_EXPORT(SkinnyNnF32);

namespace {
// As kernels/dense.hpp's kParallelMinWork: below m·n·k = 2²⁴ the product runs on one thread.
constexpr double kSkinnyParallelMinWork = double(1 << 24);
// Fixed panels (whatever the thread count): 168 columns of Q (TN: a multiple of every tile height, 1–4
// and 6–8 columns), 1024 rows (NN: a multiple of 8 vectors on every target up to 2048-bit SVE). The
// sums do not depend on the tiles either: each entry is one chain of multiply-adds in k order.
constexpr std::size_t kTnPanel = 168, kNnPanel = 1024;

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
  if (trans_b || n < 2 || m < 1 || k < 1 || std::size_t(n) > HWY_DYNAMIC_DISPATCH(SkinnyMaxColumns)()) return false;
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
