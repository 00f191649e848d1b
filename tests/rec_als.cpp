// ImplicitALS (Hu, Koren & Volinsky 2008): CG vs exact Cholesky, monotone loss, determinism across thread
// counts, HKV §5 explanations, fold-in, partial fits, cancellation, option errors; [data] ML-100K top-N.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "lowrank/rec/impl/als_solve.hpp"
#include "lowrank/rec/model.hpp"
#include "lowrank/rec/models/implicit_als.hpp"
#include "lowrank/rec/persist.hpp"
#include "support/data_dir.hpp"
#include "support/rec_toy.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

using namespace lowrank;
using namespace lowrank::rec;

namespace {
/// Runs f() on `threads` OpenMP threads, then restores the previous count.
template <class F>
void on_threads(int threads, F&& f) {
#if defined(_OPENMP)
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
#else
  (void)threads;
#endif
  f();
#if defined(_OPENMP)
  omp_set_num_threads(before);
#endif
}
}  // namespace

TEST_CASE("als: toy blocks — recommends the held-out item of the user's own block", "[als]") {
  const Interactions data = rec_toy::blocks(40, 30, 4);
  for (bool chol : {false, true}) {
    ImplicitALSOptions o;
  o.regularization = 0.05;  // toy-sized data: the small λ of implicit's scale
  o.alpha = 2;
    o.regularization = 0.05;  // toy-sized data: the small λ of implicit's scale
    o.alpha = 2;
    o.factors = 8;
    o.iterations = 10;
    o.use_cholesky = chol;
    ImplicitALS m(o);
    m.fit(data);
    int hits = 0;
    for (UserId u = 0; u < data.num_users(); ++u) {
      const auto rec = m.recommend(u, 1);
      REQUIRE(rec.size() == 1);
      if (rec[0].item == rec_toy::held_out_item(u, 40, 30, 4)) ++hits;
    }
    INFO("cholesky " << chol << " hits " << hits);
    REQUIRE(hits >= 36);
  }
}

TEST_CASE("als: CG with many steps converges to the exact Cholesky solution", "[als]") {
  const Interactions data = rec_toy::random_implicit(60, 45, 0.15, 7);
  ImplicitALSOptions o;
  o.regularization = 0.05;  // toy-sized data: the small λ of implicit's scale
  o.alpha = 2;
  o.factors = 6;
  o.iterations = 1;
  o.use_cholesky = true;
  o.double_precision = true;
  ImplicitALS exact(o);
  exact.fit(data);
  o.use_cholesky = false;
  o.cg_steps = 60;  // > k: CG is exact in exact arithmetic
  ImplicitALS cg(o);
  cg.fit(data);
  const double diff = (exact.user_factors() - cg.user_factors()).norm() / exact.user_factors().norm();
  const double diffi = (exact.item_factors() - cg.item_factors()).norm() / exact.item_factors().norm();
  INFO("relative user diff " << diff << ", item diff " << diffi);
  REQUIRE(diff < 1e-5);
  REQUIRE(diffi < 1e-5);
}

TEST_CASE("als: exact ALS loss never increases; CG loss decreases overall", "[als]") {
  const Interactions data = rec_toy::random_implicit(80, 50, 0.1, 3);
  for (bool chol : {true, false}) {
    ImplicitALSOptions o;
  o.regularization = 0.05;  // toy-sized data: the small λ of implicit's scale
  o.alpha = 2;
    o.regularization = 0.05;  // toy-sized data: the small λ of implicit's scale
    o.alpha = 2;
    o.factors = 8;
    o.iterations = 8;
    o.use_cholesky = chol;
    o.double_precision = true;
    ImplicitALS m(o);
    m.fit(data);
    const auto& L = m.loss_history();
    REQUIRE(L.size() == 8);
    for (std::size_t e = 1; e < L.size() && chol; ++e) {
      INFO("epoch " << e << ": " << L[e - 1] << " -> " << L[e]);
      REQUIRE(L[e] <= L[e - 1] * (1 + 1e-9));
    }
    INFO("first " << L.front() << " last " << L.back());
    REQUIRE(L.back() < L.front());
  }
}

