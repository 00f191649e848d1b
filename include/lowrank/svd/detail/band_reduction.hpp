#pragma once
/// \file svd/detail/band_reduction.hpp  Two-stage bidiagonalization for singular values only: dense →
/// upper band (blocked QR and LQ panels, all trailing updates GEMM) → bidiagonal (Givens bulge chasing).
/// After Bischof, Lang & Sun, "A framework for symmetric band reduction" (ACM TOMS 26, 2000) and the
/// two-stage reductions of LAPACK 3.7 (dgebrd's stage 1 as in PLASMA's dgebrd_ge2gb; stage 2 like
/// LAPACK dgbbrd: Kaufman's chasing, one element at a time).
///
/// Why: the one-stage dgebrd reduction spends half its flops in matrix–vector products that stream the
/// trailing matrix from memory for every column (≈ 2.7 GFLOP/s here at n = 2000, where it is 90 % of a
/// values-only SVD). Stage 1 does 8n³/3 flops (square), all but O(m·n·b) of them in GEMM; stage 2 does
/// about 6·n²·b flops of rotations on a band that stays in cache. Without vectors the reflectors and
/// rotations are discarded; with vectors the back-transformation of two stages costs more than it saves,
/// so golub_kahan_svd uses this route for values only. Not stable API.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "lowrank/kernels.hpp"
#include "lowrank/svd/detail/bidiagonal_qr.hpp"
#include "lowrank/svd/detail/householder.hpp"
#include "lowrank/types.hpp"

