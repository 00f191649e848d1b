// Every dispatched kernel on every compiled SIMD target against the scalar reference (STYLE C8).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "lowrank/kernels.hpp"

namespace k = lowrank::kernels;
namespace ref = lowrank::kernels::reference;

namespace {

template <class T>
std::vector<T> random_vector(std::size_t n, std::uint32_t seed, T scale = 1) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(dist(gen)) * scale;
  return v;
}

// Sizes: 0, 1, lanes±1 for every vector width up to 512 bits, odd, and large.
const std::vector<std::size_t> kSizes = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 1001, 4099};

template <class T>
T sum_abs_products(const T* x, const T* y, std::size_t n) {
  T s = 0;
  for (std::size_t i = 0; i < n; ++i) s += std::abs(x[i] * y[i]);
  return s;
}

// Tolerance n·ε·Σ|xᵢyᵢ| (plus one ulp of headroom for n = 0/1): summation order differs by target.
template <class T>
T dot_tol(const T* x, const T* y, std::size_t n) {
  return T(n + 2) * std::numeric_limits<T>::epsilon() * (sum_abs_products(x, y, n) + std::numeric_limits<T>::min());
}

template <class T>
void check_all_kernels() {
  for (std::size_t n : kSizes) {
    for (std::size_t offset : {0u, 1u, 3u}) {  // unaligned starts
      CAPTURE(n, offset);
      auto xs = random_vector<T>(n + offset, 1 + std::uint32_t(n));
      auto ys = random_vector<T>(n + offset, 1000 + std::uint32_t(n));
      const T* x = xs.data() + offset;
      const T* y = ys.data() + offset;

      // dot
      REQUIRE(std::abs(k::dot(x, y, n) - ref::dot(x, y, n)) <= dot_tol(x, y, n));

      // axpy
      {
        std::vector<T> a(ys), b(ys);
        k::axpy(T(0.75), x, a.data() + offset, n);
        ref::axpy(T(0.75), x, b.data() + offset, n);
        for (std::size_t i = 0; i < n + offset; ++i)
          REQUIRE(std::abs(a[i] - b[i]) <= 4 * std::numeric_limits<T>::epsilon() * (std::abs(b[i]) + 1));
      }

      // nrm2
      {
        const T r = ref::nrm2(x, n), got = k::nrm2(x, n);
        REQUIRE(std::abs(got - r) <= T(n + 2) * std::numeric_limits<T>::epsilon() * r);
      }

      // gram2 (fused ‖x‖², ‖y‖², x·y)
      {
        T g[3], h[3];
        k::gram2(x, y, n, g);
        ref::gram2(x, y, n, h);
        REQUIRE(std::abs(g[0] - h[0]) <= dot_tol(x, x, n));
        REQUIRE(std::abs(g[1] - h[1]) <= dot_tol(y, y, n));
        REQUIRE(std::abs(g[2] - h[2]) <= dot_tol(x, y, n));
      }

      // rot and rot_norms
      {
        const T c = T(0.8), s = T(0.6);
        std::vector<T> x1(xs), y1(ys), x2(xs), y2(ys), x3(xs), y3(ys);
        k::rot(x1.data() + offset, y1.data() + offset, n, c, s);
        ref::rot(x2.data() + offset, y2.data() + offset, n, c, s);
        T nk[2], nr[3];  // gram2 writes three values
        k::rot_norms(x3.data() + offset, y3.data() + offset, n, c, s, nk);
        ref::gram2(x2.data() + offset, y2.data() + offset, n, nr);  // reuse: nr = {‖x'‖², ‖y'‖²}
        const T tol = 4 * std::numeric_limits<T>::epsilon();
        for (std::size_t i = 0; i < n + offset; ++i) {
          REQUIRE(std::abs(x1[i] - x2[i]) <= tol);
          REQUIRE(std::abs(y1[i] - y2[i]) <= tol);
          REQUIRE(std::abs(x3[i] - x2[i]) <= tol);
          REQUIRE(std::abs(y3[i] - y2[i]) <= tol);
        }
        REQUIRE(std::abs(nk[0] - nr[0]) <= T(n + 2) * 8 * std::numeric_limits<T>::epsilon() * (nr[0] + 1));
        REQUIRE(std::abs(nk[1] - nr[1]) <= T(n + 2) * 8 * std::numeric_limits<T>::epsilon() * (nr[1] + 1));
      }

      // mf_sgd_step: the error from the dot, then both rows from their old values
      {
        const T target = T(0.3), lr = T(0.5), reg = T(0.2);
        std::vector<T> p1(xs), q1(ys), p2(xs), q2(ys);
        const T e1 = k::mf_sgd_step(p1.data() + offset, q1.data() + offset, n, target, lr, reg);
        const T e2 = ref::mf_sgd_step(p2.data() + offset, q2.data() + offset, n, target, lr, reg);
        REQUIRE(e2 == Approx(target - ref::dot(x, y, n)));
        REQUIRE(std::abs(e1 - e2) <= dot_tol(x, y, n));
        // |p|, |q| <= 1: the step's share of the dot's rounding is at most lr·dot_tol
        const T tol = lr * dot_tol(x, y, n) + 4 * std::numeric_limits<T>::epsilon();
        for (std::size_t i = 0; i < n + offset; ++i) {
          REQUIRE(std::abs(p1[i] - p2[i]) <= tol * (std::abs(p2[i]) + 1));
          REQUIRE(std::abs(q1[i] - q2[i]) <= tol * (std::abs(q2[i]) + 1));
        }
        if (n > 0) {  // the update moved the rows: p' = 0.9·p + 0.5·e·q
          const std::size_t j = offset;
          REQUIRE(p2[j] == Approx(T(0.9) * xs[j] + lr * e2 * ys[j]).margin(8 * std::numeric_limits<T>::epsilon()));
        }
      }
    }
  }
}

