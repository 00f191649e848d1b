#pragma once
/// \file svd/lanczos.hpp  Thick-restarted Golub–Kahan–Lanczos truncated SVD.
///
/// Golub & Kahan (1965) bidiagonalization A Vₖ = Uₖ Bₖ, Aᵀ Uₖ = Vₖ Bₖᵀ + βₖ f eₖᵀ, run on A itself (never
/// AᵀA, so κ is not squared), restarted with Ritz vectors as in Baglama & Reichel, "Augmented implicitly
/// restarted Lanczos bidiagonalization methods", SIAM J. Sci. Comput. 27 (2005) (R's irlba); PROPACK
/// (Larsen 1998) is the other reference. Full reorthogonalization of both bases by CGS2 (default) or of V
/// only (one-sided, Simon & Zha 2000). The residual of Ritz triplet i is βₖ·|eₖᵀ pᵢ| =
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
#include "lowrank/operator.hpp"
#include "lowrank/svd/common.hpp"
#include "lowrank/svd/detail/orthogonalize.hpp"
#include "lowrank/svd/detail/rng.hpp"
#include "lowrank/types.hpp"

namespace lowrank {

/// Which Lanczos bases are reorthogonalized against all their previous vectors.
enum class Reorthogonalization {
  full,       ///< both U and V (default; robust for tight tolerances)
  one_sided,  ///< V only (Simon–Zha); U relies on the three-term recurrence. About half the cost.
};

/// Options of lanczos_svd. tolerance 0 = 1e-10 (double) or √ε (float); max_iterations 0 = 1000 restarts.
struct LanczosOptions : SvdOptions {
  Index krylov_dimension = 0;  ///< kd, the basis size between restarts; 0 = max(2·rank, rank + 20), clamped to min(m, n)
  Index keep = 0;              ///< Ritz vectors kept at a restart; 0 = rank + (kd − rank)/2
  Reorthogonalization reorthogonalization = Reorthogonalization::full;
};

namespace detail {

template <class COp>
auto lanczos_svd_impl(COp& A, Index rank, const LanczosOptions& opt) {
  using Scalar = typename COp::Scalar;
  using Mat = Matrix<Scalar>;
  using Vec = Vector<Scalar>;
  const Index m = A.rows(), n = A.cols(), mn = std::min(m, n);
  SvdResult<Scalar> res;
  res.info.method = "lanczos";

  // step 1 — sizes and tolerances (clamped, recorded in info)
  const Index kd = std::min(mn, opt.krylov_dimension > 0 ? std::max(opt.krylov_dimension, rank)
                                                         : std::max(2 * rank, rank + 20));
  const Index keep = std::min(kd - 1, opt.keep > 0 ? std::max(opt.keep, rank) : rank + (kd - rank) / 2);
  const double tol = opt.tolerance > 0 ? opt.tolerance
                                       : (std::is_same_v<Scalar, float> ? std::sqrt(double(std::numeric_limits<float>::epsilon()))
                                                                         : 1e-10);
  const int max_restarts = opt.max_iterations > 0 ? opt.max_iterations : 1000;
  const Scalar eps = std::numeric_limits<Scalar>::epsilon();
  const bool full = opt.reorthogonalization == Reorthogonalization::full;
  res.info.subspace_dimension = kd;

  Mat U(m, kd), V(n, kd + 1), B = Mat::Zero(kd, kd);
  Vec p(m), r(n), rho;
  Mat col_in, col_out;  // 1-column scratch blocks for the operator
  std::uint64_t breakdowns = 0;
  double normest = 0;  // running estimate of ‖A‖ from the entries of B (breakdown threshold)

  // step 2 — deterministic start vector from the seed
  random_orthogonal_vector<Scalar>(V.leftCols(0), V.col(0), opt.seed, /*stream=*/100);

  Index j0 = 0;  // first Lanczos step of this cycle (keep after a restart)
  Vec sigma;
  Mat P, Qr;
  Scalar beta_last = 0;
  int restart = 0;
  bool converged = false;
  Index nconv = 0;
  double max_res = 0;
  for (;; ++restart) {
    // step 3 — extend the bidiagonalization from j0 to kd (CGS2 reorthogonalization, breakdown → new vector)
    for (Index j = j0; j < kd; ++j) {
      A.apply(V.col(j), p);
      if (j == j0 && j0 > 0)
        p.noalias() -= U.leftCols(j0) * rho;
      else if (j > 0)
        p -= B(j - 1, j) * U.col(j - 1);
      Scalar alpha = full ? orthogonalize_against<Scalar>(U.leftCols(j), p) : p.norm();
      normest = std::max(normest, double(alpha));
      if (!(alpha > Scalar(normest) * eps * std::sqrt(Scalar(m)) && alpha > std::numeric_limits<Scalar>::min())) {
        random_orthogonal_vector<Scalar>(U.leftCols(j), U.col(j), opt.seed, 200 + breakdowns++);
        alpha = 0;
      } else {
        U.col(j) = p / alpha;
      }
      B(j, j) = alpha;

      A.apply_transpose(U.col(j), r);
      r -= alpha * V.col(j);
      Scalar beta = orthogonalize_against<Scalar>(V.leftCols(j + 1), r);
      normest = std::max(normest, double(beta));
      // j + 1 == n: V already spans Rⁿ, the residual is rounding noise and there is no room for f
      const bool tiny = j + 1 == n || !(beta > Scalar(normest) * eps * std::sqrt(Scalar(n)) &&
                                        beta > std::numeric_limits<Scalar>::min());
      if (tiny) {
        if (!random_orthogonal_vector<Scalar>(V.leftCols(j + 1), V.col(j + 1), opt.seed, 200 + breakdowns++))
          V.col(j + 1).setZero();
        beta = 0;
      } else {
        V.col(j + 1) = r / beta;
      }
      if (j + 1 < kd) B(j, j + 1) = beta;
      else beta_last = beta;
    }

    // step 4 — Ritz triplets from the small SVD of B; residual of triplet i is β·|P(kd−1, i)|
    Eigen::BDCSVD<Mat> small(B, Eigen::ComputeFullU | Eigen::ComputeFullV);
    sigma = small.singularValues();
    P = small.matrixU();
    Qr = small.matrixV();
    const double s1 = double(sigma(0));
    nconv = 0;
    max_res = 0;
    for (Index i = 0; i < rank; ++i) {
      const double ri = std::abs(double(beta_last) * double(P(kd - 1, i)));
      max_res = std::max(max_res, ri);
      if (ri <= tol * s1) ++nconv;  // NaN never counts (C10)
    }
    if (nconv == rank) {
      converged = true;
      break;
    }
    if (restart >= max_restarts) break;

    // step 5 — thick restart: keep the `keep` leading Ritz vectors, v_keep = f, B = [diag(σ) ρ]
    U.leftCols(keep) = U * P.leftCols(keep);  // Eigen evaluates the product into a temporary first
    Mat Vk = V.leftCols(kd) * Qr.leftCols(keep);
    V.col(keep) = V.col(kd);
    V.leftCols(keep) = Vk;
    rho = Scalar(beta_last) * P.row(kd - 1).head(keep).transpose();
    B.setZero();
    for (Index i = 0; i < keep; ++i) {
      B(i, i) = sigma(i);
      B(i, keep) = rho(i);
    }
    j0 = keep;
  }

  // step 6 — lift the converged (or best) triplets, sort, fix signs; info
  res.S = sigma.head(rank);
  if (opt.vectors != Vectors::none) {
    res.U = U * P.leftCols(rank);
    res.V = V.leftCols(kd) * Qr.leftCols(rank);
  }
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
    detail::CheckedOperator<std::decay_t<decltype(op)>> checked(op, who);
    return detail::lanczos_svd_impl(checked, rank, opt);
  });
}

}  // namespace lowrank
