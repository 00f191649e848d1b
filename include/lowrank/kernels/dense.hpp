#pragma once
/// \file kernels/dense.hpp  Dense level-3 kernels (GEMM, SPD inverse) written with Eigen.
///
/// The definition of the dense kernels that kernels.hpp dispatches. Eigen's GEMM is only as fast as
/// the instruction set it is compiled for, and a library built without -march flags gets SSE2 on x86.
/// So src/kernels/dense_{generic,avx2,avx512}.cpp compile this file three times, each with its own
/// flags and with both `Eigen` and LOWRANK_DENSE_NAMESPACE renamed by macro (no inline function of
/// one instruction set can replace another's at link time), and kernels::gemm picks one at run time.
/// Header-only mode and other Scalars use it as it is (namespace lowrank::kernels::reference_dense).
///
/// spd_inverse follows LAPACK: dpotrf (Cholesky), then dpotri = dtrtri (L⁻¹) + dlauum (L⁻ᵀL⁻¹), both
/// recursive here, n³ flops in all; solving LLᵀX = I would cost 7n³/3.
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

#if defined(_OPENMP)
#include <omp.h>
#endif

#ifndef LOWRANK_DENSE_NAMESPACE
#define LOWRANK_DENSE_NAMESPACE reference_dense
#endif

namespace lowrank::kernels::LOWRANK_DENSE_NAMESPACE {

/// Column-major matrix type of the dense kernels.
template <class S> using DenseMatrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
/// A writable column-major view with a leading dimension.
template <class S> using DenseView = Eigen::Map<DenseMatrix<S>, 0, Eigen::OuterStride<>>;
/// A read-only column-major view with a leading dimension.
template <class S> using DenseConstView = Eigen::Map<const DenseMatrix<S>, 0, Eigen::OuterStride<>>;

/// Below this many multiply-adds (about a millisecond on one core) a kernel runs on the calling thread.
/// Eigen's own rule goes parallel from 50 000 per thread on, and waking a second OpenMP thread and
/// spin-waiting for it is not free: on a shared VM the demo's 400×300 randomized SVD took 110–135 ms
/// with two threads against 3.4 ms with one.
constexpr double kParallelMinWork = double(1 << 24);

/// While alive with `serial` true, OpenMP regions and Eigen's products started on this thread run
/// single-threaded: it sets the thread's own nthreads-var, which Eigen's nbThreads() reads (unless the
/// program fixed a count with Eigen::setNbThreads), and restores it on destruction.
class SerialScope {
 public:
  /// Makes this thread serial while alive when `serial` is true and it was not serial already.
  explicit SerialScope(bool serial) {
#if defined(_OPENMP)
    if (serial && omp_get_max_threads() > 1) {
      m_saved = omp_get_max_threads();
      omp_set_num_threads(1);
    }
#else
    (void)serial;
#endif
  }
  SerialScope(const SerialScope&) = delete;
  SerialScope& operator=(const SerialScope&) = delete;
  /// Restores the thread's previous OpenMP thread count.
  ~SerialScope() {
#if defined(_OPENMP)
    if (m_saved > 0) omp_set_num_threads(m_saved);
#endif
  }