TEST_CASE("als: the loss matches a direct evaluation of the HKV objective", "[als]") {
  const Interactions data = rec_toy::random_implicit(30, 20, 0.2, 11);
  ImplicitALSOptions o;
  o.regularization = 0.05;  // toy-sized data: the small λ of implicit's scale
  o.alpha = 2;
  o.factors = 4;
  o.iterations = 3;
  o.alpha = 3;
  o.double_precision = true;
  ImplicitALS m(o);
  m.fit(data);
  const Eigen::MatrixXd X = m.user_factors().cast<double>(), Y = m.item_factors().cast<double>();
  Eigen::MatrixXd R = Eigen::MatrixXd(data.matrix().cast<double>());
  double loss = 0, norm = 0;
  for (Index u = 0; u < R.rows(); ++u)
    for (Index i = 0; i < R.cols(); ++i) {
      const double p = R(u, i) != 0 ? 1 : 0, c = 1 + o.alpha * R(u, i), s = X.row(u).dot(Y.row(i));
      loss += c * (p - s) * (p - s);
      norm += c;
    }
  loss += o.regularization * (X.squaredNorm() + Y.squaredNorm());
  // factors are stored as float-rounded copies only in float mode; here double: tight check
  INFO("direct " << loss / norm << " reported " << m.loss_history().back());
  REQUIRE(std::abs(loss / norm - m.loss_history().back()) < 1e-6 * (loss / norm));
}

TEST_CASE("als: same seed gives identical factors for 1 and 2 threads", "[als]") {
  const Interactions data = rec_toy::random_implicit(300, 120, 0.05, 5);
  ImplicitALSOptions o;
  o.regularization = 0.05;  // toy-sized data: the small λ of implicit's scale
  o.alpha = 2;
  o.factors = 16;
  o.iterations = 4;
  o.seed = 9;
  ImplicitALS a(o), b(o);
  on_threads(1, [&] { a.fit(data); });
  on_threads(2, [&] { b.fit(data); });
  REQUIRE((a.user_factors() - b.user_factors()).cwiseAbs().maxCoeff() == 0.0f);
  REQUIRE((a.item_factors() - b.item_factors()).cwiseAbs().maxCoeff() == 0.0f);
  o.seed = 10;
  ImplicitALS c(o);
  c.fit(data);
  REQUIRE((a.item_factors() - c.item_factors()).norm() > 0);
}

TEST_CASE("als: initial factors are one SplitMix64 sequence for any thread count; the parallel Gram too", "[als]") {
  // 5000 users × 16 factors: past the thresholds where the fill (65 536 entries) and the Gram (one block
  // of 2048 rows) go parallel
  const Interactions data = rec_toy::random_implicit(5000, 300, 0.01, 3);
  ImplicitALSOptions o;
  o.factors = 16;
  o.iterations = 0;  // the fit stops at the initial factors
  o.seed = 4;
  ImplicitALS init(o);
  init.fit(data);
  const Eigen::MatrixXf X = init.user_factors(), Y = init.item_factors();
  rec::detail::SplitMix64 rng(o.seed ^ 0x5a17a15ull);  // als_fit's stream: X row by row, then Y
  float worst = 0;
  for (Index r = 0; r < X.rows(); ++r)
    for (Index l = 0; l < X.cols(); ++l) worst = std::max(worst, std::abs(X(r, l) - float(rng.uniform() * 0.01)));
  for (Index r = 0; r < Y.rows(); ++r)
    for (Index l = 0; l < Y.cols(); ++l) worst = std::max(worst, std::abs(Y(r, l) - float(rng.uniform() * 0.01)));
  REQUIRE(worst == 0.0f);
  o.iterations = 1;
  ImplicitALS a(o), b(o);
  on_threads(1, [&] { a.fit(data); });
  on_threads(2, [&] { b.fit(data); });
  REQUIRE((a.user_factors() - b.user_factors()).cwiseAbs().maxCoeff() == 0.0f);
  REQUIRE((a.item_factors() - b.item_factors()).cwiseAbs().maxCoeff() == 0.0f);
  // the Gram itself: 1 and 2 threads give the same bits, and it matches a double-precision reference
  const rec::detail::RowMat<float> Xr = a.user_factors();
  Eigen::MatrixXd G1, G2;
  on_threads(1, [&] { G1 = rec::detail::als_gram<float>(Xr); });
  on_threads(2, [&] { G2 = rec::detail::als_gram<float>(Xr); });
  REQUIRE((G1 - G2).cwiseAbs().maxCoeff() == 0.0);
  const Eigen::MatrixXd Xd = Xr.cast<double>();
  const Eigen::MatrixXd ref = Xd.transpose() * Xd;
  REQUIRE((G1 - ref).norm() <= 1e-5 * ref.norm());
}