template <class T>
void check_nrm2_extremes() {
  // Entries near 1e±300 (double) / 1e±35 (float) must neither overflow nor underflow; nor subnormal
  // entries (1e-310 / 1e-40), whose reciprocal overflows (it did: nrm2 returned inf, and a Householder
  // reflector of golub_kahan_svd with it).
  const T big = std::is_same<T, double>::value ? T(1e300) : T(1e35);
  const T small = std::is_same<T, double>::value ? T(1e-300) : T(1e-35);
  const T subnormal = std::is_same<T, double>::value ? T(1e-310) : T(1e-40);
  REQUIRE(subnormal < std::numeric_limits<T>::min());
  for (std::size_t n : {1u, 7u, 64u, 1001u}) {
    CAPTURE(n);
    for (T scale : {big, small, subnormal, std::numeric_limits<T>::denorm_min()}) {
      CAPTURE(scale);
      std::vector<T> v(n, scale);
      const T expect = T(double(scale) * std::sqrt(double(n)));
      const T tol = 8 * T(n) * std::numeric_limits<T>::epsilon() * expect + std::numeric_limits<T>::denorm_min();
      REQUIRE(std::abs(k::nrm2(v.data(), n) - expect) <= tol);
      REQUIRE(std::abs(ref::nrm2(v.data(), n) - expect) <= tol);
    }
  }
  std::vector<T> with_nan(33, T(1));
  with_nan[20] = std::numeric_limits<T>::quiet_NaN();
  REQUIRE(std::isnan(k::nrm2(with_nan.data(), with_nan.size())));
  std::vector<T> with_inf(33, T(1));
  with_inf[5] = std::numeric_limits<T>::infinity();
  REQUIRE(std::isinf(k::nrm2(with_inf.data(), with_inf.size())));
  std::vector<T> zeros(17, T(0));
  REQUIRE(k::nrm2(zeros.data(), zeros.size()) == T(0));
}

