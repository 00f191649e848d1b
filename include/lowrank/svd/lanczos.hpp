#pragma once
/// \file svd/lanczos.hpp  Thick-restarted Golub–Kahan–Lanczos truncated SVD.
///
/// Golub & Kahan (1965) bidiagonalization A Vₖ = Uₖ Bₖ, Aᵀ Uₖ = Vₖ Bₖᵀ + βₖ f eₖᵀ, run on A itself (never
/// AᵀA, so κ is not squared), restarted with Ritz vectors as in Baglama & Reichel, "Augmented implicitly
/// restarted Lanczos bidiagonalization methods", SIAM J. Sci. Comput. 27 (2005) (R's irlba); PROPACK
/// (Larsen 1998) is the other reference. Full reorthogonalization of both bases by CGS2 (default) or of V
/// only (one-sided, Simon & Zha 2000); `block_size` > 1 runs the block variant (Golub, Luk & Overton 1981)
/// with block CGS2 + CholeskyQR2, so that sparse/dense products are SpMM/GEMM. The residual of Ritz triplet i is βₖ·|eₖᵀ pᵢ| =
/// ‖Aᵀuᵢ − σᵢvᵢ‖ with A vᵢ = σᵢ uᵢ exact, so convergence (residual ≤ tol·σ₁) costs nothing to test.
/// Cost per restart: (kd − keep) operator applications each way, O((m + n)·kd²) for reorthogonalization and
/// restarts, O(kd³) for the small SVD. Accuracy: σ to ≈ residual²/gap, vectors to ≈ residual/gap.
/// Not for: many (> ~min(m,n)/4) triplets (use a dense SVD) or clustered σ with tight vector tolerances.
/// Deterministic for a seed: start and breakdown vectors come from svd/detail/rng.hpp.
#include <Eigen/Core>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "lowrank/error.hpp"
#include "lowrank/svd/detail/eigen_instances.hpp"
#include "lowrank/operator.hpp"
#include "lowrank/svd/common.hpp"
#include "lowrank/svd/golub_kahan.hpp"
#include "lowrank/svd/detail/orthogonalize.hpp"
#include "lowrank/svd/detail/rng.hpp"
#include "lowrank/types.hpp"

