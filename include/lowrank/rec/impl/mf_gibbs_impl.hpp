#pragma once
/// \file rec/impl/mf_gibbs_impl.hpp  Bayesian BiasedMF and SVD++: block Gibbs sampling of the posterior
/// (BiasedMFOptions::solver = "gibbs").
///
/// Follows Salakhutdinov & Mnih, "Bayesian Probabilistic Matrix Factorization using Markov Chain Monte
/// Carlo" (ICML 2008): each user's and each item's factor vector is drawn from its Gaussian conditional
/// given all the rest, and the prediction is the average over the samples after a burn-in. The
/// hyper-priors are libFM's (Rendle, "Factorization Machines with libFM", ACM TIST 3(3), 2012, §4):
/// every dimension of the user factors, item factors and biases has its own mean and precision under a
/// Normal-Gamma prior (μ₀ = 0, γ₀ = 1, a₀ = b₀ = 1); the implicit factors have mean 0 and a Gamma prior on
/// each dimension's precision; the noise precision α has a Gamma(1, 1) prior. All of them are sampled,
/// so nothing is tuned (learning rates and `regularization` play no part in fitting).
///
/// SVD++'s implicit term (Koren, KDD 2008), x_u = p_u + c_u Σ_{j∈N(u)} y_j with c_u = |N(u)|^{-½}, enters
/// the ratings of every user who rated j through c_u q_iᵀ y_j. y_j is therefore drawn item by item:
/// its precision is diag(λ_Y) + α Σ_{u∋j} c_u² G_u with the user Grams G_u = Σ_{i∈R(u)} q_i q_iᵀ, its
/// linear term α Σ_{u∋j} c_u (E_u + c_u G_u y_j) with E_u = Σ_{i∈R(u)} q_i e_ui (e the residuals), and
/// x_u and E_u are updated after each draw — about 4·nnz·k² multiply-adds per sweep instead of a pass
/// over every user's ratings for every item.
///
/// The posterior mean of the factor part, (1/S) Σ_s x_u⁽ˢ⁾ᵀ q_i⁽ˢ⁾, equals the dot product of the S
/// samples concatenated and scaled by S^{-½}; the fitted model keeps those k·S columns (and the averaged
/// biases), so scoring, fold-in and similar items work on them unchanged.
/// Cost per sweep: O(nnz·k² + (users + items)·k³). Memory: the kept model, (users + items)·k·S floats
/// (twice that for SVD++: y and the cached user vectors), dominates; SVD++ adds users·k² doubles (G_u).
/// Users, items and biases are drawn in parallel from generators seeded per (sweep, row): the result is
/// bit-identical whatever the thread count; the implicit factors are drawn in item order, one thread.
#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <utility>
#include <vector>

#include "lowrank/error.hpp"
#include "lowrank/rec/impl/models_detail.hpp"
#include "lowrank/rec/models/biased_mf.hpp"

namespace lowrank::rec::detail {

/// Samples averaged by the Gibbs solver for these options (1 for SGD).
inline Index mf_kept_samples(const BiasedMFOptions& o) {
  if (o.solver != "gibbs" || o.epochs <= o.burn_in) return 1;
  const Index sweeps = Index(o.epochs) - Index(o.burn_in), thin = std::max<Index>(o.thinning, 1);
  return (sweeps + thin - 1) / thin;  // in 64 bits: the options may come from a corrupt file
}

/// Gamma(shape, 1): Marsaglia & Tsang, "A simple method for generating gamma variables", ACM TOMS 26(3),
/// 2000 (shape ≥ 1; smaller shapes through the boost x·u^{1/shape}).
inline double gamma_draw(SplitMix64& rng, double shape) {
  if (shape < 1) return gamma_draw(rng, shape + 1) * std::pow(rng.uniform(), 1.0 / shape);
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9 * d);
  for (;;) {
    double x, v;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = rng.uniform();
    if (u < 1 - 0.0331 * x * x * x * x || std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
  }
}

/// The generator of one row's draw in one sweep: its own stream, so rows can be drawn on any thread.
/// Each field is mixed in by a SplitMix64 step of its own, so no two (seed, sweep, group, row) share one.
inline SplitMix64 row_generator(std::uint64_t seed, int sweep, int group, Index row) {
  std::uint64_t h = SplitMix64(seed).next();
  h = SplitMix64(h ^ std::uint64_t(group)).next();
  h = SplitMix64(h ^ std::uint64_t(sweep)).next();
  return SplitMix64(SplitMix64(h ^ std::uint64_t(row)).next());
}

/// The first exception thrown inside an OpenMP loop, rethrown after it (an exception may not leave an
/// OpenMP region).
class ParallelFailure {
 public:
  template <class Body>
  void run(const Body& body) noexcept {
    try {
      body();
    } catch (...) {
#if LOWRANK_HAS_OPENMP
#pragma omp critical(lowrank_gibbs_failure)
#endif
      if (!m_failure) m_failure = std::current_exception();
    }
  }
  void rethrow() {
    if (m_failure) std::rethrow_exception(std::exchange(m_failure, nullptr));
  }