TEST_CASE("als: a half-epoch on gathered neighbour rows equals the in-place solve bit for bit", "[als]") {
  // Rows of 1 to 120 neighbours (user 0 has every item): with gather limits of 0 (all rows solved in
  // place), 40 rows' bytes (short rows gathered, long ones in place) and the default (all gathered).
  const Interactions data = rec_toy::random_implicit(200, 120, 0.1, 3);
  std::vector<Eigen::Triplet<float>> entries;
  const auto& m = data.matrix();
  for (Index u = 0; u < m.rows(); ++u)
    for (Interactions::Csr::InnerIterator it(m, u); it; ++it)
      if (u != 0) entries.emplace_back(int(u), int(it.col()), it.value());
  for (int i = 0; i < 120; ++i) entries.emplace_back(0, i, 1.0f);
  Interactions::Csr R(200, 120);
  R.setFromTriplets(entries.begin(), entries.end());
  R.makeCompressed();
  ImplicitALSOptions o;
  o.factors = 24;
  o.alpha = 3;
  o.cg_steps = 4;
  const auto rows =
      rec::detail::als_rows<float>(R.outerIndexPtr(), R.innerIndexPtr(), R.valuePtr(), nullptr, 200, o.alpha);
  rec::detail::RowMat<float> Y(120, 24), X0(200, 24);
  rec::detail::SplitMix64 rng(17);
  for (Index i = 0; i < Y.size(); ++i) Y.data()[i] = float(rng.uniform() - 0.5);
  for (Index i = 0; i < X0.size(); ++i) X0.data()[i] = float(rng.uniform() * 0.01);
  const Eigen::MatrixXd YtY = rec::detail::als_gram<float>(Y);
  const auto solve = [&](std::size_t limit) {
    rec::detail::RowMat<float> X = X0;
    rec::detail::als_half_epoch<float>(o, rows, Y, X, YtY, false, limit);
    return X;
  };
  const rec::detail::RowMat<float> in_place = solve(0);
  REQUIRE(in_place.allFinite());
  REQUIRE((in_place - X0).norm() > 0.1 * in_place.norm());  // the solve moved the factors far from their start
  const std::size_t row_bytes = 24 * sizeof(float);
  REQUIRE((solve(40 * row_bytes) - in_place).cwiseAbs().maxCoeff() == 0.0f);
  REQUIRE((solve(rec::detail::kAlsGatherLimitBytes) - in_place).cwiseAbs().maxCoeff() == 0.0f);
}

