// Bayesian BiasedMF and SVD++ (solver = "gibbs"): the sampler's draws have the moments they should,
// the posterior mean recovers a synthetic low-rank rating model and beats a single sample, results are
// bit-identical whatever the thread count, the k·S-column model persists, version-1 (SGD) files still
// load, and bad options and cancellation give clear errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "lowrank/rec/data.hpp"
#include "lowrank/rec/io.hpp"
#include "lowrank/rec/metrics.hpp"
#include "lowrank/rec/split.hpp"
#include "lowrank/rec/impl/mf_gibbs_impl.hpp"
#include "lowrank/rec/model.hpp"
#include "lowrank/rec/models/biased_mf.hpp"
#include "lowrank/rec/persist.hpp"
#include "lowrank/rec/registry.hpp"
#include "support/data_dir.hpp"
#include "support/rec_toy.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

using namespace lowrank;
using namespace lowrank::rec;

namespace {
using rec_toy::rmse;
using rec_toy::stride_split;
BiasedMFOptions gibbs_options(int factors, int sweeps, int burn_in) {
  BiasedMFOptions o;
  o.solver = "gibbs";
  o.factors = factors;
  o.epochs = sweeps;
  o.burn_in = burn_in;
  o.seed = 5;
  return o;
}
// Sets the OpenMP thread count for a scope and restores the previous one.
struct ThreadCount {
  explicit ThreadCount(int t) {
#if defined(_OPENMP)
    saved = omp_get_max_threads();
    omp_set_num_threads(t);
#else
    (void)t;
#endif
  }
  ~ThreadCount() {
#if defined(_OPENMP)
    omp_set_num_threads(saved);
#endif
  }
  int saved = 1;
};
}  // namespace

TEST_CASE("gibbs: gamma and Gaussian draws have the requested moments", "[mf_gibbs]") {
  rec::detail::SplitMix64 rng(11);
  const int n = 200000;
  for (double shape : {0.5, 2.5, 40.0}) {
    double s = 0, s2 = 0;
    for (int t = 0; t < n; ++t) {
      const double g = rec::detail::gamma_draw(rng, shape);
      REQUIRE(g > 0);
      s += g, s2 += g * g;
    }
    const double mean = s / n, var = s2 / n - mean * mean;
    INFO("shape " << shape << ": mean " << mean << ", variance " << var);
    CHECK(std::abs(mean - shape) < 5 * std::sqrt(shape / n));    // Gamma(a, 1): mean a, variance a
    CHECK(std::abs(var - shape) < 0.05 * shape);
  }
  // N(Λ⁻¹b, Λ⁻¹) for a 3×3 precision with off-diagonal terms
  Eigen::MatrixXd lambda(3, 3);
  lambda << 4, 1, 0.5, 1, 3, -0.7, 0.5, -0.7, 2;
  const Eigen::VectorXd b = (Eigen::VectorXd(3) << 1, -2, 0.5).finished();
  const Eigen::MatrixXd cov = lambda.inverse();
  const Eigen::VectorXd mean = cov * b;
  Eigen::VectorXd x, sum = Eigen::VectorXd::Zero(3);
  Eigen::MatrixXd outer = Eigen::MatrixXd::Zero(3, 3);
  for (int t = 0; t < n; ++t) {
    rec::detail::gaussian_draw(lambda, b, rng, x);
    sum += x;
    outer += (x - mean) * (x - mean).transpose();
  }
  const Eigen::VectorXd got_mean = sum / n;
  const Eigen::MatrixXd got_cov = outer / n;
  INFO("mean " << got_mean.transpose() << " vs " << mean.transpose() << "\ncovariance\n" << got_cov << "\nvs\n" << cov);
  for (int i = 0; i < 3; ++i) {
    CHECK(std::abs(got_mean[i] - mean[i]) < 5 * std::sqrt(cov(i, i) / n));
    for (int j = 0; j < 3; ++j) CHECK(std::abs(got_cov(i, j) - cov(i, j)) < 0.02 * std::sqrt(cov(i, i) * cov(j, j)));
  }
  // an indefinite precision is a numerical error, not garbage
  lambda(0, 0) = -1;
  REQUIRE_THROWS_MATCHES(rec::detail::gaussian_draw(lambda, b, rng, x), Error,
                         Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::numerical; }));
}

