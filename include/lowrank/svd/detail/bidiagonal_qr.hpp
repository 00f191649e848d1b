#pragma once
/// \file svd/detail/bidiagonal_qr.hpp  SVD of an upper bidiagonal matrix by implicit QR, after LAPACK
/// dbdsqr: Demmel & Kahan, "Accurate singular values of bidiagonal matrices" (SIAM J. Sci. Stat.
/// Comput. 11, 1990). Zero-shift QR when the shift would spoil relative accuracy, shifted QR otherwise,
/// chasing top→bottom or bottom→top by which end is larger, with dbdsqr's relative convergence
/// criteria and splitting. Also dlartg, dlas2 and dlasv2.
///
/// B = U·Σ·Vᵀ: the rotations are applied to the columns of U and V (column-major, so each rotated pair
/// is two contiguous columns and goes through the SIMD kernels::rot). A RotationQueue records them and
/// replays them in order over row chunks (see the measurement note there). Cost: O(n²) without
/// vectors; about 6·n²·(rows of U + rows of V) flops with them. Not stable API.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "lowrank/kernels.hpp"
#include "lowrank/types.hpp"

namespace lowrank::detail {

template <class T> T sign_of(T a, T b) { return b >= T(0) ? std::abs(a) : -std::abs(a); }  // Fortran SIGN

/// LAPACK dlartg (3.10, Anderson): c, s, r with [c s; −s c]·[f; g] = [r; 0], r carrying f's sign.
template <class T>
void lartg(T f, T g, T& c, T& s, T& r) {
  const T safmin = std::numeric_limits<T>::min();
  const T safmax = T(1) / safmin;
  const T rtmin = std::sqrt(safmin);
  const T rtmax = std::sqrt(safmax / 2);
  if (g == T(0)) {
    c = T(1);
    s = T(0);
    r = f;
  } else if (f == T(0)) {
    c = T(0);
    s = sign_of(T(1), g);
    r = std::abs(g);
  } else {
    const T f1 = std::abs(f), g1 = std::abs(g);
    if (f1 > rtmin && f1 < rtmax && g1 > rtmin && g1 < rtmax) {
      const T d = std::sqrt(f * f + g * g);
      c = f1 / d;
      r = sign_of(d, f);
      s = g / r;
    } else {
      const T u = std::min(safmax, std::max(safmin, std::max(f1, g1)));
      const T fs = f / u, gs = g / u;
      const T d = std::sqrt(fs * fs + gs * gs);
      c = std::abs(fs) / d;
      r = sign_of(d, f);
      s = gs / r;
      r *= u;
    }
  }
}

/// LAPACK dlas2: singular values ssmin ≤ ssmax of the 2×2 upper triangular [f g; 0 h].
template <class T>
void las2(T f, T g, T h, T& ssmin, T& ssmax) {
  const T fa = std::abs(f), ga = std::abs(g), ha = std::abs(h);
  const T fhmn = std::min(fa, ha), fhmx = std::max(fa, ha);
  if (fhmn == T(0)) {
    ssmin = T(0);
    if (fhmx == T(0)) {
      ssmax = ga;
    } else {
      const T mx = std::max(fhmx, ga), mn = std::min(fhmx, ga);
      ssmax = mx * std::sqrt(T(1) + (mn / mx) * (mn / mx));
    }
  } else if (ga < fhmx) {
    const T as = T(1) + fhmn / fhmx, at = (fhmx - fhmn) / fhmx, au = (ga / fhmx) * (ga / fhmx);
    const T c = T(2) / (std::sqrt(as * as + au) + std::sqrt(at * at + au));
    ssmin = fhmn * c;
    ssmax = fhmx / c;
  } else {
    const T au = fhmx / ga;
    if (au == T(0)) {
      ssmin = (fhmn * fhmx) / ga;
      ssmax = ga;
    } else {
      const T as = T(1) + fhmn / fhmx, at = (fhmx - fhmn) / fhmx;
      const T c = T(1) / (std::sqrt(T(1) + (as * au) * (as * au)) + std::sqrt(T(1) + (at * au) * (at * au)));
      ssmin = (fhmn * c) * au;
      ssmin += ssmin;
      ssmax = ga / (c + c);
    }
  }
}

/// LAPACK dlasv2: SVD of [f g; 0 h]: [csl snl; −snl csl]·[f g; 0 h]·[csr −snr; snr csr] = diag(ssmax, ssmin),
/// |ssmax| ≥ |ssmin| (signed).
template <class T>
void lasv2(T f, T g, T h, T& ssmin, T& ssmax, T& snr, T& csr, T& snl, T& csl) {
  const T eps = std::numeric_limits<T>::epsilon() / 2;
  T ft = f, fa = std::abs(f), ht = h, ha = std::abs(h);
  int pmax = 1;
  const bool swap = ha > fa;
  if (swap) {
    pmax = 3;
    std::swap(ft, ht);
    std::swap(fa, ha);
  }
  const T gt = g, ga = std::abs(g);
  T clt, crt, slt, srt;
  if (ga == T(0)) {
    ssmin = ha;
    ssmax = fa;
    clt = T(1);
    crt = T(1);
    slt = T(0);
    srt = T(0);
  } else {
    bool gasmal = true;
    if (ga > fa) {
      pmax = 2;
      if (fa / ga < eps) {
        gasmal = false;
        ssmax = ga;
        ssmin = ha > T(1) ? fa / (ga / ha) : (fa / ga) * ha;
        clt = T(1);
        slt = ht / gt;
        srt = T(1);
        crt = ft / gt;
      }
    }
    if (gasmal) {
      const T dd = fa - ha;
      T l = dd == fa ? T(1) : dd / fa;
      const T m = gt / ft;
      T t = T(2) - l;
      const T mm = m * m, tt = t * t;
      const T s = std::sqrt(tt + mm);
      const T r = l == T(0) ? std::abs(m) : std::sqrt(l * l + mm);
      const T a = T(0.5) * (s + r);
      ssmin = ha / a;
      ssmax = fa * a;
      if (mm == T(0)) {
        if (l == T(0))
          t = sign_of(T(2), ft) * sign_of(T(1), gt);
        else
          t = gt / sign_of(dd, ft) + m / t;
      } else {
        t = (m / (s + t) + m / (r + l)) * (T(1) + a);
      }
      l = std::sqrt(t * t + T(4));
      crt = T(2) / l;
      srt = t / l;
      clt = (crt + srt * m) / a;
      slt = (ht / ft) * srt / a;
    }
  }
  if (swap) {
    csl = srt;
    snl = crt;
    csr = slt;
    snr = clt;
  } else {
    csl = clt;
    snl = slt;
    csr = crt;
    snr = srt;
  }
  T tsign;
  if (pmax == 1)
    tsign = sign_of(T(1), csr) * sign_of(T(1), csl) * sign_of(T(1), f);
  else if (pmax == 2)
    tsign = sign_of(T(1), snr) * sign_of(T(1), csl) * sign_of(T(1), g);
  else
    tsign = sign_of(T(1), snr) * sign_of(T(1), snl) * sign_of(T(1), h);
  ssmax = sign_of(ssmax, tsign);
  ssmin = sign_of(ssmin, tsign * sign_of(T(1), f) * sign_of(T(1), h));
}

/// Deferred column rotations of one matrix: push(j, k, c, s) means col_j ← c·col_j + s·col_k,
/// col_k ← c·col_k − s·col_j (LAPACK drot/dlasr). flush() replays the recorded rotations as a wavefront
/// (Van Zee, van de Geijn & Quintana-Ortí, "Restructuring the tridiagonal and bidiagonal QR algorithms
/// for performance", ACM TOMS 40(3), 2014): each rotation gets the level 1 + the last level of either
/// of its columns, the rotations are stably sorted by level (so two rotations sharing a column keep
/// their order, and rotations of one level touch disjoint columns), and the sorted list runs over row
/// chunks. k consecutive sweeps then move through a window of about 2k columns, which stays in L2
/// while every sweep passes over it, instead of streaming the whole matrix once per sweep.
template <class Scalar>
class RotationQueue {
 public:
  /// `sweeps` ≈ how many QR sweeps to hold before a flush (the wavefront depth).
  explicit RotationQueue(Matrix<Scalar>* M, Index sweeps = 32) : m_M(M) {
    if (M != nullptr && M->rows() > 0) {
      const Index cols = std::max<Index>(1, M->cols());
      // rows per chunk: the window of ~2·sweeps columns × chunk rows should take ≤ ~256 KiB
      m_chunk = std::max<Index>(64, (Index(256) * 1024 / (Index(sizeof(Scalar)) * (2 * sweeps + 2)) / 8) * 8);
      m_limit = std::max<Index>(1024, sweeps * cols / 2);  // sweeps average ~cols/2 rotations
      m_level.assign(static_cast<std::size_t>(cols), 0);
    }
  }
  bool active() const { return m_M != nullptr && m_M->rows() > 0; }
  void push(Index j, Index k, Scalar c, Scalar s) {
    if (!active()) return;
    int& lj = m_level[std::size_t(j)];
    int& lk = m_level[std::size_t(k)];
    const int level = std::max(lj, lk);
    lj = lk = level + 1;
    m_max_level = std::max(m_max_level, level);
    m_rot.push_back({j, k, c, s, level});
    if (Index(m_rot.size()) >= m_limit) flush();
  }
  void flush() {
    if (!active() || m_rot.empty()) return;
    // counting sort by level (stable)
    std::vector<std::size_t> start(static_cast<std::size_t>(m_max_level) + 2, 0);
    for (const Rot& q : m_rot) ++start[std::size_t(q.level) + 1];
    for (std::size_t l = 1; l < start.size(); ++l) start[l] += start[l - 1];
    m_sorted.resize(m_rot.size());
    for (const Rot& q : m_rot) m_sorted[start[std::size_t(q.level)]++] = q;
    Matrix<Scalar>& M = *m_M;
    const Index rows = M.rows();
    for (Index r0 = 0; r0 < rows; r0 += m_chunk) {
      const std::size_t len = static_cast<std::size_t>(std::min(m_chunk, rows - r0));
      for (const Rot& q : m_sorted) kernels::rot(M.col(q.j).data() + r0, M.col(q.k).data() + r0, len, q.c, q.s);
    }
    m_rot.clear();
    std::fill(m_level.begin(), m_level.end(), 0);
    m_max_level = 0;
  }