template <class T>
void check_spmm() {
  // A random 37×29 CSR matrix times row-major blocks of several widths.
  const std::size_t m = 37, n = 29;
  std::mt19937 gen(7);
  std::uniform_real_distribution<double> dist(-1, 1);
  std::vector<std::int64_t> rp{0};
  std::vector<std::int32_t> ci;
  std::vector<T> vals;
  for (std::size_t r = 0; r < m; ++r) {
    for (std::size_t c = 0; c < n; ++c)
      if (dist(gen) > 0.6 || (r == 3 && c < 2)) {
        ci.push_back(std::int32_t(c));
        vals.push_back(T(dist(gen)));
      }
    if (r == 10) ci.resize(std::size_t(rp.back())), vals.resize(std::size_t(rp.back()));  // an empty row
    rp.push_back(std::int64_t(ci.size()));
  }
  // every strip width 1..8 vectors and every scalar tail, for any lane count up to 16 (AVX-512 float)
  for (std::size_t kcols = 1; kcols <= 200; ++kcols) {
    CAPTURE(kcols);
    auto X = random_vector<T>(n * kcols, 99);
    std::vector<T> Y1(m * kcols, T(-5)), Y2(m * kcols, T(7));
    k::csr_spmm_rows(rp.data(), ci.data(), vals.data(), X.data(), Y1.data(), kcols, 0, m);
    ref::csr_spmm_rows(rp.data(), ci.data(), vals.data(), X.data(), Y2.data(), kcols, 0, m);
    for (std::size_t i = 0; i < m * kcols; ++i) REQUIRE(std::abs(Y1[i] - Y2[i]) <= T(n) * std::numeric_limits<T>::epsilon() * 4);
  }
}

template <class T>
void check_spmm_until() {
  // The column-blocked SpMM step: blocks of columns run one after another (next[] carrying each row's
  // position) give csr_spmm_rows' result bit for bit, also for a row whose columns are not sorted (its
  // entries are taken in storage order, some blocks later than their column would say).
  const std::size_t m = 23, n = 31;
  std::mt19937 gen(11);
  std::uniform_real_distribution<double> dist(-1, 1);
  std::vector<std::int64_t> rp{0};
  std::vector<std::int32_t> ci;
  std::vector<T> vals;
  for (std::size_t r = 0; r < m; ++r) {
    if (r == 4) {
      for (std::int32_t c : {20, 3, 17, 0, 30, 9}) ci.push_back(c), vals.push_back(T(dist(gen)));  // unsorted
    } else if (r != 7) {  // row 7 stays empty
      for (std::size_t c = 0; c < n; ++c)
        if (dist(gen) > 0.5) ci.push_back(std::int32_t(c)), vals.push_back(T(dist(gen)));
    }
    rp.push_back(std::int64_t(ci.size()));
  }
  for (std::size_t kcols : {1u, 3u, 8u, 17u, 64u, 74u, 80u, 100u})
    for (std::int32_t blocks : {1, 2, 3, 7, 31}) {
      CAPTURE(kcols, blocks);
      const auto X = random_vector<T>(n * kcols, 5);
      std::vector<T> want(m * kcols, T(-3)), got(m * kcols, T(0)), ref_got(m * kcols, T(0));
      k::csr_spmm_rows(rp.data(), ci.data(), vals.data(), X.data(), want.data(), kcols, 0, m);
      std::vector<std::int64_t> next(rp.begin(), rp.end() - 1), ref_next = next;
      for (std::int32_t b = 1; b <= blocks; ++b) {
        const std::int32_t col_end = std::int32_t(n) * b / blocks;
        k::csr_spmm_rows_until(rp.data(), ci.data(), vals.data(), X.data(), got.data(), kcols, 0, m / 2, next.data(), col_end);
        k::csr_spmm_rows_until(rp.data(), ci.data(), vals.data(), X.data(), got.data(), kcols, m / 2, m, next.data(), col_end);
        ref::csr_spmm_rows_until(rp.data(), ci.data(), vals.data(), X.data(), ref_got.data(), kcols, 0, m,
                                 ref_next.data(), col_end);
      }
      for (std::size_t r = 0; r < m; ++r) REQUIRE(next[r] == rp[r + 1]);  // every entry taken
      REQUIRE(next == ref_next);
      for (std::size_t i = 0; i < m * kcols; ++i) {
        REQUIRE(got[i] == want[i]);
        REQUIRE(std::abs(ref_got[i] - want[i]) <= T(n) * std::numeric_limits<T>::epsilon() * 4);
      }
    }
}