TEST_CASE("als: rows solved jointly over chunks of the factor table equal per-row solves bit for bit", "[als]") {
  // 6 000 items of 24 factors: the joint solve reads the table in 3 chunks of 2 730 rows. Users have 1 to
  // 3 000 items (user 0 has all of them); those with at least 500 are solved jointly, in groups per thread.
  const Index users = 80, items = 6000, k = 24;
  rec::detail::SplitMix64 rng(29);
  std::vector<Eigen::Triplet<float>> entries;
  for (Index i = 0; i < items; ++i) entries.emplace_back(0, int(i), 1.0f);
  for (Index u = 1; u < users; ++u) {
    const double density = u % 3 == 0 ? 0.5 * rng.uniform() : 0.02 * rng.uniform();
    for (Index i = 0; i < items; ++i)
      if (rng.uniform() < density) entries.emplace_back(int(u), int(i), float(1 + 4 * rng.uniform()));
  }
  Interactions::Csr R(users, items);
  R.setFromTriplets(entries.begin(), entries.end());
  R.makeCompressed();
  ImplicitALSOptions o;
  o.factors = int(k);
  o.alpha = 3;
  o.cg_steps = 3;
  const auto rows =
      rec::detail::als_rows<float>(R.outerIndexPtr(), R.innerIndexPtr(), R.valuePtr(), nullptr, users, o.alpha);
  Index joint_rows = 0, short_rows = 0;
  for (Index u = 0; u < users; ++u)
    (rows.ptr[std::size_t(u) + 1] - rows.ptr[std::size_t(u)] >= 500 ? joint_rows : short_rows)++;
  REQUIRE(joint_rows >= 5);
  REQUIRE(short_rows >= 5);
  rec::detail::RowMat<float> Y(items, k), X0(users, k);
  for (Index i = 0; i < Y.size(); ++i) Y.data()[i] = float(rng.uniform() - 0.5);
  for (Index i = 0; i < X0.size(); ++i) X0.data()[i] = float(rng.uniform() - 0.5);
  REQUIRE(std::size_t(items) * std::size_t(k) * sizeof(float) > 2 * rec::detail::kAlsJointChunkBytes);
  const Eigen::MatrixXd YtY = rec::detail::als_gram<float>(Y);
  rec::detail::RowMat<float> per_row = X0, joint = X0;
  bool finite = false;
  rec::detail::als_half_epoch<float>(o, rows, Y, per_row, YtY, false, 0);
  rec::detail::als_half_epoch<float>(o, rows, Y, joint, YtY, false, 0, &finite, 500);
  REQUIRE(finite);
  REQUIRE(per_row.allFinite());
  REQUIRE((per_row - X0).norm() > 0.1 * per_row.norm());
  REQUIRE((joint - per_row).cwiseAbs().maxCoeff() == 0.0f);
  // a second half-epoch from the solved factors (warm starts, where CG steps stop early)
  rec::detail::als_half_epoch<float>(o, rows, Y, per_row, YtY, false, 0);
  rec::detail::als_half_epoch<float>(o, rows, Y, joint, YtY, false, 0, nullptr, 500);
  REQUIRE((joint - per_row).cwiseAbs().maxCoeff() == 0.0f);
  // fit uses the joint solve only for tables beyond the cache, on rows with 1/32 of the table's rows
  REQUIRE(rec::detail::als_joint_min_length<float>(Y) == 0);
  const rec::detail::RowMat<float> big(1 << 16, 64);
  REQUIRE(rec::detail::als_joint_min_length<float>(big) == (1 << 16) / 32);
}

TEST_CASE("als: a half-epoch reports whether its rows came out finite; fit stops on non-finite factors", "[als]") {
  // The finiteness check runs on each row as it is solved (no pass over the tables afterwards): the flag
  // must say what a full check of X would say, for finite factors and for factors that overflow.
  const Interactions data = rec_toy::random_implicit(60, 40, 0.2, 5);
  const auto& R = data.matrix();
  ImplicitALSOptions o;
  o.factors = 8;
  const auto rows = rec::detail::als_rows<float>(R.outerIndexPtr(), R.innerIndexPtr(), R.valuePtr(),
                                                 R.innerNonZeroPtr(), R.rows(), o.alpha);
  rec::detail::RowMat<float> Y(40, 8), X(60, 8);
  rec::detail::SplitMix64 rng(23);
  for (Index i = 0; i < Y.size(); ++i) Y.data()[i] = float(rng.uniform() - 0.5);
  X.setZero();
  bool finite = false;
  rec::detail::als_half_epoch<float>(o, rows, Y, X, rec::detail::als_gram<float>(Y), false, 0, &finite);
  REQUIRE(finite);
  REQUIRE(X.allFinite());
  REQUIRE(X.norm() > 0);
  // An overflowing Gram: the CG solve stops on the first NaN (X keeps its start), the exact solve does not.
  Y.row(3).setConstant(1e30f);
  o.use_cholesky = true;
  finite = true;
  rec::detail::als_half_epoch<float>(o, rows, Y, X, rec::detail::als_gram<float>(Y), false, 0, &finite);
  REQUIRE_FALSE(X.allFinite());
  REQUIRE_FALSE(finite);

  // through fit (exact solves): ratings near the float range make the confidences 1 + α·r overflow
  std::vector<Eigen::Triplet<float>> entries;
  for (Index u = 0; u < R.rows(); ++u)
    for (Interactions::Csr::InnerIterator it(R, u); it; ++it) entries.emplace_back(int(u), int(it.col()), 3e38f);
  Interactions::Csr huge(R.rows(), R.cols());
  huge.setFromTriplets(entries.begin(), entries.end());
  ImplicitALSOptions fo;
  fo.factors = 8;
  fo.iterations = 2;
  fo.use_cholesky = true;
  fo.alpha = 40;  // c = 1.2e40: beyond float
  huge.makeCompressed();
  const Interactions overflowing = data.with_matrix(std::move(huge));
  REQUIRE_THROWS_WITH(ImplicitALS(fo).fit(overflowing), Catch::Contains("non-finite factors after epoch 1"));
}