 private:
  int m_saved = 0;
};

/// y += alpha·A·x, A m×k column-major with leading dimension lda, x and y contiguous. Each yᵢ is
/// accumulated over the columns in a fixed order set by the indices alone, so the result cannot depend on
/// where the buffers start (the determinism tests ask for identical bits run to run). Eigen 3.4's GEMV
/// does not peel for alignment either; this one makes the guarantee ours, and is also the shape that
/// dot_axpy extends.
template <class S>
void gemv_fixed_order(std::ptrdiff_t m, std::ptrdiff_t k, S alpha, const S* a, std::ptrdiff_t lda, const S* x, S* y) {
  using Packet = typename Eigen::internal::packet_traits<S>::type;
  constexpr std::ptrdiff_t W = Eigen::internal::unpacket_traits<Packet>::size;
  constexpr std::ptrdiff_t kCols = 4;  // columns per pass over y: y stays in L1, A streams once
  std::ptrdiff_t j = 0;
  for (; j + kCols <= k; j += kCols) {
    const S* a0 = a + j * lda;
    const S* a1 = a0 + lda;
    const S* a2 = a1 + lda;
    const S* a3 = a2 + lda;
    const S x0 = alpha * x[j], x1 = alpha * x[j + 1], x2 = alpha * x[j + 2], x3 = alpha * x[j + 3];
    const Packet p0 = Eigen::internal::pset1<Packet>(x0), p1 = Eigen::internal::pset1<Packet>(x1);
    const Packet p2 = Eigen::internal::pset1<Packet>(x2), p3 = Eigen::internal::pset1<Packet>(x3);
    std::ptrdiff_t i = 0;
    for (; i + W <= m; i += W) {
      Packet acc = Eigen::internal::ploadu<Packet>(y + i);
      acc = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a0 + i), p0, acc);
      acc = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a1 + i), p1, acc);
      acc = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a2 + i), p2, acc);
      acc = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a3 + i), p3, acc);
      Eigen::internal::pstoreu(y + i, acc);
    }
    for (; i < m; ++i) y[i] = y[i] + a0[i] * x0 + a1[i] * x1 + a2[i] * x2 + a3[i] * x3;
  }
  for (; j < k; ++j) {
    const S* aj = a + j * lda;
    const S xj = alpha * x[j];
    const Packet pj = Eigen::internal::pset1<Packet>(xj);
    std::ptrdiff_t i = 0;
    for (; i + W <= m; i += W)
      Eigen::internal::pstoreu(y + i, Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(aj + i), pj,
                                                             Eigen::internal::ploadu<Packet>(y + i)));
    for (; i < m; ++i) y[i] += aj[i] * xj;
  }
}

/// y += alpha·Aᵀ·x, A k×m column-major with leading dimension lda, x and y contiguous: m dot products,
/// each summed in a fixed order of packets and lanes, whatever the buffers' alignment (see
/// gemv_fixed_order).
template <class S>
void gemv_transposed_fixed_order(std::ptrdiff_t m, std::ptrdiff_t k, S alpha, const S* a, std::ptrdiff_t lda,
                                 const S* x, S* y) {
  using Packet = typename Eigen::internal::packet_traits<S>::type;
  constexpr std::ptrdiff_t W = Eigen::internal::unpacket_traits<Packet>::size;
  constexpr std::ptrdiff_t kCols = 4;  // dot products sharing each load of x
  const std::ptrdiff_t k_packets = k - k % (2 * W);
  // the k − k_packets trailing terms of a dot product, in index order
  const auto tail = [&](const S* aj) {
    S sum(0);
    for (std::ptrdiff_t i = k_packets; i < k; ++i) sum += aj[i] * x[i];
    return sum;
  };
  std::ptrdiff_t j = 0;
  for (; j + kCols <= m; j += kCols) {
    const S* a0 = a + j * lda;
    const S* a1 = a0 + lda;
    const S* a2 = a1 + lda;
    const S* a3 = a2 + lda;
    const Packet zero = Eigen::internal::pset1<Packet>(S(0));
    Packet s0 = zero, t0 = zero, s1 = zero, t1 = zero, s2 = zero, t2 = zero, s3 = zero, t3 = zero;
    for (std::ptrdiff_t i = 0; i < k_packets; i += 2 * W) {
      const Packet xa = Eigen::internal::ploadu<Packet>(x + i), xb = Eigen::internal::ploadu<Packet>(x + i + W);
      s0 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a0 + i), xa, s0);
      t0 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a0 + i + W), xb, t0);
      s1 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a1 + i), xa, s1);
      t1 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a1 + i + W), xb, t1);
      s2 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a2 + i), xa, s2);
      t2 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a2 + i + W), xb, t2);
      s3 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a3 + i), xa, s3);
      t3 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a3 + i + W), xb, t3);
    }
    y[j] += alpha * (Eigen::internal::predux(Eigen::internal::padd(s0, t0)) + tail(a0));
    y[j + 1] += alpha * (Eigen::internal::predux(Eigen::internal::padd(s1, t1)) + tail(a1));
    y[j + 2] += alpha * (Eigen::internal::predux(Eigen::internal::padd(s2, t2)) + tail(a2));
    y[j + 3] += alpha * (Eigen::internal::predux(Eigen::internal::padd(s3, t3)) + tail(a3));
  }
  for (; j < m; ++j) {
    const S* aj = a + j * lda;
    Packet s = Eigen::internal::pset1<Packet>(S(0)), t = s;
    for (std::ptrdiff_t i = 0; i < k_packets; i += 2 * W) {
      s = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(aj + i), Eigen::internal::ploadu<Packet>(x + i), s);
      t = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(aj + i + W),
                                 Eigen::internal::ploadu<Packet>(x + i + W), t);
    }
    y[j] += alpha * (Eigen::internal::predux(Eigen::internal::padd(s, t)) + tail(aj));
  }
}

