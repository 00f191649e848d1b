#pragma once
/// \file svd/detail/tridiagonal_dc.hpp  Eigenvalues and eigenvectors of a symmetric tridiagonal matrix by
/// divide and conquer, after LAPACK dstedc (dlaed0–dlaed4): Cuppen, "A divide and conquer method for the
/// symmetric tridiagonal eigenproblem" (Numer. Math. 36, 1981), with the deflation of Dongarra & Sorensen
/// (SIAM J. Sci. Stat. Comput. 8, 1987) and the eigenvectors of Gu & Eisenstat (SIAM J. Matrix Anal.
/// Appl. 16, 1995), which keep them orthogonal without extra precision. The secular equation is solved
/// by the fixed-weight rational iteration of Bunch, Nielsen & Sorensen (Numer. Math. 31, 1978), inside
/// a bisection bracket, with the origin at the nearer pole (dlaed4's choice, so that the gaps dⱼ − λ
/// are accurate).
///
/// Why: the implicit QL iteration with vectors (Eigen's SelfAdjointEigenSolver, LAPACK dsteqr) costs
/// about 6n³ flops of plane rotations, one column pair at a time; divide and conquer spends its O(n³)
/// in GEMM (Z·U per merge) and, after deflation, often far fewer flops. Used by gram_svd for the
/// eigenvectors of AᵀA. Not stable API.
#include <Eigen/Eigenvalues>
#include <Eigen/Householder>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "lowrank/kernels.hpp"
#include "lowrank/svd/detail/householder.hpp"
#include "lowrank/types.hpp"