TEST_CASE("gibbs: a row's regression draw has the conditional's mean and covariance", "[mf_gibbs]") {
  // θ ~ N(Λ⁻¹b, Λ⁻¹) with Λ = diag(λ) + α FᵀF and b = λ∘m + α Fᵀ(e + Fθ₀), computed here directly with
  // Eigen; RegressionDraw gets the rows [f_t, e_t] and θ₀ and must sample the same distribution
  const Index k = 5, n = 7;
  const double alpha = 1.7;
  Eigen::MatrixXd F = Eigen::MatrixXd::Random(n, k);
  const Eigen::VectorXd e = Eigen::VectorXd::Random(n), theta0 = Eigen::VectorXd::Random(k);
  rec::detail::GibbsHyper prior(k);
  prior.mean = Eigen::VectorXd::LinSpaced(k, -0.5, 0.5);
  prior.precision = Eigen::VectorXd::LinSpaced(k, 0.5, 3.0);
  Eigen::MatrixXd lambda = alpha * F.transpose() * F;
  lambda.diagonal() += prior.precision;
  const Eigen::VectorXd b =
      prior.precision.cwiseProduct(prior.mean) + alpha * F.transpose() * (e + F * theta0);
  const Eigen::MatrixXd cov = lambda.inverse();
  const Eigen::VectorXd mean = cov * b;
  rec::detail::RegressionDraw draw(k);
  rec::detail::SplitMix64 rng(3);
  const int draws = 100000;
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(k);
  Eigen::MatrixXd outer = Eigen::MatrixXd::Zero(k, k);
  for (int s = 0; s < draws; ++s) {
    draw.start(n);
    for (Index t = 0; t < n; ++t) {
      for (Index f = 0; f < k; ++f) draw.row(t)[f] = F(t, f);
      draw.row(t)[k] = e[t];
    }
    const Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(draw.draw(prior, alpha, rng, theta0.data()), k);
    sum += x;
    outer += (x - mean) * (x - mean).transpose();
  }
  const Eigen::VectorXd got_mean = sum / draws;
  const Eigen::MatrixXd got_cov = outer / draws;
  INFO("mean " << got_mean.transpose() << " vs " << mean.transpose());
  for (Index i = 0; i < k; ++i) {
    CHECK(std::abs(got_mean[i] - mean[i]) < 5 * std::sqrt(cov(i, i) / draws));
    for (Index j = 0; j < k; ++j) CHECK(std::abs(got_cov(i, j) - cov(i, j)) < 0.03 * std::sqrt(cov(i, i) * cov(j, j)));
  }
}

TEST_CASE("gibbs: on ML-100K the chain leaves its small initial factors within a few sweeps", "[mf_gibbs][data]") {
  // The first sweep draws under the hyper-priors' initial values. Hyper-parameters drawn from the
  // initial factors (std-dev init_std = 0.05) instead have precisions near 400 and hold the factors
  // down for some 30 sweeps: this fold's test RMSE after 30 sweeps was then 0.937 (training RMSE after
  // sweep 8: 0.923), against 0.913 (0.813).
  LOWRANK_REQUIRE_DATA("ml-100k/u.data");
  const Split s = split_kfold(load_movielens(lowrank_test::data_path("ml-100k/u.data")), 5, 0, 42);
  BiasedMFOptions o = BiasedMF::gibbs_options();
  o.epochs = 30;
  o.burn_in = 5;
  BiasedMF m(o);
  m.fit(s.train);
  const double test_rmse = evaluate(m, s).values.at("rmse");
  INFO("fold 0, 30 sweeps: test RMSE " << test_rmse << ", training RMSE after sweep 8 " << m.train_rmse_history()[7]);
  CHECK(test_rmse < 0.925);
  CHECK(m.train_rmse_history()[7] < 0.86);  // levelled off (about 0.80) by sweep 8
}