/// One pass over the columns of A (rows×cols, leading dimension lda) for two dependent matrix–vector
/// products: for each column j, dⱼ = A(:, j)ᵀ·v, tⱼ = pⱼ + q·dⱼ, then w += A(1:rows, j)·tⱼ (w has rows − 1
/// entries) while the column is still in L1. A BLAS 2.5 operation (Howell et al., "Cache efficient
/// bidiagonalization using BLAS 2.5 operators", ACM TOMS 2008): the Golub–Kahan reduction's two products
/// with the trailing matrix, Aᵀv and then A·u with u affine in Aᵀv, read the matrix once instead of twice.
/// Fixed summation order, like gemv_fixed_order.
template <class S>
void dot_axpy(std::ptrdiff_t rows, std::ptrdiff_t cols, const S* a, std::ptrdiff_t lda, const S* v, const S* p, S q,
              S* d, S* t, S* w) {
  using Packet = typename Eigen::internal::packet_traits<S>::type;
  constexpr std::ptrdiff_t W = Eigen::internal::unpacket_traits<Packet>::size;
  const std::ptrdiff_t dot_packets = rows - rows % (2 * W);
  const std::ptrdiff_t wn = rows > 0 ? rows - 1 : 0;  // entries of w
  const std::ptrdiff_t axpy_packets = wn - wn % W;
  const auto dot_tail = [&](const S* aj) {
    S sum(0);
    for (std::ptrdiff_t i = dot_packets; i < rows; ++i) sum += aj[i] * v[i];
    return sum;
  };
  const Packet zero = Eigen::internal::pset1<Packet>(S(0));
  std::ptrdiff_t j = 0;
  // four columns at a time: they share the loads of v and of w, and four streams from memory keep more
  // loads in flight than one or two (two ran no faster than the separate GEMVs)
  for (; j + 4 <= cols; j += 4) {
    const S* a0 = a + j * lda;
    const S* a1 = a0 + lda;
    const S* a2 = a1 + lda;
    const S* a3 = a2 + lda;
    Packet s0 = zero, r0 = zero, s1 = zero, r1 = zero, s2 = zero, r2 = zero, s3 = zero, r3 = zero;
    for (std::ptrdiff_t i = 0; i < dot_packets; i += 2 * W) {
      const Packet va = Eigen::internal::ploadu<Packet>(v + i), vb = Eigen::internal::ploadu<Packet>(v + i + W);
      s0 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a0 + i), va, s0);
      r0 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a0 + i + W), vb, r0);
      s1 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a1 + i), va, s1);
      r1 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a1 + i + W), vb, r1);
      s2 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a2 + i), va, s2);
      r2 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a2 + i + W), vb, r2);
      s3 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a3 + i), va, s3);
      r3 = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a3 + i + W), vb, r3);
    }
    d[j] = Eigen::internal::predux(Eigen::internal::padd(s0, r0)) + dot_tail(a0);
    d[j + 1] = Eigen::internal::predux(Eigen::internal::padd(s1, r1)) + dot_tail(a1);
    d[j + 2] = Eigen::internal::predux(Eigen::internal::padd(s2, r2)) + dot_tail(a2);
    d[j + 3] = Eigen::internal::predux(Eigen::internal::padd(s3, r3)) + dot_tail(a3);
    const S t0 = p[j] + q * d[j], t1 = p[j + 1] + q * d[j + 1];
    const S t2 = p[j + 2] + q * d[j + 2], t3 = p[j + 3] + q * d[j + 3];
    t[j] = t0;
    t[j + 1] = t1;
    t[j + 2] = t2;
    t[j + 3] = t3;
    const Packet p0 = Eigen::internal::pset1<Packet>(t0), p1 = Eigen::internal::pset1<Packet>(t1);
    const Packet p2 = Eigen::internal::pset1<Packet>(t2), p3 = Eigen::internal::pset1<Packet>(t3);
    std::ptrdiff_t i = 0;
    for (; i < axpy_packets; i += W) {
      Packet acc = Eigen::internal::ploadu<Packet>(w + i);
      acc = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a0 + i + 1), p0, acc);
      acc = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a1 + i + 1), p1, acc);
      acc = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a2 + i + 1), p2, acc);
      acc = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(a3 + i + 1), p3, acc);
      Eigen::internal::pstoreu(w + i, acc);
    }
    for (; i < wn; ++i) w[i] = w[i] + a0[i + 1] * t0 + a1[i + 1] * t1 + a2[i + 1] * t2 + a3[i + 1] * t3;
  }
  for (; j < cols; ++j) {
    const S* aj = a + j * lda;
    Packet s = zero, r = zero;
    for (std::ptrdiff_t i = 0; i < dot_packets; i += 2 * W) {
      s = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(aj + i), Eigen::internal::ploadu<Packet>(v + i), s);
      r = Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(aj + i + W),
                                 Eigen::internal::ploadu<Packet>(v + i + W), r);
    }
    d[j] = Eigen::internal::predux(Eigen::internal::padd(s, r)) + dot_tail(aj);
    const S tj = p[j] + q * d[j];
    t[j] = tj;
    const Packet pj = Eigen::internal::pset1<Packet>(tj);
    std::ptrdiff_t i = 0;
    for (; i < axpy_packets; i += W)
      Eigen::internal::pstoreu(w + i, Eigen::internal::pmadd(Eigen::internal::ploadu<Packet>(aj + i + 1), pj,
                                                             Eigen::internal::ploadu<Packet>(w + i)));
    for (; i < wn; ++i) w[i] += aj[i + 1] * tj;
  }
}

