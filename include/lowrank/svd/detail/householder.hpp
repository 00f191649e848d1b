#pragma once
/// \file svd/detail/householder.hpp  Householder reflectors and the blocked reduction of a tall matrix
/// to upper bidiagonal form, after LAPACK dlarfg, dlabrd and dgebrd (Dongarra, Sorensen & Hammarling,
/// "Block reduction of matrices to condensed forms for eigenvalue computations", 1989).
///
/// A (m×n, m ≥ n) becomes Qᵀ·A·P = B, B upper bidiagonal with diagonal d and superdiagonal e. The
/// reflectors are stored as in LAPACK: Q = H(0)…H(n−1), H(i) = I − tauq(i)·v·vᵀ with v(i) = 1 and
/// v(i+1:m) in A(i+1:m, i); P = G(0)…G(n−2), G(i) = I − taup(i)·u·uᵀ with u(i+1) = 1 and u(i+2:n) in
/// A(i, i+2:n). Panels of nb columns are reduced with matrix-vector products that accumulate the
/// update in X (m×nb) and Y (n×nb) (dlabrd); the trailing matrix is then updated by two GEMMs,
/// A ← A − V·Yᵀ − X·Uᵀ, which carry half of the 8/3·n³ flops (dgebrd). Not stable API.
#include <Eigen/Core>
#include <Eigen/Householder>
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "lowrank/kernels.hpp"
#include "lowrank/types.hpp"