namespace lowrank::detail {

/// C ← C·(I − V·T·Vᵀ) (C: rows × V.rows()) through the dispatched GEMM: C −= ((C·V)·T)·Vᵀ.
template <class Scalar>
void apply_block_reflector_right(const Matrix<Scalar>& V, const Matrix<Scalar>& T, Eigen::Ref<Matrix<Scalar>> C,
                                 Matrix<Scalar>& W) {
  const Index rows = C.rows(), h = V.rows(), kb = V.cols();
  if (rows == 0) return;
  W.resize(rows, 2 * kb);  // C·V in the left kb columns, (C·V)·T in the right ones (see apply_block_reflector)
  kernels::gemm(false, false, rows, kb, h, Scalar(1), C.data(), C.outerStride(), V.data(), h, Scalar(0), W.data(),
                rows);
  kernels::gemm(false, false, rows, kb, kb, Scalar(1), W.data(), rows, T.data(), kb, Scalar(0), W.data() + rows * kb,
                rows);
  kernels::gemm(false, true, rows, h, kb, Scalar(-1), W.data() + rows * kb, rows, V.data(), h, Scalar(1), C.data(),
                C.outerStride());
}

/// Stage 1: A (m×n, m ≥ n) → Q₁ᵀ·A·P₁ upper banded with bandwidth b (A(i, j) = 0 unless i ≤ j ≤ i + b),
/// in place; the entries outside the band are set to zero. For each panel of b columns: a QR of the
/// column panel (its Qᵀ applied to the columns right of it), then an LQ of the row block right of the
/// panel's triangle (as a QR of its transpose, its Q applied to the rows below).
template <class Scalar>
void reduce_to_band(Matrix<Scalar>& A, Index b) {
  const Index m = A.rows(), n = A.cols();
  Matrix<Scalar> V, T, W, P, R;
  Vector<Scalar> tau;
  for (Index k = 0; k < n; k += b) {
    const Index kb = std::min(b, n - k);
    // QR of the column panel A(k:m, k:k+kb); Qᵀ to the columns right of it
    Matrix<Scalar> panel = A.block(k, k, m - k, kb);
    householder_qr(panel, tau, kb);
    if (k + kb < n) {
      block_reflector(panel, tau, 0, kb, 0, m - k, V, T);
      apply_block_reflector<Scalar>(V, T, true, A.block(k, k + kb, m - k, n - k - kb), W);
    }
    A.block(k, k, m - k, kb) = panel.template triangularView<Eigen::Upper>();
    // LQ of the row block A(k:k+kb, k+kb:n): a QR of its transpose; Q to the rows below from the right
    const Index rest = n - k - kb;
    if (rest <= 0) continue;
    const Index reflectors = std::min(kb, rest);
    P = A.block(k, k + kb, kb, rest).transpose();  // rest × kb
    householder_qr(P, tau, reflectors);
    block_reflector(P, tau, 0, reflectors, 0, rest, V, T);
    if (m > k + kb) apply_block_reflector_right<Scalar>(V, T, A.block(k + kb, k + kb, m - k - kb, rest), W);
    // the row block becomes Rᵀ (lower triangular kb × min(kb, rest)), zero to the right
    A.block(k, k + kb, kb, rest).setZero();
    R = P.topRows(reflectors).template triangularView<Eigen::Upper>();
    A.block(k, k + kb, kb, reflectors) = R.transpose();
  }
  if (m > n) A.bottomRows(m - n).setZero();
}

/// Stage 2 (values only): the upper band (bandwidth b) in the leading n×n of A → bidiagonal d (n), e (n − 1).
/// Row i's entries beyond the superdiagonal are annihilated from the outside in by a rotation of two
/// adjacent columns; the bulge it leaves below the diagonal is removed by a rotation of two rows, whose
/// bulge b columns further right is chased the same way until it leaves the matrix. The band and its
/// bulges (one subdiagonal, b + 1 superdiagonals) are first copied to LAPACK band storage (dgbbrd's AB,
/// b + 3 rows per column): a row rotation then touches b + 2 columns ~(b + 3) scalars apart instead of n
/// apart, and the whole band stays in L2 (n = 2000, b = 32: 0.5 MB against 32 MB of dense storage).
template <class Scalar>
void band_to_bidiagonal(const Matrix<Scalar>& A, Index b, Vector<Scalar>& d, Vector<Scalar>& e) {
  const Index n = A.cols(), ku = b + 1;
  Matrix<Scalar> AB = Matrix<Scalar>::Zero(b + 3, n);
  // A(i, j) lives at AB(ku + i − j, j) for j − ku ≤ i ≤ j + 1: consecutive rows of a column are adjacent
  auto at = [&AB, ku](Index i, Index j) -> Scalar& { return AB(ku + i - j, j); };
  for (Index j = 0; j < n; ++j)
    for (Index i = std::max<Index>(0, j - b); i <= j; ++i) at(i, j) = A(i, j);
  auto column_rotation = [&](Index r, Index c) {  // zero A(r, c) against A(r, c−1), rows r … min(c, n−1)
    const Scalar g = at(r, c);
    if (g == Scalar(0)) return false;
    Scalar cs, sn, rr;
    lartg(at(r, c - 1), g, cs, sn, rr);
    const Index last = std::min(c, n - 1);
    kernels::rot(&at(r, c - 1), &at(r, c), std::size_t(last - r + 1), cs, sn);
    at(r, c - 1) = rr;
    at(r, c) = Scalar(0);
    return true;
  };
  auto row_rotation = [&](Index c) {  // zero A(c, c−1) against A(c−1, c−1), columns c−1 … min(c+b, n−1)
    const Scalar g = at(c, c - 1);
    if (g == Scalar(0)) return;
    Scalar cs, sn, rr;
    lartg(at(c - 1, c - 1), g, cs, sn, rr);
    const Index last = std::min(c + b, n - 1);
    for (Index j = c; j <= last; ++j) {
      Scalar& x = at(c - 1, j);
      Scalar& y = at(c, j);
      const Scalar x0 = x, y0 = y;
      x = cs * x0 + sn * y0;
      y = cs * y0 - sn * x0;
    }
    at(c - 1, c - 1) = rr;
    at(c, c - 1) = Scalar(0);
  };
  for (Index i = 0; i + 2 < n; ++i) {
    for (Index j = std::min(i + b, n - 1); j >= i + 2; --j) {
      Index r = i, c = j;
      while (c < n && column_rotation(r, c)) {
        row_rotation(c);
        r = c - 1;
        c += b;
      }
    }
  }
  d.resize(n);
  e.resize(std::max<Index>(n - 1, 0));
  for (Index i = 0; i < n; ++i) d(i) = at(i, i);
  for (Index i = 0; i + 1 < n; ++i) e(i) = at(i, i + 1);
}

}  // namespace lowrank::detail
