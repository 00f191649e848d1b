#pragma once
/// \file kernels/reference.hpp  Scalar reference kernels.
///
/// The definition of what every SIMD kernel in src/kernels computes. Used by header-only mode,
/// by Scalars other than float/double, and by the tests that check each compiled SIMD target.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace lowrank::kernels::reference {

template <class T> T dot(const T* x, const T* y, std::size_t n) noexcept {
  T s = 0;
  for (std::size_t i = 0; i < n; ++i) s += x[i] * y[i];
  return s;
}

/// y += a·x
template <class T> void axpy(T a, const T* x, T* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) y[i] += a * x[i];
}

/// x *= a
template <class T> void scal(T a, T* x, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) x[i] *= a;
}

/// max |x_i| (0 for n = 0; NaN if any entry is NaN).
template <class T> T amax(const T* x, std::size_t n) noexcept {
  T m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i] != x[i]) return x[i];  // NaN wins over everything, Inf included
    const T a = std::abs(x[i]);
    if (a > m) m = a;
  }
  return m;
}

/// ‖x‖₂ without overflow or underflow: scale by max|x_i| when the plain sum could leave the range.
template <class T> T nrm2(const T* x, std::size_t n) noexcept {
  const T big = amax(x, n);
  if (!(big > 0) || !(big <= std::numeric_limits<T>::max())) return big;  // 0, NaN or Inf
  // Squares of values in [tiny, huge] neither overflow nor underflow to denormals.
  const T tiny = std::sqrt(std::numeric_limits<T>::min()) * T(16);
  const T huge = std::sqrt(std::numeric_limits<T>::max()) / T(16) / std::sqrt(T(n));
  if (big >= tiny && big <= huge) return std::sqrt(dot(x, x, n));
  // Scale by 2^−e (big = 2^e·[1, 2)) in two power-of-two steps: exact, and one step (or 1/big) overflows
  // when big is subnormal (2^133 for 1e-40 in float).
  const int e = std::ilogb(big);
  const T lo = std::ldexp(T(1), -e / 2), hi = std::ldexp(T(1), -e - (-e / 2));
  T s = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const T v = (x[i] * lo) * hi;
    s += v * v;
  }
  return std::ldexp(std::sqrt(s), e);
}

/// Plane rotation (LAPACK drot): x ← c·x + s·y, y ← c·y − s·x.
template <class T> void rot(T* x, T* y, std::size_t n, T c, T s) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const T xi = x[i], yi = y[i];
    x[i] = c * xi + s * yi;
    y[i] = c * yi - s * xi;
  }
}

/// One SGD step of matrix factorization on a user/item factor pair (Funk 2006; Koren, Bell & Volinsky
/// 2009, eq. 5): e = target − p·q; then, both from the old values, p ← (1 − lr·reg)·p + lr·e·q and
/// q ← (1 − lr·reg)·q + lr·e·p. Returns e (the caller updates its biases with it). p and q distinct.
template <class T> T mf_sgd_step(T* p, T* q, std::size_t n, T target, T lr, T reg) noexcept {
  const T e = target - dot(p, q, n);
  const T shrink = T(1) - lr * reg, step = lr * e;
  for (std::size_t i = 0; i < n; ++i) {
    const T pi = p[i], qi = q[i];
    p[i] = shrink * pi + step * qi;
    q[i] = shrink * qi + step * pi;
  }
  return e;
}

/// out[i] = float(scale·in[i]) for i < n; returns max |in[i]| (for finite input; 0 when n = 0). With a
/// power-of-two scale the product is exact, so out is in[i]'s float rounding, scaled.
inline double demote_scaled(const double* in, std::size_t n, double scale, float* out) noexcept {
  double amax = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double a = in[i] < 0 ? -in[i] : in[i];
    amax = a > amax ? a : amax;
    out[i] = float(scale * in[i]);
  }
  return amax;
}

/// One pass over a Jacobi column pair: out = {‖x‖², ‖y‖², x·y}.
template <class T> void gram2(const T* x, const T* y, std::size_t n, T out[3]) noexcept {
  T xx = 0, yy = 0, xy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    xx += x[i] * x[i];
    yy += y[i] * y[i];
    xy += x[i] * y[i];
  }
  out[0] = xx; out[1] = yy; out[2] = xy;
}

