#pragma once
/// \file svd/detail/bidiagonal_dc.hpp  SVD of an upper bidiagonal matrix with vectors by divide and conquer,
/// after LAPACK dbdsdc (dlasd0–dlasd3): Gu & Eisenstat, "A divide-and-conquer algorithm for the bidiagonal
/// SVD" (SIAM J. Matrix Anal. Appl. 16, 1995); Jessup & Sorensen (1994) for the splitting.
///
/// B (n × (n + sqre), sqre ∈ {0, 1}) is split at row k into B₁ (k × (k+1)), the row [α at column k,
/// β at column k+1] and B₂ ((n−k−1) × (n−k−1+sqre)). With the SVDs of the halves, B is orthogonally
/// equivalent to the "arrow" M = [zᵀ; 0 diag(σ₁, σ₂)] whose first column holds z₀ only, so that
/// MᵀM = diag(0, σ²) + z·zᵀ: a rank-one update whose roots λ = σ² solve the secular equation
/// 1 + Σⱼ zⱼ²/(dⱼ² − λ) = 0 (solve_secular of tridiagonal_dc.hpp, with the poles dⱼ²: squaring a
/// floating-point dⱼ is a relative ε/2 change of dⱼ, and differences of close squares are exact).
/// Deflation as dlasd2 (tiny zⱼ, poles within 8ε‖B‖ rotated together); Gu–Eisenstat's ẑ makes the
/// computed roots exact for a nearby arrow, so that the vectors vᵢ = (ẑⱼ/(dⱼ² − λᵢ))ⱼ and
/// uᵢ = (−1, (dⱼ·ẑⱼ/(dⱼ² − λᵢ))ⱼ₌₁…) come out orthogonal (dlasd3). The halves' bases are combined by GEMM.
/// Leaves of ≤ kBidiagonalLeaf rows go to the implicit QR of bidiagonal_qr.hpp (dlasdq).
///
/// Why: the bidiagonal QR spends ~6n² rotation flops per row of U and V, one column pair at a time
/// (about 1 s of the 1.6 s of a thin n = 1000 golub_kahan_svd); divide and conquer spends O(n³) in
/// GEMM, fewer flops after deflation. Accuracy: singular values to O(ε·‖B‖) absolute (not the relative
/// accuracy of the zero-shift QR), vectors orthogonal to O(nε). Not stable API.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "lowrank/detail/huge_pages.hpp"
#include "lowrank/kernels.hpp"
#include "lowrank/svd/detail/bidiagonal_qr.hpp"
#include "lowrank/svd/detail/tridiagonal_dc.hpp"
#include "lowrank/types.hpp"

