// Determinism (issue 8): the same seed gives bit-identical results on repeated runs with the same
// thread count and SIMD target; 1 vs 2 threads, and every compiled SIMD target (SCALAR … AVX-512, NEON,
// SVE), agree within tolerance. Covers randomized SVD, Lanczos, ImplicitALS, BiasedMF (SGD and Gibbs) and top-k lists.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <vector>

#include "lowrank/lowrank.hpp"
#include "support/matrices.hpp"
#include "support/rec_toy.hpp"

#if LOWRANK_HAS_OPENMP
#include <omp.h>
#endif

namespace {
using lowrank::Index;
using namespace lowrank::rec;

/// Runs `f` with `n` OpenMP threads (no-op without OpenMP), restoring the previous count.
template <class F>
auto with_threads(int n, F&& f) {
#if LOWRANK_HAS_OPENMP
  const int saved = omp_get_max_threads();
  omp_set_num_threads(n);
  struct Restore {
    int n;
    ~Restore() { omp_set_num_threads(n); }
  } restore{saved};
#else
  (void)n;
#endif
  return f();
}

/// Runs `f` with SIMD dispatch pinned to `mask` (a bit of kernels::compiled_targets()).
template <class F>
auto with_target(std::int64_t mask, F&& f) {
  lowrank::kernels::force_targets(mask);
  struct Restore {
    ~Restore() { lowrank::kernels::force_targets(0); }
  } restore;
  return f();
}

/// A 300×200 sparse matrix with a clear gap after σ₁₀ (low rank plus small noise), so that the
/// leading subspace is well defined and small rounding differences cannot rotate it.
Eigen::SparseMatrix<double, Eigen::RowMajor> gapped_sparse() {
  lowrank_test::Rng rng(11);
  Eigen::VectorXd sigma(10);
  for (Index i = 0; i < 10; ++i) sigma(i) = 10.0 - 0.7 * double(i);
  Eigen::MatrixXd A = lowrank_test::detail::dense_with_spectrum(sigma, 300, 200, rng) + 1e-3 * rng.gaussian(300, 200);
  for (Index j = 0; j < A.cols(); ++j)
    for (Index i = 0; i < A.rows(); ++i)
      if ((i * 7 + j * 13) % 5 == 0) A(i, j) = 0;  // a sparse pattern, ~20% zeros
  return A.sparseView();
}

struct Truncated {
  Eigen::VectorXd S;
  Eigen::MatrixXd U, V;
};
Truncated randomized_run_with(bool mixed_precision) {
  static const auto A = gapped_sparse();
  lowrank::RandomizedOptions o;
  o.seed = 7;
  o.mixed_precision = mixed_precision;
  const auto r = lowrank::randomized_svd(A, 10, o);
  return {r.S, r.U, r.V};
}
/// The default: power steps in float (mixed_precision).
Truncated randomized_run() { return randomized_run_with(true); }
/// Every product in double.
Truncated randomized_double_run() { return randomized_run_with(false); }
Truncated lanczos_run() {
  static const auto A = gapped_sparse();
  lowrank::LanczosOptions o;
  o.seed = 7;
  const auto r = lowrank::lanczos_svd(A, 10, o);
  return {r.S, r.U, r.V};
}

bool identical(const Truncated& a, const Truncated& b) {
  const bool same =
      (a.S.array() == b.S.array()).all() && (a.U.array() == b.U.array()).all() && (a.V.array() == b.V.array()).all();
  if (!same)  // say where the runs part, for a failure seen only once in a while
    WARN("runs differ: max |ΔS| " << (a.S - b.S).cwiseAbs().maxCoeff() << ", max |ΔU| "
                                  << (a.U - b.U).cwiseAbs().maxCoeff() << ", max |ΔV| "
                                  << (a.V - b.V).cwiseAbs().maxCoeff() << ", S₁ " << a.S(0));
  return same;
}
/// max relative σ difference, and the sine of the largest principal angle between the two leading
/// subspaces, ‖(I − U₂U₂ᵀ)U₁‖₂ (computed directly: √(1 − cos²) would lose half the digits).
std::pair<double, double> distance(const Truncated& a, const Truncated& b) {
  const double ds = ((a.S - b.S).cwiseAbs().array() / b.S.array()).maxCoeff();
  const Eigen::MatrixXd residual = a.U - b.U * (b.U.transpose() * a.U);
  return {ds, Eigen::JacobiSVD<Eigen::MatrixXd>(residual).singularValues()(0)};
}

/// Scores of the first 60 users for every item, and their top-10 lists.
struct Ranked {
  Eigen::MatrixXf scores;
  std::vector<std::vector<ScoredItem>> top;
};
Ranked ranked(const Recommender& model) {
  std::vector<UserId> users(60);
  for (Index u = 0; u < 60; ++u) users[std::size_t(u)] = u;
  Ranked r;
  r.scores.resize(60, model.num_items());
  model.score_block(users, r.scores);
  r.top = model.recommend_all(users, 10);
  return r;
}
bool identical(const Ranked& a, const Ranked& b) {
  if (!(a.scores.array() == b.scores.array()).all()) return false;
  for (std::size_t u = 0; u < a.top.size(); ++u) {
    if (a.top[u].size() != b.top[u].size()) return false;
    for (std::size_t j = 0; j < a.top[u].size(); ++j)
      if (a.top[u][j].item != b.top[u][j].item || a.top[u][j].score != b.top[u][j].score) return false;
  }
  return true;
}
double score_distance(const Ranked& a, const Ranked& b) {
  return double((a.scores - b.scores).cwiseAbs().maxCoeff() / b.scores.cwiseAbs().maxCoeff());
}
/// Share of top-10 entries that agree (order-insensitive): small score differences may swap near-ties.
double top_overlap(const Ranked& a, const Ranked& b) {
  double same = 0, total = 0;
  for (std::size_t u = 0; u < a.top.size(); ++u) {
    for (const auto& x : a.top[u]) {
      total += 1;
      same += std::any_of(b.top[u].begin(), b.top[u].end(), [&](const ScoredItem& y) { return y.item == x.item; });
    }
  }
  return total == 0 ? 1 : same / total;
}

Ranked als_run() {
  static const Interactions data = rec_toy::random_implicit(400, 250, 0.06, 3);
  ImplicitALSOptions o;
  o.factors = 16;
  o.iterations = 8;
  o.seed = 5;
  ImplicitALS model(o);
  model.fit(data);
  return ranked(model);
}
Ranked mf_run() {
  static const Interactions data = rec_toy::low_rank_ratings(400, 250, 4, 0.08, 0.3, 3);
  BiasedMFOptions o;
  o.factors = 16;
  o.epochs = 15;
  o.seed = 5;
  BiasedMF model(o);
  model.fit(data);
  return ranked(model);
}
/// Bayesian BiasedMF (Gibbs): its row draws' Gram matrices come from the dispatched gram_rows kernel.
Ranked mf_gibbs_run() {
  static const Interactions data = rec_toy::low_rank_ratings(400, 250, 4, 0.08, 0.3, 3);
  BiasedMFOptions o = BiasedMF::gibbs_options();
  o.epochs = 20;
  o.burn_in = 5;
  o.seed = 5;
  BiasedMF model(o);
  model.fit(data);
  return ranked(model);
}
}  // namespace