/// Eigen's EIGEN_GEMM_TO_COEFFBASED_THRESHOLD: products with m + n + k below it are evaluated lazily.
constexpr std::ptrdiff_t kCoefficientProductThreshold = 20;

/// C := alpha·op(A)·op(B) + beta·C, column-major, op(X) = Xᵀ when trans_x (BLAS xGEMM; beta = 0 does
/// not read C). A single column (n = 1) runs as a GEMV in a fixed summation order, so that its result does
/// not depend on where the buffers sit.
template <class S>
void gemm(bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k, S alpha, const S* a,
          std::ptrdiff_t lda, const S* b, std::ptrdiff_t ldb, S beta, S* c, std::ptrdiff_t ldc) {
  DenseView<S> C(c, m, n, Eigen::OuterStride<>(ldc));
  if (beta == S(0))
    C.setZero();
  else if (beta != S(1))
    C *= beta;
  if (k == 0 || alpha == S(0) || m == 0 || n == 0) return;
  if (n == 1 && !trans_b) {
    if (trans_a)
      gemv_transposed_fixed_order(m, k, alpha, a, lda, b, c);
    else
      gemv_fixed_order(m, k, alpha, a, lda, b, c);
    return;
  }
  if (m + n + k < kCoefficientProductThreshold) {
    // Eigen evaluates such products coefficient by coefficient, vectorized from the first aligned entry:
    // with AVX2/AVX-512 packets on 16-byte-aligned heap memory the summation order, and so the last bits,
    // followed the buffers' addresses (lanczos_svd's 5×5 small SVD gave a different V in repeated
    // solves). A fixed order instead, cheap at these sizes.
    for (std::ptrdiff_t j = 0; j < n; ++j)
      for (std::ptrdiff_t i = 0; i < m; ++i) {
        S sum(0);
        for (std::ptrdiff_t p = 0; p < k; ++p)
          sum += (trans_a ? a[p + i * lda] : a[i + p * lda]) * (trans_b ? b[j + p * ldb] : b[p + j * ldb]);
        c[i + j * ldc] += alpha * sum;
      }
    return;
  }
  const SerialScope serial(double(m) * double(n) * double(k) < kParallelMinWork);
  const DenseConstView<S> A(a, trans_a ? k : m, trans_a ? m : k, Eigen::OuterStride<>(lda));
  const DenseConstView<S> B(b, trans_b ? n : k, trans_b ? k : n, Eigen::OuterStride<>(ldb));
  if (!trans_a && !trans_b)
    C.noalias() += alpha * A * B;
  else if (trans_a && !trans_b)
    C.noalias() += alpha * A.transpose() * B;
  else if (!trans_a && trans_b)
    C.noalias() += alpha * A * B.transpose();
  else
    C.noalias() += alpha * A.transpose() * B.transpose();
}