namespace lowrank::detail {

/// Blocks up to this size are solved by implicit QL (Eigen); LAPACK's SMLSIZ is 25.
constexpr Index kTridiagonalLeaf = 32;

/// Roots of the secular equation 1 + ρ·Σⱼ ζⱼ/(Dⱼ − λ) = 0 for strictly increasing poles D (k of them),
/// weights ζ > 0 with Σζ = 1 and ρ > 0: root i lies in (Dᵢ, Dᵢ₊₁), the last one in (D_{k−1}, D_{k−1} + ρ].
/// Each root is returned as origin[i] (the index of the nearer pole) and tau[i] = λᵢ − D_origin, so
/// that Dⱼ − λᵢ = (Dⱼ − D_origin) − τᵢ keeps its relative accuracy next to the pole. Returns false when
/// a root did not converge within the iteration cap.
template <class Scalar>
bool solve_secular(const std::vector<Scalar>& D, const std::vector<Scalar>& zeta, Scalar rho,
                   std::vector<Index>& origin, std::vector<Scalar>& tau) {
  const Index k = Index(D.size());
  const Scalar eps = std::numeric_limits<Scalar>::epsilon();
  origin.assign(std::size_t(k), 0);
  tau.assign(std::size_t(k), Scalar(0));
  std::vector<Scalar> delta(static_cast<std::size_t>(k));  // Dⱼ − D_origin
  bool all_converged = true;
  for (Index i = 0; i < k; ++i) {
    const bool last = i == k - 1;
    // origin: the pole nearer to the root (f(mid) > 0 puts the root left of the midpoint)
    Index o = i;
    Scalar lo = 0, hi = rho;  // bracket of τ
    if (!last) {
      const Scalar gap = D[std::size_t(i + 1)] - D[std::size_t(i)], mid = gap / 2;
      Scalar f = 1;
      for (Index j = 0; j < k; ++j) f += rho * zeta[std::size_t(j)] / ((D[std::size_t(j)] - D[std::size_t(i)]) - mid);
      if (f > 0) {
        o = i, lo = 0, hi = mid;
      } else {
        o = i + 1, lo = -mid, hi = 0;
      }
    }
    for (Index j = 0; j < k; ++j) delta[std::size_t(j)] = D[std::size_t(j)] - D[std::size_t(o)];
    const Scalar p1 = delta[std::size_t(i)], p2 = last ? Scalar(0) : delta[std::size_t(i + 1)];  // the two poles
    Scalar t = (lo + hi) / 2;
    bool converged = false;
    for (int iter = 0; iter < 80; ++iter) {
      // f = 1 + ψ + φ split at the interval: ψ over poles ≤ i, φ over poles > i (ρ folded in)
      Scalar psi = 0, dpsi = 0, phi = 0, dphi = 0;
      for (Index j = 0; j <= i; ++j) {
        const Scalar r = rho * zeta[std::size_t(j)] / (delta[std::size_t(j)] - t);
        psi += r;
        dpsi += r / (delta[std::size_t(j)] - t);
      }
      for (Index j = i + 1; j < k; ++j) {
        const Scalar r = rho * zeta[std::size_t(j)] / (delta[std::size_t(j)] - t);
        phi += r;
        dphi += r / (delta[std::size_t(j)] - t);
      }
      const Scalar f = 1 + psi + phi;
      // rounding error of the evaluated f (dlaed4's ERRETM, simplified)
      const Scalar err = Scalar(8) * eps * (Scalar(k) + 1) * (1 + std::abs(psi) + std::abs(phi));
      if (std::abs(f) <= err) {
        converged = true;
        break;
      }
      if (f > 0)
        hi = t;
      else
        lo = t;
      if (hi - lo <= Scalar(2) * eps * std::max(std::abs(lo), std::abs(hi))) {
        converged = true;  // the bracket is down to adjacent floating-point numbers
        break;
      }
      // fixed-weight model: ψ ≈ a₁ + b₁/(p₁ − x), φ ≈ a₂ + b₂/(p₂ − x), matching value and slope at t
      const Scalar d1 = p1 - t, b1 = dpsi * d1 * d1;
      Scalar c = 1 + psi - b1 / d1, next;
      bool ok = false;
      if (last) {  // no pole on the right: φ = 0
        if (c > 0) {
          next = p1 + b1 / c;
          ok = true;
        }
      } else {
        const Scalar d2 = p2 - t, b2 = dphi * d2 * d2;
        c += phi - b2 / d2;
        // c·(p₁ − x)(p₂ − x) + b₁(p₂ − x) + b₂(p₁ − x) = 0 → A x² − B x + C = 0
        const Scalar A = c, B = c * (p1 + p2) + b1 + b2, C = c * p1 * p2 + b1 * p2 + b2 * p1;
        if (A == 0) {
          next = C / B;
          ok = B != 0;
        } else {
          const Scalar disc = B * B - 4 * A * C;
          if (disc >= 0) {
            const Scalar q = (B + std::copysign(std::sqrt(disc), B)) / 2;
            const Scalar x1 = q / A, x2 = q != 0 ? C / q : x1;
            const bool in1 = lo < x1 && x1 < hi;
            const bool in2 = lo < x2 && x2 < hi;
            next = in1 ? x1 : x2;
            ok = in1 || in2;
          }
        }
      }
      if (!ok || !(next > lo && next < hi)) next = (lo + hi) / 2;  // bisection keeps the bracket
      if (next == t) {
        converged = true;
        break;
      }
      t = next;
    }
    all_converged = all_converged && converged;
    origin[std::size_t(i)] = o;
    tau[std::size_t(i)] = t;
  }
  return all_converged;
}

/// Workspace of the merges, allocated once for the whole solve (n×n each): fresh allocations per merge
/// page-faulted on every level.
template <class Scalar>
struct TridiagonalDcWork {
  explicit TridiagonalDcWork(Index n) : zs(n, n), zk(n, n), zout(n, n), delta(n, n), u(n, n) {}
  Matrix<Scalar> zs, zk, zout, delta, u;
};

/// Merge step (dlaed1–dlaed3): eigen-decomposes D + ρ·z·zᵀ and folds it into Z. On entry Z holds the
/// eigenvectors of the two halves (block diagonal: the first `m` columns live in the first m rows, the
/// others in the remaining rows), D their eigenvalues, z the coupling vector, ρ ≥ 0; on exit D holds the
/// eigenvalues of the merged block ascending and Z its eigenvectors. Returns false when the secular
/// equation did not converge.
template <class Scalar>
bool merge_rank_one(Eigen::Ref<Vector<Scalar>> D, Vector<Scalar> z, Scalar rho, Index m, Eigen::Ref<Matrix<Scalar>> Z,
                    TridiagonalDcWork<Scalar>& work) {
  using Map = Eigen::Map<Matrix<Scalar>>;
  const Index n = D.size();
  const Scalar eps = std::numeric_limits<Scalar>::epsilon();
  const Scalar znorm = z.norm();
  if (znorm > 0) {
    z /= znorm;
    rho *= znorm * znorm;
  }
  // sort the poles ascending (the columns of Z with them); a column's rows: 0 top half, 2 bottom, 1 both
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index(0));
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return D(a) < D(b); });
  std::vector<Scalar> d(static_cast<std::size_t>(n)), w(static_cast<std::size_t>(n));
  std::vector<int> part(static_cast<std::size_t>(n));
  Map Zs(work.zs.data(), n, n);
  for (Index j = 0; j < n; ++j) {
    const Index o = order[std::size_t(j)];
    d[std::size_t(j)] = D(o);
    w[std::size_t(j)] = z(o);
    part[std::size_t(j)] = o < m ? 0 : 2;
    Zs.col(j) = Z.col(o);
  }
  // deflation (dlaed2): a negligible ρ·zⱼ leaves (dⱼ, column j) as it is; two close poles are rotated so
  // that one of them gets zⱼ = 0 (the rotation's off-diagonal (dⱼ − dᵢ)·c·s is below the tolerance)
  const Scalar dmax = std::max(std::abs(d.front()), std::abs(d.back()));
  const Scalar tol = Scalar(8) * eps * std::max(dmax, rho);
  std::vector<Index> kept, deflated;
  Index prev = -1;
  for (Index j = 0; j < n; ++j) {
    if (rho * std::abs(w[std::size_t(j)]) <= tol) {
      deflated.push_back(j);
      continue;
    }
    if (prev >= 0) {
      const Scalar zp = w[std::size_t(prev)], zj = w[std::size_t(j)];
      const Scalar r = std::hypot(zp, zj), c = zj / r, s = -zp / r;
      const Scalar dp = d[std::size_t(prev)], dj = d[std::size_t(j)];
      if (std::abs((dj - dp) * c * s) <= tol) {
        w[std::size_t(prev)] = 0;
        w[std::size_t(j)] = r;
        d[std::size_t(prev)] = dp * c * c + dj * s * s;
        d[std::size_t(j)] = dp * s * s + dj * c * c;
        kernels::rot(Zs.col(prev).data(), Zs.col(j).data(), std::size_t(n), c, s);
        if (part[std::size_t(prev)] != part[std::size_t(j)]) part[std::size_t(j)] = part[std::size_t(prev)] = 1;
        deflated.push_back(prev);
        prev = j;
        continue;
      }
      kept.push_back(prev);
    }
    prev = j;
  }
  if (prev >= 0) kept.push_back(prev);
  // the rotations moved kept poles by at most the tolerance: re-sort them
  std::stable_sort(kept.begin(), kept.end(), [&](Index a, Index b) { return d[std::size_t(a)] < d[std::size_t(b)]; });
  const Index k = Index(kept.size());
  std::vector<Scalar> lambda(static_cast<std::size_t>(n));
  Map Zout(work.zout.data(), n, n);
  if (k > 0) {
    std::vector<Scalar> dk(static_cast<std::size_t>(k)), zeta(static_cast<std::size_t>(k));
    Scalar zsum = 0;
    for (Index i = 0; i < k; ++i) {
      dk[std::size_t(i)] = d[std::size_t(kept[std::size_t(i)])];
      zeta[std::size_t(i)] = w[std::size_t(kept[std::size_t(i)])] * w[std::size_t(kept[std::size_t(i)])];
      zsum += zeta[std::size_t(i)];
    }
    const Scalar rho_k = rho * zsum;  // renormalize the kept weights to Σζ = 1
    for (auto& x : zeta) x /= zsum;
    std::vector<Index> origin;
    std::vector<Scalar> tau;
    if (!solve_secular(dk, zeta, rho_k, origin, tau)) return false;
    // δ(j, i) = dⱼ − λᵢ, from the root's origin
    Map delta(work.delta.data(), k, k);
    for (Index i = 0; i < k; ++i) {
      const Scalar dorig = dk[std::size_t(origin[std::size_t(i)])];
      for (Index j = 0; j < k; ++j) delta(j, i) = (dk[std::size_t(j)] - dorig) - tau[std::size_t(i)];
      lambda[std::size_t(i)] = dorig + tau[std::size_t(i)];
    }
    // Gu–Eisenstat: the ẑ for which the computed λ are the exact eigenvalues of D + ρ·ẑ·ẑᵀ,
    // ẑⱼ² = Πᵢ(λᵢ − dⱼ) / (ρ·Π_{i≠j}(dᵢ − dⱼ)); then the vectors uᵢ = (ẑⱼ/(dⱼ − λᵢ))ⱼ are orthogonal.
    // Column by column (contiguous in δ); each factor is positive by the interlacing.
    Vector<Scalar> zhat(k);
    for (Index j = 0; j < k; ++j) zhat(j) = -delta(j, j) / rho_k;
    for (Index i = 0; i < k; ++i)
      for (Index j = 0; j < k; ++j)
        if (j != i) zhat(j) *= delta(j, i) / (dk[std::size_t(j)] - dk[std::size_t(i)]);
    for (Index j = 0; j < k; ++j)
      zhat(j) = std::copysign(std::sqrt(std::max(zhat(j), Scalar(0))), w[std::size_t(kept[std::size_t(j)])]);
    // U's rows in the order top-only, both halves, bottom-only columns of Z, so that Z·U splits into two
    // GEMMs on the nonzero row blocks (dlaed3): about half the flops of one dense n×k×k product
    std::vector<Index> rows_by_part;
    rows_by_part.reserve(std::size_t(k));
    Index n1 = 0, n12 = 0;
    for (int p = 0; p < 3; ++p) {
      for (Index j = 0; j < k; ++j)
        if (part[std::size_t(kept[std::size_t(j)])] == p) rows_by_part.push_back(j);
      if (p == 0) n1 = Index(rows_by_part.size());
      if (p == 1) n12 = Index(rows_by_part.size());
    }
    Map U(work.u.data(), k, k), Zk(work.zk.data(), n, k);
    for (Index i = 0; i < k; ++i) {
      Scalar norm2 = 0;
      for (Index q = 0; q < k; ++q) {
        const Index j = rows_by_part[std::size_t(q)];
        const Scalar v = zhat(j) / delta(j, i);
        U(q, i) = v;
        norm2 += v * v;
      }
      U.col(i) /= std::sqrt(norm2);
    }
    for (Index q = 0; q < k; ++q) Zk.col(q) = Zs.col(kept[std::size_t(rows_by_part[std::size_t(q)])]);
    // top rows: columns [0, n12) of Zk; bottom rows: columns [n1, k)
    if (m > 0 && n12 > 0)
      kernels::gemm(false, false, m, k, n12, Scalar(1), Zk.data(), n, U.data(), k, Scalar(0), Zout.data(), n);
    else
      Zout.topRows(m).leftCols(k).setZero();
    if (n - m > 0 && k - n1 > 0)
      kernels::gemm(false, false, n - m, k, k - n1, Scalar(1), Zk.data() + m + n1 * n, n, U.data() + n1, k, Scalar(0),
                    Zout.data() + m, n);
    else
      Zout.bottomRows(n - m).leftCols(k).setZero();
  }
  for (std::size_t q = 0; q < deflated.size(); ++q) {
    lambda[std::size_t(k) + q] = d[std::size_t(deflated[q])];
    Zout.col(k + Index(q)) = Zs.col(deflated[q]);
  }
  // all eigenvalues ascending
  std::vector<Index> final_order(static_cast<std::size_t>(n));
  std::iota(final_order.begin(), final_order.end(), Index(0));
  std::stable_sort(final_order.begin(), final_order.end(),
                   [&](Index a, Index b) { return lambda[std::size_t(a)] < lambda[std::size_t(b)]; });
  for (Index j = 0; j < n; ++j) {
    D(j) = lambda[std::size_t(final_order[std::size_t(j)])];
    Z.col(j) = Zout.col(final_order[std::size_t(j)]);
  }
  return true;
}

