// Per-target BLAS-1 and Jacobi pair kernels (Highway). Included once per SIMD target by blas1.cpp
// through foreach_target.h; never installed. Tails are handled by scalar loops so that every target
// computes the same operations on the same elements up to summation order.
#if defined(LOWRANK_KERNELS_BLAS1_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWRANK_KERNELS_BLAS1_INL_H_
#undef LOWRANK_KERNELS_BLAS1_INL_H_
#else
#define LOWRANK_KERNELS_BLAS1_INL_H_
#endif

#include <cmath>
#include <cstddef>
#include <limits>

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace lowrank::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Four independent accumulators hide FMA latency (4 cycles on current x86 and Arm cores).
template <class T>
T DotImpl(const T* HWY_RESTRICT x, const T* HWY_RESTRICT y, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    s0 = hn::MulAdd(hn::LoadU(d, x + i), hn::LoadU(d, y + i), s0);
    s1 = hn::MulAdd(hn::LoadU(d, x + i + N), hn::LoadU(d, y + i + N), s1);
    s2 = hn::MulAdd(hn::LoadU(d, x + i + 2 * N), hn::LoadU(d, y + i + 2 * N), s2);
    s3 = hn::MulAdd(hn::LoadU(d, x + i + 3 * N), hn::LoadU(d, y + i + 3 * N), s3);
  }
  for (; i + N <= n; i += N) s0 = hn::MulAdd(hn::LoadU(d, x + i), hn::LoadU(d, y + i), s0);
  s0 = hn::Add(hn::Add(s0, s1), hn::Add(s2, s3));
  T sum = hn::GetLane(hn::SumOfLanes(d, s0));
  for (; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

template <class T>
void AxpyImpl(T a, const T* HWY_RESTRICT x, T* HWY_RESTRICT y, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const auto va = hn::Set(d, a);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    hn::StoreU(hn::MulAdd(va, hn::LoadU(d, x + i), hn::LoadU(d, y + i)), d, y + i);
    hn::StoreU(hn::MulAdd(va, hn::LoadU(d, x + i + N), hn::LoadU(d, y + i + N)), d, y + i + N);
  }
  for (; i + N <= n; i += N) hn::StoreU(hn::MulAdd(va, hn::LoadU(d, x + i), hn::LoadU(d, y + i)), d, y + i);
  for (; i < n; ++i) y[i] += a * x[i];
}

template <class T>
T AmaxImpl(const T* HWY_RESTRICT x, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  auto m = hn::Zero(d);
  auto nan_seen = hn::Zero(d);  // x - x is NaN exactly for NaN and ±Inf entries
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto v = hn::LoadU(d, x + i);
    m = hn::Max(m, hn::Abs(v));
    nan_seen = hn::Add(nan_seen, hn::Sub(v, v));
  }
  T big = hn::GetLane(hn::MaxOfLanes(d, m));
  const T probe = hn::GetLane(hn::SumOfLanes(d, nan_seen));
  if (!(probe == probe)) {  // rare path: some entry is NaN or ±Inf; NaN wins, as in the reference
    for (size_t j = 0; j < n; ++j)
      if (x[j] != x[j]) return x[j];
  }
  for (; i < n; ++i) {
    if (x[i] != x[i]) return x[i];
    const T a = std::abs(x[i]);
    if (a > big) big = a;
  }
  return big;
}

// Scaled two-norm (LAPACK dnrm2 contract): scale only when squares could overflow or underflow.
template <class T>
T Nrm2Impl(const T* HWY_RESTRICT x, size_t n) {
  const T big = AmaxImpl(x, n);
  if (!(big > 0) || !(big <= std::numeric_limits<T>::max())) return big;
  const T tiny = std::sqrt(std::numeric_limits<T>::min()) * T(16);
  const T huge = std::sqrt(std::numeric_limits<T>::max()) / T(16) / std::sqrt(T(n));
  if (big >= tiny && big <= huge) return std::sqrt(DotImpl(x, x, n));
  // Scale by 2^−e (big = 2^e·[1, 2)) in two power-of-two steps: exact, and one step (or 1/big) overflows
  // when big is subnormal (2^133 for 1e-40 in float).
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const int e = std::ilogb(big);
  const T lo = std::ldexp(T(1), -e / 2), hi = std::ldexp(T(1), -e - (-e / 2));
  const auto vlo = hn::Set(d, lo), vhi = hn::Set(d, hi);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto a = hn::Mul(hn::Mul(hn::LoadU(d, x + i), vlo), vhi);
    const auto b = hn::Mul(hn::Mul(hn::LoadU(d, x + i + N), vlo), vhi);
    s0 = hn::MulAdd(a, a, s0);
    s1 = hn::MulAdd(b, b, s1);
  }
  for (; i + N <= n; i += N) {
    const auto a = hn::Mul(hn::Mul(hn::LoadU(d, x + i), vlo), vhi);
    s0 = hn::MulAdd(a, a, s0);
  }
  T s = hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
  for (; i < n; ++i) {
    const T v = (x[i] * lo) * hi;
    s += v * v;
  }
  return std::ldexp(std::sqrt(s), e);
}