TEST_CASE("gibbs: the posterior mean recovers a low-rank rating model and beats a single sample", "[mf_gibbs]") {
  const Interactions data = rec_toy::low_rank_ratings(200, 150, 3, 0.3, 0.3, 4);
  Interactions train;
  std::vector<Interaction> test;
  stride_split(data, train, test);
  for (int model = 0; model < 2; ++model) {
    const BiasedMFOptions averaged = gibbs_options(6, 80, 20), last_only = gibbs_options(6, 80, 79);
    std::unique_ptr<BiasedMF> a(model ? new SVDpp(averaged) : new BiasedMF(averaged));
    std::unique_ptr<BiasedMF> b(model ? new SVDpp(last_only) : new BiasedMF(last_only));
    a->fit(train);
    b->fit(train);
    const double e_avg = rmse(*a, test), e_last = rmse(*b, test);
    INFO(a->name() << ": test RMSE of the posterior mean " << e_avg << ", of the last sample " << e_last
                   << "; the ratings' noise has std-dev 0.3");
    CHECK(e_avg < 0.4);              // close to the noise floor
    CHECK(e_avg < 0.95 * e_last);    // averaging samples is what the sampler is for
    REQUIRE(a->epochs_run() == 80);  // one training RMSE per sweep
    CHECK(a->train_rmse_history().back() < 0.4);
    // predictions stay inside the training scale; explanations and fold-in work on the k·S columns
    for (const auto& r : test) {
      REQUIRE(a->predict(r.user, r.item) >= 1.0);
      REQUIRE(a->predict(r.user, r.item) <= 5.0);
    }
    const Explanation e = a->explain(3, 7);
    REQUIRE(!e.contributions.empty());
    for (const auto& c : e.contributions) REQUIRE(std::isfinite(c.weight));
    std::vector<std::pair<ItemId, float>> h;
    for (Interactions::Csr::InnerIterator it(train.matrix(), 3); it; ++it) h.emplace_back(it.col(), it.value());
    const Eigen::VectorXf folded = a->score_history(h);
    Eigen::MatrixXf fitted(1, train.num_items());
    a->score_block({3}, fitted);
    const Eigen::VectorXf f = fitted.row(0).transpose();
    const double corr = ((folded.array() - folded.mean()) * (f.array() - f.mean())).sum() /
                        std::sqrt((folded.array() - folded.mean()).square().sum() * (f.array() - f.mean()).square().sum());
    INFO("fold-in vs fitted correlation " << corr);
    CHECK(corr > 0.8);
  }
}

TEST_CASE("gibbs: a one-sample model is the chain's last state (its training RMSE, from the stored factors)",
          "[mf_gibbs]") {
  // burn_in = epochs − 1 keeps exactly the last sweep's sample: its stored P, Q, Y (and the user vectors
  // rebuilt from them) must reproduce the RMSE the sampler computed from its own state after that sweep.
  const Interactions data = rec_toy::low_rank_ratings(80, 60, 2, 0.4, 0.3, 12);
  for (int model = 0; model < 2; ++model) {
    const BiasedMFOptions o = gibbs_options(5, 15, 14);
    std::unique_ptr<BiasedMF> m(model ? new SVDpp(o) : new BiasedMF(o));
    m->fit(data);
    std::vector<UserId> users;
    for (UserId u = 0; u < data.num_users(); ++u) users.push_back(u);
    Eigen::MatrixXf raw(data.num_users(), data.num_items());
    m->score_block(users, raw);
    double se = 0;
    for (UserId u = 0; u < data.num_users(); ++u)
      for (Interactions::Csr::InnerIterator it(data.matrix(), u); it; ++it)
        se += std::pow(double(raw(u, it.col())) - it.value(), 2);
    const double stored = std::sqrt(se / double(data.nnz())), chain = m->train_rmse_history().back();
    INFO(m->name() << ": RMSE of the stored sample " << stored << ", of the chain's state " << chain);
    CHECK(std::abs(stored - chain) < 1e-5 * chain);
  }
}