template <class T>
void check_spmm_one_vector_rows() {
  // Blocks of one vector (4, 8 or 16 columns, whichever is a vector of the target; 2 on NEON double) run
  // four rows at a time: every row must be the one-row sum bit for bit (the column-blocked step, one block,
  // sums each row alone in storage order), whatever rows share the slots: row ranges of 0 to 6 rows and
  // the whole matrix, rows of 0 to 90 entries (long ones next to short ones, empty ones first and last).
  const std::size_t m = 41, n = 97;
  std::mt19937 gen(13);
  std::uniform_real_distribution<double> dist(-1, 1);
  std::vector<std::int64_t> rp{0};
  std::vector<std::int32_t> ci;
  std::vector<T> vals;
  for (std::size_t r = 0; r < m; ++r) {
    const std::size_t len = (r == 0 || r == 9 || r == 10 || r == m - 1) ? 0 : (r % 7 == 3 ? 90 : (r * 37) % 13);
    for (std::size_t c = 0; c < len; ++c) {
      ci.push_back(std::int32_t((c * 31 + r * 7) % n));
      vals.push_back(T(dist(gen)));
    }
    rp.push_back(std::int64_t(ci.size()));
  }
  for (std::size_t kcols : {2u, 4u, 8u, 16u, 32u}) {
    const auto X = random_vector<T>(n * kcols, 17);
    std::vector<T> want(m * kcols, T(0));
    std::vector<std::int64_t> next(rp.begin(), rp.end() - 1);
    k::csr_spmm_rows_until(rp.data(), ci.data(), vals.data(), X.data(), want.data(), kcols, 0, m, next.data(),
                           std::numeric_limits<std::int32_t>::max());
    const std::pair<std::size_t, std::size_t> ranges[] = {{0, m},  {0, 0},  {5, 6},   {0, 3},
                                                          {8, 12}, {9, 14}, {35, 41}, {2, 8}};
    for (const auto& [r0, r1] : ranges) {
      CAPTURE(kcols, r0, r1);
      std::vector<T> got(m * kcols, T(-7));
      k::csr_spmm_rows(rp.data(), ci.data(), vals.data(), X.data(), got.data(), kcols, r0, r1);
      for (std::size_t i = 0; i < m * kcols; ++i) {
        const std::size_t r = i / kcols;
        if (r >= r0 && r < r1)
          REQUIRE(got[i] == want[i]);
        else
          REQUIRE(got[i] == T(-7));  // rows outside the range untouched
      }
    }
  }
}

template <class T>
void check_axpy_rows() {
  // rows with a leading dimension > k, n around the four-row groups, k around the lane counts
  for (std::size_t kcols : {1u, 3u, 8u, 17u, 64u, 100u})
    for (std::size_t n : {0u, 1u, 3u, 4u, 5u, 8u, 11u, 64u}) {
      CAPTURE(kcols, n);
      const std::size_t ld = kcols + 2;
      const auto A = random_vector<T>(std::max<std::size_t>(n, 1) * ld, 31);
      const auto coef = random_vector<T>(std::max<std::size_t>(n, 1), 32);
      auto out1 = random_vector<T>(kcols, 33), out2 = out1;
      k::axpy_rows(A.data(), ld, coef.data(), n, out1.data(), kcols);
      ref::axpy_rows(A.data(), ld, coef.data(), n, out2.data(), kcols);
      // n + 1 terms of size ≤ 1 summed in the same order, FMA or not: ≤ (n + 1)·ε·max|partial sum| apart
      const T tol = T(2 * (n + 1) * (n + 1)) * std::numeric_limits<T>::epsilon();
      for (std::size_t i = 0; i < kcols; ++i) REQUIRE(std::abs(out1[i] - out2[i]) <= tol);
      if (n == 0) REQUIRE(out1 == out2);
    }
}