template <class T>
void RotImpl(T* HWY_RESTRICT x, T* HWY_RESTRICT y, size_t n, T c, T s) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const auto vc = hn::Set(d, c), vs = hn::Set(d, s);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto xi = hn::LoadU(d, x + i), yi = hn::LoadU(d, y + i);
    hn::StoreU(hn::MulAdd(vc, xi, hn::Mul(vs, yi)), d, x + i);
    hn::StoreU(hn::NegMulAdd(vs, xi, hn::Mul(vc, yi)), d, y + i);
  }
  for (; i < n; ++i) {
    const T xi = x[i], yi = y[i];
    x[i] = c * xi + s * yi;
    y[i] = c * yi - s * xi;
  }
}

template <class T>
void Gram2Impl(const T* HWY_RESTRICT x, const T* HWY_RESTRICT y, size_t n, T* HWY_RESTRICT out) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  auto xx0 = hn::Zero(d), yy0 = hn::Zero(d), xy0 = hn::Zero(d);
  auto xx1 = hn::Zero(d), yy1 = hn::Zero(d), xy1 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto a0 = hn::LoadU(d, x + i), b0 = hn::LoadU(d, y + i);
    const auto a1 = hn::LoadU(d, x + i + N), b1 = hn::LoadU(d, y + i + N);
    xx0 = hn::MulAdd(a0, a0, xx0); yy0 = hn::MulAdd(b0, b0, yy0); xy0 = hn::MulAdd(a0, b0, xy0);
    xx1 = hn::MulAdd(a1, a1, xx1); yy1 = hn::MulAdd(b1, b1, yy1); xy1 = hn::MulAdd(a1, b1, xy1);
  }
  for (; i + N <= n; i += N) {
    const auto a0 = hn::LoadU(d, x + i), b0 = hn::LoadU(d, y + i);
    xx0 = hn::MulAdd(a0, a0, xx0); yy0 = hn::MulAdd(b0, b0, yy0); xy0 = hn::MulAdd(a0, b0, xy0);
  }
  T xx = hn::GetLane(hn::SumOfLanes(d, hn::Add(xx0, xx1)));
  T yy = hn::GetLane(hn::SumOfLanes(d, hn::Add(yy0, yy1)));
  T xy = hn::GetLane(hn::SumOfLanes(d, hn::Add(xy0, xy1)));
  for (; i < n; ++i) {
    xx += x[i] * x[i]; yy += y[i] * y[i]; xy += x[i] * y[i];
  }
  out[0] = xx; out[1] = yy; out[2] = xy;
}

template <class T>
void RotNormsImpl(T* HWY_RESTRICT x, T* HWY_RESTRICT y, size_t n, T c, T s, T* HWY_RESTRICT out) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const auto vc = hn::Set(d, c), vs = hn::Set(d, s);
  auto xx = hn::Zero(d), yy = hn::Zero(d);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto xi = hn::LoadU(d, x + i), yi = hn::LoadU(d, y + i);
    const auto nx = hn::MulAdd(vc, xi, hn::Mul(vs, yi));
    const auto ny = hn::NegMulAdd(vs, xi, hn::Mul(vc, yi));
    hn::StoreU(nx, d, x + i);
    hn::StoreU(ny, d, y + i);
    xx = hn::MulAdd(nx, nx, xx);
    yy = hn::MulAdd(ny, ny, yy);
  }
  T sxx = hn::GetLane(hn::SumOfLanes(d, xx)), syy = hn::GetLane(hn::SumOfLanes(d, yy));
  for (; i < n; ++i) {
    const T xi = x[i], yi = y[i];
    const T nx = c * xi + s * yi, ny = c * yi - s * xi;
    x[i] = nx; y[i] = ny;
    sxx += nx * nx; syy += ny * ny;
  }
  out[0] = sxx; out[1] = syy;
}