namespace lowrank::detail {

/// Blocks up to this many rows are solved by implicit QR (LAPACK's SMLSIZ is 25).
constexpr Index kBidiagonalLeaf = 32;

/// Workspace of the merges, allocated once at the top block's size (fresh arrays per merge page-faulted
/// on every level): the arrow's δ and vectors (K×K), the gathered bases (n×K). δ is dead once the vectors
/// are made, so its storage takes the gathered U basis: four n×n arrays instead of five.
template <class Scalar>
struct BidiagonalDcWork {
  explicit BidiagonalDcWork(Index n) {
    for (Matrix<Scalar>* M : {&delta, &us, &vs, &wb}) resize_advised(*M, n, n);  // ~18 % at n = 1000
  }
  Matrix<Scalar> delta, us, vs, wb;
};

/// Leaf (dlasdq): the n × (n + sqre) block by implicit QR. With sqre = 1, n right rotations first chase
/// the last column's entry up and out (B·G = [B_square 0]), so that W's last column spans the null space.
template <class Scalar>
bool bidiagonal_dc_leaf(Eigen::Ref<Vector<Scalar>> d, Eigen::Ref<const Vector<Scalar>> e, int sqre,
                        Eigen::Ref<Matrix<Scalar>> U, Eigen::Ref<Matrix<Scalar>> W, int& iterations) {
  const Index n = d.size();
  Vector<Scalar> dd = d, ee = e.head(std::max<Index>(n - 1, 0));
  Matrix<Scalar> Wl = Matrix<Scalar>::Identity(n + sqre, n + sqre);
  if (sqre == 1) {
    Scalar f = d(n - 1), g = e(n - 1);  // entry (i, n) to annihilate against (i, i)
    for (Index i = n - 1; i >= 0; --i) {
      Scalar c, s, r;
      lartg(f, g, c, s, r);
      dd(i) = r;
      if (i > 0) {
        g = -s * e(i - 1);  // row i − 1: (e, 0) → (c·e, −s·e)
        ee(i - 1) = c * e(i - 1);
        f = d(i - 1);
      }
      kernels::rot(Wl.col(i).data(), Wl.col(n).data(), std::size_t(n + 1), c, s);
    }
  }
  Matrix<Scalar> Uq = Matrix<Scalar>::Identity(n, n), Vq = Wl.leftCols(n);
  const BidiagonalQrInfo qi = bidiagonal_qr<Scalar>(dd, ee, &Uq, &Vq);
  iterations += qi.iterations;
  d = dd;
  U = Uq;
  W.leftCols(n) = Vq;
  if (sqre == 1) W.col(n) = Wl.col(n);
  return qi.converged;
}

/// One block of bidiagonal_svd_dc (dlasd0/dlasd1): d (n) and e (n − 1 + sqre) of the n × (n + sqre) upper
/// bidiagonal B; on return d holds its singular values (≥ 0, unordered), U (n×n) and W ((n+sqre)²) with
/// B = U·[diag(d) 0]·Wᵀ, W's last column the null vector when sqre = 1. False: a secular equation or a
/// leaf did not converge.
template <class Scalar>
bool bidiagonal_dc_block(Eigen::Ref<Vector<Scalar>> d, Eigen::Ref<const Vector<Scalar>> e, int sqre,
                         Eigen::Ref<Matrix<Scalar>> U, Eigen::Ref<Matrix<Scalar>> W, BidiagonalDcWork<Scalar>& work,
                         int& iterations) {
  using Map = Eigen::Map<Matrix<Scalar>>;
  const Index n = d.size();
  if (n <= kBidiagonalLeaf) return bidiagonal_dc_leaf<Scalar>(d, e, sqre, U, W, iterations);
  const Index k = n / 2, n2 = n - k - 1, nw = n + sqre;
  const Scalar alpha = d(k), beta = e(k);
  // the children fill their diagonal blocks; the rest starts at zero
  U.block(0, k, k, n - k).setZero();
  U.row(k).setZero();
  U.block(k + 1, 0, n2, k + 1).setZero();
  W.block(0, k + 1, k + 1, nw - k - 1).setZero();
  W.block(k + 1, 0, nw - k - 1, k + 1).setZero();
  if (!bidiagonal_dc_block<Scalar>(d.head(k), e.head(k), 1, U.topLeftCorner(k, k), W.topLeftCorner(k + 1, k + 1), work,
                                   iterations))
    return false;
  if (!bidiagonal_dc_block<Scalar>(d.tail(n2), e.segment(k + 1, n2 - 1 + sqre), sqre, U.bottomRightCorner(n2, n2),
                                   W.bottomRightCorner(n2 + sqre, n2 + sqre), work, iterations))
    return false;
  // the arrow M in the order [null, σ₁, σ₂]: entry q sits in column col[q] of U and of W
  std::vector<Index> col(static_cast<std::size_t>(n));
  col[0] = k;
  for (Index j = 0; j < k; ++j) col[std::size_t(1 + j)] = j;
  for (Index j = 0; j < n2; ++j) col[std::size_t(k + 1 + j)] = k + 1 + j;
  // which rows a basis column lives in: 0 the top half, 2 the bottom half, 1 both (after a deflating
  // rotation); entry 0 is e_k in U and, in W, the top null vector plus (sqre = 1) the bottom one
  std::vector<int> part(static_cast<std::size_t>(n));
  part[0] = sqre == 1 ? 1 : 0;
  for (Index q = 1; q < n; ++q) part[std::size_t(q)] = q <= k ? 0 : 2;
  std::vector<Scalar> pole(static_cast<std::size_t>(n)), z(static_cast<std::size_t>(n));
  pole[0] = 0;
  for (Index q = 1; q < n; ++q) pole[std::size_t(q)] = d(col[std::size_t(q)]);
  for (Index j = 0; j < k; ++j) z[std::size_t(1 + j)] = alpha * W(k, j);
  for (Index j = 0; j < n2; ++j) z[std::size_t(k + 1 + j)] = beta * W(k + 1, k + 1 + j);
  // the two null vectors (W₁'s, and W₂'s when sqre = 1) rotated into one that carries z₀ and the new null
  const Scalar z0a = alpha * W(k, k), z0b = sqre == 1 ? beta * W(k + 1, n) : Scalar(0);
  if (sqre == 1) {
    const Scalar r = std::hypot(z0a, z0b);
    const Scalar c = r > 0 ? z0a / r : Scalar(1), s = r > 0 ? z0b / r : Scalar(0);
    kernels::rot(W.col(k).data(), W.col(n).data(), std::size_t(nw), c, s);
    z[0] = r;
  } else {
    z[0] = z0a;
  }
  U(k, k) = 1;  // the coupling row's basis vector
  // scale to max 1 (dlasd1's ORGNRM)
  Scalar orgnrm = std::max(std::abs(alpha), std::abs(beta));
  for (Index q = 1; q < n; ++q) orgnrm = std::max(orgnrm, pole[std::size_t(q)]);
  if (orgnrm == Scalar(0)) {  // a zero block: σ = 0, the bases as they are
    for (Index q = 0; q < n; ++q) d(col[std::size_t(q)]) = 0;
    return true;
  }
  for (Index q = 0; q < n; ++q) {
    pole[std::size_t(q)] /= orgnrm;
    z[std::size_t(q)] /= orgnrm;
  }
  // deflation (dlasd2): poles ascending after the fixed first one
  std::vector<Index> order(static_cast<std::size_t>(n - 1));
  std::iota(order.begin(), order.end(), Index(1));
  std::stable_sort(order.begin(), order.end(),
                   [&](Index a, Index b) { return pole[std::size_t(a)] < pole[std::size_t(b)]; });
  const Scalar eps = std::numeric_limits<Scalar>::epsilon();
  const Scalar tol = Scalar(8) * eps;     // dlasd2's 8ε·max(|α|, |β|, σ), which the scaling made 1
  if (std::abs(z[0]) <= tol) z[0] = tol;  // the null pole is always kept: a tiny z₀ becomes tol
  std::vector<Index> kept{0}, deflated;
  Index prev = -1;
  for (Index q : order) {
    if (std::abs(z[std::size_t(q)]) <= tol) {
      deflated.push_back(q);
      continue;
    }
    if (prev >= 0 && pole[std::size_t(q)] - pole[std::size_t(prev)] <= tol) {
      // equal poles: rotate the pair so that prev's z vanishes (the rotation moves M by ≤ tol)
      const Scalar zp = z[std::size_t(prev)], zq = z[std::size_t(q)], r = std::hypot(zp, zq);
      const Scalar c = zq / r, s = -zp / r;
      z[std::size_t(prev)] = 0;
      z[std::size_t(q)] = r;
      kernels::rot(U.col(col[std::size_t(prev)]).data(), U.col(col[std::size_t(q)]).data(), std::size_t(n), c, s);
      kernels::rot(W.col(col[std::size_t(prev)]).data(), W.col(col[std::size_t(q)]).data(), std::size_t(nw), c, s);
      if (part[std::size_t(prev)] != part[std::size_t(q)]) part[std::size_t(prev)] = part[std::size_t(q)] = 1;
      deflated.push_back(prev);
    } else if (prev >= 0) {
      kept.push_back(prev);
    }
    prev = q;
  }
  if (prev >= 0) kept.push_back(prev);
  const Index K = Index(kept.size());
  // a kept pole next to the null pole is moved to tol/2 so that the poles stay apart (dlasd2's HLFTOL)
  if (K > 1 && pole[std::size_t(kept[1])] <= tol / 2) pole[std::size_t(kept[1])] = tol / 2;
  // secular equation in λ = σ² with poles Dⱼ = dⱼ², weights zⱼ²
  std::vector<Scalar> D(static_cast<std::size_t>(K)), zeta(static_cast<std::size_t>(K));
  Scalar rho = 0;
  for (Index i = 0; i < K; ++i) {
    const Scalar p = pole[std::size_t(kept[std::size_t(i)])], zi = z[std::size_t(kept[std::size_t(i)])];
    D[std::size_t(i)] = p * p;
    zeta[std::size_t(i)] = zi * zi;
    rho += zi * zi;
  }
  for (auto& x : zeta) x /= rho;
  std::vector<Index> origin;
  std::vector<Scalar> tau;
  if (!solve_secular(D, zeta, rho, origin, tau)) return false;
  Map delta(work.delta.data(), K, K);  // δ(j, i) = Dⱼ − λᵢ from the root's origin
  Vector<Scalar> sigma(K);
  for (Index i = 0; i < K; ++i) {
    const Scalar dorig = D[std::size_t(origin[std::size_t(i)])];
    for (Index j = 0; j < K; ++j) delta(j, i) = (D[std::size_t(j)] - dorig) - tau[std::size_t(i)];
    sigma(i) = std::sqrt(dorig + tau[std::size_t(i)]);
  }
  // Gu–Eisenstat ẑ: ẑⱼ² = Πᵢ(λᵢ − Dⱼ) / Π_{i≠j}(Dᵢ − Dⱼ), the weights for which the λ are exact
  Vector<Scalar> zhat(K);
  for (Index j = 0; j < K; ++j) zhat(j) = -delta(j, j);
  for (Index i = 0; i < K; ++i)
    for (Index j = 0; j < K; ++j)
      if (j != i) zhat(j) *= delta(j, i) / (D[std::size_t(j)] - D[std::size_t(i)]);
  for (Index j = 0; j < K; ++j)
    zhat(j) = std::copysign(std::sqrt(std::max(zhat(j), Scalar(0))), z[std::size_t(kept[std::size_t(j)])]);
  // the arrow's singular vectors (dlasd3): vᵢ ∝ ẑⱼ/δ(j, i); uᵢ = M̂·vᵢ/σᵢ ∝ (−1, dⱼ·ẑⱼ/δ(j, i)). Their rows
  // are stored grouped by the part of the basis column they multiply (top, both, bottom), so that each
  // half of the new bases is one GEMM over the columns that are nonzero there (dlasd3's CTOT): about
  // half the flops of a dense product.
  std::vector<Index> rows_w, rows_u;     // kept positions grouped by part; U leaves out entry 0 (e_k)
  Index w0 = 0, w1 = 0, u0 = 0, u1 = 0;  // group ends: [0, w0) top, [w0, w1) both, [w1, K) bottom
  for (int p = 0; p < 3; ++p) {
    for (Index i = 0; i < K; ++i) {
      if (part[std::size_t(kept[std::size_t(i)])] != p) continue;
      rows_w.push_back(i);
      if (i > 0) rows_u.push_back(i);
    }
    if (p == 0) w0 = Index(rows_w.size()), u0 = Index(rows_u.size());
    if (p == 1) w1 = Index(rows_w.size()), u1 = Index(rows_u.size());
  }
  Map Vs(work.vs.data(), K, K), Us(work.us.data(), K - 1, K);
  Vector<Scalar> v(K), rowk(K);  // rowk: row k of the new U (the −1 entries, normalized)
  for (Index i = 0; i < K; ++i) {
    for (Index j = 0; j < K; ++j) v(j) = zhat(j) / delta(j, i);
    const Scalar vnorm = v.norm();
    Scalar unorm2 = 1;  // the −1 of entry 0
    for (Index j = 1; j < K; ++j) {
      const Scalar uj = pole[std::size_t(kept[std::size_t(j)])] * v(j);
      unorm2 += uj * uj;
    }
    const Scalar unorm = std::sqrt(unorm2);
    for (Index q = 0; q < K; ++q) Vs(q, i) = v(rows_w[std::size_t(q)]) / vnorm;
    for (Index q = 0; q < K - 1; ++q) {
      const Index j = rows_u[std::size_t(q)];
      Us(q, i) = pole[std::size_t(kept[std::size_t(j)])] * v(j) / unorm;
    }
    rowk(i) = Scalar(-1) / unorm;
  }
  // new bases: the kept columns times the arrow's vectors, the deflated columns as they are. Both are
  // gathered first (kept, then deflated) so that the products can write straight into U and W.
  const Index nd = Index(deflated.size());
  Map Ub(work.delta.data(), n, K - 1 + nd), Wb(work.wb.data(), nw, K + nd);  // δ is dead here
  for (Index q = 0; q < K - 1; ++q) Ub.col(q) = U.col(col[std::size_t(kept[std::size_t(rows_u[std::size_t(q)])])]);
  for (Index q = 0; q < K; ++q) Wb.col(q) = W.col(col[std::size_t(kept[std::size_t(rows_w[std::size_t(q)])])]);
  for (Index q = 0; q < nd; ++q) {
    Ub.col(K - 1 + q) = U.col(col[std::size_t(deflated[std::size_t(q)])]);
    Wb.col(K + q) = W.col(col[std::size_t(deflated[std::size_t(q)])]);
  }
  // C (rows × K) = A (rows × [from, to) of the grouped columns) · S ([from, to) rows)
  const auto product = [K](const Scalar* A, Index lda, Index rows, const Scalar* S, Index lds, Index from, Index to,
                           Scalar* C, Index ldc) {
    if (rows == 0) return;
    if (to > from)
      kernels::gemm(false, false, rows, K, to - from, Scalar(1), A + from * lda, lda, S + from, lds, Scalar(0), C, ldc);
    else
      for (Index i = 0; i < K; ++i) std::fill(C + i * ldc, C + i * ldc + rows, Scalar(0));
  };
  const Index ldu = U.outerStride(), ldw = W.outerStride();
  product(Ub.data(), n, k, Us.data(), K - 1, 0, u1, U.data(), ldu);
  product(Ub.data() + k + 1, n, n2, Us.data(), K - 1, u0, K - 1, U.data() + k + 1, ldu);
  U.row(k).head(K) = rowk.transpose();
  product(Wb.data(), nw, k + 1, Vs.data(), K, 0, w1, W.data(), ldw);
  product(Wb.data() + k + 1, nw, nw - k - 1, Vs.data(), K, w0, K, W.data() + k + 1, ldw);
  for (Index i = 0; i < K; ++i) d(i) = sigma(i) * orgnrm;
  for (Index q = 0; q < nd; ++q) {
    U.col(K + q) = Ub.col(K - 1 + q);
    W.col(K + q) = Wb.col(K + q);
    d(K + q) = pole[std::size_t(deflated[std::size_t(q)])] * orgnrm;
  }
  // with sqre = 1, W's last column (the null vector) stays where it is
  return true;
}

/// SVD of the n×n upper bidiagonal B = bidiag(d, e) by divide and conquer: on return d holds the
/// singular values descending, U and V (resized to n×n) with B = U·diag(d)·Vᵀ. Like dbdsdc, B is first
/// split where |eᵢ| < ε·max|B| (those entries are set to zero, an absolute change below ε‖B‖) and every
/// piece is solved on its own: graded or nearly diagonal B cost little. Returns false when a secular
/// equation or a leaf's QR did not converge (the caller falls back to bidiagonal_qr).
template <class Scalar>
bool bidiagonal_svd_dc(Vector<Scalar>& d, const Vector<Scalar>& e, Matrix<Scalar>& U, Matrix<Scalar>& V,
                       int& iterations) {
  const Index n = d.size();
  U.setZero(n, n);
  V.setZero(n, n);
  if (n == 0) return true;
  const Scalar bmax = std::max(d.cwiseAbs().maxCoeff(), n > 1 ? e.cwiseAbs().maxCoeff() : Scalar(0));
  const Scalar split = std::numeric_limits<Scalar>::epsilon() * bmax;
  Vector<Scalar> dw = d;
  BidiagonalDcWork<Scalar> work(n);  // also below the leaf size (≤ 32 KB then): the sorted copies use it
  for (Index start = 0; start < n;) {
    Index end = start + 1;  // the piece is [start, end)
    while (end < n && std::abs(e(end - 1)) >= split && e(end - 1) != Scalar(0)) ++end;
    const Index len = end - start;
    if (!bidiagonal_dc_block<Scalar>(dw.segment(start, len), e.segment(start, std::max<Index>(len - 1, 0)), 0,
                                     U.block(start, start, len, len), V.block(start, start, len, len), work,
                                     iterations))
      return false;
    start = end;
  }
  // descending, by a permutation of the columns
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index(0));
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return dw(a) > dw(b); });
  // the sorted copies go into the merges' workspace, dead now, instead of two fresh n×n arrays (with δ's
  // storage for the U basis and the reuses in golub_kahan_tall, golub_kahan_svd at n = 2000 allocates
  // 240 MB in arrays of 1 MB or more, 393 MB before; page faults 29.6 k → 18.3 k)
  Matrix<Scalar>& Us = work.delta;
  Matrix<Scalar>& Vs = work.wb;
  for (Index j = 0; j < n; ++j) {
    d(j) = dw(order[std::size_t(j)]);
    Us.col(j) = U.col(order[std::size_t(j)]);
    Vs.col(j) = V.col(order[std::size_t(j)]);
  }
  U.swap(Us);
  V.swap(Vs);
  return true;
}

}  // namespace lowrank::detail

namespace lowrank::detail {
// Compiled once into the library for float and double (config.hpp, LOWRANK_EXTERN_TEMPLATE).
LOWRANK_EXTERN_TEMPLATE(float, bool bidiagonal_svd_dc<float>(Vector<float>&, const Vector<float>&, Matrix<float>&,
                                                             Matrix<float>&, int&))
LOWRANK_EXTERN_TEMPLATE(double, bool bidiagonal_svd_dc<double>(Vector<double>&, const Vector<double>&, Matrix<double>&,
                                                               Matrix<double>&, int&))
}  // namespace lowrank::detail