/// The recursion of tridiagonal_eigen_dc on one block (work: the top-level workspace).
template <class Scalar>
bool tridiagonal_dc_block(Eigen::Ref<Vector<Scalar>> d, Eigen::Ref<const Vector<Scalar>> e,
                          Eigen::Ref<Matrix<Scalar>> Z, TridiagonalDcWork<Scalar>& work) {
  const Index n = d.size();
  if (n <= kTridiagonalLeaf) {
    Eigen::SelfAdjointEigenSolver<Matrix<Scalar>> es;
    const Vector<Scalar> diag = d, sub = e;
    es.computeFromTridiagonal(diag, sub, Eigen::ComputeEigenvectors);
    if (es.info() != Eigen::Success) return false;
    d = es.eigenvalues();
    Z = es.eigenvectors();
    return true;
  }
  // T = diag(T₁, T₂) + ρ·v·vᵀ with v = e_{m−1} + sign(β)·e_m, ρ = |β|: the halves lose ρ on their
  // touching diagonal entries.
  const Index m = n / 2;
  const Scalar beta = e(m - 1), rho = std::abs(beta);
  d(m - 1) -= rho;
  d(m) -= rho;
  Z.setZero();
  if (!tridiagonal_dc_block<Scalar>(d.head(m), e.head(m - 1), Z.topLeftCorner(m, m), work)) return false;
  if (!tridiagonal_dc_block<Scalar>(d.tail(n - m), e.tail(n - m - 1), Z.bottomRightCorner(n - m, n - m), work))
    return false;
  // z = blockdiag(Q₁, Q₂)ᵀ·v: the last row of Q₁ and sign(β)·the first row of Q₂
  Vector<Scalar> z(n);
  z.head(m) = Z.row(m - 1).head(m).transpose();
  z.tail(n - m) = (beta < 0 ? Scalar(-1) : Scalar(1)) * Z.row(m).tail(n - m).transpose();
  return merge_rank_one<Scalar>(d, std::move(z), rho, m, Z, work);
}