TEST_CASE("determinism: repeated runs are bit-identical (same threads, same SIMD target)", "[determinism]") {
  for (int threads : {1, 2}) {
    INFO("threads " << threads << ", target " << lowrank::kernels::active_target());
    CHECK(identical(with_threads(threads, randomized_run), with_threads(threads, randomized_run)));
    CHECK(identical(with_threads(threads, randomized_double_run), with_threads(threads, randomized_double_run)));
    CHECK(identical(with_threads(threads, lanczos_run), with_threads(threads, lanczos_run)));
    CHECK(identical(with_threads(threads, als_run), with_threads(threads, als_run)));
    CHECK(identical(with_threads(threads, mf_run), with_threads(threads, mf_run)));
    CHECK(identical(with_threads(threads, mf_gibbs_run), with_threads(threads, mf_gibbs_run)));
  }
}

TEST_CASE("determinism: 1 and 2 threads agree", "[determinism]") {
  const auto [rs, ra] = distance(with_threads(1, randomized_run), with_threads(2, randomized_run));
  const auto [ds, da] = distance(with_threads(1, randomized_double_run), with_threads(2, randomized_double_run));
  const auto [ls, la] = distance(with_threads(1, lanczos_run), with_threads(2, lanczos_run));
  CAPTURE(rs, ra, ds, da, ls, la);
  // Measured: bit-identical (0) — the sparse products sum each row in a fixed order on every thread.
  CHECK(rs <= 1e-13);
  CHECK(ra <= 1e-12);
  CHECK(ds <= 1e-13);
  CHECK(da <= 1e-12);
  CHECK(ls <= 1e-13);
  CHECK(la <= 1e-12);
  const Ranked als1 = with_threads(1, als_run), als2 = with_threads(2, als_run);
  CAPTURE(score_distance(als1, als2), top_overlap(als1, als2));
  CHECK(score_distance(als1, als2) <= 1e-6);  // measured: 0 (each row's solve is one thread's)
  CHECK(top_overlap(als1, als2) >= 0.98);
  const Ranked mf1 = with_threads(1, mf_run), mf2 = with_threads(2, mf_run);
  // Stratified SGD: the blocks of a stratum share no user and no item, so threads change nothing.
  CHECK(identical(mf1, mf2));
  // Gibbs: every row's draw has its own generator (seeded per sweep and row) and one thread's arithmetic.
  CHECK(identical(with_threads(1, mf_gibbs_run), with_threads(2, mf_gibbs_run)));
}