/// Gram matrix of the rows of a small row-major block: G = FᵀF for F n × m (row t at F + t·m), written
/// as the full m × m square, row-major (the lower triangle summed over t in order, then mirrored).
/// Gibbs sampling's per-row regressions (rec/impl/mf_gibbs_impl.hpp) build their precisions with it.
template <class T> void gram_rows(const T* F, std::size_t n, std::size_t m, T* G) noexcept {
  for (std::size_t a = 0; a < m; ++a)
    for (std::size_t c = 0; c <= a; ++c) {
      T s = 0;
      for (std::size_t t = 0; t < n; ++t) s += F[t * m + a] * F[t * m + c];
      G[a * m + c] = s;
      G[c * m + a] = s;
    }
}

/// Rotation fused with the new squared norms: rot(x, y, n, c, s), then out = {‖x‖², ‖y‖²}.
template <class T> void rot_norms(T* x, T* y, std::size_t n, T c, T s, T out[2]) noexcept {
  T xx = 0, yy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const T xi = x[i], yi = y[i];
    const T nx = c * xi + s * yi, ny = c * yi - s * xi;
    x[i] = nx; y[i] = ny;
    xx += nx * nx; yy += ny * ny;
  }
  out[0] = xx; out[1] = yy;
}

/// CSR × dense block, both dense blocks row-major with k columns:
/// Y[r, :] = Σ_{p in row r} values[p] · X[cols[p], :] for r in [row_begin, row_end).
template <class T, class P, class I>
void csr_spmm_rows(const P* row_ptr, const I* cols, const T* values, const T* X, T* Y, std::size_t k,
                   std::size_t row_begin, std::size_t row_end) noexcept {
  for (std::size_t r = row_begin; r < row_end; ++r) {
    T* y = Y + r * k;
    for (std::size_t j = 0; j < k; ++j) y[j] = 0;
    for (auto p = row_ptr[r]; p < row_ptr[r + 1]; ++p) axpy(values[p], X + std::size_t(cols[p]) * k, y, k);
  }
}

/// One column block of a cache-blocked CSR × dense block: for r in [row_begin, row_end),
/// Y[r, :] += Σ values[p] · X[cols[p], :] over p = next[r], next[r] + 1, … while p < row_ptr[r + 1] and
/// cols[p] < col_end; next[r] is left at the first entry not taken. Calls with increasing col_end, next
/// starting at row_ptr and Y at zero give csr_spmm_rows' result. X may hold only the block's rows, from
/// column col_begin on (row cols[p] of the table is X + (cols[p] − col_begin)·k).
template <class T, class P, class I>
void csr_spmm_rows_until(const P* row_ptr, const I* cols, const T* values, const T* X, T* Y, std::size_t k,
                         std::size_t row_begin, std::size_t row_end, P* next, std::int64_t col_end,
                         std::int64_t col_begin = 0) noexcept {
  for (std::size_t r = row_begin; r < row_end; ++r) {
    auto p = next[r];
    for (; p < row_ptr[r + 1] && cols[p] < col_end; ++p)
      axpy(values[p], X + std::size_t(cols[p] - col_begin) * k, Y + r * k, k);
    next[r] = p;
  }
}

/// out += Σ_j coef[j]·a_j over n rows a_j = A + j·ld of k entries each: y = Aᵀ·coef for a row-major A
/// (a GEMV by rows; for a symmetric A it is A·coef).
template <class T>
void axpy_rows(const T* A, std::size_t ld, const T* coef, std::size_t n, T* out, std::size_t k) noexcept {
  for (std::size_t j = 0; j < n; ++j) axpy(coef[j], A + j * ld, out, k);
}

/// The implicit-ALS product over one user's interactions:
/// out += Σ_j (a·c_j + b·(c_j − shift)·(y_j·p))·y_j, y_j = Y + idx[j]·ld (k entries), c_j = conf[j].
/// With a = 0, b = 1 it adds Yᵤᵀ(Cᵤ − shift·I)Yᵤ·p; with a = 1, b = −1 it adds Yᵤᵀcᵤ − Yᵤᵀ(Cᵤ − shift·I)Yᵤ·p.
template <class T, class I>
void confidence_gram_apply(const T* Y, std::size_t ld, const I* idx, const T* conf, std::size_t n, T shift, T a,
                           T b, const T* p, T* out, std::size_t k) noexcept {
  for (std::size_t j = 0; j < n; ++j) {
    const T* y = Y + std::size_t(idx[j]) * ld;
    const T coef = a * conf[j] + b * (conf[j] - shift) * dot(y, p, k);
    axpy(coef, y, out, k);
  }
}

}  // namespace lowrank::kernels::reference