TEST_CASE("als: explain (HKV §5) sums to the exact solve's score; fold-in matches", "[als]") {
  const Interactions data = rec_toy::random_implicit(50, 40, 0.15, 2);
  ImplicitALSOptions o;
  o.regularization = 0.05;  // toy-sized data: the small λ of implicit's scale
  o.alpha = 2;
  o.factors = 6;
  o.iterations = 5;
  ImplicitALS m(o);
  m.fit(data);
  for (UserId u : {0, 7, 31}) {
    std::vector<std::pair<ItemId, float>> h;
    for (Interactions::Csr::InnerIterator it(data.matrix(), u); it; ++it) h.emplace_back(it.col(), it.value());
    const Eigen::VectorXd x = m.recalculate_user(h);
    const Eigen::VectorXf folded = m.score_history(h);
    for (ItemId i : {3, 19}) {
      const Explanation e = m.explain(u, i);
      double sum = 0;
      for (const auto& c : e.contributions) sum += c.weight;
      const double direct = m.item_factors().row(i).cast<double>().dot(x);
      INFO("user " << u << " item " << i << ": sum " << sum << " score " << e.score << " direct " << direct);
      REQUIRE(e.contributions.size() == std::min<std::size_t>(h.size(), 20));
      if (h.size() <= 20) REQUIRE(std::abs(sum - direct) < 1e-4 * (1 + std::abs(direct)));
      REQUIRE(std::abs(e.score - direct) < 1e-4 * (1 + std::abs(direct)));
      REQUIRE(std::abs(folded[i] - direct) < 1e-4 * (1 + std::abs(direct)));
      REQUIRE(!e.summary.empty());
    }
    // the fold-in of a fitted user's own history is close to the fitted factors' scores
    const Eigen::VectorXf fitted = m.item_factors() * m.user_factors().row(u).transpose();
    INFO("fold-in vs fitted " << (fitted - folded).norm() / fitted.norm());
    REQUIRE((fitted - folded).norm() <= 0.2 * fitted.norm());
  }
}

TEST_CASE("als: partial_fit_users moves a user to the other block", "[als]") {
  const Interactions data = rec_toy::blocks(40, 30, 4);
  ImplicitALSOptions o;
  o.regularization = 0.05;  // toy-sized data: the small λ of implicit's scale
  o.alpha = 2;
  o.factors = 8;
  o.iterations = 10;
  ImplicitALS m(o);
  m.fit(data);
  // user 0 is in block 0; give them block 3's items except one
  const int block = 3, ipb = 30 / 4;
  std::vector<Eigen::Triplet<float, int>> t;
  for (int i = block * ipb; i < (block + 1) * ipb - 1; ++i) t.emplace_back(0, i, 1.0f);
  Interactions::Csr row(1, 30);
  row.setFromTriplets(t.begin(), t.end());
  m.partial_fit_users({0}, row);
  const auto rec = m.recommend(0, 1);
  INFO("recommended " << rec[0].item);
  REQUIRE(rec[0].item == (block + 1) * ipb - 1);
  REQUIRE(m.seen().row(0).nonZeros() == ipb - 1);
  // partial_fit_items: item 0 re-solved from new columns keeps shapes
  Interactions::Csr col(40, 1);
  col.insert(5, 0) = 1;
  m.partial_fit_items({0}, col);
  REQUIRE(Interactions::Csc(m.seen()).col(0).nonZeros() == 1);
  REQUIRE_THROWS_AS(m.partial_fit_users({0}, Interactions::Csr(2, 30)), Error);
}

