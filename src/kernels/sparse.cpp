// Sparse kernels: CSR × dense block (the SpMM at the heart of every truncated SVD on user-item data).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/sparse.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "kernels/sparse-inl.hpp"

HWY_BEFORE_NAMESPACE();
namespace lowrank::kernels::HWY_NAMESPACE {
void CsrSpmmRowsF64(const int64_t* rp, const int32_t* ci, const double* v, const double* X, double* Y, size_t k,
                    size_t b, size_t e) {
  CsrSpmmRowsImpl(rp, ci, v, X, Y, k, b, e);
}
void CsrSpmmRowsF32(const int64_t* rp, const int32_t* ci, const float* v, const float* X, float* Y, size_t k,
                    size_t b, size_t e) {
  CsrSpmmRowsImpl(rp, ci, v, X, Y, k, b, e);
}
void CsrSpmmRowsF32U16(const int64_t* rp, const uint16_t* ci, const float* v, const float* X, float* Y, size_t k,
                       size_t b, size_t e) {
  CsrSpmmRowsImpl(rp, ci, v, X, Y, k, b, e);
}
void CsrSpmmRowsUntilF64(const int64_t* rp, const int32_t* ci, const double* v, const double* X, double* Y, size_t k,
                         size_t b, size_t e, int64_t* next, int32_t col_end, int32_t col_begin) {
  CsrSpmmRowsUntilImpl(rp, ci, v, X, Y, k, b, e, next, col_end, col_begin);
}
void CsrSpmmRowsUntilF32(const int64_t* rp, const int32_t* ci, const float* v, const float* X, float* Y, size_t k,
                         size_t b, size_t e, int64_t* next, int32_t col_end, int32_t col_begin) {
  CsrSpmmRowsUntilImpl(rp, ci, v, X, Y, k, b, e, next, col_end, col_begin);
}
void CsrSpmmRowsUntilF32U16(const int64_t* rp, const uint16_t* ci, const float* v, const float* X, float* Y, size_t k,
                            size_t b, size_t e, int64_t* next, int32_t col_end, int32_t col_begin) {
  CsrSpmmRowsUntilImpl(rp, ci, v, X, Y, k, b, e, next, col_end, col_begin);
}
void AxpyRowsF64(const double* A, size_t ld, const double* coef, size_t n, double* out, size_t k) {
  AxpyRowsImpl(A, ld, coef, n, out, k);
}
void AxpyRowsF32(const float* A, size_t ld, const float* coef, size_t n, float* out, size_t k) {
  AxpyRowsImpl(A, ld, coef, n, out, k);
}
void ConfidenceGramApplyF64(const double* Y, size_t ld, const int32_t* idx, const double* conf, size_t n,
                            double shift, double a, double b, const double* p, double* out, size_t k) {
  ConfidenceGramApplyImpl(Y, ld, idx, conf, n, shift, a, b, p, out, k);
}
void ConfidenceGramApplyF32(const float* Y, size_t ld, const int32_t* idx, const float* conf, size_t n, float shift,
                            float a, float b, const float* p, float* out, size_t k) {
  ConfidenceGramApplyImpl(Y, ld, idx, conf, n, shift, a, b, p, out, k);
}
}  // namespace lowrank::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/targets_anchor.hpp"
#include "lowrank/kernels.hpp"
namespace lowrank::kernels {
HWY_EXPORT(CsrSpmmRowsF64);
HWY_EXPORT(CsrSpmmRowsF32);
HWY_EXPORT(CsrSpmmRowsF32U16);
HWY_EXPORT(CsrSpmmRowsUntilF64);
HWY_EXPORT(CsrSpmmRowsUntilF32);
HWY_EXPORT(CsrSpmmRowsUntilF32U16);
HWY_EXPORT(AxpyRowsF64);
HWY_EXPORT(AxpyRowsF32);
HWY_EXPORT(ConfidenceGramApplyF64);
HWY_EXPORT(ConfidenceGramApplyF32);
void axpy_rows(const double* A, std::size_t ld, const double* coef, std::size_t n, double* out,
               std::size_t k) noexcept {
  HWY_DYNAMIC_DISPATCH(AxpyRowsF64)(A, ld, coef, n, out, k);
}
void axpy_rows(const float* A, std::size_t ld, const float* coef, std::size_t n, float* out, std::size_t k) noexcept {
  HWY_DYNAMIC_DISPATCH(AxpyRowsF32)(A, ld, coef, n, out, k);
}
void confidence_gram_apply(const double* Y, std::size_t ld, const std::int32_t* idx, const double* conf,
                           std::size_t n, double shift, double a, double b, const double* p, double* out,
                           std::size_t k) noexcept {
  HWY_DYNAMIC_DISPATCH(ConfidenceGramApplyF64)(Y, ld, idx, conf, n, shift, a, b, p, out, k);
}
void confidence_gram_apply(const float* Y, std::size_t ld, const std::int32_t* idx, const float* conf, std::size_t n,
                           float shift, float a, float b, const float* p, float* out, std::size_t k) noexcept {
  HWY_DYNAMIC_DISPATCH(ConfidenceGramApplyF32)(Y, ld, idx, conf, n, shift, a, b, p, out, k);
}
void csr_spmm_rows(const std::int64_t* rp, const std::int32_t* ci, const double* v, const double* X, double* Y,
                   std::size_t k, std::size_t b, std::size_t e) noexcept {
  HWY_DYNAMIC_DISPATCH(CsrSpmmRowsF64)(rp, ci, v, X, Y, k, b, e);
}
void csr_spmm_rows(const std::int64_t* rp, const std::int32_t* ci, const float* v, const float* X, float* Y,
                   std::size_t k, std::size_t b, std::size_t e) noexcept {
  HWY_DYNAMIC_DISPATCH(CsrSpmmRowsF32)(rp, ci, v, X, Y, k, b, e);
}
void csr_spmm_rows_until(const std::int64_t* rp, const std::int32_t* ci, const double* v, const double* X, double* Y,
                         std::size_t k, std::size_t b, std::size_t e, std::int64_t* next, std::int32_t col_end,
                         std::int32_t col_begin) noexcept {
  HWY_DYNAMIC_DISPATCH(CsrSpmmRowsUntilF64)(rp, ci, v, X, Y, k, b, e, next, col_end, col_begin);
}
void csr_spmm_rows_until(const std::int64_t* rp, const std::int32_t* ci, const float* v, const float* X, float* Y,
                         std::size_t k, std::size_t b, std::size_t e, std::int64_t* next, std::int32_t col_end,
                         std::int32_t col_begin) noexcept {
  HWY_DYNAMIC_DISPATCH(CsrSpmmRowsUntilF32)(rp, ci, v, X, Y, k, b, e, next, col_end, col_begin);
}
void csr_spmm_rows(const std::int64_t* rp, const std::uint16_t* ci, const float* v, const float* X, float* Y,
                   std::size_t k, std::size_t b, std::size_t e) noexcept {
  HWY_DYNAMIC_DISPATCH(CsrSpmmRowsF32U16)(rp, ci, v, X, Y, k, b, e);
}
void csr_spmm_rows_until(const std::int64_t* rp, const std::uint16_t* ci, const float* v, const float* X, float* Y,
                         std::size_t k, std::size_t b, std::size_t e, std::int64_t* next, std::int32_t col_end,
                         std::int32_t col_begin) noexcept {
  HWY_DYNAMIC_DISPATCH(CsrSpmmRowsUntilF32U16)(rp, ci, v, X, Y, k, b, e, next, col_end, col_begin);
}
}  // namespace lowrank::kernels
#endif  // HWY_ONCE