TEST_CASE("gibbs: bit-identical for 1 and 2 threads; another seed differs", "[mf_gibbs]") {
  const Interactions data = rec_toy::low_rank_ratings(90, 70, 2, 0.3, 0.2, 8);
  for (int model = 0; model < 2; ++model) {
    const BiasedMFOptions o = gibbs_options(4, 12, 4);
    auto make = [&](const BiasedMFOptions& opt) {
      return std::unique_ptr<BiasedMF>(model ? new SVDpp(opt) : new BiasedMF(opt));
    };
    auto a = make(o), b = make(o);
    {
      ThreadCount one(1);
      a->fit(data);
    }
    {
      ThreadCount two(2);
      b->fit(data);
    }
    BiasedMFOptions other = o;
    other.seed = 6;
    auto c = make(other);
    c->fit(data);
    REQUIRE(serialize(*a) == serialize(*b));
    bool differs = false;
    for (UserId u = 0; u < 90; ++u) differs |= a->predict(u, 5) != c->predict(u, 5);
    REQUIRE(differs);
  }
}

TEST_CASE("gibbs: the k·S-column model round-trips; thinning keeps fewer samples", "[mf_gibbs]") {
  const Interactions data = rec_toy::low_rank_ratings(40, 30, 2, 0.4, 0.2, 3);
  BiasedMFOptions o = gibbs_options(3, 30, 10);
  o.thinning = 5;
  REQUIRE(rec::detail::mf_kept_samples(o) == 4);
  SVDpp thinned(o);
  thinned.fit(data);
  o.thinning = 1;
  SVDpp all(o);
  all.fit(data);
  // the state holds factors × samples float columns for p (40 users), q and y (30 items each)
  const auto small = serialize(thinned).size(), large = serialize(all).size();
  INFO("model bytes: thinning 5 → " << small << ", thinning 1 → " << large);
  CHECK(large - small == (40 + 2 * 30) * 3 * (20 - 4) * sizeof(float));
  const auto bytes = serialize(thinned);
  const auto back = deserialize(bytes.data(), bytes.size(), "test");
  const auto* s = dynamic_cast<const SVDpp*>(back.get());
  REQUIRE(s != nullptr);
  REQUIRE(s->options().solver == "gibbs");
  REQUIRE(s->options().thinning == 5);
  REQUIRE(s->options().burn_in == 10);
  for (UserId u = 0; u < 40; ++u) REQUIRE(back->predict(u, 2) == thinned.predict(u, 2));
  BiasedMF mf(o);
  mf.fit(data);
  const auto mf_bytes = serialize(mf);
  const auto mf_back = deserialize(mf_bytes.data(), mf_bytes.size(), "test");
  REQUIRE(dynamic_cast<const BiasedMF&>(*mf_back).options().solver == "gibbs");
  for (UserId u = 0; u < 40; ++u) REQUIRE(mf_back->predict(u, 5) == mf.predict(u, 5));
}

TEST_CASE("gibbs: version-1 files (SGD models, before the solver field) still load", "[mf_gibbs]") {
  for (const char* name : {"biasedmf", "svdpp"}) {
    const std::string path = std::string(LOWRANK_TEST_SOURCE_DIR) + "/fuzz/corpus/model/" + name + ".lrm";
    std::ifstream f(path, std::ios::binary);
    const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    REQUIRE(bytes.size() > 12);
    std::uint32_t version;
    std::memcpy(&version, bytes.data() + 8, 4);
    REQUIRE(version == 1);
    const auto m = deserialize(bytes.data(), bytes.size(), path);
    const auto* mf = dynamic_cast<const BiasedMF*>(m.get());
    REQUIRE(mf != nullptr);
    INFO(name);
    REQUIRE(mf->options().solver == "sgd");
    REQUIRE(m->is_fitted());
    REQUIRE(std::isfinite(m->predict(0, 0)));
    // written again, it is a version-2 file that reads back the same
    const auto again = serialize(*m);
    std::memcpy(&version, again.data() + 8, 4);
    REQUIRE(version == kFormatVersion);
    REQUIRE(deserialize(again.data(), again.size())->predict(0, 0) == m->predict(0, 0));
  }
}