template <class T>
void check_confidence_gram_apply() {
  // 40 rows of a 50-row table (repeats allowed, row stride ld > k), several widths incl. the ALS k = 64
  std::mt19937 gen(11);
  std::uniform_int_distribution<int> pick(0, 49);
  // n not a multiple of the kernel's four-row groups too (the tail rows go one at a time)
  for (std::size_t kcols : {1u, 5u, 16u, 31u, 64u, 100u})
    for (std::size_t n : {1u, 3u, 4u, 6u, 40u, 43u}) {
      CAPTURE(kcols, n);
      const std::size_t ld = kcols + 3;
      const auto Y = random_vector<T>(50 * ld, 21);
      const auto p = random_vector<T>(kcols, 22);
      auto conf = random_vector<T>(n, 23);
      for (auto& c : conf) c = T(1) + T(4) * std::abs(c);
      std::vector<std::int32_t> idx(n);
      for (auto& i : idx) i = pick(gen);
      for (T a : {T(0), T(1)}) {
        const T b = a == T(0) ? T(1) : T(-1);
        auto out1 = random_vector<T>(kcols, 24), out2 = out1;
        k::confidence_gram_apply(Y.data(), ld, idx.data(), conf.data(), n, T(0.5), a, b, p.data(), out1.data(), kcols);
        ref::confidence_gram_apply(Y.data(), ld, idx.data(), conf.data(), n, T(0.5), a, b, p.data(), out2.data(), kcols);
        // each term is at most 5·k in size (|y|,|p| ≤ 1, c ≤ 5); n of them
        const T tol = T(8 * n * kcols * kcols) * std::numeric_limits<T>::epsilon();
        for (std::size_t i = 0; i < kcols; ++i) REQUIRE(std::abs(out1[i] - out2[i]) <= tol);
      }
    }
  // a user's rows in two calls, split anywhere, give the same bits as one call (the ALS joint solve
  // splits rows at chunks of the factor table): each row's coefficient and its FMAs into out do not
  // depend on where the row falls inside a call
  {
    const std::size_t kcols = 19, ld = 21, n = 45;
    const auto Y = random_vector<T>(ld * 60, 25), p = random_vector<T>(kcols, 26);
    auto conf = random_vector<T>(n, 27);
    for (auto& c : conf) c = T(1) + T(40) * std::abs(c);
    std::vector<std::int32_t> idx(n);
    for (std::size_t j = 0; j < n; ++j) idx[j] = std::int32_t((j * 7) % 60);
    const auto start = random_vector<T>(kcols, 28);
    for (T a : {T(0), T(1)}) {
      const T b = a == T(0) ? T(1) : T(-1);
      auto whole = start;
      k::confidence_gram_apply(Y.data(), ld, idx.data(), conf.data(), n, T(1), a, b, p.data(), whole.data(), kcols);
      for (std::size_t split : {1u, 3u, 5u, 17u, 33u, 44u}) {
        auto parts = start;
        k::confidence_gram_apply(Y.data(), ld, idx.data(), conf.data(), split, T(1), a, b, p.data(), parts.data(),
                                 kcols);
        k::confidence_gram_apply(Y.data(), ld, idx.data() + split, conf.data() + split, n - split, T(1), a, b, p.data(),
                                 parts.data(), kcols);
        CAPTURE(a, split);
        for (std::size_t i = 0; i < kcols; ++i) REQUIRE(parts[i] == whole[i]);
      }
    }
  }
  // n = 0 leaves out untouched
  T one = T(3);
  k::confidence_gram_apply(static_cast<const T*>(nullptr), 1, static_cast<const std::int32_t*>(nullptr),
                           static_cast<const T*>(nullptr), 0, T(0), T(1), T(1), &one, &one, 1);
  REQUIRE(one == T(3));
}

template <class T>
void check_gram_rows() {
  // widths around the vector lengths (2, 4, 8, 16 lanes) and the 4-row blocks, incl. Gibbs' k + 1 = 9
  for (std::size_t m : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 9u, 13u, 17u, 33u})
    for (std::size_t n : {0u, 1u, 2u, 5u, 40u}) {
      CAPTURE(m, n);
      const auto F = random_vector<T>(std::max<std::size_t>(n, 1) * m, 41);
      std::vector<T> G1(m * m, T(-7)), G2(m * m, T(-9));
      k::gram_rows(F.data(), n, m, G1.data());
      ref::gram_rows(F.data(), n, m, G2.data());
      // n products of size ≤ 1 per entry, summed in the same order, FMA or not: ≤ n·ε·max|partial sum|
      const T tol = T(2 * (n + 1) * (n + 1)) * std::numeric_limits<T>::epsilon();
      for (std::size_t a = 0; a < m; ++a)
        for (std::size_t c = 0; c < m; ++c) {
          REQUIRE(std::abs(G1[a * m + c] - G2[a * m + c]) <= tol);
          REQUIRE(G1[a * m + c] == G1[c * m + a]);  // an exact mirror
        }
      if (n == 0)
        for (T g : G1) REQUIRE(g == T(0));
    }
}

