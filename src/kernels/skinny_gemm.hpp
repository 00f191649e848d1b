// Skinny GEMM (skinny_gemm.cpp): the shapes kernels::gemm sends to the no-packing kernels. Internal.
#pragma once
#include <cstddef>

namespace lowrank::kernels {
/// Widest block (n, the columns of B and C) the skinny kernels take on any target: 32 with 32 vector
/// registers (AVX-512, NEON, SVE), 16 with 16 (AVX2, SSE4; skinny_gemm.cpp has the measurements); wider
/// goes to the general GEMM.
inline constexpr std::ptrdiff_t kSkinnyMaxColumns = 32;
/// Shortest long side (TN: the inner dimension k; NN: the rows m) worth the skinny kernels.
inline constexpr std::ptrdiff_t kSkinnyMinLength = 64;

/// True for C = α·Aᵀ·B + β·C with k ≥ kSkinnyMinLength, and C = α·A·B + β·C with m ≥ kSkinnyMinLength,
/// with 2 ≤ n ≤ 32 (16 on AVX2 and SSE4) columns (B not transposed; n = 1 stays on the fixed-order GEMV).
bool skinny_gemm_shape(bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k);

/// kernels::gemm's arguments; computes C and returns true for a skinny_gemm_shape with α ≠ 0, else
/// returns false and leaves C alone.
bool skinny_gemm(bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k, double alpha,
                 const double* a, std::ptrdiff_t lda, const double* b, std::ptrdiff_t ldb, double beta, double* c,
                 std::ptrdiff_t ldc);
bool skinny_gemm(bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k, float alpha,
                 const float* a, std::ptrdiff_t lda, const float* b, std::ptrdiff_t ldb, float beta, float* c,
                 std::ptrdiff_t ldc);
}  // namespace lowrank::kernels
