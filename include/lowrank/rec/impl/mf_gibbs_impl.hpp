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
/// each dimension's precision; the noise precision α has a Gamma(1, 1) prior. All of them are sampled
/// from the second sweep on (the first draws under their initial values, means 0 and precisions 1), so
/// nothing is tuned (learning rates and `regularization` play no part in fitting).
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
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "lowrank/error.hpp"
#include "lowrank/kernels.hpp"
#include "lowrank/rec/impl/models_detail.hpp"
#include "lowrank/rec/models/biased_mf.hpp"

namespace lowrank::rec::detail {

/// Whether `solver` names one of the rating models' solvers ("sgd" or "gibbs").
inline bool is_mf_solver(const std::string& solver) { return solver == "sgd" || solver == "gibbs"; }

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

/// The small dense k×k work of one draw, in plain loops: k is 4–64 in practice, where Eigen's blocked
/// products and dynamic-size decompositions spend more on packing and set-up than on arithmetic (a
/// BiasedMF sweep at k = 8 ran about 3× slower through them). Matrices are k×k and row-major; the
/// Cholesky factor and the solves use the lower triangle only.
namespace gibbs {
/// Four partial sums: a single one chains every add behind the previous (no -ffast-math to reorder it),
/// and at k = 8 that latency chain was the sweep's largest cost.
inline double dot(const double* a, const double* b, Index k) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  Index f = 0;
  for (; f + 4 <= k; f += 4) {
    s0 += a[f] * b[f];
    s1 += a[f + 1] * b[f + 1];
    s2 += a[f + 2] * b[f + 2];
    s3 += a[f + 3] * b[f + 3];
  }
  for (; f < k; ++f) s0 += a[f] * b[f];
  return (s0 + s2) + (s1 + s3);
}
/// L += w·q·qᵀ (the full square: symmetric, and whole rows vectorize).
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
/// Cholesky factorization A = LLᵀ in place (LAPACK dpotrf's unblocked, lower form): reads the lower
/// triangle, writes L there; false when A is not numerically positive definite.
inline bool cholesky(double* A, Index k) {
  for (Index j = 0; j < k; ++j) {
    double* rj = A + j * k;
    const double d = rj[j] - dot(rj, rj, j);
    if (!(d > 0)) return false;  // also catches NaN
    const double ljj = std::sqrt(d), inv = 1 / ljj;
    rj[j] = ljj;
    for (Index i = j + 1; i < k; ++i) {
      double* ri = A + i * k;
      ri[j] = (ri[j] - dot(ri, rj, j)) * inv;
    }
  }
  return true;
}
/// k standard normal values (Box–Muller, both values of each pair).
inline void normals(SplitMix64& rng, double* z, Index k) {
  for (Index f = 0; f < k; f += 2) {
    double u1 = rng.uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    const double r = std::sqrt(-2.0 * std::log(u1)), angle = 6.283185307179586 * rng.uniform();
    z[f] = r * std::cos(angle);
    if (f + 1 < k) z[f + 1] = r * std::sin(angle);
  }
}
/// x ~ N(Λ⁻¹b, Λ⁻¹) from Λ's Cholesky factor L (row-major lower): x = L⁻ᵀ(L⁻¹b + ε), ε ~ N(0, I), since
/// Λ⁻¹b = L⁻ᵀL⁻¹b and L⁻ᵀε has covariance Λ⁻¹. `bx` holds b on entry and x on return; `z` is scratch.
inline void draw_from_factor(const double* L, double* bx, double* z, SplitMix64& rng, Index k) {
  for (Index i = 0; i < k; ++i) bx[i] = (bx[i] - dot(L + i * k, bx, i)) / L[i * k + i];  // L⁻¹b
  normals(rng, z, k);
  for (Index i = 0; i < k; ++i) bx[i] += z[i];
  for (Index i = k; i-- > 0;) {  // L⁻ᵀ(·)
    double s = bx[i];
    for (Index j = i + 1; j < k; ++j) s -= L[j * k + i] * bx[j];
    bx[i] = s / L[i * k + i];
  }
}
}  // namespace gibbs

/// x ~ N(Λ⁻¹b, Λ⁻¹) for Λ symmetric positive definite (k×k): x = Λ⁻¹b + L⁻ᵀε, Λ = LLᵀ, ε ~ N(0, I).
/// `lambda` must hold the full symmetric square (its column-major storage is read as row-major).
inline void gaussian_draw(const Eigen::MatrixXd& lambda, const Eigen::VectorXd& b, SplitMix64& rng,
                          Eigen::VectorXd& x) {
  const Index k = b.size();
  Eigen::MatrixXd L = lambda;  // read as row-major: the transpose, the same matrix when symmetric
  Eigen::VectorXd z(k);
  LOWRANK_CHECK(gibbs::cholesky(L.data(), k), numerical, "Gibbs sampler: a conditional precision is not positive definite");
  x = b;
  gibbs::draw_from_factor(L.data(), x.data(), z.data(), rng, k);
}

