// Run-time choice of the dense kernels' instruction set (see include/lowrank/kernels/dense.hpp): the
// AVX-512 or AVX2+FMA copy where the CPU has it and Highway's dispatch allows it (LOWRANK_FORCE_TARGET
// and force_targets() limit both alike), else the copy built with the library's own flags.
#include <hwy/targets.h>

#include <cstddef>
#include <cstdint>

#include "lowrank/kernels.hpp"

namespace lowrank::kernels {

// The instantiations each dense_<isa>.cpp provides (declared here without Eigen: only pointers cross).
#define LOWRANK_DECLARE_DENSE_COPY(ns)                                                                          \
  namespace ns {                                                                                                \
  template <class S>                                                                                            \
  void gemm(bool, bool, std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t, S, const S*, std::ptrdiff_t, const S*, \
            std::ptrdiff_t, S, S*, std::ptrdiff_t);                                                             \
  template <class S>                                                                                            \
  bool spd_inverse(S*, std::ptrdiff_t, std::ptrdiff_t);                                                         \
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
  const std::int64_t targets = hwy::SupportedTargets();  // honours forced targets
  if (targets & (HWY_AVX3 | HWY_AVX3_DL)) return DenseCopy::avx512;
  if (targets & HWY_AVX2) return DenseCopy::avx2;
#endif
  return DenseCopy::generic;
}

template <class S>
void gemm_dispatch(bool ta, bool tb, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k, S alpha, const S* a,
                   std::ptrdiff_t lda, const S* b, std::ptrdiff_t ldb, S beta, S* c, std::ptrdiff_t ldc) {
  switch (dense_copy()) {
#if LOWRANK_DENSE_X86
    case DenseCopy::avx512: return dense_avx512::gemm<S>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    case DenseCopy::avx2: return dense_avx2::gemm<S>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
    default: return dense_generic::gemm<S>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

template <class S>
bool spd_inverse_dispatch(S* a, std::ptrdiff_t n, std::ptrdiff_t lda) {
  switch (dense_copy()) {
#if LOWRANK_DENSE_X86
    case DenseCopy::avx512: return dense_avx512::spd_inverse<S>(a, n, lda);
    case DenseCopy::avx2: return dense_avx2::spd_inverse<S>(a, n, lda);
#endif
    default: return dense_generic::spd_inverse<S>(a, n, lda);
  }
}
}  // namespace

void gemm(bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k, double alpha,
          const double* a, std::ptrdiff_t lda, const double* b, std::ptrdiff_t ldb, double beta, double* c,
          std::ptrdiff_t ldc) {
  gemm_dispatch(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void gemm(bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k, float alpha,
          const float* a, std::ptrdiff_t lda, const float* b, std::ptrdiff_t ldb, float beta, float* c,
          std::ptrdiff_t ldc) {
  gemm_dispatch(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
bool spd_inverse(double* a, std::ptrdiff_t n, std::ptrdiff_t lda) { return spd_inverse_dispatch(a, n, lda); }
bool spd_inverse(float* a, std::ptrdiff_t n, std::ptrdiff_t lda) { return spd_inverse_dispatch(a, n, lda); }

const char* dense_target() {
  switch (dense_copy()) {
    case DenseCopy::avx512: return "avx512";
    case DenseCopy::avx2: return "avx2";
    default: return "generic";
  }
}

}  // namespace lowrank::kernels