/// Width of the panels the level-3 steps below are cut into. Fixed, not derived from the thread count,
/// so that every entry is computed by the same sequence of operations for any number of threads.
constexpr Eigen::Index kDensePanel = 128;

/// Runs f(begin, size) over [0, count) cut into kDensePanel-sized panels, on all OpenMP threads when
/// the work is big enough and we are not already inside a parallel region.
template <class F>
void for_each_panel(Eigen::Index count, Eigen::Index work_per_panel, F&& f) {
  const Eigen::Index panels = (count + kDensePanel - 1) / kDensePanel;
#if defined(_OPENMP)
#pragma omp parallel for schedule(dynamic, 1) if (panels > 1 && work_per_panel >= 4096 * 256)
#endif
  for (Eigen::Index p = 0; p < panels; ++p) {
    const Eigen::Index b = p * kDensePanel;
    f(b, std::min(kDensePanel, count - b));
  }
}

/// In place: the lower triangle of C += alpha·A·Aᵀ (BLAS xSYRK; the strict upper triangle is not
/// touched), column panels in parallel: each panel is its triangular diagonal block plus one GEMM on
/// the rows below it.
template <class S, class CRef, class ARef>
void syrk_lower(CRef C, const ARef& A, S alpha) {
  const Eigen::Index n = C.rows();
  for_each_panel(n, n * A.cols() * kDensePanel / 2, [&](Eigen::Index c0, Eigen::Index w) {
    const auto Aw = A.middleRows(c0, w);
    // rankUpdate, not triangularView() += alpha·(Aw·Awᵀ): Eigen evaluates that scaled product through a
    // slower path (4000×500 SYRK: 29-30 against 25 ms, one run, AVX2).
    C.block(c0, c0, w, w).template selfadjointView<Eigen::Lower>().rankUpdate(Aw, alpha);
    const Eigen::Index below = n - c0 - w;
    if (below > 0) C.block(c0 + w, c0, below, w).noalias() += alpha * (A.middleRows(c0 + w, below) * Aw.transpose());
  });
}

/// In place: lower Cholesky factor of the lower triangle of A (LAPACK dpotrf, recursive: Gustavson's
/// split, with the TRSM and SYRK of each level cut into parallel panels). False if not positive definite.
template <class S>
bool potrf_lower(Eigen::Ref<DenseMatrix<S>> A) {
  const Eigen::Index n = A.rows();
  if (n <= kDensePanel) {
    Eigen::LLT<Eigen::Ref<DenseMatrix<S>>, Eigen::Lower> llt(A);
    return llt.info() == Eigen::Success;
  }
  const Eigen::Index n1 = n / 2, n2 = n - n1;
  if (!potrf_lower<S>(A.topLeftCorner(n1, n1))) return false;
  // A21 := A21·L11⁻ᵀ, rows independent
  auto L11t = A.topLeftCorner(n1, n1).transpose().template triangularView<Eigen::Upper>();
  for_each_panel(n2, n1 * n1 * kDensePanel, [&](Eigen::Index r0, Eigen::Index h) {
    auto rows = A.block(n1 + r0, 0, h, n1);
    L11t.template solveInPlace<Eigen::OnTheRight>(rows);
  });
  syrk_lower<S>(A.bottomRightCorner(n2, n2), A.bottomLeftCorner(n2, n1), S(-1));  // A22 −= A21·A21ᵀ
  return potrf_lower<S>(A.bottomRightCorner(n2, n2));
}