/// T = Z·diag(d)·Zᵀ for the symmetric tridiagonal T with diagonal d (n) and off-diagonal e (n − 1):
/// d is overwritten by the eigenvalues ascending, Z (n×n) receives the eigenvectors. Returns false
/// when a secular equation did not converge (Z and d are then unspecified; the caller falls back).
template <class Scalar>
bool tridiagonal_eigen_dc(Eigen::Ref<Vector<Scalar>> d, Eigen::Ref<const Vector<Scalar>> e,
                          Eigen::Ref<Matrix<Scalar>> Z) {
  TridiagonalDcWork<Scalar> work(d.size() > kTridiagonalLeaf ? d.size() : 0);
  return tridiagonal_dc_block<Scalar>(d, e, Z, work);
}

/// Eigendecomposition of a symmetric matrix given by its lower triangle: G = V·diag(w)·Vᵀ with w
/// ascending. Householder tridiagonalization (kernels::tridiagonalize), divide and conquer on the tridiagonal, then
/// V = Q·Z with Q's reflectors applied blocked (dormtr), never formed: forming Q with Eigen at the
/// library's baseline ISA and multiplying took 3× as long (n = 1000). Returns false when divide and
/// conquer did not converge (use the QL solver then).
template <class Scalar>
bool symmetric_eigen_dc(const Matrix<Scalar>& G, Vector<Scalar>& w, Matrix<Scalar>& V) {
  const Index n = G.rows();
  if (n == 0) return true;
  Matrix<Scalar> packed = G;  // dsytrd on the dispatched kernel (Eigen's code at the best ISA)
  Vector<Scalar> e(n - 1), tau(n - 1);
  w.resize(n);
  kernels::tridiagonalize(packed.data(), n, n, w.data(), e.data(), tau.data());
  V.resize(n, n);
  if (!tridiagonal_eigen_dc<Scalar>(w, e, V)) return false;
  // Q = H(0)…H(n−2), H(i) acting on rows i+1… with its tail stored below the subdiagonal (dsytrd)
  if (n > 1) apply_reflectors_left(packed, tau, n - 1, 1, V);
  return true;
}

/// G = V·diag(w)·Vᵀ (w ascending) for the symmetric G given by its lower triangle: divide and conquer
/// (symmetric_eigen_dc) with vectors above the leaf size; Eigen's implicit QL (dsteqr) for small n, for
/// values only (O(n²) after the reduction), or when a secular equation did not converge. Returns false
/// when the QL iteration did not converge either (w and V are then its unconverged output).
template <class Scalar>
bool symmetric_eigen(const Matrix<Scalar>& G, bool want_vectors, Vector<Scalar>& w, Matrix<Scalar>& V) {
  if (want_vectors && G.rows() > kTridiagonalLeaf && symmetric_eigen_dc(G, w, V)) return true;
  Eigen::SelfAdjointEigenSolver<Matrix<Scalar>> es(G,
                                                   want_vectors ? Eigen::ComputeEigenvectors : Eigen::EigenvaluesOnly);
  w = es.eigenvalues();
  if (want_vectors) V = es.eigenvectors();
  return es.info() == Eigen::Success;
}

}  // namespace lowrank::detail
