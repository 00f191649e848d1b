// BLAS-1 and Jacobi pair kernels, compiled once per SIMD target and dispatched at run time (STYLE C7).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/blas1.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "kernels/blas1-inl.hpp"

HWY_BEFORE_NAMESPACE();
namespace lowrank::kernels::HWY_NAMESPACE {
// One exported, non-template function per (kernel, type): 1.0.3 has no HWY_EXPORT_T.
double DotF64(const double* x, const double* y, size_t n) { return DotImpl(x, y, n); }
float DotF32(const float* x, const float* y, size_t n) { return DotImpl(x, y, n); }
void AxpyF64(double a, const double* x, double* y, size_t n) { AxpyImpl(a, x, y, n); }
void AxpyF32(float a, const float* x, float* y, size_t n) { AxpyImpl(a, x, y, n); }
double Nrm2F64(const double* x, size_t n) { return Nrm2Impl(x, n); }
float Nrm2F32(const float* x, size_t n) { return Nrm2Impl(x, n); }
void RotF64(double* x, double* y, size_t n, double c, double s) { RotImpl(x, y, n, c, s); }
void RotF32(float* x, float* y, size_t n, float c, float s) { RotImpl(x, y, n, c, s); }
void Gram2F64(const double* x, const double* y, size_t n, double* out) { Gram2Impl(x, y, n, out); }
void Gram2F32(const float* x, const float* y, size_t n, float* out) { Gram2Impl(x, y, n, out); }
void RotNormsF64(double* x, double* y, size_t n, double c, double s, double* out) {
  RotNormsImpl(x, y, n, c, s, out);
}
void RotNormsF32(float* x, float* y, size_t n, float c, float s, float* out) { RotNormsImpl(x, y, n, c, s, out); }
double MfSgdStepF64(double* p, double* q, size_t n, double target, double lr, double reg) {
  return MfSgdStepImpl(p, q, n, target, lr, reg);
}
float MfSgdStepF32(float* p, float* q, size_t n, float target, float lr, float reg) {
  return MfSgdStepImpl(p, q, n, target, lr, reg);
}
void GramRowsF64(const double* F, size_t n, size_t m, double* G) { GramRowsImpl(F, n, m, G); }
void GramRowsF32(const float* F, size_t n, size_t m, float* G) { GramRowsImpl(F, n, m, G); }
double DemoteScaledF64(const double* in, size_t n, double scale, float* out) {
  return DemoteScaledImpl(in, n, scale, out);
}
}  // namespace lowrank::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/targets_anchor.hpp"
#include "lowrank/kernels.hpp"
namespace lowrank::kernels {
HWY_EXPORT(DotF64);
HWY_EXPORT(DotF32);
HWY_EXPORT(AxpyF64);
HWY_EXPORT(AxpyF32);
HWY_EXPORT(Nrm2F64);
HWY_EXPORT(Nrm2F32);
HWY_EXPORT(RotF64);
HWY_EXPORT(RotF32);
HWY_EXPORT(Gram2F64);
HWY_EXPORT(Gram2F32);
HWY_EXPORT(RotNormsF64);
HWY_EXPORT(RotNormsF32);
HWY_EXPORT(MfSgdStepF64);
HWY_EXPORT(MfSgdStepF32);
HWY_EXPORT(GramRowsF64);
HWY_EXPORT(GramRowsF32);
HWY_EXPORT(DemoteScaledF64);

double dot(const double* x, const double* y, std::size_t n) noexcept { return HWY_DYNAMIC_DISPATCH(DotF64)(x, y, n); }
float dot(const float* x, const float* y, std::size_t n) noexcept { return HWY_DYNAMIC_DISPATCH(DotF32)(x, y, n); }
void axpy(double a, const double* x, double* y, std::size_t n) noexcept { HWY_DYNAMIC_DISPATCH(AxpyF64)(a, x, y, n); }
void axpy(float a, const float* x, float* y, std::size_t n) noexcept { HWY_DYNAMIC_DISPATCH(AxpyF32)(a, x, y, n); }
double nrm2(const double* x, std::size_t n) noexcept { return HWY_DYNAMIC_DISPATCH(Nrm2F64)(x, n); }
float nrm2(const float* x, std::size_t n) noexcept { return HWY_DYNAMIC_DISPATCH(Nrm2F32)(x, n); }
void rot(double* x, double* y, std::size_t n, double c, double s) noexcept {
  HWY_DYNAMIC_DISPATCH(RotF64)(x, y, n, c, s);
}
void rot(float* x, float* y, std::size_t n, float c, float s) noexcept { HWY_DYNAMIC_DISPATCH(RotF32)(x, y, n, c, s); }
void gram2(const double* x, const double* y, std::size_t n, double out[3]) noexcept {
  HWY_DYNAMIC_DISPATCH(Gram2F64)(x, y, n, out);
}
void gram2(const float* x, const float* y, std::size_t n, float out[3]) noexcept {
  HWY_DYNAMIC_DISPATCH(Gram2F32)(x, y, n, out);
}
void rot_norms(double* x, double* y, std::size_t n, double c, double s, double out[2]) noexcept {
  HWY_DYNAMIC_DISPATCH(RotNormsF64)(x, y, n, c, s, out);
}
void rot_norms(float* x, float* y, std::size_t n, float c, float s, float out[2]) noexcept {
  HWY_DYNAMIC_DISPATCH(RotNormsF32)(x, y, n, c, s, out);
}
double mf_sgd_step(double* p, double* q, std::size_t n, double target, double lr, double reg) noexcept {
  return HWY_DYNAMIC_DISPATCH(MfSgdStepF64)(p, q, n, target, lr, reg);
}
float mf_sgd_step(float* p, float* q, std::size_t n, float target, float lr, float reg) noexcept {
  return HWY_DYNAMIC_DISPATCH(MfSgdStepF32)(p, q, n, target, lr, reg);
}
void gram_rows(const double* F, std::size_t n, std::size_t m, double* G) noexcept {
  HWY_DYNAMIC_DISPATCH(GramRowsF64)(F, n, m, G);
}
void gram_rows(const float* F, std::size_t n, std::size_t m, float* G) noexcept {
  HWY_DYNAMIC_DISPATCH(GramRowsF32)(F, n, m, G);
}
double demote_scaled(const double* in, std::size_t n, double scale, float* out) noexcept {
  return HWY_DYNAMIC_DISPATCH(DemoteScaledF64)(in, n, scale, out);
}
}  // namespace lowrank::kernels
#endif  // HWY_ONCE