TEST_CASE("determinism: every compiled SIMD target agrees with the dispatched one", "[determinism]") {
  const auto targets = lowrank::kernels::compiled_targets();
  if (targets.empty()) {
    WARN("header-only build: the scalar reference kernels are the only target");
    return;
  }
  const Truncated r0 = randomized_run(), d0 = randomized_double_run(), l0 = lanczos_run();
  const Ranked als0 = als_run(), mf0 = mf_run(), gibbs0 = mf_gibbs_run();
  for (const auto mask : targets) {
    const std::string name = with_target(mask, [] { return lowrank::kernels::active_target(); });
    INFO("forced SIMD target " << name);
    const auto [rs, ra] = distance(with_target(mask, randomized_run), r0);
    const auto [ds, da] = distance(with_target(mask, randomized_double_run), d0);
    const auto [ls, la] = distance(with_target(mask, lanczos_run), l0);
    CAPTURE(rs, ra, ds, da, ls, la);
    // Power steps in float: their other summation orders perturb the test block Z by float roundoff, and
    // the vectors follow to first order, σ to second (measured on SCALAR: ra 3.0e-8, rs 0).
    CHECK(rs <= 1e-10);
    CHECK(ra <= 1e-6);
    CHECK(ds <= 1e-12);  // measured on AVX3/AVX2/SSE4/SSSE3/SCALAR: 0
    CHECK(da <= 1e-10);
    CHECK(ls <= 1e-12);
    CHECK(la <= 1e-10);
    const Ranked als = with_target(mask, als_run), mf = with_target(mask, mf_run);
    CAPTURE(score_distance(als, als0), top_overlap(als, als0), score_distance(mf, mf0), top_overlap(mf, mf0));
    CHECK(score_distance(als, als0) <= 1e-5);  // measured: ≤ 2.3e-7 (float CG with other summation orders)
    CHECK(top_overlap(als, als0) >= 0.98);      // measured: 1
    CHECK(score_distance(mf, mf0) <= 1e-5);    // measured: ≤ 9.1e-8
    CHECK(top_overlap(mf, mf0) >= 0.98);
    // Gibbs chains driven by the same random numbers contract onto each other: rounding does not grow
    const Ranked gibbs = with_target(mask, mf_gibbs_run);
    CAPTURE(score_distance(gibbs, gibbs0), top_overlap(gibbs, gibbs0));
    CHECK(score_distance(gibbs, gibbs0) <= 1e-5);  // measured on AVX2/SSE4/SSSE3/SCALAR: 0 (float scores)
    CHECK(top_overlap(gibbs, gibbs0) >= 0.98);
    // The same target twice is bit-identical.
    CHECK(identical(with_target(mask, randomized_run), with_target(mask, randomized_run)));
    CHECK(identical(with_target(mask, randomized_double_run), with_target(mask, randomized_double_run)));
    CHECK(identical(with_target(mask, als_run), with_target(mask, als_run)));
  }
}
