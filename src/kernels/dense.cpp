// Run-time choice of the dense kernels' instruction set (see include/lowrank/kernels/dense.hpp): the
// AVX-512 or AVX2+FMA copy where the CPU has it and Highway's dispatch allows it (LOWRANK_FORCE_TARGET
// and force_targets() limit both alike), else the copy built with the library's own flags.
#include <hwy/targets.h>

#include <cstddef>
#include <cstdint>

#include "kernels/skinny_gemm.hpp"
#include "kernels/targets_anchor.hpp"
#include "lowrank/kernels.hpp"

namespace lowrank::kernels {

// The instantiations each dense_<isa>.cpp provides (declared here without Eigen: only pointers cross).
#define LOWRANK_DECLARE_DENSE_COPY(ns)                                                                         \
  namespace ns {                                                                                               \
  template <class S>                                                                                           \
  void gemm(bool, bool, std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t, S, const S*, std::ptrdiff_t, const S*, \
            std::ptrdiff_t, S, S*, std::ptrdiff_t);                                                            \
  template <class S>                                                                                           \
  void syrk(bool, std::ptrdiff_t, std::ptrdiff_t, S, const S*, std::ptrdiff_t, S, S*, std::ptrdiff_t);         \
  template <class S>                                                                                           \
  void trsm_right_lower_t(std::ptrdiff_t, std::ptrdiff_t, const S*, std::ptrdiff_t, S*, std::ptrdiff_t);       \
  template <class S>                                                                                           \
  bool spd_inverse(S*, std::ptrdiff_t, std::ptrdiff_t);                                                        \
  template <class S>                                                                                           \
  void dot_axpy(std::ptrdiff_t, std::ptrdiff_t, const S*, std::ptrdiff_t, const S*, const S*, S, S*, S*, S*);  \
  template <class S>                                                                                           \
  void tridiagonalize(S*, std::ptrdiff_t, std::ptrdiff_t, S*, S*, S*);                                         \
  }
LOWRANK_DECLARE_DENSE_COPY(dense_generic)
#if LOWRANK_DENSE_X86
LOWRANK_DECLARE_DENSE_COPY(dense_avx2)
LOWRANK_DECLARE_DENSE_COPY(dense_avx512)
#endif
#undef LOWRANK_DECLARE_DENSE_COPY

namespace {
enum class DenseCopy { generic, avx2, avx512 };

DenseCopy dense_copy() {
#if LOWRANK_DENSE_X86
  const std::int64_t targets = detail::supported_targets_cached();  // honours forced targets
  if (targets & (HWY_AVX3 | HWY_AVX3_DL)) return DenseCopy::avx512;
  if (targets & HWY_AVX2) return DenseCopy::avx2;
#endif
  return DenseCopy::generic;
}

// Calls copy::NAME<S>(args...) on the copy dense_copy() picks.
#if LOWRANK_DENSE_X86
#define LOWRANK_DENSE_DISPATCH(NAME, S, ...)                                               \
  switch (dense_copy()) {                                                                  \
    case DenseCopy::avx512: return dense_avx512::NAME<S>(__VA_ARGS__);                     \
    case DenseCopy::avx2: return dense_avx2::NAME<S>(__VA_ARGS__);                         \
    default: return dense_generic::NAME<S>(__VA_ARGS__);                                   \
  }
#else
#define LOWRANK_DENSE_DISPATCH(NAME, S, ...) return dense_generic::NAME<S>(__VA_ARGS__);
#endif
}  // namespace

void gemm(bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k, double alpha,
          const double* a, std::ptrdiff_t lda, const double* b, std::ptrdiff_t ldb, double beta, double* c,
          std::ptrdiff_t ldc) {
  if (skinny_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) return;
  LOWRANK_DENSE_DISPATCH(gemm, double, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
void gemm(bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k, float alpha,
          const float* a, std::ptrdiff_t lda, const float* b, std::ptrdiff_t ldb, float beta, float* c,
          std::ptrdiff_t ldc) {
  if (skinny_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) return;
  LOWRANK_DENSE_DISPATCH(gemm, float, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
void syrk(bool trans, std::ptrdiff_t n, std::ptrdiff_t k, double alpha, const double* a, std::ptrdiff_t lda,
          double beta, double* c, std::ptrdiff_t ldc) {
  LOWRANK_DENSE_DISPATCH(syrk, double, trans, n, k, alpha, a, lda, beta, c, ldc)
}
void syrk(bool trans, std::ptrdiff_t n, std::ptrdiff_t k, float alpha, const float* a, std::ptrdiff_t lda,
          float beta, float* c, std::ptrdiff_t ldc) {
  LOWRANK_DENSE_DISPATCH(syrk, float, trans, n, k, alpha, a, lda, beta, c, ldc)
}
void trsm_right_lower_t(std::ptrdiff_t m, std::ptrdiff_t n, const double* l, std::ptrdiff_t ldl, double* b,
                        std::ptrdiff_t ldb) {
  LOWRANK_DENSE_DISPATCH(trsm_right_lower_t, double, m, n, l, ldl, b, ldb)
}
void trsm_right_lower_t(std::ptrdiff_t m, std::ptrdiff_t n, const float* l, std::ptrdiff_t ldl, float* b,
                        std::ptrdiff_t ldb) {
  LOWRANK_DENSE_DISPATCH(trsm_right_lower_t, float, m, n, l, ldl, b, ldb)
}
bool spd_inverse(double* a, std::ptrdiff_t n, std::ptrdiff_t lda) { LOWRANK_DENSE_DISPATCH(spd_inverse, double, a, n, lda) }
bool spd_inverse(float* a, std::ptrdiff_t n, std::ptrdiff_t lda) { LOWRANK_DENSE_DISPATCH(spd_inverse, float, a, n, lda) }
void dot_axpy(std::ptrdiff_t rows, std::ptrdiff_t cols, const double* a, std::ptrdiff_t lda, const double* v,
              const double* p, double q, double* d, double* t, double* w) {
  LOWRANK_DENSE_DISPATCH(dot_axpy, double, rows, cols, a, lda, v, p, q, d, t, w)
}
void dot_axpy(std::ptrdiff_t rows, std::ptrdiff_t cols, const float* a, std::ptrdiff_t lda, const float* v,
              const float* p, float q, float* d, float* t, float* w) {
  LOWRANK_DENSE_DISPATCH(dot_axpy, float, rows, cols, a, lda, v, p, q, d, t, w)
}
void tridiagonalize(double* a, std::ptrdiff_t n, std::ptrdiff_t lda, double* diag, double* sub, double* tau) {
  LOWRANK_DENSE_DISPATCH(tridiagonalize, double, a, n, lda, diag, sub, tau)
}
void tridiagonalize(float* a, std::ptrdiff_t n, std::ptrdiff_t lda, float* diag, float* sub, float* tau) {
  LOWRANK_DENSE_DISPATCH(tridiagonalize, float, a, n, lda, diag, sub, tau)
}
#undef LOWRANK_DENSE_DISPATCH

const char* dense_target() {
  switch (dense_copy()) {
    case DenseCopy::avx512: return "avx512";
    case DenseCopy::avx2: return "avx2";
    default: return "generic";
  }
}

}  // namespace lowrank::kernels