 private:
  struct Rot {
    Index j, k;
    Scalar c, s;
    int level;
  };
  Matrix<Scalar>* m_M;
  Index m_chunk = 64;
  Index m_limit = 1024;
  int m_max_level = 0;
  std::vector<int> m_level;
  std::vector<Rot> m_rot, m_sorted;
};

/// Outcome of bidiagonal_qr.
struct BidiagonalQrInfo {
  bool converged = true;
  int iterations = 0;  ///< inner QR steps, counted as in dbdsqr (rows swept)
};

/// dbdsqr: SVD of the n×n upper bidiagonal B = bidiag(d, e). On return d holds the singular values
/// (≥ 0, descending) and U ← U·Q, V ← V·P where B = Q·Σ·Pᵀ (pass nullptr to skip a side; U and V need
/// n columns). `tol` < 0 selects absolute accuracy |tol|·‖B‖ as in dbdsqr; 0 means dbdsqr's default
/// relative tolerance. The iteration cap is dbdsqr's 6·n² inner steps (scaled by `max_iter_factor`),
/// plus `max_sweeps` QR sweeps when it is ≥ 0; hitting a cap returns converged = false.
template <class Scalar>
BidiagonalQrInfo bidiagonal_qr(Vector<Scalar>& d, Vector<Scalar>& e, Matrix<Scalar>* U, Matrix<Scalar>* V,
                               Scalar tol = 0, int max_iter_factor = 6, long max_sweeps = -1) {
  using std::abs;
  using std::max;
  using std::min;
  BidiagonalQrInfo info;
  const Index n = d.size();
  if (n == 0) return info;
  const Scalar eps = std::numeric_limits<Scalar>::epsilon() / 2;  // LAPACK's dlamch('E')
  const Scalar unfl = std::numeric_limits<Scalar>::min();
  RotationQueue<Scalar> qu(U), qv(V);
  if (n > 1) {
    if (tol == Scalar(0)) {
      const Scalar tolmul = max(Scalar(10), min(Scalar(100), std::pow(eps, Scalar(-0.125))));
      tol = tolmul * eps;
    }
    const Scalar hndrth = Scalar(0.01), meigth = Scalar(-0.125);
    (void)meigth;
    // compute the approximate maximum and minimum singular values
    Scalar smax = 0;
    for (Index i = 0; i < n; ++i) smax = max(smax, abs(d(i)));
    for (Index i = 0; i < n - 1; ++i) smax = max(smax, abs(e(i)));
    Scalar thresh;
    const Scalar maxitr = Scalar(max_iter_factor);
    if (tol >= 0) {
      // relative accuracy: estimate σ_min from the recurrence of Demmel–Kahan
      Scalar sminoa = abs(d(0));
      if (sminoa != Scalar(0)) {
        Scalar mu = sminoa;
        for (Index i = 1; i < n; ++i) {
          mu = abs(d(i)) * (mu / (mu + abs(e(i - 1))));
          sminoa = min(sminoa, mu);
          if (sminoa == Scalar(0)) break;
        }
      }
      sminoa = sminoa / std::sqrt(Scalar(n));
      thresh = max(tol * sminoa, maxitr * (Scalar(n) * (Scalar(n) * unfl)));
    } else {
      thresh = max(abs(tol) * smax, maxitr * (Scalar(n) * (Scalar(n) * unfl)));
    }
    const double maxit = double(max_iter_factor) * double(n) * double(n);
    double iter = 0;
    Index oldll = -1, oldm = -1, m = n - 1;  // 0-based: current block is d(ll..m)
    int idir = 0;
    Scalar sminl = 0;
    while (m > 0) {
      if (iter > maxit || (max_sweeps >= 0 && info.iterations >= max_sweeps)) {
        info.converged = false;
        break;
      }
      if (tol < 0 && abs(d(m)) <= thresh) d(m) = 0;
      smax = abs(d(m));
      Index ll = -1;
      bool split = false;
      for (Index lll = 1; lll <= m; ++lll) {
        ll = m - lll;
        const Scalar abss = abs(d(ll)), abse = abs(e(ll));
        if (tol < 0 && abss <= thresh) d(ll) = 0;
        if (abse <= thresh) {
          split = true;
          break;
        }
        smax = max(smax, max(abss, abse));
      }
      if (split) {
        e(ll) = 0;
        if (ll == m - 1) {  // d(m) is a singular value
          --m;
          continue;
        }
        ++ll;
      } else {
        ll = 0;
      }
      // d(ll..m) is unreduced
      if (ll == m - 1) {
        // 2×2 block: dlasv2
        Scalar sigmn, sigmx, sinr, cosr, sinl, cosl;
        lasv2(d(m - 1), e(m - 1), d(m), sigmn, sigmx, sinr, cosr, sinl, cosl);
        d(m - 1) = sigmx;
        e(m - 1) = 0;
        d(m) = sigmn;
        qv.push(m - 1, m, cosr, sinr);
        qu.push(m - 1, m, cosl, sinl);
        m -= 2;
        continue;
      }
      // a new block: chase the bulge from the larger end
      if (ll > oldm || m < oldll) idir = abs(d(ll)) >= abs(d(m)) ? 1 : 2;
      // convergence tests
      bool deflated = false;
      if (idir == 1) {
        if (abs(e(m - 1)) <= abs(tol) * abs(d(m)) || (tol < 0 && abs(e(m - 1)) <= thresh)) {
          e(m - 1) = 0;
          continue;
        }
        if (tol >= 0) {
          Scalar mu = abs(d(ll));
          sminl = mu;
          for (Index l = ll; l < m; ++l) {
            if (abs(e(l)) <= tol * mu) {
              e(l) = 0;
              deflated = true;
              break;
            }
            mu = abs(d(l + 1)) * (mu / (mu + abs(e(l))));
            sminl = min(sminl, mu);
          }
        }
      } else {
        if (abs(e(ll)) <= abs(tol) * abs(d(ll)) || (tol < 0 && abs(e(ll)) <= thresh)) {
          e(ll) = 0;
          continue;
        }
        if (tol >= 0) {
          Scalar mu = abs(d(m));
          sminl = mu;
          for (Index l = m - 1; l >= ll; --l) {
            if (abs(e(l)) <= tol * mu) {
              e(l) = 0;
              deflated = true;
              break;
            }
            mu = abs(d(l)) * (mu / (mu + abs(e(l))));
            sminl = min(sminl, mu);
          }
        }
      }
      if (deflated) continue;
      oldll = ll;
      oldm = m;
      // shift: zero when it would ruin relative accuracy (Demmel–Kahan), else the smaller singular
      // value of the trailing (leading) 2×2
      Scalar shift = 0, r = 0;
      if (tol >= 0 && Scalar(n) * tol * (sminl / smax) <= max(eps, hndrth * tol)) {
        shift = 0;
      } else {
        Scalar sll;
        if (idir == 1) {
          sll = abs(d(ll));
          las2(d(m - 1), e(m - 1), d(m), shift, r);
        } else {
          sll = abs(d(m));
          las2(d(ll), e(ll), d(ll + 1), shift, r);
        }
        if (sll > Scalar(0) && (shift / sll) * (shift / sll) < eps) shift = 0;
      }
      iter += double(m - ll);
      ++info.iterations;
      Scalar cs, sn, oldcs, oldsn, h;
      if (shift == Scalar(0)) {
        if (idir == 1) {
          // zero-shift QR, top to bottom
          cs = 1;
          oldcs = 1;
          oldsn = 0;
          for (Index i = ll; i < m; ++i) {
            lartg(d(i) * cs, e(i), cs, sn, r);
            if (i > ll) e(i - 1) = oldsn * r;
            lartg(oldcs * r, d(i + 1) * sn, oldcs, oldsn, d(i));
            qv.push(i, i + 1, cs, sn);
            qu.push(i, i + 1, oldcs, oldsn);
          }
          h = d(m) * cs;
          d(m) = h * oldcs;
          e(m - 1) = h * oldsn;
          if (abs(e(m - 1)) <= thresh) e(m - 1) = 0;
        } else {
          // zero-shift QR, bottom to top
          cs = 1;
          oldcs = 1;
          oldsn = 0;
          for (Index i = m; i > ll; --i) {
            lartg(d(i) * cs, e(i - 1), cs, sn, r);
            if (i < m) e(i) = oldsn * r;
            lartg(oldcs * r, d(i - 1) * sn, oldcs, oldsn, d(i));
            qu.push(i - 1, i, cs, -sn);
            qv.push(i - 1, i, oldcs, -oldsn);
          }
          h = d(ll) * cs;
          d(ll) = h * oldcs;
          e(ll) = h * oldsn;
          if (abs(e(ll)) <= thresh) e(ll) = 0;
        }
      } else {
        if (idir == 1) {
          // shifted QR, top to bottom
          Scalar f = (abs(d(ll)) - shift) * (sign_of(Scalar(1), d(ll)) + shift / d(ll));
          Scalar g = e(ll);
          for (Index i = ll; i < m; ++i) {
            Scalar cosr, sinr, cosl, sinl;
            lartg(f, g, cosr, sinr, r);
            if (i > ll) e(i - 1) = r;
            f = cosr * d(i) + sinr * e(i);
            e(i) = cosr * e(i) - sinr * d(i);
            g = sinr * d(i + 1);
            d(i + 1) = cosr * d(i + 1);
            lartg(f, g, cosl, sinl, r);
            d(i) = r;
            f = cosl * e(i) + sinl * d(i + 1);
            d(i + 1) = cosl * d(i + 1) - sinl * e(i);
            if (i < m - 1) {
              g = sinl * e(i + 1);
              e(i + 1) = cosl * e(i + 1);
            }
            qv.push(i, i + 1, cosr, sinr);
            qu.push(i, i + 1, cosl, sinl);
          }
          e(m - 1) = f;
          if (abs(e(m - 1)) <= thresh) e(m - 1) = 0;
        } else {
          // shifted QR, bottom to top
          Scalar f = (abs(d(m)) - shift) * (sign_of(Scalar(1), d(m)) + shift / d(m));
          Scalar g = e(m - 1);
          for (Index i = m; i > ll; --i) {
            Scalar cosr, sinr, cosl, sinl;
            lartg(f, g, cosr, sinr, r);
            if (i < m) e(i) = r;
            f = cosr * d(i) + sinr * e(i - 1);
            e(i - 1) = cosr * e(i - 1) - sinr * d(i);
            g = sinr * d(i - 1);
            d(i - 1) = cosr * d(i - 1);
            lartg(f, g, cosl, sinl, r);
            d(i) = r;
            f = cosl * e(i - 1) + sinl * d(i - 1);
            d(i - 1) = cosl * d(i - 1) - sinl * e(i - 1);
            if (i > ll + 1) {
              g = sinl * e(i - 2);
              e(i - 2) = cosl * e(i - 2);
            }
            qu.push(i - 1, i, cosr, -sinr);
            qv.push(i - 1, i, cosl, -sinl);
          }
          e(ll) = f;
          if (abs(e(ll)) <= thresh) e(ll) = 0;
        }
      }
    }
  }
  qu.flush();
  qv.flush();
  // make the singular values non-negative (flipping V's column) and sort them descending
  for (Index i = 0; i < n; ++i)
    if (d(i) < Scalar(0)) {
      d(i) = -d(i);
      if (V != nullptr && V->rows() > 0) V->col(i) = -V->col(i);
    }
  for (Index i = 0; i + 1 < n; ++i) {  // selection sort: at most n−1 column swaps
    Index best = i;
    for (Index j = i + 1; j < n; ++j)
      if (d(j) > d(best)) best = j;
    if (best != i) {
      std::swap(d(i), d(best));
      if (U != nullptr && U->rows() > 0) U->col(i).swap(U->col(best));
      if (V != nullptr && V->rows() > 0) V->col(i).swap(V->col(best));
    }
  }
  return info;
}

}  // namespace lowrank::detail

namespace lowrank::detail {
// Compiled once into the library for float and double (config.hpp, LOWRANK_EXTERN_TEMPLATE).
LOWRANK_EXTERN_TEMPLATE(float, BidiagonalQrInfo bidiagonal_qr<float>(Vector<float>&, Vector<float>&, Matrix<float>*,
                                                                     Matrix<float>*, float, int, long))
LOWRANK_EXTERN_TEMPLATE(double,
                        BidiagonalQrInfo bidiagonal_qr<double>(Vector<double>&, Vector<double>&, Matrix<double>*,
                                                               Matrix<double>*, double, int, long))
}  // namespace lowrank::detail