/// In place: L (lower triangular) := L⁻¹, recursively (LAPACK dtrtri's blocking, n³/3 flops).
template <class S>
void trtri_lower(Eigen::Ref<DenseMatrix<S>> L) {
  const Eigen::Index n = L.rows();
  if (n <= kDensePanel) {
    DenseMatrix<S> inv = DenseMatrix<S>::Identity(n, n);
    L.template triangularView<Eigen::Lower>().solveInPlace(inv);
    L.template triangularView<Eigen::Lower>() = inv;
    return;
  }
  const Eigen::Index n1 = n / 2, n2 = n - n1;
  trtri_lower<S>(L.topLeftCorner(n1, n1));  // L11 := L11⁻¹
  // L21 := −L22⁻¹ · L21 · L11⁻¹ (TRMM on row panels, then TRSM on column panels), before L22 itself
  // is inverted.
  auto L11inv = L.topLeftCorner(n1, n1).template triangularView<Eigen::Lower>();
  for_each_panel(n2, n1 * n1 * kDensePanel, [&](Eigen::Index r0, Eigen::Index h) {
    DenseMatrix<S> t = L.block(n1 + r0, 0, h, n1) * L11inv;
    L.block(n1 + r0, 0, h, n1) = -t;
  });
  auto L22 = L.bottomRightCorner(n2, n2).template triangularView<Eigen::Lower>();
  for_each_panel(n1, n2 * n2 * kDensePanel, [&](Eigen::Index c0, Eigen::Index w) {
    auto cols = L.block(n1, c0, n2, w);
    L22.solveInPlace(cols);
  });
  trtri_lower<S>(L.bottomRightCorner(n2, n2));
}

/// In place: the lower triangle of T (lower triangular) := lower triangle of TᵀT (LAPACK dlauum).
template <class S>
void lauum_lower(Eigen::Ref<DenseMatrix<S>> T) {
  const Eigen::Index n = T.rows();
  if (n <= kDensePanel) {
    DenseMatrix<S> t = T.template triangularView<Eigen::Lower>();
    DenseMatrix<S> p = t.transpose() * t;
    T.template triangularView<Eigen::Lower>() = p;
    return;
  }
  const Eigen::Index n1 = n / 2, n2 = n - n1;
  // T = [A 0; B C] → TᵀT = [AᵀA + BᵀB, ·; CᵀB, CᵀC].
  lauum_lower<S>(T.topLeftCorner(n1, n1));
  syrk_lower<S>(T.topLeftCorner(n1, n1), T.bottomLeftCorner(n2, n1).transpose(), S(1));  // AᵀA += BᵀB
  // B := CᵀB, columns independent
  auto Ct = T.bottomRightCorner(n2, n2).transpose().template triangularView<Eigen::Upper>();
  for_each_panel(n1, n2 * n2 * kDensePanel, [&](Eigen::Index c0, Eigen::Index w) {
    DenseMatrix<S> cb = Ct * T.block(n1, c0, n2, w);
    T.block(n1, c0, n2, w) = cb;
  });
  lauum_lower<S>(T.bottomRightCorner(n2, n2));
}

/// Lower triangle of C := alpha·op(A)·op(A)ᵀ + beta·C, C n×n; op(A) = A (n×k) or, when trans, Aᵀ
/// (A k×n) (BLAS xSYRK, lower; beta = 0 does not read C). Column panels in parallel.
template <class S>
void syrk(bool trans, std::ptrdiff_t n, std::ptrdiff_t k, S alpha, const S* a, std::ptrdiff_t lda, S beta, S* c,
          std::ptrdiff_t ldc) {
  DenseView<S> C(c, n, n, Eigen::OuterStride<>(ldc));
  if (beta == S(0))
    C.template triangularView<Eigen::Lower>().setZero();
  else if (beta != S(1))
    C.template triangularView<Eigen::Lower>() *= beta;
  if (n == 0 || k == 0 || alpha == S(0)) return;
  const SerialScope serial(double(n) * double(n) * double(k) / 2 < kParallelMinWork);
  if (trans)
    syrk_lower<S>(C, DenseConstView<S>(a, k, n, Eigen::OuterStride<>(lda)).transpose(), alpha);
  else
    syrk_lower<S>(C, DenseConstView<S>(a, n, k, Eigen::OuterStride<>(lda)), alpha);
}

