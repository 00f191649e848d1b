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
}  // namespace lowrank::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "lowrank/kernels.hpp"
namespace lowrank::kernels {
HWY_EXPORT(CsrSpmmRowsF64);
HWY_EXPORT(CsrSpmmRowsF32);
void csr_spmm_rows(const std::int64_t* rp, const std::int32_t* ci, const double* v, const double* X, double* Y,
                   std::size_t k, std::size_t b, std::size_t e) noexcept {
  HWY_DYNAMIC_DISPATCH(CsrSpmmRowsF64)(rp, ci, v, X, Y, k, b, e);
}
void csr_spmm_rows(const std::int64_t* rp, const std::int32_t* ci, const float* v, const float* X, float* Y,
                   std::size_t k, std::size_t b, std::size_t e) noexcept {
  HWY_DYNAMIC_DISPATCH(CsrSpmmRowsF32)(rp, ci, v, X, Y, k, b, e);
}
}  // namespace lowrank::kernels
#endif  // HWY_ONCE
