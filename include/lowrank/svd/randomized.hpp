#pragma once
/// \file svd/randomized.hpp  Randomized truncated SVD.
///
/// Fixed rank: the range finder of Halko, Martinsson & Tropp, "Finding structure with randomness",
/// SIAM Review 53 (2011), Alg. 4.4 (subspace iteration, re-orthonormalized after every product) + Alg. 5.1;
/// optionally the block Krylov variant of Musco & Musco, NeurIPS 2015 (the span of all power blocks).
/// Fixed accuracy: randQB_EI of Yu, Gu & Li, SIAM J. Matrix Anal. Appl. 39 (2018), Alg. 2, which grows
/// Q in blocks until ‖A − QB‖_F ≤ tol·‖A‖_F, measured by the cheap identity ‖A − QB‖² = ‖A‖² − ‖B‖².
/// Cost: (2q + 2)·l operator columns for l = rank + oversampling, plus O((m + n)·l²) orthonormalization.
/// Accuracy: near-optimal in Frobenius/spectral norm (residual ratio ≈ 1 for decaying spectra), but the
/// singular values themselves are only as good as the gap allows (a few % on flat user-item spectra with
/// q = 4); use lanczos_svd when σ or the vectors must be accurate to many digits. Deterministic for a
/// seed: the test matrix comes from the counter-based generator of svd/detail/rng.hpp, Gaussian by default
/// or sparse sign (TestMatrix; Martinsson & Tropp, Acta Numerica 29 (2020), §9.2: ζ = 8 entries ±1 per
/// row give sketches about as good as Gaussian ones; the products here do not skip its zeros yet).
///
/// Mixed precision (double dense or sparse input, `mixed_precision`): the power steps only have to find
/// the dominant subspace, so all but the last run in float, at twice the SIMD width and half the memory
/// traffic of the products; the last product Q = A·Z, the projection Bᵀ = AᵀQ and the small SVD run in
/// double. Connolly, Higham & Pranesh, "Randomized low rank matrix approximation: rounding error
/// analysis and a mixed precision algorithm", SIMAX 44 (2023): the sketch's rounding enters only as a
/// perturbation of the test matrix Z, which the double product A·Z and the Rayleigh–Ritz projection
/// absorb: an exact rank-r input (r ≤ rank + p) is still recovered to double precision, and the
/// residual ratio and σ move by far less than the method's own randomized error (bench/RESULTS.md).
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "lowrank/error.hpp"
#include "lowrank/svd/detail/eigen_instances.hpp"
#include "lowrank/operator.hpp"
#include "lowrank/svd/common.hpp"
#include "lowrank/svd/detail/orthogonalize.hpp"
#include "lowrank/svd/detail/rng.hpp"
#include "lowrank/svd/golub_kahan.hpp"
#include "lowrank/types.hpp"