namespace lowrank {

/// Which Lanczos bases are reorthogonalized against all their previous vectors.
enum class Reorthogonalization {
  full,  ///< both U and V (default; robust for tight tolerances)
  /// V only (Simon–Zha); U relies on the three-term recurrence, plus a projection on all of U where a
  /// step cancels (DGKS test) or falls below √ε·‖A‖. About half the cost; U orthonormal to about √ε.
  /// On clustered or rank-deficient spectra it can fail where `full` converges (a soak on small random
  /// matrices found 7 non-converged runs and one spurious σ in about 3,400): prefer `full` there.
  one_sided,
};

/// Options of lanczos_svd. tolerance 0 = 1e-10 (double) or √ε (float); max_iterations 0 = 1000 restarts.
struct LanczosOptions : SvdOptions {
  /// kd, the basis size between restarts; 0 = max(2·rank, rank + 20), clamped to min(m, n) (the float
  /// iteration of the mixed path grows it to max(2·rank, rank + 40) when its restarts stall, see
  /// detail::lanczos_mixed_stalled_krylov_dimension; info.subspace_dimension reports the size used)
  Index krylov_dimension = 0;
  Index keep = 0;              ///< Ritz vectors kept at a restart; 0 = rank + (kd − rank)/2 (rounded to whole blocks)
  /// b, columns per operator application (SpMM/GEMM); 0 = 1 (single-vector GKL), except in the float
  /// iteration of the mixed-precision path: 4 below rank 32, 8 from there on (detail::lanczos_mixed_block),
  /// and on a dense matrix: 4 (detail::lanczos_dense_block_size)
  Index block_size = 0;
  Reorthogonalization reorthogonalization = Reorthogonalization::full;  ///< which bases are reorthogonalized
  /// Double dense or sparse input with tolerance ≥ 1e-5 (detail::lanczos_mixed_min_tolerance) and a block size
  /// above 1 (given, or by default; see detail::lanczos_mixed_block): iterate in
  /// float on a float copy of A (half the bytes per product and per basis vector), reorthogonalizing V
  /// only (whatever `reorthogonalization` says: the float vectors are only a starting subspace), to tolerance/2, then
  /// one Rayleigh–Ritz step in double on the float Ritz vectors, whose double residuals decide
  /// convergence as in the all-double iteration. Where they miss the tolerance, the solve runs again
  /// all in double (the float products stay counted in info.matvecs). false: every product in double.
  bool mixed_precision = true;
};

namespace detail {

/// Smallest tolerance of the mixed-precision path: float Ritz vectors carry rounding of about ε_float
/// relative, so their double residuals bottom out near 1e-6·σ₁ (measured 1.2e-6–3e-6 on the 6040×3706
/// user-item matrix of bench/svd_truncated at ranks 10–100, whatever the float tolerance).
inline constexpr double lanczos_mixed_min_tolerance = 1e-5;

/// Default block sizes of the mixed path's float iteration: 8 from rank lanczos_mixed_block_min_rank on,
/// 4 below. bench_svd_truncated, tol 1e-5, medians of 3 (2026-12-04, Zen 5, float iteration one-sided),
/// block 1 (all double) / 4 / 8, ms:
///   rank 10  — 127 / 67.8 / 91.2 on the 6040×3706 matrix, 3.46 / 3.75 / 5.12 ML-100K,
///              9.18 / 10.9 / 16.3 ml-latest-small, 18.4 / 20.0 / 21.3 ML-1M-partial;
///   rank 50  — 354 / 143 / 121, 27.5 / 20.3 / 20.5, 67.2 / 48.1 / 52.5, 116 / 70.6 / 65.3;
///   rank 100 — 764 / 291 / 226, 82.4 / 38.4 / 39.8, 215 / 123 / 109, 344 / 179 / 148.
/// At rank 10 block 4 halves the long solve (many restarts: a flat spectrum) and costs 8–19 % on the
/// short ones (few restarts, where the float copy and the double step weigh most). The SpMM of a block
/// of one SIMD vector runs four rows in flight (src/kernels/sparse-inl.hpp). Ranks between 10 and 50
/// were not measured: 32 splits them.
inline constexpr Index lanczos_mixed_block_size = 8;
inline constexpr Index lanczos_mixed_small_block_size = 4;
inline constexpr Index lanczos_mixed_block_min_rank = 32;
/// Default block size on a dense matrix: a product reads all of A whatever the block's width, and a
/// block of 4 reads it far fewer times than single vectors do (5000×2000, rank 10, tol 1e-5: 22 passes
/// for 88 products in 83 ms, against 60 passes in 155 ms; block 2 106 ms, 8 158 ms, 16 255 ms; all in
/// double, before the float copy of dense input, with which the default block 4 takes 57–63 ms).
inline constexpr Index lanczos_dense_block_size = 4;

/// The float iteration's block size: the user's, else lanczos_mixed_block_size from
/// lanczos_mixed_block_min_rank on, else lanczos_mixed_small_block_size. A user's block 1 skips the mixed
/// path: a single-vector float iteration is no faster (the SpMV is bound by its loads, 0.39 ms per
/// product in float and double alike) and the last double step and the float copy come on top. Tol
/// 1e-5, block 1, mixed against all double (bench_svd_truncated, medians of 3): rank 10 131 / 132 ms on
/// the 6040×3706 matrix, 7.53 / 5.03 ML-100K, 10.9 / 9.70 ml-latest-small, 34.0 / 22.2 ML-1M-partial.
inline Index lanczos_mixed_block(const LanczosOptions& opt, Index rank) {
  if (opt.block_size > 0) return opt.block_size;
  return rank >= lanczos_mixed_block_min_rank ? lanczos_mixed_block_size : lanczos_mixed_small_block_size;
}

/// The basis size the mixed path's float iteration grows to when its restarts stall (kd_stalled of
/// lanczos_svd_impl): max(2·rank, rank + 40), a float basis no larger in bytes than the double default's
/// max(2·rank, rank + 20). On the flat spectrum of bench/svd_truncated's 6040×3706 matrix (rank 10, block
/// 4, tol 1e-5) the default basis of 32 vectors took 11 restarts and 348 products, one of 52 from the
/// start 4 and 316 (85–91 → 67 ms); but from the start it cost ML-100K 3.85 → 5.0 ms and ml-latest-small
/// 10.6 → 11.8 ms, which converge in about one cycle of the small basis. So the basis grows only when it
/// stalls: fewer than half the triplets converged after lanczos_stall_restarts restarts.
inline Index lanczos_mixed_stalled_krylov_dimension(Index rank) { return std::max(2 * rank, rank + 40); }
inline constexpr int lanczos_stall_restarts = 2;

/// kd_stalled > 0: when the default basis (opt.krylov_dimension = 0) has converged fewer than half of
/// the `rank` triplets after lanczos_stall_restarts restarts or more, it grows to kd_stalled vectors
/// (rounded to whole blocks).
template <class Scalar>
SvdResult<Scalar> lanczos_svd_impl(CheckedOperator<Scalar>& A, Index rank, const LanczosOptions& opt,
                                   Index kd_stalled = 0);

/// The float copy of a double operator (CheckedOperator::make_float_sketch) as an operator of its own,
/// for the float iteration of the mixed-precision path. Products are counted on the double operator.
class FloatSketchOperator {
 public:
  using Scalar = float;
  explicit FloatSketchOperator(CheckedOperator<double>& A) : m_a(&A) {}
  Index rows() const { return m_a->rows(); }
  Index cols() const { return m_a->cols(); }
  void apply(Eigen::Ref<const Matrix<float>> X, Eigen::Ref<Matrix<float>> Y) const { m_a->sketch_apply(X, Y); }
  void apply_transpose(Eigen::Ref<const Matrix<float>> X, Eigen::Ref<Matrix<float>> Y) const {
    m_a->sketch_apply_transpose(X, Y);
  }
  const char* name() const { return "(float copy)"; }