 private:
  std::exception_ptr m_failure;
};

/// Per-dimension Normal-Gamma hyper-prior of one parameter group.
struct GibbsHyper {
  Eigen::VectorXd mean, precision;
  explicit GibbsHyper(Index k) : mean(Eigen::VectorXd::Zero(k)), precision(Eigen::VectorXd::Ones(k)) {}
  /// Draws each dimension's mean (kept 0 unless `with_mean`) and precision given the group's rows.
  template <class Rows>
  void sample(const Rows& rows, SplitMix64& rng, bool with_mean) {
    constexpr double a0 = 1, b0 = 1, g0 = 1;
    const double n = double(rows.rows());
    for (Index f = 0; f < rows.cols(); ++f) {
      if (with_mean) mean[f] = rows.col(f).sum() / (n + g0) + rng.normal() / std::sqrt((n + g0) * precision[f]);
      const double ss = (rows.col(f).array() - mean[f]).square().sum() + (with_mean ? g0 * mean[f] * mean[f] : 0.0);
      precision[f] = gamma_draw(rng, a0 + 0.5 * (n + (with_mean ? 1 : 0))) / (b0 + 0.5 * ss);
    }
  }
};

/// x ~ N(Λ⁻¹b, Λ⁻¹) for Λ symmetric positive definite (lower triangle read): x = Λ⁻¹b + L⁻ᵀε, Λ = LLᵀ.
inline void gaussian_draw(const Eigen::MatrixXd& lambda, const Eigen::VectorXd& b, SplitMix64& rng,
                          Eigen::VectorXd& x) {
  const Eigen::LLT<Eigen::MatrixXd, Eigen::Lower> llt(lambda);
  LOWRANK_CHECK(llt.info() == Eigen::Success, numerical, "Gibbs sampler: a conditional precision is not positive definite");
  x = llt.solve(b);
  Eigen::VectorXd e(b.size());
  for (Index f = 0; f < e.size(); ++f) e[f] = rng.normal();
  x += llt.matrixU().solve(e);
}

/// One factor row's draw from its Gaussian conditional (a Bayesian linear regression): the row θ explains
/// the targets t = F·θ + noise (precision α) under the prior N(m, diag(λ)⁻¹), so
/// θ ~ N(Λ⁻¹b, Λ⁻¹) with Λ = diag(λ) + α FᵀF and b = λ∘m + α Fᵀt. `lambda` and `b` are scratch.
inline void regression_draw(const Eigen::MatrixXd& F, const Eigen::VectorXd& t, const GibbsHyper& prior, double alpha,
                            SplitMix64& rng, Eigen::MatrixXd& lambda, Eigen::VectorXd& b, Eigen::VectorXd& theta) {
  lambda.setZero();
  lambda.selfadjointView<Eigen::Lower>().rankUpdate(F.transpose(), alpha);
  lambda.diagonal() += prior.precision;
  b = prior.precision.cwiseProduct(prior.mean);
  b.noalias() += alpha * (F.transpose() * t);
  gaussian_draw(lambda, b, rng, theta);
}

/// What the sampler hands back: the S kept samples concatenated and scaled by S^{-½}, biases averaged.
struct MfGibbsResult {
  using MatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  MatF P, Q, Y;  ///< users × kS, items × kS, items × kS (Y empty without the implicit term)
  Eigen::VectorXf bu, bi;
  std::vector<double> train_rmse;  ///< RMSE of each sweep's sample on the training ratings
};

/// Small dense helpers of SVD++'s item-by-item step (k is the factor count, 4–64 in practice; plain loops
/// that the compiler vectorizes, instead of an Eigen expression per (user, item) pair).
namespace gibbs {
inline double dot(const double* a, const double* b, Index k) {
  double s = 0;
  for (Index f = 0; f < k; ++f) s += a[f] * b[f];
  return s;
}
/// L += w·q·qᵀ (the full k×k square: symmetric, and whole rows vectorize).
inline void add_outer(double* L, const double* q, double w, Index k) {
  for (Index a = 0; a < k; ++a) {
    const double wa = w * q[a];
    double* row = L + a * k;
    for (Index b = 0; b < k; ++b) row[b] += wa * q[b];
  }
}
/// y += w·G·x for a k×k G.
inline void add_matvec(double* y, const double* G, const double* x, double w, Index k) {
  for (Index a = 0; a < k; ++a) y[a] += w * dot(G + a * k, x, k);
}
inline void axpy(double* y, const double* x, double w, Index k) {
  for (Index f = 0; f < k; ++f) y[f] += w * x[f];
}
}  // namespace gibbs

/// Runs `o.epochs` sweeps over `train` (sorted by user); `implicit` adds SVD++'s y_j. `progress(f)`
/// is called after each sweep (it may throw to cancel).
///
/// The residuals e_t = r − μ − b_u − b_i − x_uᵀq_i of every rating are cached (recomputed from scratch
/// after each sweep, so rounding does not accumulate) and updated after each draw, libFM's way: a draw
/// then costs the work of its own ratings, with no dot products to recompute the others' predictions.
template <class Progress>
MfGibbsResult mf_gibbs(const std::vector<Rating>& train, Index nu, Index ni, double mu, const BiasedMFOptions& o,
                       bool implicit, const Progress& progress) {
  using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Index k = o.factors, nnz = Index(train.size()), kept = mf_kept_samples(o);
  const char* who = implicit ? "SVDpp::fit (gibbs)" : "BiasedMF::fit (gibbs)";
  LOWRANK_CHECK(k <= 512, invalid_argument, who, ": factors = ", k, " > 512 (each row's draw factors a k × k matrix)");
  const double gram_bytes = implicit ? double(nu) * double(k) * double(k) * 8 : 0.0;
  LOWRANK_CHECK(gram_bytes <= 4e9, invalid_argument, who, ": the per-user Grams need ", gram_bytes / 1e9,
                " GB (users × factors² doubles), more than 4 GB; use fewer factors or solver=sgd");
  const double model_bytes = double((implicit ? 2 : 1) * (nu + ni)) * double(k) * double(kept) * sizeof(float);
  LOWRANK_CHECK(model_bytes <= 8e9, invalid_argument, who, ": keeping ", kept, " samples of ", k,
                " factors needs ", model_bytes / 1e9, " GB, more than 8 GB; raise thinning or lower factors");
  // step 1 — the ratings by user (CSR); by item (CSC) as positions into the CSR order
  using IndexArray = Eigen::Array<Index, Eigen::Dynamic, 1>;
  IndexArray uptr = IndexArray::Zero(nu + 1), iptr = IndexArray::Zero(ni + 1), ipos(nnz);
  Eigen::ArrayXi uitem(nnz), iuser(nnz);
  Eigen::ArrayXd uval(nnz), e(nnz);
  for (const auto& r : train) ++uptr[r.user + 1], ++iptr[r.item + 1];
  for (Index u = 0; u < nu; ++u) uptr[u + 1] += uptr[u];
  for (Index i = 0; i < ni; ++i) iptr[i + 1] += iptr[i];
  {
    IndexArray ufill = uptr.head(nu), ifill = iptr.head(ni);
    for (const auto& r : train) {
      const Index a = ufill[r.user]++, b = ifill[r.item]++;
      uitem[a] = r.item, uval[a] = r.value, iuser[b] = r.user, ipos[b] = a;
    }
  }
  Eigen::VectorXd c = Eigen::VectorXd::Zero(nu);  // c_u = |N(u)|^{-½}
  for (Index u = 0; u < nu; ++u)
    if (uptr[u + 1] > uptr[u]) c[u] = 1 / std::sqrt(double(uptr[u + 1] - uptr[u]));
  // step 2 — seeded initial state: factors N(0, init_std²), implicit factors and biases 0
  SplitMix64 rng(o.seed);
  MatD P(nu, k), Q(ni, k), Y = MatD::Zero(implicit ? ni : 0, k), X(nu, k);
  for (Index t = 0; t < P.size(); ++t) P.data()[t] = o.init_std * rng.normal();
  for (Index t = 0; t < Q.size(); ++t) Q.data()[t] = o.init_std * rng.normal();
  X = P;  // x_u = p_u + c_u Σ y_j, and the y_j start at 0
  Eigen::VectorXd bu = Eigen::VectorXd::Zero(nu), bi = Eigen::VectorXd::Zero(ni);
  GibbsHyper hP(k), hQ(k), hY(k), hbu(1), hbi(1);
  Eigen::VectorXd gram(implicit ? nu * k * k : 0);
  MatD E(implicit ? nu : 0, k);  // E_u = Σ_{i∈R(u)} q_i e_ui (SVD++ step)
  MfGibbsResult out;
  out.P = MfGibbsResult::MatF::Zero(nu, k * kept);
  out.Q = MfGibbsResult::MatF::Zero(ni, k * kept);
  out.Y = MfGibbsResult::MatF::Zero(implicit ? ni : 0, k * kept);
  Eigen::VectorXd bu_sum = Eigen::VectorXd::Zero(nu), bi_sum = Eigen::VectorXd::Zero(ni);
  // x_u = p_u + c_u Σ_{j∈N(u)} y_j and e_t from scratch (the draws update both in place; rebuilding them
  // after each sweep keeps rounding from accumulating); returns Σ e_t² in rating order (thread-independent)
  auto residuals = [&] {
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(dynamic, 64)
#endif
    for (Index u = 0; u < nu; ++u) {
      double* x = X.row(u).data();
      std::copy(P.row(u).data(), P.row(u).data() + k, x);
      if (implicit)
        for (Index t = uptr[u]; t < uptr[u + 1]; ++t) gibbs::axpy(x, Y.row(uitem[t]).data(), c[u], k);
      for (Index t = uptr[u]; t < uptr[u + 1]; ++t)
        e[t] = uval[t] - mu - bu[u] - bi[uitem[t]] - gibbs::dot(x, Q.row(uitem[t]).data(), k);
    }
    return e.square().sum();
  };
  ParallelFailure failure;
  Index taken = 0;
  const double scale = 1 / std::sqrt(double(kept));
  double sse = residuals();
  for (int sweep = 0; sweep < o.epochs; ++sweep) {
    // step 3 — hyper-parameters and the noise precision given the current parameters
    hP.sample(P, rng, true), hQ.sample(Q, rng, true), hbu.sample(bu, rng, true), hbi.sample(bi, rng, true);
    if (implicit) hY.sample(Y, rng, false);
    const double alpha = gamma_draw(rng, 1 + 0.5 * double(nnz)) / (1 + 0.5 * sse);
    // step 4 — biases: each b_u (b_i) from its scalar Gaussian conditional; its ratings' residuals follow
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(dynamic, 64)
#endif
    for (Index u = 0; u < nu; ++u) {
      double s = 0;
      for (Index t = uptr[u]; t < uptr[u + 1]; ++t) s += e[t] + bu[u];
      const double prec = hbu.precision[0] + alpha * double(uptr[u + 1] - uptr[u]);
      SplitMix64 r = row_generator(o.seed, sweep, 0, u);
      const double b = (hbu.precision[0] * hbu.mean[0] + alpha * s) / prec + r.normal() / std::sqrt(prec);
      for (Index t = uptr[u]; t < uptr[u + 1]; ++t) e[t] -= b - bu[u];
      bu[u] = b;
    }
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(dynamic, 64)
#endif
    for (Index i = 0; i < ni; ++i) {
      double s = 0;
      for (Index t = iptr[i]; t < iptr[i + 1]; ++t) s += e[ipos[t]] + bi[i];
      const double prec = hbi.precision[0] + alpha * double(iptr[i + 1] - iptr[i]);
      SplitMix64 r = row_generator(o.seed, sweep, 1, i);
      const double b = (hbi.precision[0] * hbi.mean[0] + alpha * s) / prec + r.normal() / std::sqrt(prec);
      for (Index t = iptr[i]; t < iptr[i + 1]; ++t) e[ipos[t]] -= b - bi[i];
      bi[i] = b;
    }
    // step 5 — user factors: p_u | rest ~ N(Λ⁻¹b, Λ⁻¹) with the user's item rows gathered in Q_u:
    // Λ = diag(λ_P) + α Q_uᵀQ_u, b = λ_P∘m_P + α Q_uᵀ(e_u + Q_u p_u), e_u + Q_u p_u being the residual
    // without p_u's part; the residuals then move by −Q_u Δp
#if LOWRANK_HAS_OPENMP
#pragma omp parallel
#endif
    {
      Eigen::MatrixXd lam(k, k), Qu;
      Eigen::VectorXd b(k), x(k), delta(k), eu;
#if LOWRANK_HAS_OPENMP
#pragma omp for schedule(dynamic, 16)
#endif
      for (Index u = 0; u < nu; ++u) failure.run([&] {
        const Index n = uptr[u + 1] - uptr[u];
        Qu.resize(n, k);
        for (Index t = 0; t < n; ++t) Qu.row(t) = Q.row(uitem[uptr[u] + t]);
        eu = e.segment(uptr[u], n).matrix();
        eu.noalias() += Qu * P.row(u).transpose();  // the residuals without p_u's part
        SplitMix64 r = row_generator(o.seed, sweep, 2, u);
        regression_draw(Qu, eu, hP, alpha, r, lam, b, x);
        delta = x - P.row(u).transpose();
        P.row(u) = x.transpose();
        X.row(u) += delta.transpose();
        e.segment(uptr[u], n) -= (Qu * delta).array();
      });
    }
    failure.rethrow();
    // step 6 — implicit factors, one item at a time (their draws couple through the users' sums):
    // Λ_j = diag(λ_Y) + α Σ_{u∋j} c_u² G_u, b_j = α Σ_{u∋j} c_u (E_u + c_u G_u y_j) with
    // E_u = Σ_{i∈R(u)} q_i e_ui; after a draw, x_u += c_u Δ and E_u −= c_u G_u Δ for the users of j
    if (implicit) {
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(dynamic, 16)
#endif
      for (Index u = 0; u < nu; ++u) {  // no allocation and no throw in here
        double* G = gram.data() + u * k * k;
        double* Eu = E.row(u).data();
        std::fill(G, G + k * k, 0.0);
        std::fill(Eu, Eu + k, 0.0);
        for (Index t = uptr[u]; t < uptr[u + 1]; ++t) {
          const double* q = Q.row(uitem[t]).data();
          gibbs::add_outer(G, q, 1.0, k);
          gibbs::axpy(Eu, q, e[t], k);
        }
      }
      const MatD X_before = X;
      Eigen::MatrixXd lam(k, k);
      Eigen::VectorXd b(k), y(k), delta(k);
      for (Index j = 0; j < ni; ++j) {
        const double* yj = Y.row(j).data();
        lam.setZero();
        b.setZero();
        for (Index t = iptr[j]; t < iptr[j + 1]; ++t) {
          const Index u = iuser[t];
          const double* G = gram.data() + u * k * k;
          const double w = alpha * c[u] * c[u];
          for (Index f = 0; f < k * k; ++f) lam.data()[f] += w * G[f];
          gibbs::axpy(b.data(), E.row(u).data(), alpha * c[u], k);
          gibbs::add_matvec(b.data(), G, yj, w, k);
        }
        lam.diagonal() += hY.precision;
        gaussian_draw(lam, b, rng, y);
        for (Index f = 0; f < k; ++f) delta[f] = y[f] - yj[f];
        Y.row(j) = y.transpose();
        for (Index t = iptr[j]; t < iptr[j + 1]; ++t) {
          const Index u = iuser[t];
          gibbs::axpy(X.row(u).data(), delta.data(), c[u], k);
          gibbs::add_matvec(E.row(u).data(), gram.data() + u * k * k, delta.data(), -c[u], k);
        }
      }
      // the residuals follow the users' new x_u
#if LOWRANK_HAS_OPENMP
#pragma omp parallel
#endif
      {
        Eigen::VectorXd dx(k);
#if LOWRANK_HAS_OPENMP
#pragma omp for schedule(dynamic, 64)
#endif
        for (Index u = 0; u < nu; ++u) {
          dx = (X.row(u) - X_before.row(u)).transpose();
          for (Index t = uptr[u]; t < uptr[u + 1]; ++t) e[t] -= gibbs::dot(Q.row(uitem[t]).data(), dx.data(), k);
        }
      }
    }
    // step 7 — item factors: q_i | rest, the regressors being its users' x_u = p_u + z_u (gathered in X_i);
    // the draws touch disjoint ratings, and step 8 recomputes the residuals, so none are updated here
#if LOWRANK_HAS_OPENMP
#pragma omp parallel
#endif
    {
      Eigen::MatrixXd lam(k, k), Xi;
      Eigen::VectorXd b(k), q(k), ei;
#if LOWRANK_HAS_OPENMP
#pragma omp for schedule(dynamic, 16)
#endif
      for (Index i = 0; i < ni; ++i) failure.run([&] {
        const Index n = iptr[i + 1] - iptr[i];
        Xi.resize(n, k);
        ei.resize(n);
        for (Index t = 0; t < n; ++t) Xi.row(t) = X.row(iuser[iptr[i] + t]), ei[t] = e[ipos[iptr[i] + t]];
        ei.noalias() += Xi * Q.row(i).transpose();  // the residuals without q_i's part
        SplitMix64 r = row_generator(o.seed, sweep, 3, i);
        regression_draw(Xi, ei, hQ, alpha, r, lam, b, q);
        Q.row(i) = q.transpose();
      });
    }
    failure.rethrow();
    // step 8 — the sample's training error; after the burn-in every `thinning`-th sample is kept
    sse = residuals();
    out.train_rmse.push_back(std::sqrt(sse / double(std::max<Index>(nnz, 1))));
    LOWRANK_CHECK(std::isfinite(out.train_rmse.back()), numerical, "Gibbs sampler: non-finite error in sweep ", sweep + 1);
    if (sweep >= o.burn_in && (sweep - o.burn_in) % o.thinning == 0 && taken < kept) {
      out.P.middleCols(taken * k, k) = (scale * P).cast<float>();
      out.Q.middleCols(taken * k, k) = (scale * Q).cast<float>();
      if (implicit) out.Y.middleCols(taken * k, k) = (scale * Y).cast<float>();
      bu_sum += bu, bi_sum += bi;
      ++taken;
    }
    progress(double(sweep + 1) / double(o.epochs));
  }
  out.bu = (bu_sum / double(std::max<Index>(taken, 1))).cast<float>();
  out.bi = (bi_sum / double(std::max<Index>(taken, 1))).cast<float>();
  return out;
}

}  // namespace lowrank::rec::detail
