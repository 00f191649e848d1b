#pragma once
/// \file rec/impl/als_solve.hpp  The implicit-ALS solver behind ImplicitALS::fit (not stable API): the
/// compact row orientations, the Gram matrix YᵀY, the per-row conjugate-gradient solve (Takács, Pilászy &
/// Tikk 2011; implicit's `_als.pyx`) and its exact Cholesky counterpart, and the half-epoch loop.
/// Templates only, so that tests can drive the half-epoch directly.
#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <vector>

#include "lowrank/config.hpp"
#include "lowrank/detail/finite.hpp"
#include "lowrank/detail/huge_pages.hpp"
#include "lowrank/kernels.hpp"
#include "lowrank/rec/data.hpp"
#include "lowrank/rec/impl/models_detail.hpp"
#include "lowrank/rec/models/implicit_als.hpp"

#if LOWRANK_HAS_OPENMP
#include <omp.h>
#endif

namespace lowrank::rec {
namespace detail {

/// One side's rows in compact form: neighbour indices and the values r that give the confidences
/// c = 1 + α·r. Both are borrowed from the (compressed) matrix, which must outlive the result, and the
/// confidences are made per row when it is solved: at 50 M interactions the copies of both orientations'
/// indices were 400 MB, and their confidence arrays another 400 MB (bench/scale).
template <class S>
struct AlsRows {
  AlsRows() = default;
  AlsRows(const AlsRows&) = delete;  // idx and values may point into the copies: a copy would dangle
  AlsRows& operator=(const AlsRows&) = delete;
  AlsRows(AlsRows&&) = default;  // a moved vector keeps its buffer, so the pointers stay valid
  AlsRows& operator=(AlsRows&&) = default;
  std::vector<std::int64_t> ptr;
  const std::int32_t* idx = nullptr;   // the matrix's own column indices when it is compressed (no copy)
  const float* values = nullptr;       // the matrix's own values, aligned with idx
  std::vector<std::int32_t> idx_copy;  // used only for an uncompressed matrix
  std::vector<float> values_copy;      // likewise
  double alpha = 0;
  Index rows() const { return Index(ptr.size()) - 1; }
  /// The confidence c = 1 + α·r of stored entry p; +∞ where it exceeds S's range (converting such a
  /// double to float is undefined behaviour; the epoch's finiteness check then reports the overflow).
  S confidence(std::int64_t p) const {
    const double c = 1.0 + alpha * double(values[p]);
    return c <= double(std::numeric_limits<S>::max()) ? S(c) : std::numeric_limits<S>::infinity();
  }
  /// Writes the confidences of row u into `out` (resized to the row's length).
  void confidences(Index u, std::vector<S>& out) const {
    const std::int64_t b = ptr[std::size_t(u)], len = ptr[std::size_t(u) + 1] - b;
    out.resize(std::size_t(len));
    for (std::int64_t p = 0; p < len; ++p) out[std::size_t(p)] = confidence(b + p);
  }
};

/// Row pointers, indices and values of one orientation, borrowed from a compressed matrix (copied only
/// from an uncompressed one).
template <class S>
AlsRows<S> als_rows(const int* outer, const int* inner, const float* values, const int* nnz_per_outer, Index n,
                    double alpha) {
  AlsRows<S> r;
  r.alpha = alpha;
  r.ptr.resize(std::size_t(n) + 1, 0);
  for (Index u = 0; u < n; ++u)
    r.ptr[std::size_t(u) + 1] = r.ptr[std::size_t(u)] + (nnz_per_outer ? nnz_per_outer[u] : outer[u + 1] - outer[u]);
  if (!nnz_per_outer && outer[0] == 0) {
    r.idx = inner;
    r.values = values;
  } else {
    r.idx_copy.resize(std::size_t(r.ptr.back()));
    r.values_copy.resize(std::size_t(r.ptr.back()));
    for (Index u = 0; u < n; ++u) {
      const std::int64_t len = r.ptr[std::size_t(u) + 1] - r.ptr[std::size_t(u)];
      std::copy(inner + outer[u], inner + outer[u] + len, r.idx_copy.begin() + r.ptr[std::size_t(u)]);
      std::copy(values + outer[u], values + outer[u] + len, r.values_copy.begin() + r.ptr[std::size_t(u)]);
    }
    r.idx = r.idx_copy.data();
    r.values = r.values_copy.data();
  }
  return r;
}

template <class S>
using RowMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// YᵀY in double, summed per fixed 2048-row block in S and then in double: row l of a block's Gram is
/// Σ_r Y(r, l)·y_r, one dispatched axpy_rows call over the block's rows (entries summed in row order).
/// No Eigen GEMM here: with OpenMP, Eigen's GEMM blocking depends on the thread count, which would
/// break "same seed, same factors for any thread count".
/// The rows l of a block's Gram are independent: threads share them out, each row summed as in a serial
/// run, so the result is the same for any thread count (a serial Gram of the 1 M × 64 user table took
/// 0.2 s of a 5 s epoch on two threads, bench/scale).
template <class S>
Eigen::MatrixXd als_gram(const RowMat<S>& Y) {
  const Index k = Y.cols();
  const std::size_t kk = std::size_t(k);
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(k, k);
  RowMat<S> g(k, k);
#if LOWRANK_HAS_OPENMP
#pragma omp parallel if (Y.rows() > 2048)
#endif
  {
    std::vector<S> column(2048);
    for (Index b = 0; b < Y.rows(); b += 2048) {
      const Index len = std::min<Index>(2048, Y.rows() - b);
#if LOWRANK_HAS_OPENMP
#pragma omp for schedule(static)
#endif
      for (Index l = 0; l < k; ++l) {
        for (Index r = 0; r < len; ++r) column[std::size_t(r)] = Y(b + r, l);
        g.row(l).setZero();
        kernels::axpy_rows(Y.row(b).data(), kk, column.data(), std::size_t(len), g.row(l).data(), kk);
      }
#if LOWRANK_HAS_OPENMP
#pragma omp single
#endif
      G += g.template cast<double>();
    }
  }
  return G;
}

/// λ of a row with `n_row` interactions (Rendle et al. 2022 frequency scaling when ν ≠ 0).
inline double row_lambda(const ImplicitALSOptions& o, double n_row, double n_other) {
  if (o.regularization_exponent == 0) return o.regularization;
  return o.regularization * std::pow(n_row + o.unobserved_weight * n_other, o.regularization_exponent);
}

/// out = (G0 + λI)·v for the symmetric k×k G0, by its rows: one dispatched call (k dispatched axpys were a
/// fifth of the epoch, callgrind at k = 64; Eigen's GEMV here is baseline SSE2 code).
template <class S>
void als_regularized_gram_apply(const S* G0, Index k, S lambda, const S* v, S* out) {
  for (Index l = 0; l < k; ++l) out[l] = lambda * v[l];
  kernels::axpy_rows(G0, std::size_t(k), v, std::size_t(k), out, std::size_t(k));
}

/// One conjugate-gradient step after Ap = A·p: x += a·p, r −= a·Ap, p = r + (rsnew/rsold)·p with
/// a = rsold/pᵀAp, rsold updated. Returns false (leaving p alone) when the solve stops: breakdown
/// (pᵀAp ≤ 0 or NaN) or a residual below 1e-20. als_cg_row and als_cg_rows_jointly share it, so the
/// joint solve is the per-row one bit for bit.
template <class S>
bool als_cg_step(Index k, const S* Ap, S* x, S* r, S* p, S& rsold) {
  const std::size_t kk = std::size_t(k);
  const S pAp = kernels::dot(p, Ap, kk);
  if (!(pAp > S(0))) return false;  // NaN-safe: stops on breakdown
  const S a = rsold / pAp;
  kernels::axpy(a, p, x, kk);
  kernels::axpy(-a, Ap, r, kk);
  const S rsnew = kernels::dot(r, r, kk);
  if (!(rsnew > S(1e-20))) return false;
  Eigen::Map<Eigen::Matrix<S, Eigen::Dynamic, 1>> rv(r, k), pv(p, k);
  pv = rv + (rsnew / rsold) * pv;
  rsold = rsnew;
  return true;
}

/// Conjugate-gradient solve of one row, warm-started from x (Takács et al. 2011; implicit `_als.pyx`):
///   A = G0 + λI + Σ_j (c_j − α₀) y_j y_jᵀ,  b = Σ_j c_j y_j.
/// Y holds the neighbour rows (k entries each, row stride k) that idx points to.
template <class S>
void als_cg_row(const S* G0, const S* Y, Index k, const std::int32_t* idx, const S* conf, std::int64_t n, S lambda,
                S a0, int steps, S* x, S* r, S* p, S* Ap) {
  const std::size_t kk = std::size_t(k);
  // r = b − A x = −(G + λI)·x + Σ_j (c_j − (c_j − α₀)·y_jᵀx)·y_j: the sum in one fused SIMD call over the
  // user's rows
  als_regularized_gram_apply(G0, k, lambda, x, r);
  for (Index l = 0; l < k; ++l) r[l] = -r[l];
  kernels::confidence_gram_apply(Y, kk, idx, conf, std::size_t(n), a0, S(1), S(-1), x, r, kk);
  std::copy_n(r, kk, p);
  S rsold = kernels::dot(r, r, kk);
  if (!(rsold > S(1e-20))) return;
  for (int it = 0; it < steps; ++it) {
    als_regularized_gram_apply(G0, k, lambda, p, Ap);
    kernels::confidence_gram_apply(Y, kk, idx, conf, std::size_t(n), a0, S(0), S(1), p, Ap, kk);
    if (!als_cg_step(k, Ap, x, r, p, rsold)) break;
  }
}

/// Exact solve of one row by Cholesky (double): returns x, and A when asked (for explanations).
template <class S>
Eigen::VectorXd als_exact_row(const Eigen::MatrixXd& G0, const RowMat<S>& Y, const std::int32_t* idx, const S* conf,
                              std::int64_t n, double lambda, double a0, Eigen::MatrixXd* A_out = nullptr) {
  const Index k = Y.cols();
  Eigen::MatrixXd Yu(n, k);
  Eigen::VectorXd w(n), c(n);
  for (std::int64_t j = 0; j < n; ++j) {
    Yu.row(j) = Y.row(idx[j]).template cast<double>();
    c[j] = double(conf[j]);
    w[j] = c[j] - a0;
  }
  Eigen::MatrixXd A = G0;
  A.diagonal().array() += lambda;
  A.noalias() += Yu.transpose() * (w.asDiagonal() * Yu);
  Eigen::VectorXd b = Yu.transpose() * c;
  Eigen::LLT<Eigen::MatrixXd> llt(A);
  Eigen::VectorXd x = llt.solve(b);
  if (A_out) *A_out = std::move(A);
  return x;
}

/// The most bytes of neighbour rows that a thread copies into its gather buffer (larger rows are solved
/// in place): 16 MB, 65 536 rows of 64 floats.
constexpr std::size_t kAlsGatherLimitBytes = std::size_t(16) << 20;
/// Tables up to this size are read in place: they stay in the cache between rows, and the copy made the
/// 1 M-interaction epoch (tables of 1 and 5 MB) 5–10 % slower, while the 5 M one (5 and 25 MB) gained
/// about 10 % (probe `alsh.cpp`, interleaved rounds).
constexpr std::size_t kAlsGatherTableBytes = std::size_t(4) << 20;

/// The gather limit that als_fit uses for a half-epoch reading the factor table Y.
template <class S>
std::size_t als_gather_limit(const RowMat<S>& Y) {
  return std::size_t(Y.size()) * sizeof(S) > kAlsGatherTableBytes ? kAlsGatherLimitBytes : 0;
}
/// How many neighbour rows ahead the gather copy prefetches (and how many of the next row's it prefetches
/// before the current row is solved). 16 rows of 64 floats are 64 cache lines in flight.
constexpr std::int64_t kAlsGatherAhead = 16;

/// Copies the rows Y[idx[j]] (j < n) in order into `out`, prefetching kAlsGatherAhead rows ahead.
template <class S>
void als_gather_rows(const RowMat<S>& Y, const std::int32_t* idx, std::int64_t n, std::vector<S>& out) {
  const std::size_t k = std::size_t(Y.cols()), row_bytes = k * sizeof(S);
  out.resize(std::size_t(n) * k);
  for (std::int64_t j = 0; j < n; ++j) {
    if (j + kAlsGatherAhead < n) prefetch_bytes(Y.row(idx[j + kAlsGatherAhead]).data(), row_bytes);
    std::copy_n(Y.row(idx[j]).data(), k, out.data() + std::size_t(j) * k);
  }
}

/// Rows with at least this share of the other table's rows as neighbours are solved jointly (see
/// als_cg_rows_jointly) when the table is beyond the cache: 1/32.
constexpr std::int64_t kAlsJointShareDivisor = 32;
/// The bytes of factor rows that one step of a joint solve reads before it moves on: 256 KB, a quarter of
/// a Zen 4/5 or Skylake-SP L2, leaving room for the rows' r, p and Ap.
constexpr std::size_t kAlsJointChunkBytes = std::size_t(256) << 10;

/// The shortest row that als_fit solves jointly in a half-epoch reading the factor table Y: 0 (none) when
/// Y fits the cache.
template <class S>
std::int64_t als_joint_min_length(const RowMat<S>& Y) {
  if (std::size_t(Y.size()) * sizeof(S) <= kAlsGatherTableBytes) return 0;
  return std::max<std::int64_t>(1, std::int64_t(Y.rows()) / kAlsJointShareDivisor);
}

/// The CG solves of als_cg_row for the rows `list[0..m)` of X, run side by side: each product A·p of a CG
/// step is one pass over Y in chunks of kAlsJointChunkBytes, in which every row adds the terms of its
/// neighbours inside the chunk (its indices are sorted, so a cursor per row finds them). A row that
/// touches a large share of Y (a heavy user with 60 000 of 200 000 items, an item with 100 000 users)
/// otherwise reads its neighbours from memory on each of its cg_steps + 1 visits, and the joint passes read
/// each chunk of Y once for all the rows. Each row's terms are summed in the same order as in als_cg_row
/// (confidence_gram_apply adds its rows to `out` one after another), so the result is the same bit for
/// bit; rows with unsorted indices are still solved exactly, in a different order of their terms.
template <class S>
void als_cg_rows_jointly(const ImplicitALSOptions& o, const AlsRows<S>& rows, const RowMat<S>& G0, const RowMat<S>& Y,
                         const Index* list, std::size_t m, RowMat<S>& X) {
  if (m == 0) return;
  const Index k = Y.cols();
  const std::size_t kk = std::size_t(k);
  const S a0 = S(o.unobserved_weight);
  const Index chunk = std::max<Index>(1, Index(kAlsJointChunkBytes / (kk * sizeof(S))));
  std::vector<S> r(m * kk), p(m * kk), Ap(m * kk), rsold(m), lambda(m), conf;
  std::vector<char> active(m, 1);
  std::vector<std::int64_t> cursor(m);
  const auto row_of = [&](std::vector<S>& v, std::size_t i) { return v.data() + i * kk; };
  // out_i += Σ_j (a·c_j + b·(c_j − α₀)·(y_j·src_i))·y_j over the active rows i, one chunk of Y at a time
  const auto pass = [&](S a, S b, const std::function<const S*(std::size_t)>& src, std::vector<S>& out) {
    for (std::size_t i = 0; i < m; ++i) cursor[i] = rows.ptr[std::size_t(list[i])];
    for (Index c0 = 0; c0 < Y.rows(); c0 += chunk) {
      const Index c1 = std::min<Index>(Y.rows(), c0 + chunk);
      for (std::size_t i = 0; i < m; ++i) {
        if (!active[i]) continue;
        const std::int64_t begin = cursor[i], end = rows.ptr[std::size_t(list[i]) + 1];
        std::int64_t e = begin;
        while (e < end && rows.idx[e] < c1) ++e;  // the last chunk takes all that is left
        if (e == begin) continue;
        conf.resize(std::size_t(e - begin));
        for (std::int64_t q = begin; q < e; ++q) conf[std::size_t(q - begin)] = rows.confidence(q);
        kernels::confidence_gram_apply(Y.data(), kk, rows.idx + begin, conf.data(), std::size_t(e - begin), a0, a, b,
                                       src(i), row_of(out, i), kk);
        cursor[i] = e;
      }
    }
  };
  const double n_other = double(Y.rows());
  for (std::size_t i = 0; i < m; ++i) {
    const std::int64_t len = rows.ptr[std::size_t(list[i]) + 1] - rows.ptr[std::size_t(list[i])];
    lambda[i] = S(row_lambda(o, double(len), n_other));
    S* ri = row_of(r, i);
    als_regularized_gram_apply(G0.data(), k, lambda[i], X.row(list[i]).data(), ri);
    for (Index l = 0; l < k; ++l) ri[l] = -ri[l];
  }
  pass(
      S(1), S(-1), [&](std::size_t i) { return X.row(list[i]).data(); }, r);
  for (std::size_t i = 0; i < m; ++i) {
    std::copy_n(row_of(r, i), kk, row_of(p, i));
    rsold[i] = kernels::dot(row_of(r, i), row_of(r, i), kk);
    active[i] = rsold[i] > S(1e-20);
  }
  for (int it = 0; it < o.cg_steps; ++it) {
    if (std::find(active.begin(), active.end(), char(1)) == active.end()) break;
    for (std::size_t i = 0; i < m; ++i)
      if (active[i]) als_regularized_gram_apply(G0.data(), k, lambda[i], row_of(p, i), row_of(Ap, i));
    pass(
        S(0), S(1), [&](std::size_t i) { return row_of(p, i); }, Ap);
    for (std::size_t i = 0; i < m; ++i)
      if (active[i])
        active[i] = als_cg_step(k, row_of(Ap, i), X.row(list[i]).data(), row_of(r, i), row_of(p, i), rsold[i]);
  }
}

/// One half-epoch: every row of X from Y (rows in parallel; each row reads only its own data).
/// Returns Σ over rows of the row's loss terms when `loss` is set (α₀·xᵀYᵀYx + Σ_obs(c(1−s)² − α₀s²) + λ‖x‖²).
/// The CG solve visits a row's neighbours cg_steps + 1 times, so their factor rows are first copied once,
/// in order and with prefetching, into a per-thread buffer that the visits read contiguously. At 50 M
/// interactions the factor tables (51 and 256 MB) are far beyond the cache: every first visit missed it
/// one row at a time, and the heavy rows missed again on each visit (rows of more than 4 000 neighbours
/// hold 39 % of the interactions on the user side, 23 % on the item side). Rows whose copy would exceed
/// `gather_limit_bytes` are solved in place, and so is every row when it is 0 (als_gather_limit: a table
/// that fits the cache). The kernel sees the same values in the same order either way: the result is the
/// same bit for bit.
/// `finite` (when given) is set to whether every row of X came out finite: each row is checked while it is
/// in the cache, instead of a pass over the whole table afterwards (the scalar allFinite() over the 1 M × 64
/// and 200 k × 64 tables took 0.42–0.76 s of a 4.2–5.5 s fit at 50 M interactions, bench/scale).
template <class S>
double als_half_epoch(const ImplicitALSOptions& o, const AlsRows<S>& rows, const RowMat<S>& Y, RowMat<S>& X,
                      const Eigen::MatrixXd& YtY, bool loss, std::size_t gather_limit_bytes, bool* finite = nullptr,
                      std::int64_t joint_min_length = 0) {
  const Index k = Y.cols();
  const double a0 = o.unobserved_weight;
  const Eigen::MatrixXd G0d = a0 * YtY;
  const RowMat<S> G0 = G0d.template cast<S>();
  const Index n = rows.rows();
  const double n_other = double(Y.rows());
  std::vector<double> row_loss(loss ? std::size_t(n) : 0, 0.0);
  const std::size_t row_bytes = std::size_t(k) * sizeof(S);
  const auto joint = [&](std::int64_t len) {
    return !o.use_cholesky && joint_min_length > 0 && len >= joint_min_length;
  };
  const auto gathers = [&](std::int64_t len) {
    return !o.use_cholesky && !joint(len) && gather_limit_bytes != 0 &&
           std::size_t(len) * row_bytes <= gather_limit_bytes;
  };
  // the rows solved jointly, in one group per thread of about equal total length (a row's result does not
  // depend on its group)
  std::vector<std::vector<Index>> groups;
  {
    std::vector<Index> long_rows;
    for (Index u = 0; u < n; ++u)
      if (joint(rows.ptr[std::size_t(u) + 1] - rows.ptr[std::size_t(u)])) long_rows.push_back(u);
    int threads = 1;
#if LOWRANK_HAS_OPENMP
    threads = omp_get_max_threads();
#endif
    groups.resize(std::min(std::size_t(threads), long_rows.size()));
    std::vector<std::int64_t> group_length(groups.size(), 0);
    for (Index u : long_rows) {  // each row to the lightest group so far
      const std::size_t g =
          std::size_t(std::min_element(group_length.begin(), group_length.end()) - group_length.begin());
      groups[g].push_back(u);
      group_length[g] += rows.ptr[std::size_t(u) + 1] - rows.ptr[std::size_t(u)];
    }
  }
  // 0, 1, 2, …: the neighbour indices of a gathered row in its buffer, as long as the longest such row
  std::vector<std::int32_t> in_order;
  for (Index u = 0; u < n; ++u) {
    const std::int64_t len = rows.ptr[std::size_t(u) + 1] - rows.ptr[std::size_t(u)];
    if (gathers(len) && std::size_t(len) > in_order.size()) in_order.resize(std::size_t(len));
  }
  std::iota(in_order.begin(), in_order.end(), std::int32_t(0));
  bool all_finite = true, joint_finite = true;  // one variable per reduction: the first loop has nowait
#if LOWRANK_HAS_OPENMP
#pragma omp parallel
#endif
  {
    std::vector<S> buf(3 * std::size_t(k)), conf, gathered;
    // the finiteness check and the loss terms of a solved row
    const auto finish_row = [&](Index u) {
      const std::int64_t b = rows.ptr[std::size_t(u)], len = rows.ptr[std::size_t(u) + 1] - b;
      const S* x = X.row(u).data();
      const Eigen::Map<const Eigen::Array<S, Eigen::Dynamic, 1>> xa(x, k);
      const bool row_finite = lowrank::detail::sums_finite(xa);
      if (loss) {
        rows.confidences(u, conf);
        const double lam = row_lambda(o, double(len), n_other);
        Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, 1>> xv(x, k);
        const Eigen::VectorXd xd = xv.template cast<double>();
        double l = a0 * xd.dot(YtY * xd) + lam * xd.squaredNorm();
        for (std::int64_t j = 0; j < len; ++j) {
          const double s = double(kernels::dot(Y.row(rows.idx[std::size_t(b + j)]).data(), x, std::size_t(k)));
          const double c = double(conf[std::size_t(j)]);
          l += c * (1 - s) * (1 - s) - a0 * s * s;
        }
        row_loss[std::size_t(u)] = l;
      }
      return row_finite;
    };
    // the long rows first, a group per thread; the others then share out the rest
#if LOWRANK_HAS_OPENMP
#pragma omp for schedule(static, 1) reduction(&& : joint_finite) nowait
#endif
    for (std::size_t g = 0; g < groups.size(); ++g) {
      als_cg_rows_jointly<S>(o, rows, G0, Y, groups[g].data(), groups[g].size(), X);
      for (Index u : groups[g]) joint_finite = finish_row(u) && joint_finite;
    }
#if LOWRANK_HAS_OPENMP
#pragma omp for schedule(dynamic, 32) reduction(&& : all_finite)
#endif
    for (Index u = 0; u < n; ++u) {
      const std::int64_t b = rows.ptr[std::size_t(u)], len = rows.ptr[std::size_t(u) + 1] - b;
      if (joint(len)) continue;
      const double lam = row_lambda(o, double(len), n_other);
      S* x = X.row(u).data();
      rows.confidences(u, conf);
      if (o.use_cholesky) {
        Eigen::VectorXd xd = als_exact_row<S>(G0d, Y, rows.idx + b, conf.data(), len, lam, a0);
        for (Index l = 0; l < k; ++l) x[l] = S(xd[l]);
      } else if (gathers(len)) {
        als_gather_rows<S>(Y, rows.idx + b, len, gathered);
        if (u + 1 < n) {  // the next row's first neighbours load while this one is solved
          const std::int64_t next = rows.ptr[std::size_t(u) + 1];
          const std::int64_t next_end = std::min(rows.ptr[std::size_t(u) + 2], next + kAlsGatherAhead);
          for (std::int64_t q = next; q < next_end; ++q) prefetch_bytes(Y.row(rows.idx[q]).data(), row_bytes);
        }
        als_cg_row<S>(G0.data(), gathered.data(), k, in_order.data(), conf.data(), len, S(lam), S(a0), o.cg_steps, x,
                      buf.data(), buf.data() + k, buf.data() + 2 * k);
      } else {
        als_cg_row<S>(G0.data(), Y.data(), k, rows.idx + b, conf.data(), len, S(lam), S(a0), o.cg_steps, x, buf.data(),
                      buf.data() + k, buf.data() + 2 * k);
      }
      all_finite = finish_row(u) && all_finite;
    }
  }
  if (finite) *finite = all_finite && joint_finite;
  double total = 0;
  for (double v : row_loss) total += v;  // fixed order: same sum for any thread count
  return total;
}

template <class S>
void als_fit(const ImplicitALSOptions& o, const Interactions& data, RowMat<S>& X, RowMat<S>& Y,
             std::vector<double>& loss_history, const std::function<void(int)>& progress) {
  const Index nu = data.num_users(), ni = data.num_items(), k = o.factors;
  // step 1 — both orientations in compact form with confidences
  const auto& csr = data.matrix();
  const auto& csc = data.csc();
  const AlsRows<S> by_user =
      als_rows<S>(csr.outerIndexPtr(), csr.innerIndexPtr(), csr.valuePtr(), csr.innerNonZeroPtr(), nu, o.alpha);
  const AlsRows<S> by_item =
      als_rows<S>(csc.outerIndexPtr(), csc.innerIndexPtr(), csc.valuePtr(), csc.innerNonZeroPtr(), ni, o.alpha);
  // step 2 — seeded initial factors, uniform in [0, 0.01) as in implicit: X then Y, row by row, take
  // consecutive draws of one SplitMix64 sequence. Rows are filled in parallel, each thread jumping the
  // sequence ahead to its row, so the values are those of a serial fill for any thread count.
  // fresh tables in huge pages: at 50 M interactions (1 M × 64 and 200 k × 64 floats) the first touch of
  // 4 KiB pages made the fill below take 0.48–0.63 s instead of the draws' time (bench/scale, this VM)
  X.resize(nu, k);
  Y.resize(ni, k);
  lowrank::detail::advise_huge_pages(X.data(), std::size_t(X.size()) * sizeof(S));
  lowrank::detail::advise_huge_pages(Y.data(), std::size_t(Y.size()) * sizeof(S));
  const auto fill_uniform = [&](RowMat<S>& M, std::uint64_t first_draw) {
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(static) if (M.size() > 65536)
#endif
    for (Index r = 0; r < M.rows(); ++r) {
      SplitMix64 rng(o.seed ^ 0x5a17a15ull);
      rng.skip(first_draw + std::uint64_t(r) * std::uint64_t(k));
      for (Index l = 0; l < k; ++l) M(r, l) = S(rng.uniform() * 0.01);
    }
  };
  fill_uniform(X, 0);
  fill_uniform(Y, std::uint64_t(X.size()));
  double norm = 1;  // the loss's normalization: Σ confidences over all user-item pairs (only for the loss)
  if (o.compute_loss) {
    double conf_total = 0;
    for (std::int64_t p = 0; p < by_user.ptr.back(); ++p) conf_total += double(by_user.confidence(p));
    norm = conf_total + o.unobserved_weight * (double(nu) * double(ni) - double(data.nnz()));
  }
  // step 3 — alternate: users from items, items from users; YᵀY computed once per half-epoch
  Eigen::MatrixXd YtY = als_gram<S>(Y);
  for (int epoch = 0; epoch < o.iterations; ++epoch) {
    bool x_finite = true, y_finite = true;
    als_half_epoch<S>(o, by_user, Y, X, YtY, false, als_gather_limit<S>(Y), &x_finite, als_joint_min_length<S>(Y));
    const Eigen::MatrixXd XtX = als_gram<S>(X);
    const double lx = als_half_epoch<S>(o, by_item, X, Y, XtX, o.compute_loss, als_gather_limit<S>(X), &y_finite,
                                        als_joint_min_length<S>(X));
    YtY = als_gram<S>(Y);
    if (o.compute_loss) {
      // loss of the user side with the new Y (items' data terms were summed by the item half-epoch,
      // which used the same X): add λ‖x_u‖² for users; the item half included λ_i‖y_i‖².
      double lu = 0;
      for (Index u = 0; u < nu; ++u) {
        const double len = double(by_user.ptr[std::size_t(u) + 1] - by_user.ptr[std::size_t(u)]);
        lu += row_lambda(o, len, double(ni)) * double(X.row(u).squaredNorm());
      }
      loss_history.push_back((lx + lu) / std::max(norm, 1.0));
    }
    // step 4 — NaN/Inf check per epoch (implicit's _check_fit_errors), then progress (may cancel)
    LOWRANK_CHECK(x_finite && y_finite, numerical, "ImplicitALS::fit: non-finite factors after epoch ", epoch + 1,
                  " (lower alpha or raise regularization)");
    progress(epoch);
  }
}

}  // namespace detail

}  // namespace lowrank::rec