 private:
  CheckedOperator<double>* m_a;
};

/// Mixed-precision Lanczos (LanczosOptions::mixed_precision), in the spirit of the mixed-precision range
/// finder of Connolly, Higham & Pranesh (SIMAX 44, 2023): the thick-restarted iteration only has to find
/// the dominant subspace, which float products find as fast (same restarts on user-item matrices), and
/// one Rayleigh–Ritz step in double on that subspace gives σ to ≈ residual²/gap and residuals measured
/// in double. Needs the operator's float copy (made by the caller). Returns info.converged = false when
/// the float iteration or the double residuals miss the tolerance: the caller then solves in double.
inline SvdResult<double> lanczos_svd_mixed(CheckedOperator<double>& A, Index rank, const LanczosOptions& opt,
                                           double tol) {
  using Mat = Matrix<double>;
  const Index m = A.rows(), n = A.cols();
  SvdResult<double> res;
  res.info.method = "lanczos";
  res.info.converged = false;

  // step 1 — the float iteration, to half the tolerance (the double step adds its own rounding)
  Mat V;
  {
    LanczosOptions fopt = opt;
    fopt.tolerance = tol / 2;
    fopt.block_size = lanczos_mixed_block(opt, rank);
    // V only: the float vectors just seed step 2, whose double residuals decide (a float iteration
    // misled by U's lost orthogonality ends in a miss and the double solve). Full reorthogonalization of
    // U as well cost 11–17 % more on the 6040×3706 matrix (ranks 50 and 100, blocks 8 and 16).
    fopt.reorthogonalization = Reorthogonalization::one_sided;
    fopt.vectors = Vectors::thin;
    FloatSketchOperator float_copy(A);
    CheckedOperator<float> checked(float_copy, "lanczos_svd");
    SvdResult<float> f = lanczos_svd_impl(checked, rank, fopt, lanczos_mixed_stalled_krylov_dimension(rank));
    A.release_float_sketch();
    res.info.restarts = f.info.restarts;
    res.info.iterations = f.info.iterations;
    res.info.subspace_dimension = f.info.subspace_dimension;
    if (!f.info.converged) return res;
    V = f.V.cast<double>();
  }

  // step 2 — Rayleigh–Ritz on span(V): A·V = U₀·R exactly up to rounding, R = P·Σ·Qᵀ (small SVD), so
  // A·(V·Q) = (U₀·P)·Σ and the residual of triplet i is ‖Aᵀuᵢ − σᵢvᵢ‖, the iteration's own test.
  std::uint64_t stream = std::uint64_t(1) << 32;  // breakdown vectors: apart from the iteration's streams
  Mat C, R, U0(m, rank);
  block_orthogonalize(V.leftCols(0), V, C, R, 0.0, opt.seed, stream);
  A.apply(V, U0);
  A.scale_products_like(U0);  // entries near under- or overflow: c·A, σ / c at the end
  const double thresh = U0.norm() * std::numeric_limits<double>::epsilon() * std::sqrt(double(m));
  C.resize(0, 0);
  block_orthogonalize(U0.leftCols(0), U0, C, R, thresh, opt.seed, stream);  // columns of A·V at zero: random
  GolubKahanOptions thin;
  thin.vectors = Vectors::thin;
  SvdResult<double> small = golub_kahan_svd(R, thin);
  res.S = small.S;
  res.U.resize(m, rank);
  gemm_dispatched<double>(false, false, 1.0, U0, small.U, 0.0, res.U);
  U0.resize(0, 0);
  res.V.resize(n, rank);
  gemm_dispatched<double>(false, false, 1.0, V, small.V, 0.0, res.V);
  V.resize(0, 0);

  // step 3 — residuals in double: W = Aᵀ·U − V·Σ
  Mat W(n, rank);
  A.apply_transpose(res.U, W);
  double max_res = 0;
  Index nconv = 0;
  const double s1 = res.S(0);
  for (Index i = 0; i < rank; ++i) {
    const double ri = (W.col(i) - res.S(i) * res.V.col(i)).norm();
    max_res = std::max(max_res, ri);
    if (ri <= tol * s1) ++nconv;  // NaN never counts
  }
  res.info.converged = nconv == rank;
  res.info.converged_count = nconv;
  res.info.residual_estimate = s1 > 0 ? max_res / s1 : max_res;
  res.info.matvecs = A.matvecs();
  if (opt.vectors == Vectors::none) {
    res.U.resize(0, 0);
    res.V.resize(0, 0);
  }
  unscale_sigma(res, A, "lanczos_svd");
  sort_and_fix_signs(res);
  return res;
}

template <class Scalar>
SvdResult<Scalar> lanczos_svd_impl(CheckedOperator<Scalar>& A, Index rank, const LanczosOptions& opt,
                                   Index kd_stalled) {
  using Mat = Matrix<Scalar>;
  const Index m = A.rows(), n = A.cols(), mn = std::min(m, n);
  SvdResult<Scalar> res;
  res.info.method = "lanczos";

  // step 1 — sizes and tolerances (clamped, recorded in info). kd is a multiple of the block size b and
  // leaves room for one more block; when min(m, n) is too small for that, fall back to b = 1, kd <= min(m, n).
  // default b = 1 (sparse and matrix-free; the mixed path picks its own): measured (bench/svd_truncated)
  // faster than b = 8 or 16 on ML-100K, ml-latest-small and ML-1M-partial all in double; dense: see
  // lanczos_dense_block_size
  Index b = opt.block_size > 0 ? opt.block_size : A.dense() ? lanczos_dense_block_size : 1;
  Index kd = opt.krylov_dimension > 0 ? std::max(opt.krylov_dimension, rank) : std::max(2 * rank, rank + 20);
  kd = std::max(kd, rank + b);
  kd = (kd + b - 1) / b * b;
  // A basis within one block of the whole space takes all of it: one cycle, no restart, every σ. A
  // restart of a basis one vector short of it could lose a σ for good: float, 67×268, a geometric
  // spectrum of κ 3.5 (neighbours 2 % apart), rank 65, kd 66 converged with σ₅₆ missing (the soak's
  // case 8190 of seed 18; 1 in 40 such matrices).
  if (kd + b >= mn) {
    b = 1;
    kd = mn;
  }
  // vectors kept at a restart of a basis of kd_
  const auto keep_of = [&](Index kd_) {
    Index k = opt.keep > 0 ? std::max(opt.keep, rank) : rank + (kd_ - rank) / 2;
    k = std::min(k, kd_ - 1);
    k = kd_ - (kd_ - k + b - 1) / b * b;  // whole blocks are added after a restart
    // never below rank (rank 17, b = 2, keep = 17 rounded to 16: 1000 restarts, no convergence); kd ≥
    // rank + b leaves room for a block beside it. Rounding keep up always cost the default block-16 solve
    // at rank 50 33 restarts instead of 14 (one block added per restart instead of two).
    return k < rank ? k + b : k;
  };
  Index keep = keep_of(kd);
  const double tol = opt.tolerance > 0 ? opt.tolerance
                                       : (std::is_same_v<Scalar, float> ? std::sqrt(double(std::numeric_limits<float>::epsilon()))
                                                                         : 1e-10);
  if constexpr (std::is_same_v<Scalar, double>) {
    // dense or sparse input (matrix-free operators have no float copy). Dense 5000×2000, rank 10, tol
    // 1e-5, block 4: 57–60 ms against 80–81 ms all in double, σ error 6.4e-10 either way.
    if (opt.mixed_precision && tol >= lanczos_mixed_min_tolerance && lanczos_mixed_block(opt, rank) > 1 &&
        A.make_float_sketch()) {
      SvdResult<double> mixed = lanczos_svd_mixed(A, rank, opt, tol);
      if (mixed.info.converged) return mixed;
    }
  }
  const int max_restarts = opt.max_iterations > 0 ? opt.max_iterations : 1000;
  const Scalar eps = std::numeric_limits<Scalar>::epsilon();
  // kd = m: U spans Rᵐ after one cycle, and the extraction below is exact if U is orthonormal, which
  // one-sided reorthogonalization does not keep
  const bool full = opt.reorthogonalization == Reorthogonalization::full || kd == m;
  res.info.subspace_dimension = kd;

  Mat U(m, kd), V(n, kd + b), H = Mat::Zero(kd, kd);
  Mat P, W, C, D, R, S, rho;
  std::uint64_t stream = 100;  // random vectors: start block, then one stream per breakdown replacement
  Scalar normest = 0;          // running estimate of ‖A‖ (breakdown threshold)

  // step 2 — deterministic orthonormal start block from the seed
  {
    Mat X(n, b);
    fill_gaussian<Scalar>(X, opt.seed, stream++);
    block_orthogonalize(V.leftCols(0), X, C, R, Scalar(0), opt.seed, stream);
    V.leftCols(b) = X;
  }

  Index j0 = 0;  // first column of this cycle (keep after a restart)
  Vector<Scalar> sigma;
  Mat Pm, Qm;
  int restart = 0;
  bool converged = false;
  Index nconv = 0;
  double max_res = 0;
  for (;; ++restart) {
    // step 3 — extend the block bidiagonalization A V = U H, Aᵀ U = V Hᵀ + V_next S eᵀ from j0 to kd
    for (Index j = j0; j < kd; j += b) {
      P.resize(m, b);
      A.apply(V.middleCols(j, b), P);
      if (restart == 0 && j == 0) A.scale_products_like(P);  // entries near under- or overflow: c·A
      if (full) {
        C.resize(0, 0);
        block_orthogonalize(U.leftCols(j), P, C, R, normest * eps * std::sqrt(Scalar(m)), opt.seed, stream);
      } else {  // one-sided: only the recurrence terms (ρ after a restart, Sᵀ of the previous block)
        Mat Ck = Mat::Zero(j, b);
        if (j == j0 && j0 > 0) Ck = rho;
        else if (j > 0)
          Ck.bottomRows(b) = S.transpose();
        // Cancellation (a column left below half its norm, the test of Daniel, Gragg, Kaufman and Stewart
        // 1976) or a column below √ε·‖A‖ (tiny or zero σ): what is left may be mostly rounding error along
        // U, which the normalization would blow up into a non-orthogonal u (‖I − UᵀU‖ up to 2 on
        // rank-deficient input): project that block on all of U, as full reorthogonalization does.
        bool near_breakdown = false;
        if (j > 0) {
          // only Ck's nonzero rows: all of them after a restart (ρ), else the previous block's b
          const Index r0 = j == j0 ? 0 : j - b;
          const Eigen::Array<Scalar, Eigen::Dynamic, 1> before = P.colwise().norm().transpose().array();
          gemm_dispatched<Scalar>(false, false, Scalar(-1), U.middleCols(r0, j - r0), Ck.bottomRows(j - r0), Scalar(1),
                                  P);
          const Eigen::Array<Scalar, Eigen::Dynamic, 1> after = P.colwise().norm().transpose().array();
          const Scalar floor = std::sqrt(eps) * std::max(normest, std::numeric_limits<Scalar>::min());
          near_breakdown = ((after < Scalar(0.5) * before) || (after < floor)).any();
        }
        C.resize(0, 0);
        block_orthogonalize(U.leftCols(j), P, C, R, normest * eps * std::sqrt(Scalar(m)), opt.seed, stream,
                            near_breakdown, /*always_twice=*/true);  // P's norm is already the cancelled one
        C += Ck;
      }
      U.middleCols(j, b) = P;
      H.block(0, j, j, b) = C;
      H.block(j, j, b, b) = R;
      normest = std::max(normest, R.norm());

      W.resize(n, b);
      A.apply_transpose(U.middleCols(j, b), W);
      D.resize(0, 0);
      if (j + 2 * b > n) {  // V already spans Rⁿ: the residual is rounding noise, no room for V_next
        W.setZero();
        S.setZero(b, b);
      } else {
        // one-sided: U's orthogonality rests on V's (Simon–Zha), so V keeps both passes; with the DGKS
        // test, U of a 150×90 rank-40 matrix ended 1.2·1000ε from orthonormal (tests/svd_lanczos.cpp)
        block_orthogonalize(V.leftCols(j + b), W, D, S, normest * eps * std::sqrt(Scalar(n)), opt.seed, stream,
                            /*project=*/true, /*always_twice=*/!full);
      }
      V.middleCols(j + b, b) = W;
      normest = std::max(normest, S.norm());
    }

    // step 4 — Ritz triplets from the small SVD of H; residual of triplet i is ‖S·(last b rows of pᵢ)‖.
    // When U spans Rᵐ (kd = m < n, a wide A with rank = m), A = U·[H, E·Sᵀ]·[V, V_next]ᵀ exactly
    // (A = UUᵀA and AᵀU = VHᵀ + V_next·S·Eᵀ, E the last b columns of I): the SVD of that kd×(kd + b)
    // matrix gives A's triplets with no residual. With H alone, a thick restart would keep fewer than
    // kd = rank vectors and never converge (1×n: σ = α instead of √(α² + β²)).
    const bool u_spans = kd == m && m < n;
    Mat Hx;
    if (u_spans) {
      Hx = Mat::Zero(kd, kd + b);
      Hx.leftCols(kd) = H;
      Hx.bottomRightCorner(b, b) = S.transpose();
    }
    {  // golub_kahan: Eigen 3.4's BDCSVD returned zero columns of U or V in float when many σ are zero
      GolubKahanOptions thin;
      thin.vectors = Vectors::thin;
      SvdResult<Scalar> small = golub_kahan_svd(u_spans ? Hx : H, thin);
      sigma.swap(small.S);
      Pm.swap(small.U);
      Qm.swap(small.V);
    }
    const double s1 = double(sigma(0));
    nconv = 0;
    max_res = 0;
    for (Index i = 0; i < rank; ++i) {
      const double ri = u_spans ? 0.0 : double((S * Pm.col(i).tail(b)).norm());
      max_res = std::max(max_res, ri);
      if (ri <= tol * s1) ++nconv;  // NaN never counts (C10)
    }
    if (nconv == rank) {
      converged = true;
      break;
    }
    if (restart >= max_restarts) break;

    // step 5 — thick restart: keep the leading Ritz vectors, V_keep = V_next, H = diag(σ) (+ ρ, computed by
    // the next block step, or given explicitly in one-sided mode)
    multiply_right_in_place<Scalar>(U, Pm.leftCols(keep));  // U_keep = U·P_keep, by row blocks
    Mat Vk(n, keep);
    gemm_dispatched<Scalar>(false, false, Scalar(1), V.leftCols(kd), Qm.leftCols(keep), Scalar(0), Vk);
    V.middleCols(keep, b) = V.middleCols(kd, b);
    V.leftCols(keep) = Vk;
    rho = (S * Pm.bottomRows(b).leftCols(keep)).transpose();
    // a stalled default basis grows (kd_stalled): U and V keep their leading columns
    const Index grown = (std::max(kd_stalled, kd) + b - 1) / b * b;
    if (opt.krylov_dimension == 0 && restart + 1 >= lanczos_stall_restarts && 2 * nconv < rank && grown > kd &&
        grown + b < mn) {
      kd = grown;
      U.conservativeResize(m, kd);
      V.conservativeResize(n, kd + b);
      H.resize(kd, kd);
      res.info.subspace_dimension = kd;
    }
    H.setZero();
    for (Index i = 0; i < keep; ++i) H(i, i) = sigma(i);
    j0 = keep;
    keep = keep_of(kd);  // the same unless the basis grew: later restarts keep half of the larger one
  }

  // step 6 — lift the converged (or best) triplets, sort, fix signs; info
  res.S = sigma.head(rank);
  if (opt.vectors != Vectors::none) {
    res.U.resize(m, rank);
    res.V.resize(n, rank);
    gemm_dispatched<Scalar>(false, false, Scalar(1), U, Pm.leftCols(rank), Scalar(0), res.U);
    gemm_dispatched<Scalar>(false, false, Scalar(1), V.leftCols(Qm.rows()), Qm.leftCols(rank), Scalar(0), res.V);
  }
  unscale_sigma(res, A, "lanczos_svd");
  sort_and_fix_signs(res);
  res.info.converged = converged;
  res.info.converged_count = nconv;
  res.info.restarts = restart;
  res.info.iterations = restart + 1;
  res.info.residual_estimate = sigma(0) > 0 ? max_res / double(sigma(0)) : max_res;
  res.info.matvecs = A.matvecs();
  return res;
}

}  // namespace detail

/// Truncated SVD of A (dense matrix, Eigen::SparseMatrix, or any LinearOperator) by thick-restarted
/// Golub–Kahan–Lanczos bidiagonalization.
/// \param A     m×n input; dense and sparse inputs are scanned for NaN/Inf, operators are checked on
///              their first output. Nothing is copied (sparse: see SparseOperator).
/// \param rank  number of leading triplets, 1 <= rank <= min(m, n).
/// \param opt   vectors (none or thin; full throws), tolerance, max_iterations (restarts), seed and the
///              Lanczos settings of LanczosOptions (defaults there).
/// \returns U (m×rank), S (descending), V (n×rank). info.converged is false when max_iterations restarts
///          did not bring all `rank` residuals ‖Aᵀuᵢ − σᵢvᵢ‖ below tol·σ₁ (results are still the best
///          Ritz triplets); info.residual_estimate = max residual / σ₁; restarts, matvecs, converged_count,
///          subspace_dimension (kd used).
/// \throws Error invalid_argument (rank, options), shape_mismatch (empty), non_finite (input or operator).
template <class Op>
auto lanczos_svd(const Op& A, Index rank, const LanczosOptions& opt = {}) {
  constexpr const char* who = "lanczos_svd";
  // step 0 — validate: shape, rank, options, finiteness (C9)
  validate_options(opt, who);
  LOWRANK_CHECK(opt.vectors != Vectors::full, invalid_argument, who,
                ": Vectors::full is not available for a truncated SVD (use thin or none)");
  LOWRANK_CHECK(opt.krylov_dimension >= 0 && opt.keep >= 0, invalid_argument, who, ": krylov_dimension ",
                opt.krylov_dimension, " and keep ", opt.keep, " must be >= 0");
  return detail::with_operator(A, who, [&](const auto& op) {
    validate_rank(rank, op.rows(), op.cols(), who);
    detail::CheckedOperator<typename std::decay_t<decltype(op)>::Scalar> checked(op, who);
    return detail::lanczos_svd_impl(checked, rank, opt);
  });
}

}  // namespace lowrank

namespace lowrank::detail {
// Compiled once into the library for float and double, whatever the operator type (config.hpp,
// LOWRANK_EXTERN_TEMPLATE; detail::CheckedOperator in operator.hpp hides the operator's type).
LOWRANK_EXTERN_TEMPLATE(float, SvdResult<float> lanczos_svd_impl<float>(CheckedOperator<float>&, Index,
                                                                        const LanczosOptions&, Index))
LOWRANK_EXTERN_TEMPLATE(double, SvdResult<double> lanczos_svd_impl<double>(CheckedOperator<double>&, Index,
                                                                           const LanczosOptions&, Index))
}  // namespace lowrank::detail