/// B := B·L⁻ᵀ, B m×n, L n×n lower triangular (its strict upper triangle not read; BLAS xTRSM side R,
/// lower, transposed). Row panels in parallel. Turns B into B·R⁻¹ for the Cholesky factor R = Lᵀ of BᵀB.
template <class S>
void trsm_right_lower_t(std::ptrdiff_t m, std::ptrdiff_t n, const S* l, std::ptrdiff_t ldl, S* b, std::ptrdiff_t ldb) {
  if (m == 0 || n == 0) return;
  const SerialScope serial(double(m) * double(n) * double(n) / 2 < kParallelMinWork);
  const DenseConstView<S> L(l, n, n, Eigen::OuterStride<>(ldl));
  DenseView<S> B(b, m, n, Eigen::OuterStride<>(ldb));
  auto Lt = L.transpose().template triangularView<Eigen::Upper>();
  for_each_panel(m, n * n * kDensePanel, [&](Eigen::Index r0, Eigen::Index h) {
    auto rows = B.middleRows(r0, h);
    Lt.template solveInPlace<Eigen::OnTheRight>(rows);
  });
}

/// In place: the lower triangle of the symmetric positive definite n×n matrix `a` (leading dimension
/// lda; the strict upper triangle is not read) := the lower triangle of its inverse. Returns false,
/// with `a` overwritten, when the Cholesky factorization finds it not numerically positive definite.
template <class S>
bool spd_inverse(S* a, std::ptrdiff_t n, std::ptrdiff_t lda) {
  if (n == 0) return true;
  const SerialScope serial(double(n) * double(n) * double(n) < kParallelMinWork);
  DenseView<S> view(a, n, n, Eigen::OuterStride<>(lda));
  Eigen::Ref<DenseMatrix<S>> G(view);
  if (!potrf_lower<S>(G)) return false;
  for (Eigen::Index i = 0; i < n; ++i)  // a NaN passes Eigen's pivot test (x <= 0) and would spread
    if (!(G(i, i) > S(0) && G(i, i) <= Eigen::NumTraits<S>::highest())) return false;
  trtri_lower<S>(G);
  lauum_lower<S>(G);
  return true;
}