TEST_CASE("gibbs: option errors and cancellation", "[mf_gibbs]") {
  const Interactions data = rec_toy::low_rank_ratings(20, 20, 2, 0.5, 0.1, 1);
  BiasedMFOptions o = gibbs_options(3, 10, 10);
  REQUIRE_THROWS_WITH(SVDpp(o).fit(data), Catch::Contains("burn_in"));
  o = gibbs_options(3, 10, 2);
  o.thinning = 0;
  REQUIRE_THROWS_WITH(BiasedMF(o).fit(data), Catch::Contains("thinning"));
  o = gibbs_options(3, 10, 2);
  o.validation_fraction = 0.2;
  REQUIRE_THROWS_WITH(SVDpp(o).fit(data), Catch::Contains("validation_fraction"));
  o = gibbs_options(3, 10, 2);
  o.solver = "adam";
  REQUIRE_THROWS_WITH(BiasedMF(o).fit(data), Catch::Contains("solver"));
  REQUIRE_THROWS_WITH(make_recommender("svdpp", {{"solver", "adam"}}), Catch::Contains("solver"));
  SVDpp m(gibbs_options(3, 10, 2));
  m.set_progress([](const std::string&, double f) { return f < 0.3; });
  REQUIRE_THROWS_MATCHES(m.fit(data), Error, Catch::Predicate<Error>([](const Error& e) { return e.code() == Errc::cancelled; }));
  REQUIRE_FALSE(m.is_fitted());
  REQUIRE_THROWS_WITH(make_recommender("svdpp", {{"thinning", "0"}}), Catch::Contains("thinning"));
  REQUIRE_THROWS_WITH(make_recommender("biasedmf", {{"burn_in", "-1"}}), Catch::Contains("burn_in"));
  o = gibbs_options(600, 10, 2);
  REQUIRE_THROWS_WITH(BiasedMF(o).fit(data), Catch::Contains("factors"));
  // the registry's svdpp is the Bayesian one; solver=sgd selects Koren's SGD with its own defaults
  const auto def = make_recommender("svdpp", {});
  REQUIRE(dynamic_cast<const SVDpp&>(*def).options().solver == "gibbs");
  REQUIRE(dynamic_cast<const SVDpp&>(*def).options().factors == 8);
  // and the registry's biasedmf stays SGD; solver=gibbs starts from BiasedMF::gibbs_options()
  const auto mf_def = make_recommender("biasedmf", {});
  REQUIRE(dynamic_cast<const BiasedMF&>(*mf_def).options().solver == "sgd");
  REQUIRE(dynamic_cast<const BiasedMF&>(*mf_def).options().factors == 64);
  const auto mf_gibbs = make_recommender("biasedmf", {{"solver", "gibbs"}, {"epochs", "30"}});
  REQUIRE(dynamic_cast<const BiasedMF&>(*mf_gibbs).options().factors == 8);
  REQUIRE(dynamic_cast<const BiasedMF&>(*mf_gibbs).options().epochs == 30);
  REQUIRE(dynamic_cast<const BiasedMF&>(*mf_gibbs).options().burn_in == BiasedMF::gibbs_options().burn_in);
  const auto sgd = make_recommender("svdpp", {{"solver", "sgd"}});
  REQUIRE(dynamic_cast<const SVDpp&>(*sgd).options().solver == "sgd");
  REQUIRE(dynamic_cast<const SVDpp&>(*sgd).options().factors == 64);
  REQUIRE(dynamic_cast<const SVDpp&>(*sgd).options().epochs == 40);
}