/// One factor row's draw from its Gaussian conditional (a Bayesian linear regression): the row θ explains
/// targets t = Fθ + noise (precision α) under the prior N(m, diag(λ)⁻¹), so θ ~ N(Λ⁻¹b, Λ⁻¹) with
/// Λ = diag(λ) + α FᵀF and b = λ∘m + α Fᵀt. Here the targets are the residuals without the row's own
/// part, t = e + Fθ₀ (θ₀ the row's current value), so Fᵀt = Fᵀe + (FᵀF)θ₀: the caller gathers the rows
/// [f_t, e_t] (k + 1 values each) into the object's buffer, and FᵀF and Fᵀe are the first k rows and
/// the last row of one Gram matrix of that buffer (no per-observation dot product for t). The object
/// is scratch, reused across rows.
class RegressionDraw {
 public:
  explicit RegressionDraw(Index k)
      : m_k(k), m_gram(std::size_t((k + 1) * (k + 1))), m_lambda(std::size_t(k * k)), m_theta(std::size_t(k)),
        m_z(std::size_t(k + 1)) {}
  /// Starts a row with n observations, to be written with row().
  void start(Index n) {
    m_n = n;
    if (m_rows.size() < std::size_t(n * (m_k + 1))) m_rows.resize(std::size_t(n * (m_k + 1)));
  }
  /// Observation t: its k regressors, then its residual e_t.
  double* row(Index t) { return m_rows.data() + t * (m_k + 1); }
  /// start(n), then fills observation t from the k values at regressor(t) and the residual residual(t).
  template <class Regressor, class Residual>
  void gather(Index n, const Regressor& regressor, const Residual& residual) {
    start(n);
    for (Index t = 0; t < n; ++t) {
      const double* f = regressor(t);
      double* r = row(t);
      std::copy(f, f + m_k, r);
      r[m_k] = residual(t);
    }
  }
  /// Draws θ given its current value θ₀ (k values); returns it (valid until the next draw).
  const double* draw(const GibbsHyper& prior, double alpha, SplitMix64& rng, const double* theta0) {
    const Index k = m_k, m = k + 1;
    kernels::gram_rows(m_rows.data(), std::size_t(m_n), std::size_t(m), m_gram.data());
    auto gram = [&](Index a, Index c) { return m_gram[std::size_t(a * m + c)]; };
    for (Index a = 0; a < k; ++a) {
      double fte = gram(k, a);  // (Fᵀe)_a + ((FᵀF)θ₀)_a
      for (Index c = 0; c < k; ++c) fte += gram(a, c) * theta0[c];
      for (Index c = 0; c <= a; ++c) m_lambda[std::size_t(a * k + c)] = alpha * gram(a, c);
      m_lambda[std::size_t(a * k + a)] += prior.precision[a];
      m_theta[std::size_t(a)] = alpha * fte + prior.precision[a] * prior.mean[a];
    }
    LOWRANK_CHECK(gibbs::cholesky(m_lambda.data(), k), numerical,
                  "Gibbs sampler: a conditional precision is not positive definite");
    gibbs::draw_from_factor(m_lambda.data(), m_theta.data(), m_z.data(), rng, k);
    return m_theta.data();
  }

 private:
  Index m_k, m_n = 0;
  std::vector<double> m_gram, m_lambda, m_theta, m_z, m_rows;
};

/// What the sampler hands back: the S kept samples concatenated and scaled by S^{-½}, biases averaged.
struct MfGibbsResult {
  using MatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  MatF P, Q, Y;  ///< users × kS, items × kS, items × kS (Y empty without the implicit term)
  Eigen::VectorXf bu, bi;
  std::vector<double> train_rmse;  ///< RMSE of each sweep's sample on the training ratings
};

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
    // step 3 — hyper-parameters and the noise precision given the current parameters. The first sweep
    // draws under the hyper-parameters' initial values (means 0, precisions 1) instead: drawn from the
    // small initial factors, the precisions come out near 1/init_std² and shrink the factors so hard that
    // the chain needs some 30 sweeps to escape (ML-100K, k = 8, 30 sweeps: test RMSE 0.925 against 0.906)
    if (sweep > 0) {
      hP.sample(P, rng, true), hQ.sample(Q, rng, true), hbu.sample(bu, rng, true), hbi.sample(bi, rng, true);
      if (implicit) hY.sample(Y, rng, false);
    }
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
    // step 5 — user factors: p_u | rest is a regression on the user's item rows q_i with targets
    // e_ui + q_iᵀp_u (the residuals without p_u's part); the residuals then move by −q_iᵀΔp
#if LOWRANK_HAS_OPENMP
#pragma omp parallel
#endif
    {
      RegressionDraw draw(k);
      std::vector<double> delta(static_cast<std::size_t>(k));
#if LOWRANK_HAS_OPENMP
#pragma omp for schedule(dynamic, 16)
#endif
      for (Index u = 0; u < nu; ++u) failure.run([&] {
        const Index first = uptr[u], n = uptr[u + 1] - first;
        double* p = P.row(u).data();
        draw.gather(n, [&](Index t) { return Q.row(uitem[first + t]).data(); }, [&](Index t) { return e[first + t]; });
        SplitMix64 r = row_generator(o.seed, sweep, 2, u);
        const double* x = draw.draw(hP, alpha, r, p);
        for (Index f = 0; f < k; ++f) {
          delta[std::size_t(f)] = x[f] - p[f];
          p[f] = x[f];
          X(u, f) += delta[std::size_t(f)];
        }
        for (Index t = 0; t < n; ++t) e[first + t] -= gibbs::dot(draw.row(t), delta.data(), k);
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
    // step 7 — item factors: q_i | rest, the regressors being its users' x_u = p_u + z_u; the draws touch
    // disjoint ratings, and step 8 recomputes the residuals, so none are updated here
#if LOWRANK_HAS_OPENMP
#pragma omp parallel
#endif
    {
      RegressionDraw draw(k);
#if LOWRANK_HAS_OPENMP
#pragma omp for schedule(dynamic, 16)
#endif
      for (Index i = 0; i < ni; ++i) failure.run([&] {
        const Index first = iptr[i], n = iptr[i + 1] - first;
        double* q = Q.row(i).data();
        draw.gather(n, [&](Index t) { return X.row(iuser[first + t]).data(); }, [&](Index t) { return e[ipos[first + t]]; });
        SplitMix64 r = row_generator(o.seed, sweep, 3, i);
        const double* x = draw.draw(hQ, alpha, r, q);
        std::copy(x, x + k, q);
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