TEST_CASE("als: progress is reported per epoch and cancel keeps the old state", "[als]") {
  const Interactions data = rec_toy::random_implicit(30, 20, 0.2, 1);
  ImplicitALSOptions o;
  o.regularization = 0.05;  // toy-sized data: the small λ of implicit's scale
  o.alpha = 2;
  o.factors = 4;
  o.iterations = 5;
  ImplicitALS m(o);
  std::vector<double> seen;
  m.set_progress([&](const std::string&, double f) {
    seen.push_back(f);
    return true;
  });
  m.fit(data);
  REQUIRE(seen.size() == 5);
  REQUIRE(seen.back() == Approx(1.0));
  const Eigen::MatrixXf before = m.item_factors();
  o.seed = 77;
  ImplicitALS m2(o);
  m2.set_progress([&](const std::string&, double f) { return f < 0.5; });
  REQUIRE_THROWS_MATCHES(m2.fit(data), Error, Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::cancelled; }));
  REQUIRE_FALSE(m2.is_fitted());
  m.set_progress([](const std::string&, double) { return false; });
  REQUIRE_THROWS_AS(m.fit(data), Error);
  REQUIRE(m.is_fitted());
  REQUIRE((m.item_factors() - before).norm() == 0);
}

TEST_CASE("als: bad options and inputs throw naming the problem", "[als]") {
  const Interactions data = rec_toy::random_implicit(10, 8, 0.3, 1);
  ImplicitALSOptions o;
  o.regularization = 0.05;  // toy-sized data: the small λ of implicit's scale
  o.alpha = 2;
  o.factors = 0;
  REQUIRE_THROWS_WITH(ImplicitALS(o).fit(data), Catch::Contains("factors"));
  o = {};
  o.cg_steps = 0;
  REQUIRE_THROWS_WITH(ImplicitALS(o).fit(data), Catch::Contains("cg_steps"));
  o = {};
  o.regularization = -1;
  REQUIRE_THROWS_WITH(ImplicitALS(o).fit(data), Catch::Contains("regularization"));
  ImplicitALS m;
  REQUIRE_THROWS_AS(m.explain(0, 0), Error);
  m.fit(data);
  REQUIRE_THROWS_AS(m.explain(0, 99), Error);
  REQUIRE_THROWS_AS(m.similar_items(0, 0), Error);
  REQUIRE_THROWS_AS(m.score_history({{99, 1.0f}}), Error);
}

TEST_CASE("als: Rendle 2022 options (unobserved weight, frequency-scaled λ) fit and rank the toy blocks", "[als]") {
  const Interactions data = rec_toy::blocks(40, 30, 4);
  ImplicitALSOptions o;
  o.regularization = 0.05;  // toy-sized data: the small λ of implicit's scale
  o.alpha = 2;
  o.factors = 8;
  o.iterations = 10;
  o.unobserved_weight = 0.3;
  o.regularization = 0.01;
  o.regularization_exponent = 1.0;
  ImplicitALS m(o);
  m.fit(data);
  int hits = 0;
  for (UserId u = 0; u < data.num_users(); ++u)
    if (m.recommend(u, 1)[0].item == rec_toy::held_out_item(u, 40, 30, 4)) ++hits;
  INFO("hits " << hits);
  REQUIRE(hits >= 36);
  const auto sim = m.similar_items(0, 3);
  REQUIRE(sim.size() == 3);
  for (const auto& s : sim) REQUIRE(s.item / (30 / 4) == 0);  // same block
}