// out = float(scale·in) and max |in| in one pass: the float copy of a double matrix for the solvers'
// mixed-precision products (Eigen's double→float cast is scalar code at the library's baseline, and its
// max pass was a second read of the matrix).
inline double DemoteScaledImpl(const double* HWY_RESTRICT in, size_t n, double scale, float* HWY_RESTRICT out) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const size_t N = hn::Lanes(dd);
  const auto vscale = hn::Set(dd, scale);
  auto m0 = hn::Zero(dd), m1 = hn::Zero(dd);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto v0 = hn::LoadU(dd, in + i), v1 = hn::LoadU(dd, in + i + N);
    m0 = hn::Max(m0, hn::Abs(v0));
    m1 = hn::Max(m1, hn::Abs(v1));
    hn::StoreU(hn::DemoteTo(df, hn::Mul(v0, vscale)), df, out + i);
    hn::StoreU(hn::DemoteTo(df, hn::Mul(v1, vscale)), df, out + i + N);
  }
  double amax = hn::GetLane(hn::MaxOfLanes(dd, hn::Max(m0, m1)));
  for (; i < n; ++i) {
    const double a = in[i] < 0 ? -in[i] : in[i];
    amax = a > amax ? a : amax;
    out[i] = float(scale * in[i]);
  }
  return amax;
}

// The MF SGD step: the dot, then one pass that updates both rows from their old values (in registers).
template <class T>
T MfSgdStepImpl(T* HWY_RESTRICT p, T* HWY_RESTRICT q, size_t n, T target, T lr, T reg) {
  const T e = target - DotImpl(p, q, n);
  const T shrink = T(1) - lr * reg, step = lr * e;
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const auto vshrink = hn::Set(d, shrink), vstep = hn::Set(d, step);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto pi = hn::LoadU(d, p + i), qi = hn::LoadU(d, q + i);
    hn::StoreU(hn::MulAdd(vshrink, pi, hn::Mul(vstep, qi)), d, p + i);
    hn::StoreU(hn::MulAdd(vshrink, qi, hn::Mul(vstep, pi)), d, q + i);
  }
  for (; i < n; ++i) {
    const T pi = p[i], qi = q[i];
    p[i] = shrink * pi + step * qi;
    q[i] = shrink * qi + step * pi;
  }
  return e;
}

// G = FᵀF for F n × m row-major (the full square). Four rows of G at a time against one vector of
// columns: each vector loaded from a row of F feeds four FMAs with that row's four entries broadcast,
// and the sums stay in registers over the whole pass through F. Only blocks reaching the lower triangle
// are computed; columns past the last whole vector go by scalar sums; the upper triangle is mirrored.
template <class T>
void GramRowsImpl(const T* HWY_RESTRICT F, size_t n, size_t m, T* HWY_RESTRICT G) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const size_t full = m - m % N;  // columns [0, full) in whole vectors
  size_t a = 0;
  for (; a + 4 <= m; a += 4)
    for (size_t c = 0; c < full && c <= a + 3; c += N) {
      auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
      for (size_t t = 0; t < n; ++t) {
        const T* row = F + t * m;
        const auto v = hn::LoadU(d, row + c);
        s0 = hn::MulAdd(hn::Set(d, row[a]), v, s0);
        s1 = hn::MulAdd(hn::Set(d, row[a + 1]), v, s1);
        s2 = hn::MulAdd(hn::Set(d, row[a + 2]), v, s2);
        s3 = hn::MulAdd(hn::Set(d, row[a + 3]), v, s3);
      }
      hn::StoreU(s0, d, G + a * m + c);
      hn::StoreU(s1, d, G + (a + 1) * m + c);
      hn::StoreU(s2, d, G + (a + 2) * m + c);
      hn::StoreU(s3, d, G + (a + 3) * m + c);
    }
  for (; a < m; ++a)  // the last m mod 4 rows, one at a time
    for (size_t c = 0; c < full && c <= a; c += N) {
      auto s0 = hn::Zero(d);
      for (size_t t = 0; t < n; ++t) s0 = hn::MulAdd(hn::Set(d, F[t * m + a]), hn::LoadU(d, F + t * m + c), s0);
      hn::StoreU(s0, d, G + a * m + c);
    }
  for (size_t r = full; r < m; ++r)  // lower-triangle entries in the columns past `full`
    for (size_t c = full; c <= r; ++c) {
      T s = 0;
      for (size_t t = 0; t < n; ++t) s += F[t * m + r] * F[t * m + c];
      G[r * m + c] = s;
    }
  for (size_t r = 0; r < m; ++r)
    for (size_t c = 0; c < r; ++c) G[c * m + r] = G[r * m + c];
}

}  // namespace lowrank::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();
#endif  // include guard toggle