namespace lowrank {

/// The random test matrix Ω (n×l) of randomized_svd.
enum class TestMatrix {
  gaussian,     ///< independent standard normal entries (Halko–Martinsson–Tropp; scikit-learn's)
  sparse_sign,  ///< ζ entries ±1 per row at random columns, the rest 0 (Martinsson & Tropp 2020, §9.2)
};

/// Options of randomized_svd. `tolerance` is used only in fixed-accuracy mode; `max_iterations` caps
/// the number of growth blocks there (0 = until `rank` columns).
struct RandomizedOptions : SvdOptions {
  Index oversampling = 10;       ///< extra sketch columns p (clamped so that rank + p <= min(m, n))
  int power_iterations = -1;     ///< q; -1 = scikit-learn's rule: 7 if rank < 0.1·min(m, n) else 4
  bool block_krylov = false;     ///< Musco–Musco: keep the span of all power blocks (size (q+1)·l, clamped)
  bool fixed_accuracy = false;   ///< randQB_EI: `rank` is the cap, the result rank is what tolerance needs
  Index block_size = 0;          ///< fixed-accuracy growth block; 0 = min(rank, max(8, rank / 4))
  TestMatrix test_matrix = TestMatrix::gaussian;  ///< Ω's distribution
  Index sparse_sign_nonzeros = 8;                 ///< ζ of a sparse sign Ω, ≥ 1 (clamped to the sketch's width)
  /// Double input with q ≥ 1 (not block Krylov, not fixed accuracy), on a dense or sparse matrix: the
  /// sketch and the power steps before the last product run in float on a float copy of A (m·n or 2·nnz
  /// floats, and 16-bit column indices where they fit, freed before the projection; not made when over
  /// memory_budget()); the last product, the projection and the small SVD stay in double. See the file comment; false =
  /// every product in double.
  bool mixed_precision = true;
};

namespace detail {

/// Ω (or a growth block of it, from column col_offset on) as opt.test_matrix says, from (seed, stream).
template <class T>
void fill_test_matrix(Eigen::Ref<Matrix<T>> Omega, const RandomizedOptions& opt, std::uint64_t stream,
                      Index col_offset = 0) {
  if (opt.test_matrix == TestMatrix::sparse_sign)
    fill_sparse_sign<T>(Omega, opt.seed, stream, opt.sparse_sign_nonzeros, col_offset);
  else
    fill_gaussian<T>(Omega, opt.seed, stream, col_offset);
}

/// Thin SVD of the projected problem from Bᵀ = Aᵀ Q (n×s, n ≥ s, finite): Bᵀ = W Σ Zᵀ, so A ≈ Q B =
/// (Q Z) Σ Wᵀ. Returns σ descending, Z (s×s) in `Zs` and W (n×s) in `W`; `Bt` is consumed (its storage
/// becomes W's). Golub–Kahan on Bᵀ without a copy: for n ≥ 4s that is CholeskyQR2 and an s×s SVD where
/// κ(Bᵀ) allows, Householder QR otherwise (exact low-rank input, s > rank). Eigen's JacobiSVD here was a
/// fifth of the whole randomized solve on user-item data (rank 50: QR preconditioning in baseline SSE2 code).
template <class Scalar>
void projected_svd(Matrix<Scalar>& Bt, Vector<Scalar>& sigma, Matrix<Scalar>& W, Matrix<Scalar>& Zs) {
  GolubKahanOptions thin;
  thin.vectors = Vectors::thin;
  SvdResult<Scalar> small = golub_kahan_consume<Scalar>(std::move(Bt), thin);
  Bt = Matrix<Scalar>();
  require_finite_sigma(small, "randomized_svd");
  sort_and_fix_signs(small);
  sigma.swap(small.S);
  W.swap(small.U);
  Zs.swap(small.V);
}

template <class Scalar>
SvdResult<Scalar> randomized_svd_impl(CheckedOperator<Scalar>& A, Index rank, const RandomizedOptions& opt) {
  const Index m = A.rows(), n = A.cols(), mn = std::min(m, n);
  SvdResult<Scalar> res;
  res.info.method = "randomized";

  // step 1 — sizes: sketch width l = rank + p and q power steps, clamped (C9), recorded in info
  const Index p = std::min(std::max<Index>(opt.oversampling, 0), mn - rank);
  const Index l = rank + p;
  int q = opt.power_iterations >= 0 ? opt.power_iterations : (double(rank) < 0.1 * double(mn) ? 7 : 4);
  if (opt.block_krylov) q = int(std::min<Index>(q, mn / l - 1));  // (q + 1)·l basis columns must fit
  res.info.oversampling = p;

  // step 2 — sketch Y = A Ω with a counter-based Gaussian Ω (n×l); Q = orth(Y). The sparse product's
  // scratch stays allocated until the last product (SpmmScratchHold). The blocks are advised to use huge
  // pages: at 50 M interactions (Q: 1 M × 74 floats) first-touch faults of 4 KiB pages were a tenth of the
  // solve on this VM (bench/scale).
  SpmmScratchHold hold_scratch;
  Matrix<Scalar> Q, Z;  // m×l and n×l, sized where they are first written (after the float blocks are freed)
  // Blocks that only feed the next product need a well-conditioned basis of the right span, not an
  // orthonormal one: one Cholesky-QR pass (condition_basis) instead of two. The block that is
  // projected on (the last Q, or the whole Krylov basis K) is orthonormalized.
  const auto next_basis = [&](Matrix<Scalar>& Y, bool projected) {
    if (projected)
      orthonormalize(Y);
    else
      condition_basis(Y);
  };
  const bool mixed =
      std::is_same_v<Scalar, double> && opt.mixed_precision && q >= 1 && !opt.block_krylov && A.make_float_sketch();
  if (mixed) {
    // steps 2–3 in float up to Z = basis of Aᵀ(AAᵀ)^(q−1)AΩ, then the last product Q = A·Z in double
    Matrix<float> Qf, Zf;
    resize_advised(Qf, m, l);
    resize_advised(Zf, n, l);
    {
      Matrix<float> Omega;
      resize_advised(Omega, n, l);
      fill_test_matrix<float>(Omega, opt, /*stream=*/0);
      A.sketch_apply(Omega, Qf);
    }
    condition_basis(Qf);
    for (int i = 0; i < q; ++i) {
      A.sketch_apply_transpose(Qf, Zf);
      condition_basis(Zf);
      if (i + 1 == q) break;
      A.sketch_apply(Zf, Qf);
      condition_basis(Qf);
    }
    // A dense A's copy stays for the residual estimate (step 5) where the double blocks beside it are
    // small: at most a tenth of its m·n floats. Sparse copies (2·nnz floats) and other shapes go now.
    if (!A.dense() || 3.0 * double(m + n) * double(l) * sizeof(Scalar) > 0.1 * double(m) * double(n) * sizeof(float))
      A.release_float_sketch();
    Qf.resize(0, 0);
    Z = Zf.template cast<Scalar>();
    Zf.resize(0, 0);
    resize_advised(Q, m, l);
    A.apply(Z, Q);
    A.scale_products_like(Q);
    orthonormalize(Q);
  } else {
    Matrix<Scalar> Omega;
    resize_advised(Omega, n, l);
    fill_test_matrix<Scalar>(Omega, opt, /*stream=*/0);
    resize_advised(Q, m, l);
    A.apply(Omega, Q);
    A.scale_products_like(Q);  // A of entries near under- or overflow: work on c·A, σ / c at the end
    Omega.resize(0, 0);        // memory at scale: only the m×l and n×l blocks Q and Z stay alive
    resize_advised(Z, n, l);
    next_basis(Q, q == 0 && !opt.block_krylov);
  }

  // step 3 — q power steps, each product re-orthonormalized (HMT Alg. 4.4): the basis sees
  // (AAᵀ)^q A Ω, whose spectrum decays like σ^(2q+1). Block Krylov keeps every block.
  Matrix<Scalar> K;
  if (opt.block_krylov) {
    K.resize(m, l * (q + 1));
    K.leftCols(l) = Q;
  }
  for (int i = 0; i < (mixed ? 0 : q); ++i) {  // (mixed: done above)
    A.apply_transpose(Q, Z);
    condition_basis(Z);
    A.apply(Z, Q);
    next_basis(Q, i == q - 1 && !opt.block_krylov);
    if (opt.block_krylov) K.middleCols(l * (i + 1), l) = Q;
  }
  if (opt.block_krylov) {
    orthonormalize(K);
    Q.swap(K);
  }
  const Index s = Q.cols();
  res.info.subspace_dimension = s;
  res.info.iterations = q;

  // step 4 — project: Bᵀ = Aᵀ Q (n×s), small SVD, lift U = Q·Z
  Matrix<Scalar> Bt(n, s), W, Zs;
  A.apply_transpose(Q, Bt);
  hold_scratch.end();  // the lift below reuses Q's storage to stay under the solver's peak
  Vector<Scalar> sigma;
  projected_svd(Bt, sigma, W, Zs);
  Z.resize(0, 0);
  res.S = sigma.head(rank);
  // U = Q·Zs(:, :rank). At scale it is written into Q's own storage, in row blocks (Q is the largest
  // array alive here; a separate m×rank U beside it was the peak of the whole solver, bench/scale).
  // Under 32 MB U gets its own storage and Q is freed here: a Q that became U left the solver with the
  // caller, so every call faulted in a fresh m×l block (glibc maps blocks of that size afresh), which on
  // a virtual machine cost as much as the product that first wrote it (5000×20 doubles: 4–8 ms).
  Matrix<Scalar> U;
  constexpr double kSeparateLiftBytes = 32e6;
  if (double(Q.size()) * sizeof(Scalar) < kSeparateLiftBytes) {
    U.resize(m, rank);
    gemm_dispatched<Scalar>(false, false, Scalar(1), Q, Zs.leftCols(rank), Scalar(0), U);
    Q.resize(0, 0);
  } else {
    multiply_right_in_place<Scalar>(Q, Zs.leftCols(rank));
    Q.conservativeResize(m, rank);  // column-major, fewer columns: a realloc that keeps the first ones
    U.swap(Q);
  }
  Matrix<Scalar> V = W.leftCols(rank);
  W.resize(0, 0);

  // step 5 — a-posteriori residual: max_i ‖A vᵢ − σᵢ uᵢ‖ / σ₁ (Aᵀuᵢ = σᵢvᵢ holds by construction),
  // in column blocks of at most 32 MB (at least 16 columns): an m×rank temporary would be as large as U
  // itself at scale, while on small m every extra block is one more pass over A (at rank 50 on issue
  // 4's 1 M-nonzero matrix, blocks of 16 columns made this step a tenth of the solve).
  double rmax = -1;
  if (A.holds_float_sketch()) {
    // a dense A's float copy is still held (step 2): the estimate from c_f·A·V in float. Float's rounding
    // of A, of V and of the sums moves ‖A vᵢ − σᵢ uᵢ‖ by about 2⁻²⁴·‖A‖_F/√n (random signs) and at most
    // (n + 2)·2⁻²⁴·‖A‖_F; an estimate under 2⁻¹⁰·σ₁ (exact low-rank input, or a tight fit) is measured
    // again in double below. 5000×2000, rank 10: 1.7 ms against 5 ms for the double product.
    constexpr double kFloatFloor = 0x1p-10;
    Matrix<float> Vf = V.template cast<float>(), AVf(m, rank);
    A.sketch_apply(Vf, AVf);
    const double back = double(A.scale()) / A.sketch_scale();  // c_f·A·V → c·A·V
    A.release_float_sketch();
    double r = 0;
    for (Index j = 0; j < rank; ++j)
      r = std::max(
          r, (back * AVf.col(j).template cast<double>() - double(res.S(j)) * U.col(j).template cast<double>()).norm());
    if (rank > 0 && r >= kFloatFloor * double(res.S(0))) rmax = r;
  }
  if (rmax < 0) {
    rmax = 0;
    constexpr double kBlockBytes = 32e6;
    const Index cb = std::min<Index>(rank, std::max<Index>(16, Index(kBlockBytes / (double(m) * sizeof(Scalar)))));
    Matrix<Scalar> AV;
    resize_advised(AV, m, cb);
    for (Index c0 = 0; c0 < rank; c0 += cb) {
      const Index w = std::min(cb, rank - c0);
      Eigen::Ref<Matrix<Scalar>> block = AV.leftCols(w);
      A.apply(V.middleCols(c0, w), block);
      block -= U.middleCols(c0, w) * res.S.segment(c0, w).asDiagonal();
      rmax = std::max(rmax, double(block.colwise().norm().maxCoeff()));
    }
  }
  const double s1 = res.S.size() ? double(res.S(0)) : 0.0;
  res.info.residual_estimate = s1 > 0 ? rmax / s1 : rmax;

  // step 6 — σ of A (not c·A), vectors as requested, sort, fix signs; info
  unscale_sigma(res, A, "randomized_svd");
  if (opt.vectors != Vectors::none) {
    res.U.swap(U);
    res.V.swap(V);
  }
  sort_and_fix_signs(res);
  res.info.converged = true;
  res.info.converged_count = rank;
  res.info.matvecs = A.matvecs();
  return res;
}

/// randQB_EI (Yu–Gu–Li 2018, Alg. 2) with optional power steps, then the SVD of B truncated to the
/// smallest rank meeting the tolerance.
template <class Scalar>
SvdResult<Scalar> randomized_svd_fixed_accuracy(CheckedOperator<Scalar>& A, Index max_rank,
                                                const RandomizedOptions& opt) {
  const Index m = A.rows(), n = A.cols();
  SvdResult<Scalar> res;
  res.info.method = "randomized_qb_ei";
  const double tol = opt.tolerance > 0 ? opt.tolerance : 10 * std::sqrt(double(std::numeric_limits<Scalar>::epsilon()));
  const Index b = opt.block_size > 0 ? std::min(opt.block_size, max_rank)
                                     : std::min(max_rank, std::max<Index>(8, max_rank / 4));
  const int q = opt.power_iterations >= 0 ? opt.power_iterations : 1;
  const Index max_blocks = opt.max_iterations > 0 ? Index(opt.max_iterations) : (max_rank + b - 1) / b;

  Matrix<Scalar> Q(m, 0), Bt(n, 0);  // A ≈ Q B with B = Btᵀ
  double normA2 = 0, E = 0;          // ‖c·A‖_F² and the error indicator, set with the first block
  // E = ‖A‖² − Σ‖Bᵢ‖² cancels: it is known only to the rounding of ‖B‖² in Scalar, a few units of
  // roundoff times ‖A‖² (Yu, Gu & Li: the indicator bottoms out near √ε·‖A‖). The stopping test and the
  // truncation leave that much room, or float runs at tol = 1e-3 ended 1–7 % above it (117 of 200 random
  // matrices with block size 1, no power step; soak). 2ε is under 3 % of tol² at float's default tol.
  // `allowed` = tol²‖A‖² − 2ε‖A‖², set with normA2.
  double allowed = 0;
  Index blocks = 0;
  bool met = false;
  SpmmScratchHold hold_scratch;  // the sparse product's scratch stays allocated until the last product
  for (; blocks < max_blocks && Q.cols() < max_rank; ++blocks) {
    // step 2 — new block: Qi = orth(A Ωi − Q (B Ωi)), q power steps, one more projection against Q
    const Index k = Q.cols(), bi = std::min(b, max_rank - k);
    Matrix<Scalar> Om(n, bi), Qi(m, bi), Zi(n, bi);
    fill_test_matrix<Scalar>(Om, opt, /*stream=*/1, k);
    A.apply(Om, Qi);
    if (k == 0) {
      // step 1 — ‖A‖_F², once the products' scale is known (A of entries near under- or overflow: work on
      // c·A, σ / c at the end): exact for dense/sparse adaptors; for a matrix-free operator, the unbiased
      // estimate ‖A Ω‖_F² / b from this first Gaussian block (E‖AΩ‖² = b‖A‖²).
      A.scale_products_like(Qi);
      E = normA2 = A.squared_norm();  // −1 for a matrix-free operator
      if (normA2 < 0) E = normA2 = Qi.template cast<double>().squaredNorm() / double(bi);
      allowed = (tol * tol - 2.0 * double(std::numeric_limits<Scalar>::epsilon())) * normA2;
    }
    if (k) Qi.noalias() -= Q * (Bt.transpose() * Om);
    orthonormalize(Qi);
    for (int j = 0; j < q; ++j) {
      A.apply_transpose(Qi, Zi);
      if (k) Zi.noalias() -= Bt * (Q.transpose() * Qi);
      orthonormalize(Zi);
      A.apply(Zi, Qi);
      if (k) Qi.noalias() -= Q * (Bt.transpose() * Zi);
      orthonormalize(Qi);
    }
    if (k) {
      Qi.noalias() -= Q * (Q.transpose() * Qi);
      orthonormalize(Qi);
    }
    // step 3 — Bi = Qiᵀ A, append, and update the error indicator E = ‖A‖² − ‖B‖²
    A.apply_transpose(Qi, Zi);
    Q.conservativeResize(m, k + bi);
    Q.rightCols(bi) = Qi;
    Bt.conservativeResize(n, k + bi);
    Bt.rightCols(bi) = Zi;
    E -= Zi.template cast<double>().squaredNorm();
    if (E <= allowed) {
      met = true;
      ++blocks;
      break;
    }
  }
  hold_scratch.end();
  res.info.restarts = blocks;
  res.info.iterations = int(blocks);
  res.info.subspace_dimension = Q.cols();

  // step 4 — SVD of B; keep the smallest r with E + Σ_{i>r} σᵢ² + 2ε‖A‖² <= tol²‖A‖² (all columns if not met)
  Vector<Scalar> sigma;
  Matrix<Scalar> W, Zs;
  projected_svd(Bt, sigma, W, Zs);
  Index r = sigma.size();
  if (met) {
    double tail = std::max(E, 0.0);
    while (r > 1 && tail + double(sigma(r - 1)) * double(sigma(r - 1)) <= allowed) {
      tail += double(sigma(r - 1)) * double(sigma(r - 1));
      --r;
    }
  }
  r = std::max<Index>(r, 1);
  res.S = sigma.head(r);
  unscale_sigma(res, A, "randomized_svd");
  res.info.converged = met;
  res.info.converged_count = met ? r : 0;
  res.info.residual_estimate = normA2 > 0 ? std::sqrt(std::max(E, 0.0) / normA2) : 0.0;  // ‖A−QB‖_F/‖A‖_F
  if (opt.vectors != Vectors::none) {
    res.U = Q * Zs.leftCols(r);
    res.V = W.leftCols(r);
  }
  sort_and_fix_signs(res);
  res.info.matvecs = A.matvecs();
  return res;
}

}  // namespace detail

/// Randomized truncated SVD of A (dense matrix, Eigen::SparseMatrix, or any LinearOperator).
/// \param A     m×n input; dense and sparse inputs are scanned for NaN/Inf, operators are checked on
///              their first output. Nothing is copied (sparse: see SparseOperator).
/// \param rank  number of triplets, 1 <= rank <= min(m, n); in fixed-accuracy mode the maximal rank.
/// \param opt   vectors (none or thin; full throws), seed and the sketch settings of RandomizedOptions
///              (oversampling, power iterations, block Krylov, fixed accuracy with tolerance).
/// \returns U (m×r), S (r, descending), V (n×r); info.oversampling, subspace_dimension, iterations
///          (power steps or growth blocks), matvecs (operator columns) and residual_estimate
///          (max ‖A vᵢ − σᵢ uᵢ‖/σ₁; in fixed-accuracy mode the estimate of ‖A − QB‖_F/‖A‖_F).
/// \throws Error invalid_argument (rank, options), shape_mismatch (empty), non_finite (input or operator).
template <class Op>
auto randomized_svd(const Op& A, Index rank, const RandomizedOptions& opt = {}) {
  constexpr const char* who = "randomized_svd";
  // step 0 — validate: shape, rank, options, finiteness (C9)
  validate_options(opt, who);
  LOWRANK_CHECK(opt.vectors != Vectors::full, invalid_argument, who,
                ": Vectors::full is not available for a truncated SVD (use thin or none)");
  LOWRANK_CHECK(opt.oversampling >= 0 && opt.block_size >= 0, invalid_argument, who, ": oversampling ",
                opt.oversampling, " and block_size ", opt.block_size, " must be >= 0");
  LOWRANK_CHECK(opt.test_matrix != TestMatrix::sparse_sign || opt.sparse_sign_nonzeros >= 1, invalid_argument, who,
                ": sparse_sign_nonzeros ", opt.sparse_sign_nonzeros, " must be >= 1");
  // the fixed-rank solver's first product is A·Ω, before anything else reads A: a dense A's NaN/Inf show
  // there (detail::DenseScan); fixed accuracy reads ‖A‖_F first
  const auto scan = opt.fixed_accuracy ? detail::DenseScan::before : detail::DenseScan::on_error;
  return detail::with_operator(
      A, who,
      [&](const auto& op) {
        validate_rank(rank, op.rows(), op.cols(), who);
        detail::CheckedOperator<typename std::decay_t<decltype(op)>::Scalar> checked(op, who);
        return opt.fixed_accuracy ? detail::randomized_svd_fixed_accuracy(checked, rank, opt)
                                  : detail::randomized_svd_impl(checked, rank, opt);
      },
      scan);
}

}  // namespace lowrank

