// Skinny GEMM (skinny_gemm.cpp): the shapes kernels::gemm sends to the no-packing kernels. Internal.
#pragma once
#include <cstddef>

namespace lowrank::kernels {
/// Widest block (n, the columns of B and C) the skinny kernels take; wider goes to the general GEMM.
/// Aᵀ·B stops at 16: its tiles re-read B (k×n) once per 3 columns of A, and beyond 16 columns of a long
/// B that no longer stays in L2 (5000×2000 doubles against 20 columns: 15 ms against Eigen's 12.5 ms).
inline constexpr std::ptrdiff_t kSkinnyMaxColumns = 32;
inline constexpr std::ptrdiff_t kSkinnyMaxColumnsTransposed = 16;
/// Shortest long side (TN: the inner dimension k; NN: the rows m) worth the skinny kernels.
inline constexpr std::ptrdiff_t kSkinnyMinLength = 64;

/// True for C = α·Aᵀ·B + β·C with k ≥ kSkinnyMinLength, and C = α·A·B + β·C with m ≥ kSkinnyMinLength,
/// with 2 ≤ n ≤ kSkinnyMaxColumnsTransposed and 2 ≤ n ≤ kSkinnyMaxColumns respectively (B not transposed;
/// n = 1 stays on the fixed-order GEMV).
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