namespace lowrank::detail {

/// ‖x‖₂ of a strided or contiguous Eigen vector without overflow (SIMD kernel when contiguous).
template <class VectorType>
typename VectorType::Scalar householder_norm(const VectorType& x) {
  using Scalar = typename VectorType::Scalar;
  if (x.size() == 0) return Scalar(0);
  if (x.innerStride() == 1) return kernels::nrm2(x.data(), static_cast<std::size_t>(x.size()));
  return x.stableNorm();
}

/// LAPACK's safmin/ε (dlamch('S')/dlamch('E')), a power of two: below it a norm is rescaled before it is
/// divided by (1/x overflows, or x/ε is subnormal and has lost digits).
template <class Scalar>
constexpr Scalar rescale_threshold() {
  return std::numeric_limits<Scalar>::min() / std::numeric_limits<Scalar>::epsilon();
}

/// LAPACK dlarfg: given alpha = x(0) and the tail x(1:), finds tau and beta with
/// (I − tau·v·vᵀ)·x = beta·e₀, v = [1; tail/(alpha − beta)]. Overwrites the tail by v(1:) and returns
/// beta (tau = 0 and beta = alpha when the tail is zero). `x` may be strided (a matrix row).
/// As dlarfg, a vector whose norm is below safmin = (smallest normal)/ε is scaled up by 1/safmin (at most
/// 20 times) before v is formed, and beta scaled back after: otherwise 1/(alpha − beta) overflows for a
/// subnormal x (Lanczos's restarted H in float held entries of 1e-45 beside 1), and v loses its digits.
template <class VectorType>
typename VectorType::Scalar make_householder(VectorType&& x, typename std::decay_t<VectorType>::Scalar& tau) {
  using Scalar = typename std::decay_t<VectorType>::Scalar;
  const Index n = x.size();
  Scalar alpha = x(0);
  if (n <= 1) {
    tau = Scalar(0);
    return alpha;
  }
  auto tail = x.tail(n - 1);
  Scalar xnorm = householder_norm(tail);
  if (!(xnorm > 0)) {  // zero tail (NaN-safe: NaN also lands here and propagates through alpha)
    tau = Scalar(0);
    return alpha;
  }
  Scalar beta = std::hypot(alpha, xnorm);
  const Scalar safmin = rescale_threshold<Scalar>();
  int rescaled = 0;
  if (beta < safmin) {
    const Scalar up = Scalar(1) / safmin;  // exact: a power of two
    do {
      tail *= up;
      alpha *= up;
      beta *= up;
      ++rescaled;
    } while (beta < safmin && rescaled < 20);
    xnorm = householder_norm(tail);
    beta = std::hypot(alpha, xnorm);
  }
  if (alpha >= 0) beta = -beta;
  tau = (beta - alpha) / beta;
  tail *= Scalar(1) / (alpha - beta);
  for (int k = 0; k < rescaled; ++k) beta *= safmin;
  return beta;
}

/// y := beta·y + alpha·op(A)·x for a column-major block A and contiguous x and y, through the run-time-
/// dispatched kernel (a fixed-order GEMV at the best instruction set; Eigen's own product would run at the
/// library's baseline: these panel corrections were 6 % of golub_kahan_svd at n = 1000).
template <class Scalar, class ABlock>
void gemv_dispatched(bool trans, Scalar alpha, const ABlock& A, const Scalar* x, Scalar beta, Scalar* y) {
  const Index rows = trans ? A.cols() : A.rows(), depth = trans ? A.rows() : A.cols();
  if (rows == 0) return;
  kernels::gemm(trans, false, rows, 1, depth, alpha, A.data(), A.outerStride(), x, depth, beta, y, rows);
}

/// dlabrd for m ≥ n: reduces the first nb rows and columns of A (m×n, a corner of the whole matrix) and
/// returns X (m×nb) and Y (n×nb) such that the trailing matrix update is A ← A − V·Yᵀ − X·Uᵀ. On return
/// A(i,i) and A(i,i+1) hold the unit entries of the reflectors (the caller restores d and e after the
/// trailing update).
template <class Scalar, class MatA>
void label_panel(MatA& A, Index nb, Scalar* d, Scalar* e, Scalar* tauq, Scalar* taup, Matrix<Scalar>& X,
                 Matrix<Scalar>& Y) {
  const Index M = A.rows(), N = A.cols();
  X.setZero(M, nb);
  Y.setZero(N, nb);
  Vector<Scalar> c_work(N), g_work(N), d_work(N), t_work(N), row(std::max(N, nb));  // row: a row copied contiguous
  for (Index i = 0; i < nb; ++i) {
    // update A(i:M, i) with the previous reflectors of this panel
    if (i > 0) {
      row.head(i) = Y.row(i).head(i).transpose();
      gemv_dispatched(false, Scalar(-1), A.block(i, 0, M - i, i), row.data(), Scalar(1), &A(i, i));
      gemv_dispatched(false, Scalar(-1), X.block(i, 0, M - i, i), &A(0, i), Scalar(1), &A(i, i));
    }
    // reflector H(i) annihilates A(i+1:M, i)
    d[i] = make_householder(A.col(i).tail(M - i), tauq[i]);
    if (i + 1 >= N) {
      taup[i] = Scalar(0);
      A(i, i) = d[i];
      continue;
    }
    A(i, i) = Scalar(1);
    const Index nr = N - i - 1;  // columns right of i
    auto v = A.col(i).tail(M - i);
    auto yi = Y.col(i);
    const Index mr = M - i - 1;  // rows below i
    // Y(i+1:N, i) = tauq·(A(i:M, i+1:N)ᵀ v − c), c = Y(i+1:N, 0:i)·(A(i:M, 0:i)ᵀ v) + A(0:i, i+1:N)ᵀ·(X(i:M, 0:i)ᵀ v),
    // then row i becomes ũ = g − Y(i+1:N, i) with g = A(i, i+1:N) − Y(i+1:N, 0:i)·A(i, 0:i)ᵀ − A(0:i, i+1:N)ᵀ·X(i,
    // 0:i)ᵀ: ũ = p + q·(Aᵀv) with p = g + tauq·c, q = −tauq. The corrections c and g cost O(nr·i); the two products
    // with the trailing matrix (most of the reduction's time at n ≥ 1000, as they stream it from memory) are one pass
    // of kernels::dot_axpy, which also accumulates w = A(i+1:M, i+2:N)·ũ(1:) for X below.
    auto c = c_work.head(nr);
    auto g = g_work.head(nr);
    g = A.row(i).segment(i + 1, nr).transpose();
    c.setZero();
    if (i > 0) {
      gemv_dispatched(true, Scalar(1), A.block(i, 0, M - i, i), v.data(), Scalar(0), yi.data());
      gemv_dispatched(false, Scalar(1), Y.block(i + 1, 0, nr, i), yi.data(), Scalar(1), c.data());
      gemv_dispatched(true, Scalar(1), X.block(i, 0, M - i, i), v.data(), Scalar(0), yi.data());
      gemv_dispatched(true, Scalar(1), A.block(0, i + 1, i, nr), yi.data(), Scalar(1), c.data());
      row.head(i) = A.row(i).head(i).transpose();
      gemv_dispatched(false, Scalar(-1), Y.block(i + 1, 0, nr, i), row.data(), Scalar(1), g.data());
      row.head(i) = X.row(i).head(i).transpose();
      gemv_dispatched(true, Scalar(-1), A.block(0, i + 1, i, nr), row.data(), Scalar(1), g.data());
    }
    auto pvec = g;  // p = g + tauq·c, in g's storage
    pvec += tauq[i] * c;
    auto dots = d_work.head(nr), ut = t_work.head(nr);
    auto w = X.col(i).segment(i + 1, mr);
    w.setZero();
    kernels::gemm(true, false, 1, 1, M - i, Scalar(1), &A(i, i + 1), A.outerStride(), v.data(), M - i, Scalar(0),
                  dots.data(), 1);
    ut(0) = pvec(0) - tauq[i] * dots(0);
    if (nr > 1)
      kernels::dot_axpy(M - i, nr - 1, &A(i, i + 2), A.outerStride(), v.data(), pvec.data() + 1, -tauq[i],
                        dots.data() + 1, ut.data() + 1, w.data());
    yi.segment(i + 1, nr) = tauq[i] * (dots - c);
    yi.head(i).setZero();
    A.row(i).segment(i + 1, nr) = ut.transpose();
    // reflector G(i) annihilates A(i, i+2:N): u = (1, ũ(1:)·s) with s = 1/(ũ₀ − e) (make_householder's scaling)
    const Scalar u0 = A(i, i + 1);
    e[i] = make_householder(A.row(i).segment(i + 1, nr), taup[i]);
    A(i, i + 1) = Scalar(1);
    auto u = A.row(i).segment(i + 1, nr);
    auto xi = X.col(i);
    // X(i+1:M, i) = taup·(A(i+1:M, i+1:N) u − A(i+1:M, 0:i+1)·(Y(i+1:N, 0:i+1)ᵀ u) − X(i+1:M, 0:i)·(A(0:i, i+1:N) u)),
    // where A(i+1:M, i+1:N) u = A(i+1:M, i+1) + s·w
    row.head(nr) = u.transpose();
    if (std::abs(e[i]) >= rescale_threshold<Scalar>()) {
      const Scalar s = taup[i] != Scalar(0) ? Scalar(1) / (u0 - e[i]) : Scalar(1);
      w = s * w + A.col(i + 1).segment(i + 1, mr);
    } else {  // ũ below safmin, rescaled by make_householder: s overflows, and w from ũ lost digits; use u
      w = A.col(i + 1).segment(i + 1, mr);
      if (nr > 1)
        gemv_dispatched(false, Scalar(1), A.block(i + 1, i + 2, mr, nr - 1), row.data() + 1, Scalar(1), w.data());
    }
    gemv_dispatched(true, Scalar(1), Y.block(i + 1, 0, nr, i + 1), row.data(), Scalar(0), xi.data());
    gemv_dispatched(false, Scalar(-1), A.block(i + 1, 0, mr, i + 1), xi.data(), Scalar(1), xi.data() + i + 1);
    if (i > 0) {
      gemv_dispatched(false, Scalar(1), A.block(0, i + 1, i, nr), row.data(), Scalar(0), xi.data());
      gemv_dispatched(false, Scalar(-1), X.block(i + 1, 0, mr, i), xi.data(), Scalar(1), xi.data() + i + 1);
    }
    xi.segment(i + 1, mr) *= taup[i];
  }
}

/// C −= A·B (B transposed when trans_b) on column-major blocks, through the run-time-dispatched GEMM
/// kernel (Eigen's own product would run with the library's baseline instruction set).
template <class CBlock, class ABlock, class BBlock>
void gemm_subtract(CBlock&& C, const ABlock& A, const BBlock& B, bool trans_b) {
  using Scalar = typename std::decay_t<CBlock>::Scalar;
  kernels::gemm(false, trans_b, C.rows(), C.cols(), A.cols(), Scalar(-1), A.data(), A.outerStride(), B.data(),
                B.outerStride(), Scalar(1), C.data(), C.outerStride());
}

/// dgebrd for m ≥ n: A (m×n) is overwritten by the reflectors (layout in the file comment); d (n),
/// e (n−1), tauq (n), taup (n) receive B and the reflector coefficients. `nb` = panel width; the last
/// `crossover` columns (or fewer) are reduced as one unblocked panel.
template <class Scalar>
void bidiagonalize(Matrix<Scalar>& A, Vector<Scalar>& d, Vector<Scalar>& e, Vector<Scalar>& tauq,
                   Vector<Scalar>& taup, Index nb = 32, Index crossover = 128) {
  const Index m = A.rows(), n = A.cols();
  d.resize(n);
  e.resize(std::max<Index>(n - 1, 0));
  tauq.resize(n);
  taup.resize(n);
  Vector<Scalar> ework(n);  // e has n−1 entries; the panel writes e[i] only for i < N−1
  Matrix<Scalar> X, Y;
  // below `crossover` columns the whole rest is reduced as one panel (dgebrd's nx = 128)
  crossover = std::max(nb, crossover);
  Index p = 0;
  while (p < n) {
    const Index rest = n - p;
    const Index w = rest <= crossover ? rest : nb;
    auto corner = A.block(p, p, m - p, n - p);
    label_panel<Scalar>(corner, w, d.data() + p, ework.data() + p, tauq.data() + p, taup.data() + p, X, Y);
    if (w < rest) {
      // trailing update with two GEMMs: A22 ← A22 − V₂·Y₂ᵀ − X₂·U₂ᵀ
      auto A22 = A.block(p + w, p + w, m - p - w, n - p - w);
      gemm_subtract(A22, A.block(p + w, p, m - p - w, w), Y.bottomRows(n - p - w), true);
      gemm_subtract(A22, X.bottomRows(m - p - w), A.block(p, p + w, w, n - p - w), false);
    }
    // restore the bidiagonal entries over the unit entries of the reflectors
    for (Index j = p; j < p + w; ++j) {
      A(j, j) = d(j);
      if (j + 1 < n) A(j, j + 1) = ework(j);
    }
    p += w;
  }
  if (n > 1) e = ework.head(n - 1);
  taup(n - 1) = Scalar(0);
}

/// The compact WY form of kb consecutive reflectors (LAPACK dlarft, forward, columnwise): H(j0)…H(j0+kb−1)
/// = I − V·T·Vᵀ with V (h×kb) unit lower trapezoidal, reflector j0+c in column c from row c (its tail
/// read from store(top+c+1:, j0+c), top = j0 + shift, h = rows − top) and T (kb×kb) upper triangular.
template <class Scalar>
void block_reflector(const Matrix<Scalar>& store, const Vector<Scalar>& tau, Index j0, Index kb, Index shift,
                     Index rows, Matrix<Scalar>& V, Matrix<Scalar>& T) {
  const Index top = j0 + shift, h = rows - top;
  V.setZero(h, kb);
  for (Index c = 0; c < kb; ++c) {
    V(c, c) = Scalar(1);
    V.col(c).tail(h - c - 1) = store.col(j0 + c).segment(top + c + 1, h - c - 1);
  }
  // T(c,c) = τ, T(0:c, c) = −τ·T(0:c,0:c)·Vᵀ(:,0:c)·v_c
  T.setZero(kb, kb);
  for (Index c = 0; c < kb; ++c) {
    const Scalar t = tau(j0 + c);
    T(c, c) = t;
    if (c > 0 && t != Scalar(0)) {
      Vector<Scalar> z = -t * (V.leftCols(c).bottomRows(h - c).transpose() * V.col(c).tail(h - c));
      T.col(c).head(c) = T.topLeftCorner(c, c).template triangularView<Eigen::Upper>() * z;
    }
  }
}

/// C ← (I − V·T·Vᵀ)·C, or with Tᵀ when `transpose` (the block's product in reverse order): two GEMMs
/// through the run-time-dispatched kernel, C −= V·(T·(Vᵀ·C)). C has V.rows() rows.
template <class Scalar>
void apply_block_reflector(const Matrix<Scalar>& V, const Matrix<Scalar>& T, bool transpose,
                           Eigen::Ref<Matrix<Scalar>> C, Matrix<Scalar>& W) {
  const Index h = V.rows(), kb = V.cols(), cols = C.cols();
  if (cols == 0) return;
  // W's top kb rows take Vᵀ·C, its bottom kb rows T·(Vᵀ·C) (or Tᵀ): a GEMM with T's zero lower triangle,
  // twice a triangular product's flops but at the dispatched instruction set (Eigen's triangular product
  // runs at the baseline: 1.8 % of golub_kahan_svd at n = 1000 in SSE2). W is the caller's, reused.
  W.resize(2 * kb, cols);
  const Index ld = 2 * kb;
  kernels::gemm(true, false, kb, cols, h, Scalar(1), V.data(), h, C.data(), C.outerStride(), Scalar(0), W.data(), ld);
  kernels::gemm(transpose, false, kb, cols, kb, Scalar(1), T.data(), kb, W.data(), ld, Scalar(0), W.data() + kb, ld);
  kernels::gemm(false, false, h, cols, kb, Scalar(-1), V.data(), h, W.data() + kb, ld, Scalar(1), C.data(),
                C.outerStride());
}

/// U ← H(0)·H(1)…H(count−1)·U for reflectors H(i) = I − tau(i)·v·vᵀ, v zero above row i+shift, v(i+shift)
/// = 1, v below it stored in store(i+shift+1:, i). Blocked like LAPACK dormqr/dlarfb: each block of kb
/// reflectors is I − V·T·Vᵀ (block_reflector), applied as two GEMMs, last block first.
template <class Scalar>
void apply_reflectors_left(const Matrix<Scalar>& store, const Vector<Scalar>& tau, Index count, Index shift,
                           Matrix<Scalar>& U) {
  constexpr Index block = 32;
  Matrix<Scalar> V, T, W;
  for (Index j1 = count; j1 > 0;) {
    const Index j0 = std::max<Index>(0, j1 - block), kb = j1 - j0;
    block_reflector(store, tau, j0, kb, shift, U.rows(), V, T);
    apply_block_reflector<Scalar>(V, T, false, U.bottomRows(V.rows()), W);
    j1 = j0;
  }
}

/// Householder QR in place (LAPACK dgeqrf): A (m×n) = Q·R with R in the upper triangle (trapezoid) and
/// the tails of the min(m, n) reflectors below it, tau (min(m, n)). Panels of `nb` columns are factored column by
/// column; the trailing columns get each panel's block reflector Qᵀ = I − V·Tᵀ·Vᵀ through the dispatched GEMM (Eigen's
/// HouseholderQR runs its products at the library's SSE2 baseline: ~2.5× slower at 4000×500).
template <class Scalar>
void householder_qr(Matrix<Scalar>& A, Vector<Scalar>& tau, Index nb = 32) {
  const Index m = A.rows(), n = A.cols();
  const Index r = std::min(m, n);
  tau.resize(r);
  Matrix<Scalar> V, T, W;
  Vector<Scalar> w;
  for (Index p = 0; p < r; p += nb) {
    const Index kb = std::min(nb, r - p);
    for (Index j = p; j < p + kb; ++j) {
      Scalar t;
      const Scalar beta = make_householder(A.col(j).tail(m - j), t);
      tau(j) = t;
      A(j, j) = beta;
      // the panel's remaining columns: A ← (I − τ·v·vᵀ)·A with v = [1; A(j+1:, j)]
      const Index rest = p + kb - j - 1;
      if (rest > 0 && t != Scalar(0)) {
        // w = tailᵀ·v, then tail −= τ·v·wᵀ, on the dispatched kernels (Eigen's GEMV and rank-1 update
        // here ran at the library's SSE2 baseline: ~9 % of the SVD's time at 4000×500)
        const Scalar keep = A(j, j);
        A(j, j) = Scalar(1);
        w.resize(rest);
        kernels::gemm(true, false, rest, 1, m - j, Scalar(1), &A(j, j + 1), A.outerStride(), &A(j, j), m - j, Scalar(0),
                      w.data(), rest);
        kernels::gemm(false, true, m - j, rest, 1, -t, &A(j, j), m - j, w.data(), rest, Scalar(1), &A(j, j + 1),
                      A.outerStride());
        A(j, j) = keep;
      }
    }
    if (p + kb < n) {
      block_reflector(A, tau, p, kb, 0, m, V, T);
      apply_block_reflector<Scalar>(V, T, true, A.block(p, p + kb, m - p, n - p - kb), W);
    }
  }
}

/// U ← Q·U for the left reflectors stored in `A` (m×n) and `tauq`; U has m rows.
template <class Scalar>
void apply_q(const Matrix<Scalar>& A, const Vector<Scalar>& tauq, Matrix<Scalar>& U) {
  apply_reflectors_left(A, tauq, A.cols(), 0, U);
}

/// V ← P·V for the right reflectors stored above the superdiagonal of `A` and `taup`; V has n rows.
/// A's top n×n block is the scratch: it is transposed in place (the reflectors' tails then lie in columns,
/// as apply_reflectors_left reads them), so A no longer holds the bidiagonal factorization afterwards. That
/// spares an n×n copy, and on this project's VM each fresh megabyte costs about a millisecond of page
/// faults (golub_kahan_svd).
template <class Scalar>
void apply_p_destroying(Matrix<Scalar>& A, const Vector<Scalar>& taup, Matrix<Scalar>& V) {
  const Index n = A.cols();
  if (n < 2) return;
  A.topRows(n).transposeInPlace();  // u_i(i+2:n) now in column i below row i+1
  apply_reflectors_left(A, taup, n - 1, 1, V);
}

}  // namespace lowrank::detail