namespace lowrank::detail {
// Compiled once into the library for float and double, whatever the operator type (config.hpp,
// LOWRANK_EXTERN_TEMPLATE; detail::CheckedOperator in operator.hpp hides the operator's type).
LOWRANK_EXTERN_TEMPLATE(float,
                        void projected_svd<float>(Matrix<float>&, Vector<float>&, Matrix<float>&, Matrix<float>&))
LOWRANK_EXTERN_TEMPLATE(double,
                        void projected_svd<double>(Matrix<double>&, Vector<double>&, Matrix<double>&, Matrix<double>&))
LOWRANK_EXTERN_TEMPLATE(float, SvdResult<float> randomized_svd_impl<float>(CheckedOperator<float>&, Index,
                                                                           const RandomizedOptions&))
LOWRANK_EXTERN_TEMPLATE(double, SvdResult<double> randomized_svd_impl<double>(CheckedOperator<double>&, Index,
                                                                              const RandomizedOptions&))
LOWRANK_EXTERN_TEMPLATE(float, SvdResult<float> randomized_svd_fixed_accuracy<float>(CheckedOperator<float>&, Index,
                                                                                     const RandomizedOptions&))
LOWRANK_EXTERN_TEMPLATE(double, SvdResult<double> randomized_svd_fixed_accuracy<double>(CheckedOperator<double>&, Index,
                                                                                        const RandomizedOptions&))
}  // namespace lowrank::detail