// demote_scaled: the float copy is the reference's bit for bit (one rounding of an exact power-of-two
// product), and the max magnitude is exact, for every length around the vector widths.
void check_demote_scaled() {
  for (std::size_t n : {0u, 1u, 2u, 3u, 7u, 8u, 15u, 16u, 17u, 31u, 32u, 33u, 100u, 1001u})
    for (double scale : {1.0, 0x1p-10, 0x1p20}) {
      auto in = random_vector<double>(std::max<std::size_t>(n, 1), 61);
      for (std::size_t i = 0; i < n; ++i) in[i] *= std::ldexp(1.0, int(i % 40) - 20);  // magnitudes 2^-20..2^19
      if (n > 5) in[n / 2] = -3e5;                                                     // the largest, negative
      std::vector<float> out1(n + 1, -1.0f), out2(n + 1, -2.0f);
      const double m1 = k::demote_scaled(in.data(), n, scale, out1.data());
      const double m2 = ref::demote_scaled(in.data(), n, scale, out2.data());
      CAPTURE(n, scale);
      double amax = 0;
      for (std::size_t i = 0; i < n; ++i) amax = std::max(amax, std::abs(in[i]));
      REQUIRE(m1 == amax);
      REQUIRE(m2 == amax);
      for (std::size_t i = 0; i < n; ++i) REQUIRE(out1[i] == float(scale * in[i]));
      for (std::size_t i = 0; i < n; ++i) REQUIRE(out2[i] == out1[i]);
      REQUIRE(out1[n] == -1.0f);  // nothing written past n
    }
}

// kernels::gemm's skinny shapes (Aᵀ·B with k ≥ 64, A·B with m ≥ 64; 2–32 columns, 2–16 on AVX2 and SSE4)
// run on the per-target Highway kernels of src/kernels/skinny_gemm.cpp: every tile height (the chunk
// widths 2–8 of 2–32 columns) and tail against a double-precision sum; beyond a target's widest block,
// the general GEMM against the same sum.
template <class T>
void check_skinny_gemm() {
  for (bool ta : {true, false})
    for (std::size_t n : {2u, 3u, 4u, 5u, 7u, 8u, 9u, 16u, 20u, 32u})
      for (std::size_t len : {64u, 67u, 130u}) {
        const std::size_t m = ta ? 7 : len, kk = ta ? len : 5, lda = (ta ? kk : m) + 1, ldb = kk + 2, ldc = m + 3;
        const auto A = random_vector<T>(lda * (ta ? m : kk), 51), B = random_vector<T>(ldb * n, 52);
        const auto C0 = random_vector<T>(ldc * n, 53);
        for (T beta : {T(0), T(-1)}) {
          auto C = C0;
          if (beta == T(0))
            for (std::size_t j = 0; j < n; ++j)
              for (std::size_t i = 0; i < m; ++i) C[i + j * ldc] = std::numeric_limits<T>::quiet_NaN();  // not read
          k::gemm(ta, false, std::ptrdiff_t(m), std::ptrdiff_t(n), std::ptrdiff_t(kk), T(0.5), A.data(),
                  std::ptrdiff_t(lda), B.data(), std::ptrdiff_t(ldb), beta, C.data(), std::ptrdiff_t(ldc));
          CAPTURE(ta, n, len, beta);
          for (std::size_t j = 0; j < n; ++j)
            for (std::size_t i = 0; i < m; ++i) {
              double sum = 0, mag = 0;
              for (std::size_t p = 0; p < kk; ++p) {
                const double a = double(ta ? A[p + i * lda] : A[i + p * lda]), b = double(B[p + j * ldb]);
                sum += a * b;
                mag += std::abs(a * b);
              }
              const double expected = 0.5 * sum + double(beta) * (beta == T(0) ? 0.0 : double(C0[i + j * ldc]));
              REQUIRE(std::abs(double(C[i + j * ldc]) - expected) <=
                      double(kk + 2) * double(std::numeric_limits<T>::epsilon()) * (mag + 1));
            }
          for (std::size_t j = 0; j < n; ++j)  // the rows between m and ldc are untouched
            for (std::size_t i = m; i < ldc; ++i) REQUIRE(C[i + j * ldc] == C0[i + j * ldc]);
        }
      }
}

