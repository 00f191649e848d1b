#pragma once
/// \file kernels.hpp  The runtime-dispatched SIMD kernels (plain C++ declarations).
///
/// The float/double overloads are compiled once per SIMD target in src/kernels (Google Highway) and
/// chosen at run time, so code including this header needs no -march flag. Any other Scalar, and every
/// call in header-only mode (LOWRANK_HEADER_ONLY=1), uses kernels/reference.hpp, which also defines
/// what each kernel computes. Kernels take pointers to contiguous data and a length.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lowrank/config.hpp"
#include "lowrank/kernels/dense.hpp"
#include "lowrank/kernels/reference.hpp"

namespace lowrank::kernels {

#if !LOWRANK_HEADER_ONLY
// clang-format off
/// Dot product Σ x_i·y_i of two length-n arrays.
LOWRANK_API double dot(const double* x, const double* y, std::size_t n) noexcept;
/// \overload
LOWRANK_API float  dot(const float* x, const float* y, std::size_t n) noexcept;
/// y += a·x over n elements.
LOWRANK_API void   axpy(double a, const double* x, double* y, std::size_t n) noexcept;
/// \overload
LOWRANK_API void   axpy(float a, const float* x, float* y, std::size_t n) noexcept;
/// Euclidean norm ‖x‖₂ of n elements, scaled so that it neither overflows nor underflows.
LOWRANK_API double nrm2(const double* x, std::size_t n) noexcept;
/// \overload
LOWRANK_API float  nrm2(const float* x, std::size_t n) noexcept;
/// Plane rotation of n element pairs (LAPACK drot): x ← c·x + s·y, y ← c·y − s·x.
LOWRANK_API void   rot(double* x, double* y, std::size_t n, double c, double s) noexcept;
/// \overload
LOWRANK_API void   rot(float* x, float* y, std::size_t n, float c, float s) noexcept;
/// One pass over a Jacobi column pair: out = {‖x‖², ‖y‖², x·y}.
LOWRANK_API void   gram2(const double* x, const double* y, std::size_t n, double out[3]) noexcept;
/// \overload
LOWRANK_API void   gram2(const float* x, const float* y, std::size_t n, float out[3]) noexcept;
/// rot(x, y, n, c, s) fused with the new squared norms: out = {‖x‖², ‖y‖²}.
LOWRANK_API void   rot_norms(double* x, double* y, std::size_t n, double c, double s, double out[2]) noexcept;
/// \overload
LOWRANK_API void   rot_norms(float* x, float* y, std::size_t n, float c, float s, float out[2]) noexcept;
/// One SGD step of matrix factorization (see reference::mf_sgd_step): e = target − p·q, then p and q
/// each shrink by (1 − lr·reg) and move by lr·e times the other's old value. Returns e.
LOWRANK_API double mf_sgd_step(double* p, double* q, std::size_t n, double target, double lr, double reg) noexcept;
/// \overload
LOWRANK_API float  mf_sgd_step(float* p, float* q, std::size_t n, float target, float lr, float reg) noexcept;
/// G = FᵀF for the n × m row-major F, the full m × m square row-major (see reference::gram_rows).
LOWRANK_API void gram_rows(const double* F, std::size_t n, std::size_t m, double* G) noexcept;
/// \overload
LOWRANK_API void gram_rows(const float* F, std::size_t n, std::size_t m, float* G) noexcept;
/// CSR rows [row_begin, row_end) times a row-major block X (k columns) into row-major Y.
LOWRANK_API void csr_spmm_rows(const std::int64_t* row_ptr, const std::int32_t* cols, const double* values,
                               const double* X, double* Y, std::size_t k, std::size_t row_begin,
                               std::size_t row_end) noexcept;
/// \overload
LOWRANK_API void csr_spmm_rows(const std::int64_t* row_ptr, const std::int32_t* cols, const float* values,
                               const float* X, float* Y, std::size_t k, std::size_t row_begin,
                               std::size_t row_end) noexcept;
/// One column block of a cache-blocked SpMM (see reference::csr_spmm_rows_until): Y[r, :] += row r's
/// entries from next[r] up to the first column index ≥ col_end, for r in [row_begin, row_end); next[r]
/// moves past them. X holds rows col_begin, col_begin + 1, … of the full table (the block's rows only;
/// every entry taken must have a column ≥ col_begin). Bit-identical to csr_spmm_rows once every block has run.
LOWRANK_API void csr_spmm_rows_until(const std::int64_t* row_ptr, const std::int32_t* cols, const double* values,
                                     const double* X, double* Y, std::size_t k, std::size_t row_begin,
                                     std::size_t row_end, std::int64_t* next, std::int32_t col_end,
                                     std::int32_t col_begin = 0) noexcept;
/// \overload
LOWRANK_API void csr_spmm_rows_until(const std::int64_t* row_ptr, const std::int32_t* cols, const float* values,
                                     const float* X, float* Y, std::size_t k, std::size_t row_begin,
                                     std::size_t row_end, std::int64_t* next, std::int32_t col_end,
                                     std::int32_t col_begin = 0) noexcept;
/// csr_spmm_rows with 16-bit column indices (at most 65,536 columns): 6 bytes per float entry instead of 8,
/// for products bound by streaming the matrix (the float copy of a sparse matrix, operator.hpp).
LOWRANK_API void csr_spmm_rows(const std::int64_t* row_ptr, const std::uint16_t* cols, const float* values,
                               const float* X, float* Y, std::size_t k, std::size_t row_begin,
                               std::size_t row_end) noexcept;
/// \overload
LOWRANK_API void csr_spmm_rows_until(const std::int64_t* row_ptr, const std::uint16_t* cols, const float* values,
                                     const float* X, float* Y, std::size_t k, std::size_t row_begin,
                                     std::size_t row_end, std::int64_t* next, std::int32_t col_end,
                                     std::int32_t col_begin = 0) noexcept;
/// out += Σ_j coef[j]·a_j over the n rows a_j = A + j·ld (k entries each): Aᵀ·coef for a row-major A,
/// four rows per pass over `out` (see reference::axpy_rows).
LOWRANK_API void axpy_rows(const double* A, std::size_t ld, const double* coef, std::size_t n, double* out,
                           std::size_t k) noexcept;
/// \overload
LOWRANK_API void axpy_rows(const float* A, std::size_t ld, const float* coef, std::size_t n, float* out,
                           std::size_t k) noexcept;
/// Implicit-ALS product over one user's interactions (see reference::confidence_gram_apply):
/// out += Σ_j (a·c_j + b·(c_j − shift)·(y_j·p))·y_j with y_j = Y + idx[j]·ld, k entries each.
LOWRANK_API void confidence_gram_apply(const double* Y, std::size_t ld, const std::int32_t* idx,
                                       const double* conf, std::size_t n, double shift, double a, double b,
                                       const double* p, double* out, std::size_t k) noexcept;
/// \overload
LOWRANK_API void confidence_gram_apply(const float* Y, std::size_t ld, const std::int32_t* idx, const float* conf,
                                       std::size_t n, float shift, float a, float b, const float* p, float* out,
                                       std::size_t k) noexcept;
/// C := alpha·op(A)·op(B) + beta·C on column-major arrays with leading dimensions, op(X) = Xᵀ when
/// trans_x (BLAS dgemm; beta = 0 does not read C). Eigen's GEMM, compiled for AVX-512, AVX2+FMA or the
/// build's flags and chosen at run time (kernels/dense.hpp); products of a long matrix with a few columns
/// (Aᵀ·B with k ≥ 64 and 2–16 columns, A·B with m ≥ 64 and 2–32) run on Highway kernels that skip the
/// packing (src/kernels/skinny_gemm.cpp).
LOWRANK_API void gemm(bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k,
                      double alpha, const double* a, std::ptrdiff_t lda, const double* b, std::ptrdiff_t ldb,
                      double beta, double* c, std::ptrdiff_t ldc);
/// \overload
LOWRANK_API void gemm(bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k,
                      float alpha, const float* a, std::ptrdiff_t lda, const float* b, std::ptrdiff_t ldb,
                      float beta, float* c, std::ptrdiff_t ldc);
/// Lower triangle of C := alpha·op(A)·op(A)ᵀ + beta·C (C n×n), op(A) = A (n×k) or, when trans, Aᵀ
/// (A k×n): BLAS xSYRK, lower; beta = 0 does not read C. Dispatched like gemm().
LOWRANK_API void syrk(bool trans, std::ptrdiff_t n, std::ptrdiff_t k, double alpha, const double* a,
                      std::ptrdiff_t lda, double beta, double* c, std::ptrdiff_t ldc);
/// \overload
LOWRANK_API void syrk(bool trans, std::ptrdiff_t n, std::ptrdiff_t k, float alpha, const float* a,
                      std::ptrdiff_t lda, float beta, float* c, std::ptrdiff_t ldc);
/// B := B·L⁻ᵀ for B m×n and L n×n lower triangular (strict upper triangle not read): BLAS xTRSM
/// (right, lower, transposed). Dispatched like gemm().
LOWRANK_API void trsm_right_lower_t(std::ptrdiff_t m, std::ptrdiff_t n, const double* l, std::ptrdiff_t ldl,
                                    double* b, std::ptrdiff_t ldb);
/// \overload
LOWRANK_API void trsm_right_lower_t(std::ptrdiff_t m, std::ptrdiff_t n, const float* l, std::ptrdiff_t ldl,
                                    float* b, std::ptrdiff_t ldb);
/// In place: the lower triangle of the symmetric positive definite n×n array `a` (leading dimension
/// lda, upper triangle not read) := the lower triangle of its inverse (LAPACK dpotrf + dpotri, n³
/// flops). Returns false when `a` is not numerically positive definite (`a` is then overwritten).
LOWRANK_API bool spd_inverse(double* a, std::ptrdiff_t n, std::ptrdiff_t lda);
/// \overload
LOWRANK_API bool spd_inverse(float* a, std::ptrdiff_t n, std::ptrdiff_t lda);
/// One pass over A (rows×cols, leading dimension lda) for two dependent products: per column j,
/// d[j] = A(:, j)ᵀ·v, t[j] = p[j] + q·d[j], w += A(1:rows, j)·t[j] (w: rows − 1 entries). The
/// bidiagonal reduction's Aᵀv and A·u in one read of A (BLAS 2.5). Dispatched like gemm().
LOWRANK_API void dot_axpy(std::ptrdiff_t rows, std::ptrdiff_t cols, const double* a, std::ptrdiff_t lda,
                          const double* v, const double* p, double q, double* d, double* t, double* w);
/// \overload
LOWRANK_API void dot_axpy(std::ptrdiff_t rows, std::ptrdiff_t cols, const float* a, std::ptrdiff_t lda,
                          const float* v, const float* p, float q, float* d, float* t, float* w);
/// In place: Householder tridiagonalization of the symmetric n×n array `a` (lower triangle read) as
/// LAPACK dsytrd ('L') leaves it — T's diagonal in diag (n) and subdiagonal in sub (n − 1), the
/// reflectors' tails below the subdiagonal of `a`, their coefficients in tau (n − 1). Dispatched like gemm().
LOWRANK_API void tridiagonalize(double* a, std::ptrdiff_t n, std::ptrdiff_t lda, double* diag, double* sub,
                                double* tau);
/// \overload
LOWRANK_API void tridiagonalize(float* a, std::ptrdiff_t n, std::ptrdiff_t lda, float* diag, float* sub, float* tau);
/// The float copy of a double array with its largest magnitude, in one read (see
/// reference::demote_scaled): out[i] = float(scale·in[i]); returns max |in[i]| (finite input).
LOWRANK_API double demote_scaled(const double* in, std::size_t n, double scale, float* out) noexcept;
/// The instruction set gemm() and spd_inverse() run with now: "avx512", "avx2" or "generic".
LOWRANK_API const char* dense_target();
// clang-format on
#else
inline double dot(const double* x, const double* y, std::size_t n) noexcept { return reference::dot(x, y, n); }
inline float dot(const float* x, const float* y, std::size_t n) noexcept { return reference::dot(x, y, n); }
inline void axpy(double a, const double* x, double* y, std::size_t n) noexcept { reference::axpy(a, x, y, n); }
inline void axpy(float a, const float* x, float* y, std::size_t n) noexcept { reference::axpy(a, x, y, n); }
inline double nrm2(const double* x, std::size_t n) noexcept { return reference::nrm2(x, n); }
inline float nrm2(const float* x, std::size_t n) noexcept { return reference::nrm2(x, n); }
inline void rot(double* x, double* y, std::size_t n, double c, double s) noexcept { reference::rot(x, y, n, c, s); }
inline void rot(float* x, float* y, std::size_t n, float c, float s) noexcept { reference::rot(x, y, n, c, s); }
inline void gram2(const double* x, const double* y, std::size_t n, double out[3]) noexcept {
  reference::gram2(x, y, n, out);
}
inline void gram2(const float* x, const float* y, std::size_t n, float out[3]) noexcept {
  reference::gram2(x, y, n, out);
}
inline void gram_rows(const double* F, std::size_t n, std::size_t m, double* G) noexcept {
  reference::gram_rows(F, n, m, G);
}
inline void gram_rows(const float* F, std::size_t n, std::size_t m, float* G) noexcept {
  reference::gram_rows(F, n, m, G);
}
inline void rot_norms(double* x, double* y, std::size_t n, double c, double s, double out[2]) noexcept {
  reference::rot_norms(x, y, n, c, s, out);
}
inline void rot_norms(float* x, float* y, std::size_t n, float c, float s, float out[2]) noexcept {
  reference::rot_norms(x, y, n, c, s, out);
}
inline double mf_sgd_step(double* p, double* q, std::size_t n, double target, double lr, double reg) noexcept {
  return reference::mf_sgd_step(p, q, n, target, lr, reg);
}
inline float mf_sgd_step(float* p, float* q, std::size_t n, float target, float lr, float reg) noexcept {
  return reference::mf_sgd_step(p, q, n, target, lr, reg);
}
inline void csr_spmm_rows(const std::int64_t* rp, const std::int32_t* ci, const double* v, const double* X,
                          double* Y, std::size_t k, std::size_t b, std::size_t e) noexcept {
  reference::csr_spmm_rows(rp, ci, v, X, Y, k, b, e);
}
inline void csr_spmm_rows(const std::int64_t* rp, const std::int32_t* ci, const float* v, const float* X,
                          float* Y, std::size_t k, std::size_t b, std::size_t e) noexcept {
  reference::csr_spmm_rows(rp, ci, v, X, Y, k, b, e);
}
inline void csr_spmm_rows_until(const std::int64_t* rp, const std::int32_t* ci, const double* v, const double* X,
                                double* Y, std::size_t k, std::size_t b, std::size_t e, std::int64_t* next,
                                std::int32_t col_end, std::int32_t col_begin = 0) noexcept {
  reference::csr_spmm_rows_until(rp, ci, v, X, Y, k, b, e, next, col_end, col_begin);
}
inline void csr_spmm_rows_until(const std::int64_t* rp, const std::int32_t* ci, const float* v, const float* X,
                                float* Y, std::size_t k, std::size_t b, std::size_t e, std::int64_t* next,
                                std::int32_t col_end, std::int32_t col_begin = 0) noexcept {
  reference::csr_spmm_rows_until(rp, ci, v, X, Y, k, b, e, next, col_end, col_begin);
}
inline void csr_spmm_rows(const std::int64_t* rp, const std::uint16_t* ci, const float* v, const float* X, float* Y,
                          std::size_t k, std::size_t b, std::size_t e) noexcept {
  reference::csr_spmm_rows(rp, ci, v, X, Y, k, b, e);
}
inline void csr_spmm_rows_until(const std::int64_t* rp, const std::uint16_t* ci, const float* v, const float* X,
                                float* Y, std::size_t k, std::size_t b, std::size_t e, std::int64_t* next,
                                std::int32_t col_end, std::int32_t col_begin = 0) noexcept {
  reference::csr_spmm_rows_until(rp, ci, v, X, Y, k, b, e, next, col_end, col_begin);
}
inline void axpy_rows(const double* A, std::size_t ld, const double* coef, std::size_t n, double* out,
                      std::size_t k) noexcept {
  reference::axpy_rows(A, ld, coef, n, out, k);
}
inline void axpy_rows(const float* A, std::size_t ld, const float* coef, std::size_t n, float* out,
                      std::size_t k) noexcept {
  reference::axpy_rows(A, ld, coef, n, out, k);
}
inline void confidence_gram_apply(const double* Y, std::size_t ld, const std::int32_t* idx, const double* conf,
                                  std::size_t n, double shift, double a, double b, const double* p, double* out,
                                  std::size_t k) noexcept {
  reference::confidence_gram_apply(Y, ld, idx, conf, n, shift, a, b, p, out, k);
}
inline void confidence_gram_apply(const float* Y, std::size_t ld, const std::int32_t* idx, const float* conf,
                                  std::size_t n, float shift, float a, float b, const float* p, float* out,
                                  std::size_t k) noexcept {
  reference::confidence_gram_apply(Y, ld, idx, conf, n, shift, a, b, p, out, k);
}
inline double demote_scaled(const double* in, std::size_t n, double scale, float* out) noexcept {
  return reference::demote_scaled(in, n, scale, out);
}
inline const char* dense_target() { return "reference"; }
#endif

// Other Scalars (long double, …) always use the reference.
/// dot() for any other Scalar (scalar reference kernel).
template <class T> T dot(const T* x, const T* y, std::size_t n) noexcept { return reference::dot(x, y, n); }
/// axpy() for any other Scalar (scalar reference kernel).
template <class T> void axpy(T a, const T* x, T* y, std::size_t n) noexcept { reference::axpy(a, x, y, n); }
/// nrm2() for any other Scalar (scalar reference kernel).
template <class T> T nrm2(const T* x, std::size_t n) noexcept { return reference::nrm2(x, n); }
/// mf_sgd_step() for any other Scalar (scalar reference kernel).
template <class T> T mf_sgd_step(T* p, T* q, std::size_t n, T target, T lr, T reg) noexcept {
  return reference::mf_sgd_step(p, q, n, target, lr, reg);
}
/// rot() for any other Scalar (scalar reference kernel).
template <class T> void rot(T* x, T* y, std::size_t n, T c, T s) noexcept { reference::rot(x, y, n, c, s); }
/// gram2() for any other Scalar (scalar reference kernel).
template <class T> void gram2(const T* x, const T* y, std::size_t n, T out[3]) noexcept {
  reference::gram2(x, y, n, out);
}
/// gram_rows() for any other Scalar (scalar reference kernel).
template <class T> void gram_rows(const T* F, std::size_t n, std::size_t m, T* G) noexcept {
  reference::gram_rows(F, n, m, G);
}
/// rot_norms() for any other Scalar (scalar reference kernel).
template <class T> void rot_norms(T* x, T* y, std::size_t n, T c, T s, T out[2]) noexcept {
  reference::rot_norms(x, y, n, c, s, out);
}
/// gemm() for any other Scalar, and in header-only mode (kernels/dense.hpp with the caller's flags).
template <class S>
void gemm(bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k, S alpha, const S* a,
          std::ptrdiff_t lda, const S* b, std::ptrdiff_t ldb, S beta, S* c, std::ptrdiff_t ldc) {
  reference_dense::gemm<S>(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
/// syrk() for any other Scalar, and in header-only mode.
template <class S>
void syrk(bool trans, std::ptrdiff_t n, std::ptrdiff_t k, S alpha, const S* a, std::ptrdiff_t lda, S beta, S* c,
          std::ptrdiff_t ldc) {
  reference_dense::syrk<S>(trans, n, k, alpha, a, lda, beta, c, ldc);
}
/// trsm_right_lower_t() for any other Scalar, and in header-only mode.
template <class S>
void trsm_right_lower_t(std::ptrdiff_t m, std::ptrdiff_t n, const S* l, std::ptrdiff_t ldl, S* b, std::ptrdiff_t ldb) {
  reference_dense::trsm_right_lower_t<S>(m, n, l, ldl, b, ldb);
}
/// spd_inverse() for any other Scalar, and in header-only mode.
template <class S> bool spd_inverse(S* a, std::ptrdiff_t n, std::ptrdiff_t lda) {
  return reference_dense::spd_inverse<S>(a, n, lda);
}
/// tridiagonalize() for any other Scalar, and in header-only mode.
template <class S>
void tridiagonalize(S* a, std::ptrdiff_t n, std::ptrdiff_t lda, S* diag, S* sub, S* tau) {
  reference_dense::tridiagonalize<S>(a, n, lda, diag, sub, tau);
}
/// dot_axpy() for any other Scalar, and in header-only mode.
template <class S>
void dot_axpy(std::ptrdiff_t rows, std::ptrdiff_t cols, const S* a, std::ptrdiff_t lda, const S* v, const S* p, S q,
              S* d, S* t, S* w) {
  reference_dense::dot_axpy<S>(rows, cols, a, lda, v, p, q, d, t, w);
}

#if !LOWRANK_HEADER_ONLY
/// Name of the SIMD target the kernels dispatch to now ("AVX3", "AVX2", "NEON", "SVE2", "SCALAR", …;
/// "reference" in header-only mode).
LOWRANK_API std::string active_target();
/// The targets compiled into this build, best first, as Highway target bits (empty in header-only mode).
LOWRANK_API std::vector<std::int64_t> compiled_targets();
/// Name of one target bit.
LOWRANK_API const char* target_name(std::int64_t target);
/// Test hook: restrict dispatch to `target_mask` (a bit from compiled_targets()); 0 restores the default,
/// which honours LOWRANK_FORCE_TARGET (a target name such as "AVX2") from the environment.
LOWRANK_API void force_targets(std::int64_t target_mask);
#else
inline std::string active_target() { return "reference"; }
inline std::vector<std::int64_t> compiled_targets() { return {}; }
inline const char* target_name(std::int64_t) { return "reference"; }
inline void force_targets(std::int64_t) {}
#endif

}  // namespace lowrank::kernels