/// Reduces the lower triangle of A (n×n) to tridiagonal form in place, blocked (LAPACK dsytrd with
/// dlatrd, lower): each panel of nb columns gathers its reflectors' effect in W (n×nb) so that the
/// trailing matrix takes it in one symmetric rank-2nb update, A −= V·Wᵀ + W·Vᵀ (SYR2K, GEMM-shaped),
/// instead of a rank-2 update per column that reads and writes all of it. The symmetric matrix-vector
/// product of each column stays (half the flops, as in LAPACK). The last columns go through Eigen's
/// unblocked tridiagonalization_inplace (dsytd2), whose Householder convention this follows, so the
/// output is the same as Eigen's up to rounding: diagonal and subdiagonal in place, reflector tails
/// below the subdiagonal, coefficients in h.
template <class S>
void tridiagonalize_blocked(DenseMatrix<S>& A, Eigen::Matrix<S, Eigen::Dynamic, 1>& h) {
  using Index = Eigen::Index;
  using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;
  constexpr Index nb = 32, unblocked_below = 3 * nb;
  const Index n = A.rows();
  h.resize(std::max<Index>(n - 1, 0));
  DenseMatrix<S> W, Left, Right;
  Vec t(nb), e(nb);
  Index p = 0;
  for (; n - p > unblocked_below; p += nb) {
    const Index N = n - p;
    auto T = A.bottomRightCorner(N, N);
    W.setZero(N, nb);
    for (Index j = 0; j < nb; ++j) {
      const Index r = N - j - 1;  // rows below the diagonal in column j
      if (j > 0) {  // column j with the panel's earlier reflectors applied: −= V·W(j, :)ᵀ + W·V(j, :)ᵀ
        T.col(j).tail(N - j).noalias() -= T.block(j, 0, N - j, j) * W.row(j).head(j).transpose();
        T.col(j).tail(N - j).noalias() -= W.block(j, 0, N - j, j) * T.row(j).head(j).transpose();
      }
      // reflector H = I − h·v·vᵀ, v = [1; tail], with H·x = [β; 0]: the tail is written in place
      auto x = T.col(j).tail(r);
      S beta, coef;
      x.makeHouseholderInPlace(coef, beta);
      e(j) = beta;
      h(p + j) = coef;
      x(0) = S(1);
      // w = h·(Â·v) − ½h²(vᵀÂv)·v for the trailing Â as the panel's reflectors so far left it, from the
      // original trailing matrix and the corrections V·(Wᵀv) + W·(Vᵀv)
      auto w = W.col(j).tail(r);
      w.noalias() = T.bottomRightCorner(r, r).template selfadjointView<Eigen::Lower>() * x;
      if (j > 0) {
        t.head(j).noalias() = W.block(j + 1, 0, r, j).transpose() * x;
        w.noalias() -= T.block(j + 1, 0, r, j) * t.head(j);
        t.head(j).noalias() = T.block(j + 1, 0, r, j).transpose() * x;
        w.noalias() -= W.block(j + 1, 0, r, j) * t.head(j);
      }
      w *= coef;
      const S alpha = S(-0.5) * coef * w.dot(x);
      w += alpha * x;
    }
    // the trailing matrix below the panel: lower triangle −= [V, W]·[W, V]ᵀ, one product of depth 2nb
    const Index M = N - nb;
    Left.resize(M, 2 * nb);
    Right.resize(M, 2 * nb);
    Left.leftCols(nb) = T.block(nb, 0, M, nb);
    Left.rightCols(nb) = W.bottomRows(M);
    Right.leftCols(nb) = W.bottomRows(M);
    Right.rightCols(nb) = T.block(nb, 0, M, nb);
    T.bottomRightCorner(M, M).template triangularView<Eigen::Lower>() -= Left * Right.transpose();
    for (Index j = 0; j < nb; ++j) T(j + 1, j) = e(j);
  }
  if (n - p > 0) {
    DenseMatrix<S> rest = A.bottomRightCorner(n - p, n - p);
    Vec hrest(std::max<Index>(n - p - 1, 0));
    Eigen::internal::tridiagonalization_inplace(rest, hrest);
    A.bottomRightCorner(n - p, n - p) = rest;
    h.tail(hrest.size()) = hrest;
  }
}

/// Householder tridiagonalization of the symmetric n×n array `a` (leading dimension lda, lower triangle
/// read), in place as LAPACK dsytrd ('L') leaves it: diag (n) and sub (n − 1) receive T, the tails of
/// the reflectors H(i) = I − tau[i]·v·vᵀ (v(i+1) = 1) go below the subdiagonal of `a`. Blocked
/// (tridiagonalize_blocked) and compiled for this copy's instruction set: at the library's baseline ISA
/// Eigen's unblocked reduction ran ~1.4× slower, and blocking cut n = 1000 from 98 to 62 ms (AVX2).
template <class S>
void tridiagonalize(S* a, std::ptrdiff_t n, std::ptrdiff_t lda, S* diag, S* sub, S* tau) {
  if (n <= 0) return;
  DenseView<S> view(a, n, n, Eigen::OuterStride<>(lda));
  DenseMatrix<S> packed = view;
  Eigen::Matrix<S, Eigen::Dynamic, 1> h;
  tridiagonalize_blocked(packed, h);
  view = packed;
  for (std::ptrdiff_t i = 0; i < n; ++i) diag[i] = packed(i, i);
  for (std::ptrdiff_t i = 0; i + 1 < n; ++i) {
    sub[i] = packed(i + 1, i);
    tau[i] = h(i);
  }
}

}  // namespace lowrank::kernels::LOWRANK_DENSE_NAMESPACE