void check_spmm_narrow_indices() {
  // 16-bit column indices (float): the same entries in the same order as with 32-bit ones, through the same
  // kernel code, so the same sums bit for bit: every strip width, the one-vector blocks (4, 8, 16), row
  // ranges of the four-row slots, and the column-blocked step. Columns up to 65,535 (the last index).
  const std::size_t m = 45, n = 65536;
  std::mt19937 gen(29);
  std::uniform_real_distribution<double> dist(-1, 1);
  std::vector<std::int64_t> rp{0};
  std::vector<std::int32_t> ci;
  std::vector<float> vals;
  for (std::size_t r = 0; r < m; ++r) {
    const std::size_t len = (r == 0 || r == 12) ? 0 : (r % 5 == 2 ? 70 : (r * 11) % 17);
    for (std::size_t c = 0; c < len; ++c) {
      ci.push_back(std::int32_t(c + 1 == len && r % 3 == 0 ? n - 1 : (c * 977 + r * 131) % 300));
      vals.push_back(float(dist(gen)));
    }
    rp.push_back(std::int64_t(ci.size()));
  }
  const std::vector<std::uint16_t> ci16(ci.begin(), ci.end());
  for (std::size_t kcols : {1u, 2u, 3u, 4u, 5u, 8u, 13u, 16u, 17u, 32u}) {
    CAPTURE(kcols);
    const auto X = random_vector<float>(n * kcols, 31);
    for (const auto& [r0, r1] : {std::pair<std::size_t, std::size_t>{0, m}, {3, 9}, {10, 14}, {40, 45}}) {
      CAPTURE(r0, r1);
      std::vector<float> wide(m * kcols, -2.0f), narrow(m * kcols, -2.0f);
      k::csr_spmm_rows(rp.data(), ci.data(), vals.data(), X.data(), wide.data(), kcols, r0, r1);
      k::csr_spmm_rows(rp.data(), ci16.data(), vals.data(), X.data(), narrow.data(), kcols, r0, r1);
      REQUIRE(narrow == wide);
    }
    for (std::int32_t blocks : {1, 3}) {
      std::vector<float> wide(m * kcols, 0.0f), narrow(m * kcols, 0.0f);
      std::vector<std::int64_t> next_wide(rp.begin(), rp.end() - 1), next_narrow = next_wide;
      for (std::int32_t b = 1; b <= blocks; ++b) {
        const std::int32_t col_end = b == blocks ? std::int32_t(n) : 100 * b;
        k::csr_spmm_rows_until(rp.data(), ci.data(), vals.data(), X.data(), wide.data(), kcols, 0, m, next_wide.data(),
                               col_end);
        k::csr_spmm_rows_until(rp.data(), ci16.data(), vals.data(), X.data(), narrow.data(), kcols, 0, m,
                               next_narrow.data(), col_end);
      }
      REQUIRE(next_narrow == next_wide);
      REQUIRE(narrow == wide);
    }
  }
}

}  // namespace

TEST_CASE("kernels: every compiled target agrees with the scalar reference", "[kernels]") {
  const auto targets = k::compiled_targets();
  REQUIRE(!targets.empty());
  for (auto t : targets) {
    k::force_targets(t);
    DYNAMIC_SECTION("target " << k::target_name(t)) {
      INFO("active target " << k::active_target());
      REQUIRE(k::active_target() == k::target_name(t));
      check_all_kernels<double>();
      check_all_kernels<float>();
      check_nrm2_extremes<double>();
      check_nrm2_extremes<float>();
      check_spmm<double>();
      check_spmm<float>();
      check_spmm_until<double>();
      check_spmm_until<float>();
      check_spmm_one_vector_rows<double>();
      check_spmm_one_vector_rows<float>();
      check_spmm_narrow_indices();
      check_axpy_rows<double>();
      check_axpy_rows<float>();
      check_confidence_gram_apply<double>();
      check_confidence_gram_apply<float>();
      check_gram_rows<double>();
      check_gram_rows<float>();
      check_demote_scaled();
      check_skinny_gemm<double>();
      check_skinny_gemm<float>();
    }
  }
  k::force_targets(0);
}

TEST_CASE("kernels: active target is reported and listed", "[kernels]") {
  const std::string active = k::active_target();
  bool listed = false;
  for (auto t : k::compiled_targets()) listed = listed || active == k::target_name(t);
  WARN("dispatched SIMD target: " << active);
  REQUIRE(listed);
}

TEST_CASE("kernels: template fallback for other scalars", "[kernels]") {
  const long double x[3] = {1, 2, 3};
  REQUIRE(k::dot(x, x, 3) == 14.0L);
  REQUIRE(std::abs(k::nrm2(x, 3) - std::sqrt(14.0L)) < 1e-15L);
}