namespace lowrank::detail {
// Compiled once into the library for float and double (config.hpp, LOWRANK_EXTERN_TEMPLATE).
LOWRANK_EXTERN_TEMPLATE(float, void bidiagonalize<float>(Matrix<float>&, Vector<float>&, Vector<float>&, Vector<float>&,
                                                         Vector<float>&, Index, Index))
LOWRANK_EXTERN_TEMPLATE(double, void bidiagonalize<double>(Matrix<double>&, Vector<double>&, Vector<double>&,
                                                           Vector<double>&, Vector<double>&, Index, Index))
LOWRANK_EXTERN_TEMPLATE(float, void householder_qr<float>(Matrix<float>&, Vector<float>&, Index))
LOWRANK_EXTERN_TEMPLATE(double, void householder_qr<double>(Matrix<double>&, Vector<double>&, Index))
LOWRANK_EXTERN_TEMPLATE(float, void apply_q<float>(const Matrix<float>&, const Vector<float>&, Matrix<float>&))
LOWRANK_EXTERN_TEMPLATE(double, void apply_q<double>(const Matrix<double>&, const Vector<double>&, Matrix<double>&))
LOWRANK_EXTERN_TEMPLATE(float, void apply_p_destroying<float>(Matrix<float>&, const Vector<float>&, Matrix<float>&))
LOWRANK_EXTERN_TEMPLATE(double,
                        void apply_p_destroying<double>(Matrix<double>&, const Vector<double>&, Matrix<double>&))
}  // namespace lowrank::detail
