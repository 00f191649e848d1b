#pragma once
/// \file rec/impl/biased_mf_impl.hpp  BiasedMF and SVDpp definitions (compiled once in src/lib/rec_models.cpp).
#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <sstream>

#include "lowrank/config.hpp"
#include "lowrank/kernels.hpp"
#include "lowrank/rec/impl/mf_gibbs_impl.hpp"
#include "lowrank/rec/impl/models_detail.hpp"
#include "lowrank/rec/models/biased_mf.hpp"
#include "lowrank/rec/persist.hpp"

namespace lowrank::rec {
namespace detail {

inline void check_mf_options(const BiasedMFOptions& o, const char* who) {
  LOWRANK_CHECK(o.factors >= 1, invalid_argument, who, ": factors = ", o.factors, " < 1");
  LOWRANK_CHECK(std::isfinite(o.learning_rate) && o.learning_rate > 0 && o.learning_rate < 1, invalid_argument, who,
                ": learning_rate = ", o.learning_rate, " outside (0, 1)");
  LOWRANK_CHECK(std::isfinite(o.regularization) && o.regularization >= 0, invalid_argument, who,
                ": regularization = ", o.regularization, " must be >= 0");
  LOWRANK_CHECK(std::isfinite(o.bias_regularization) && o.bias_regularization >= 0, invalid_argument, who,
                ": bias_regularization = ", o.bias_regularization, " must be >= 0");
  LOWRANK_CHECK(o.epochs >= 0 && o.epochs <= 100000, invalid_argument, who, ": epochs = ", o.epochs,
                " outside [0, 100000]");
  LOWRANK_CHECK(std::isfinite(o.learning_rate_decay) && o.learning_rate_decay > 0 && o.learning_rate_decay <= 1,
                invalid_argument, who, ": learning_rate_decay = ", o.learning_rate_decay, " outside (0, 1]");
  LOWRANK_CHECK(std::isfinite(o.init_std) && o.init_std >= 0, invalid_argument, who, ": init_std = ", o.init_std,
                " must be >= 0");
  LOWRANK_CHECK(o.validation_fraction >= 0 && o.validation_fraction < 1, invalid_argument, who,
                ": validation_fraction = ", o.validation_fraction, " outside [0, 1)");
  LOWRANK_CHECK(o.patience >= 1, invalid_argument, who, ": patience = ", o.patience, " < 1");
  LOWRANK_CHECK(is_mf_solver(o.solver), invalid_argument, who, ": solver = \"", o.solver,
                "\" (expected sgd or gibbs)");
  if (o.solver == "gibbs") {
    LOWRANK_CHECK(o.burn_in >= 0 && o.burn_in < o.epochs, invalid_argument, who, ": burn_in = ", o.burn_in,
                  " outside [0, epochs = ", o.epochs, ") (gibbs averages the sweeps after the burn-in)");
    LOWRANK_CHECK(o.thinning >= 1, invalid_argument, who, ": thinning = ", o.thinning, " < 1");
    LOWRANK_CHECK(o.validation_fraction == 0, invalid_argument, who, ": validation_fraction = ",
                  o.validation_fraction, " with solver gibbs (early stopping is for sgd)");
    LOWRANK_CHECK(double(o.factors) * double(mf_kept_samples(o)) <= 1e5, invalid_argument, who, ": factors × samples = ",
                  double(o.factors) * double(mf_kept_samples(o)), " columns (raise thinning)");
  }
}

/// The ridge fold-in p = (QₕᵀQₕ + λI)⁻¹Qₕᵀr over a history's n item rows Qₕ, in the smaller of its two
/// forms: the model's k columns, or — when the history is shorter than that, as it always is against a
/// Gibbs model's factors × samples columns — n×n through p = Qₕᵀ(QₕQₕᵀ + λI)⁻¹r.
inline Eigen::VectorXd ridge_fold_in(const Eigen::MatrixXd& Qh, const Eigen::VectorXd& r, double lambda) {
  if (Qh.rows() >= Qh.cols()) {
    Eigen::MatrixXd A = Qh.transpose() * Qh;
    A.diagonal().array() += lambda;
    return A.llt().solve(Qh.transpose() * r);
  }
  Eigen::MatrixXd K = Qh * Qh.transpose();
  K.diagonal().array() += lambda;
  return Qh.transpose() * K.llt().solve(r);
}

/// Qₕ(QₕᵀQₕ + λI)⁻¹q — how much each history row's residual moves the fold-in's score of an item q —
/// in the smaller form, (QₕQₕᵀ + λI)⁻¹Qₕq when the history is shorter than the model's columns.
inline Eigen::VectorXd ridge_weights(const Eigen::MatrixXd& Qh, const Eigen::VectorXd& q, double lambda) {
  if (Qh.rows() >= Qh.cols()) {
    Eigen::MatrixXd A = Qh.transpose() * Qh;
    A.diagonal().array() += lambda;
    return Qh * A.llt().solve(q);
  }
  Eigen::MatrixXd K = Qh * Qh.transpose();
  K.diagonal().array() += lambda;
  return K.llt().solve(Qh * q);
}

/// Ratings in CSR order, split into (train, validation) by a seeded shuffle when validation_fraction > 0.
inline void mf_ratings(const Interactions& data, const BiasedMFOptions& o, std::vector<Rating>& train,
                       std::vector<Rating>& valid) {
  const auto& m = data.matrix();
  std::vector<Rating> all;
  all.reserve(std::size_t(m.nonZeros()));
  for (Index u = 0; u < m.rows(); ++u)
    for (Interactions::Csr::InnerIterator it(m, u); it; ++it) all.push_back({std::int32_t(u), std::int32_t(it.col()), it.value()});
  train.clear();
  valid.clear();
  if (o.validation_fraction > 0) {
    SplitMix64 rng(o.seed ^ 0x7a11da7eull);
    shuffle(all, rng);
    const std::size_t nv = std::size_t(o.validation_fraction * double(all.size()));
    valid.assign(all.begin(), all.begin() + std::ptrdiff_t(nv));
    train.assign(all.begin() + std::ptrdiff_t(nv), all.end());
    auto by_pos = [](const Rating& a, const Rating& b) { return a.user < b.user || (a.user == b.user && a.item < b.item); };
    std::sort(train.begin(), train.end(), by_pos);
  } else {
    train = std::move(all);
  }
}

/// The constants of one BiasedMF SGD step.
struct MfStep {
  float reg, reg_bias, mu;
};

/// The training ratings in B×B blocks for stratified SGD (see BiasedMF::fit): users and items are cut
/// into B contiguous index ranges (so threads write disjoint stretches of the factor and bias arrays, no
/// false sharing); each block keeps its own generator for its per-epoch shuffles.
class MfBlocks {
 public:
  static constexpr Index kGroups = 8;
  MfBlocks(const std::vector<Rating>& train, Index users, Index items, std::uint64_t seed)
      : m_groups(std::max<Index>(1, std::min({kGroups, users, items}))) {
    m_blocks.resize(std::size_t(m_groups * m_groups));
    for (const auto& r : train)
      m_blocks[block_of(Index(r.user) * m_groups / users, Index(r.item) * m_groups / items)].push_back(r);
    for (std::size_t b = 0; b < m_blocks.size(); ++b) m_rngs.emplace_back(seed ^ (0x5eedb10c00000000ull + b));
  }

  /// One epoch over every block, strata in an order drawn from `rng`; returns the sum of squared errors.
  template <class Mat, class Vec>
  double epoch(Mat& P, Mat& Q, Vec& bu, Vec& bi, float lr, const MfStep& step, SplitMix64& rng) {
    std::vector<Index> strata(static_cast<std::size_t>(m_groups));
    for (Index s = 0; s < m_groups; ++s) strata[std::size_t(s)] = s;
    shuffle(strata, rng);
    std::vector<double> sse(m_blocks.size(), 0.0);
    for (Index s : strata) {
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(dynamic, 1)
#endif
      for (Index g = 0; g < m_groups; ++g) {
        const std::size_t b = block_of(g, (g + s) % m_groups);
        shuffle(m_blocks[b], m_rngs[b]);
        sse[b] = run_block(m_blocks[b], P, Q, bu, bi, lr, step);
      }
    }
    double total = 0;
    for (double v : sse) total += v;  // fixed order: the same sum whatever the thread count
    return total;
  }

 private:
  std::size_t block_of(Index user_group, Index item_group) const {
    return std::size_t(user_group * m_groups + item_group);
  }

  template <class Mat, class Vec>
  static double run_block(const std::vector<Rating>& ratings, Mat& P, Mat& Q, Vec& bu, Vec& bi, float lr,
                          const MfStep& step) {
    constexpr std::size_t kPrefetchDistance = 8;
    const std::size_t k = std::size_t(P.cols()), row_bytes = k * sizeof(float), n = ratings.size();
    double sse = 0;
    for (std::size_t t = 0; t < n; ++t) {
      const Rating& r = ratings[t];
      if (t + kPrefetchDistance < n) {
        const Rating& ahead = ratings[t + kPrefetchDistance];
        prefetch_bytes(P.row(ahead.user).data(), row_bytes);
        prefetch_bytes(Q.row(ahead.item).data(), row_bytes);
      }
      // e = r − μ − b_u − b_i − p_uᵀq_i, and p_u, q_i updated from each other's old value (SIMD kernel)
      const float e = kernels::mf_sgd_step(P.row(r.user).data(), Q.row(r.item).data(), k,
                                           r.value - (step.mu + bu[r.user] + bi[r.item]), lr, step.reg);
      sse += double(e) * double(e);
      bu[r.user] += lr * (e - step.reg_bias * bu[r.user]);
      bi[r.item] += lr * (e - step.reg_bias * bi[r.item]);
    }
    return sse;
  }

  Index m_groups;
  std::vector<std::vector<Rating>> m_blocks;
  std::vector<SplitMix64> m_rngs;
};

}  // namespace detail

LOWRANK_IMPL_INLINE double BiasedMF::raw_score(UserId user, ItemId item) const {
  return m_mu + double(m_bu[user]) + double(m_bi[item]) + double(user_vector(user).dot(m_q.row(item).transpose()));
}

LOWRANK_IMPL_INLINE void BiasedMF::fit(const Interactions& data) {
  // step 0 — validate
  const auto& o = m_opt;
  detail::check_mf_options(o, "BiasedMF::fit");
  LOWRANK_CHECK(data.nnz() > 0, shape_mismatch, "BiasedMF::fit: no ratings");
  // step 1 — ratings, global mean, scale, optional validation share
  std::vector<detail::Rating> train, valid;
  detail::mf_ratings(data, o, train, valid);
  LOWRANK_CHECK(!train.empty(), shape_mismatch, "BiasedMF::fit: no training ratings left after the validation split");
  double mu = 0, lo = train.front().value, hi = lo;
  for (const auto& r : train) {
    mu += r.value;
    lo = std::min(lo, double(r.value));
    hi = std::max(hi, double(r.value));
  }
  mu /= double(train.size());
  const Index nu = data.num_users(), ni = data.num_items(), k = o.factors;
  if (o.solver == "gibbs") {  // Bayesian MF: the sampler does steps 2 and 3
    auto r = detail::mf_gibbs(train, nu, ni, mu, o, false, [&](double f) { report_progress("biasedmf", f); });
    m_mu = mu, m_min = lo, m_max = hi;
    m_p = std::move(r.P), m_q = std::move(r.Q), m_bu = std::move(r.bu), m_bi = std::move(r.bi);
    m_train_rmse = std::move(r.train_rmse), m_valid_rmse.clear();
    remember_training_data(data);
    set_fitted(true);
    return;
  }
  // step 2 — seeded initial factors N(0, init_std²), zero biases
  detail::SplitMix64 rng(o.seed);
  MatF P(nu, k), Q(ni, k);
  for (Index i = 0; i < P.size(); ++i) P.data()[i] = float(o.init_std * rng.normal());
  for (Index i = 0; i < Q.size(); ++i) Q.data()[i] = float(o.init_std * rng.normal());
  Eigen::VectorXf bu = Eigen::VectorXf::Zero(nu), bi = Eigen::VectorXf::Zero(ni);
  // step 3 — SGD epochs, stratified (DSGD, Gemulla et al., KDD 2011): users and items fall into B groups
  // (contiguous index ranges), so the ratings form B×B blocks; an epoch runs B strata, stratum s being the blocks
  // (b, (b + s) mod B), which share no user and no item. The blocks of a stratum are therefore
  // independent and run on as many threads as there are, and the result is bit-identical whatever the
  // thread count. Each block's ratings are shuffled in place every epoch by the block's own generator, and
  // the strata run in a seeded order; the learning rate decays per epoch. Within a block the ratings
  // stream in order and the factor rows are prefetched a few ratings ahead (they do not fit in L1).
  detail::MfBlocks blocks(train, nu, ni, o.seed);
  std::vector<double> train_rmse, valid_rmse;
  double best = INFINITY;
  int since_best = 0;
  MatF bestP, bestQ;
  Eigen::VectorXf bestbu, bestbi;
  float lr = float(o.learning_rate);
  const detail::MfStep step{float(o.regularization), float(o.bias_regularization), float(mu)};
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    const double sse = blocks.epoch(P, Q, bu, bi, lr, step, rng);
    lr *= float(o.learning_rate_decay);
    train_rmse.push_back(std::sqrt(sse / double(train.size())));
    LOWRANK_CHECK(std::isfinite(train_rmse.back()), numerical, "BiasedMF::fit: non-finite error in epoch ", epoch + 1,
                  " (lower learning_rate)");
    if (!valid.empty()) {
      double vs = 0;
      for (const auto& r : valid) {
        double pred = mu + bu[r.user] + bi[r.item] + double(P.row(r.user).dot(Q.row(r.item)));
        pred = std::min(hi, std::max(lo, pred));
        vs += (r.value - pred) * (r.value - pred);
      }
      valid_rmse.push_back(std::sqrt(vs / double(valid.size())));
      if (valid_rmse.back() < best) {
        best = valid_rmse.back();
        since_best = 0;
        bestP = P, bestQ = Q, bestbu = bu, bestbi = bi;
      } else if (++since_best >= o.patience) {
        report_progress("biasedmf", 1.0);
        break;
      }
    }
    report_progress("biasedmf", double(epoch + 1) / double(o.epochs));
  }
  if (!valid.empty() && bestP.size() > 0) P = std::move(bestP), Q = std::move(bestQ), bu = bestbu, bi = bestbi;
  // step 4 — commit
  m_mu = mu, m_min = lo, m_max = hi;
  m_p = std::move(P), m_q = std::move(Q), m_bu = std::move(bu), m_bi = std::move(bi);
  m_train_rmse = std::move(train_rmse), m_valid_rmse = std::move(valid_rmse);
  remember_training_data(data);
  set_fitted(true);
}

LOWRANK_IMPL_INLINE void BiasedMF::score_block(const std::vector<UserId>& users, Eigen::Ref<Eigen::MatrixXf> out) const {
  LOWRANK_CHECK(is_fitted(), invalid_argument, name(), ": score_block before fit");
  LOWRANK_CHECK(out.rows() == Index(users.size()) && out.cols() == num_items(), shape_mismatch, name(),
                ": score_block out is ", out.rows(), "x", out.cols(), ", expected ", users.size(), "x", num_items());
  Eigen::MatrixXf U(Index(users.size()), m_q.cols());
  for (std::size_t r = 0; r < users.size(); ++r) {
    check_user(users[r], "BiasedMF::score_block");
    U.row(Index(r)) = user_vector(users[r]).transpose();
  }
  out.noalias() = U * m_q.transpose();
  for (std::size_t r = 0; r < users.size(); ++r)
    out.row(Index(r)).array() += float(m_mu) + m_bu[users[r]] + m_bi.transpose().array();
}

LOWRANK_IMPL_INLINE double BiasedMF::predict(UserId user, ItemId item) const {
  check_user(user, "BiasedMF::predict");
  check_item(item, "BiasedMF::predict");
  return std::min(m_max, std::max(m_min, raw_score(user, item)));
}

LOWRANK_IMPL_INLINE Explanation BiasedMF::explain(UserId user, ItemId item) const {
  check_user(user, "BiasedMF::explain");
  check_item(item, "BiasedMF::explain");
  // The factor part q_iᵀp_u is attributed to the seen ratings through the user's ridge fold-in
  // p ≈ (QₕᵀQₕ + λnI)⁻¹ Σ_j q_j (r_j − μ − b_u − b_j): item j contributes q_iᵀW q_j (r_j − μ − b_u − b_j).
  const auto hist = detail::row_history(*m_seen, user);
  const Index k = m_q.cols(), n = Index(hist.size());
  Eigen::MatrixXd Qh(n, k);
  Eigen::VectorXd res(n);
  for (Index j = 0; j < n; ++j) {
    Qh.row(j) = m_q.row(hist[std::size_t(j)].first).cast<double>();
    res[j] = hist[std::size_t(j)].second - m_mu - m_bu[user] - m_bi[hist[std::size_t(j)].first];
  }
  const Eigen::VectorXd w = detail::ridge_weights(Qh, m_q.row(item).transpose().cast<double>(),
                                                  m_opt.regularization * double(std::max<Index>(n, 1)));
  Explanation e;
  e.user = user;
  e.item = item;
  e.score = float(predict(user, item));
  for (Index j = 0; j < n; ++j) e.contributions.push_back({hist[std::size_t(j)].first, float(res[j] * w[j])});
  detail::sort_contributions(e.contributions);
  std::ostringstream s;
  s << "rating " << e.score << " = mean " << m_mu << " + user bias " << m_bu[user] << " + item bias " << m_bi[item]
    << " + factors " << (raw_score(user, item) - m_mu - m_bu[user] - m_bi[item])
    << " (clamped to [" << m_min << ", " << m_max << "]); contributions: seen ratings through a ridge fold-in";
  e.summary = s.str();
  return e;
}

LOWRANK_IMPL_INLINE std::vector<ScoredItem> BiasedMF::similar_items(ItemId item, int k) const {
  check_item(item, "BiasedMF::similar_items");
  LOWRANK_CHECK(k >= 1, invalid_argument, name(), ": similar_items k = ", k, " < 1");
  const Eigen::VectorXf norms = m_q.rowwise().norm();
  Eigen::VectorXf s = m_q * m_q.row(item).transpose();
  for (Index j = 0; j < s.size(); ++j) {
    const float d = norms[j] * norms[item];
    s[j] = d > 0 ? s[j] / d : 0.0f;
  }
  return detail::top_k(s, k, item);
}

LOWRANK_IMPL_INLINE Eigen::VectorXf BiasedMF::score_history(const std::vector<std::pair<ItemId, float>>& history) const {
  LOWRANK_CHECK(is_fitted(), invalid_argument, name(), ": score_history before fit");
  detail::check_history(history, num_items(), "BiasedMF::score_history");
  const Index k = m_q.cols(), n = Index(history.size());
  Eigen::MatrixXd Qh(n, k);
  Eigen::VectorXd r(n);
  for (Index j = 0; j < n; ++j) {
    const auto [i, v] = history[std::size_t(j)];
    Qh.row(j) = m_q.row(i).cast<double>();
    r[j] = double(v) - m_mu - double(m_bi[i]);
  }
  const Eigen::VectorXf p =
      detail::ridge_fold_in(Qh, r, m_opt.regularization * double(std::max<Index>(n, 1))).cast<float>();
  Eigen::VectorXf s = m_q * p;
  s.array() += float(m_mu) + m_bi.array();
  return s;
}

LOWRANK_IMPL_INLINE void BiasedMF::write_common(BinaryWriter& out) const {
  const auto& o = m_opt;
  out.write<std::int32_t>(o.factors);
  out.write<double>(o.learning_rate);
  out.write<double>(o.regularization);
  out.write<std::int32_t>(o.epochs);
  out.write<double>(o.bias_regularization);
  out.write<double>(o.learning_rate_decay);
  out.write<double>(o.init_std);
  out.write<double>(o.validation_fraction);
  out.write<std::int32_t>(o.patience);
  out.write<std::uint64_t>(o.seed);
  out.write_string(o.solver);  // format version 2
  out.write<std::int32_t>(o.burn_in);
  out.write<std::int32_t>(o.thinning);
  out.write<double>(m_mu);
  out.write<double>(m_min);
  out.write<double>(m_max);
  out.write_vector(m_train_rmse);
  out.write_vector(m_valid_rmse);
  out.write_matrix(m_bu);
  out.write_matrix(m_bi);
  out.write_matrix(m_p);
  out.write_matrix(m_q);
}

LOWRANK_IMPL_INLINE void BiasedMF::read_common(BinaryReader& in) {
  BiasedMFOptions o;
  o.factors = in.read<std::int32_t>("mf factors");
  o.learning_rate = in.read<double>("mf learning_rate");
  o.regularization = in.read<double>("mf regularization");
  o.epochs = in.read<std::int32_t>("mf epochs");
  o.bias_regularization = in.read<double>("mf bias_regularization");
  o.learning_rate_decay = in.read<double>("mf learning_rate_decay");
  o.init_std = in.read<double>("mf init_std");
  o.validation_fraction = in.read<double>("mf validation_fraction");
  o.patience = in.read<std::int32_t>("mf patience");
  o.seed = in.read<std::uint64_t>("mf seed");
  if (in.format_version() >= 2) {  // version 1 files are SGD models
    o.solver = in.read_string("mf solver");
    o.burn_in = in.read<std::int32_t>("mf burn_in");
    o.thinning = in.read<std::int32_t>("mf thinning");
    LOWRANK_CHECK(detail::is_mf_solver(o.solver) && o.thinning >= 1 && o.burn_in >= 0 && o.factors >= 1,
                  corrupt, in.source(), ": ", name(), " options are corrupt (solver \"", o.solver, "\", burn_in ",
                  o.burn_in, ", thinning ", o.thinning, ", factors ", o.factors, ")");
  }
  const double mu = in.read<double>("mf mean"), lo = in.read<double>("mf min"), hi = in.read<double>("mf max");
  auto tr = in.read_vector<double>("mf train rmse");
  auto va = in.read_vector<double>("mf validation rmse");
  Eigen::VectorXf bu = in.read_vector_eigen<float>("mf user biases");
  Eigen::VectorXf bi = in.read_vector_eigen<float>("mf item biases");
  MatF p = in.read_matrix<float>("mf user factors");
  MatF q = in.read_matrix<float>("mf item factors");
  if (is_fitted()) {
    LOWRANK_CHECK(bu.size() == num_users() && p.rows() == num_users() && bi.size() == num_items() &&
                      q.rows() == num_items() && p.cols() == o.factors * detail::mf_kept_samples(o) &&
                      q.cols() == p.cols(),
                  corrupt, in.source(), ": ", name(), " parameter shapes do not match the id maps");
  }
  m_opt = o;
  m_mu = mu, m_min = lo, m_max = hi;
  m_train_rmse = std::move(tr), m_valid_rmse = std::move(va);
  m_bu = std::move(bu), m_bi = std::move(bi), m_p = std::move(p), m_q = std::move(q);
}

LOWRANK_IMPL_INLINE void BiasedMF::save_state(BinaryWriter& out) const { write_common(out); }
LOWRANK_IMPL_INLINE void BiasedMF::load_state(BinaryReader& in) { read_common(in); }

// ---- SVD++ ---------------------------------------------------------------------------------------

LOWRANK_IMPL_INLINE Eigen::VectorXf SVDpp::user_vector(UserId user) const { return m_user_vec.row(user).transpose(); }

LOWRANK_IMPL_INLINE void SVDpp::rebuild_user_vectors() {
  const Index nu = m_p.rows(), k = m_p.cols();
  m_user_vec.resize(nu, k);
  for (Index u = 0; u < nu; ++u) {
    Eigen::VectorXf z = Eigen::VectorXf::Zero(k);
    Index n = 0;
    for (Interactions::Csr::InnerIterator it(*m_seen, u); it; ++it, ++n) z += m_y.row(it.col()).transpose();
    if (n > 0) z /= std::sqrt(float(n));
    m_user_vec.row(u) = m_p.row(u) + z.transpose();
  }
}

LOWRANK_IMPL_INLINE void SVDpp::fit(const Interactions& data) {
  // step 0 — validate
  const auto& o = m_opt;
  detail::check_mf_options(o, "SVDpp::fit");
  LOWRANK_CHECK(data.nnz() > 0, shape_mismatch, "SVDpp::fit: no ratings");
  // step 1 — ratings grouped by user (train share), N(u) = the user's training items
  std::vector<detail::Rating> train, valid;
  detail::mf_ratings(data, o, train, valid);
  LOWRANK_CHECK(!train.empty(), shape_mismatch, "SVDpp::fit: no training ratings left after the validation split");
  const Index nu = data.num_users(), ni = data.num_items(), k = o.factors;
  std::vector<std::int64_t> uptr(std::size_t(nu) + 1, 0);
  for (const auto& r : train) ++uptr[std::size_t(r.user) + 1];
  for (Index u = 0; u < nu; ++u) uptr[std::size_t(u) + 1] += uptr[std::size_t(u)];
  double mu = 0, lo = train.front().value, hi = lo;
  for (const auto& r : train) mu += r.value, lo = std::min(lo, double(r.value)), hi = std::max(hi, double(r.value));
  mu /= double(train.size());
  if (o.solver == "gibbs") {  // Bayesian SVD++: the sampler does steps 2 and 3
    auto r = detail::mf_gibbs(train, nu, ni, mu, o, true, [&](double f) { report_progress("svdpp", f); });
    m_mu = mu, m_min = lo, m_max = hi;
    m_p = std::move(r.P), m_q = std::move(r.Q), m_y = std::move(r.Y), m_bu = std::move(r.bu), m_bi = std::move(r.bi);
    m_train_rmse = std::move(r.train_rmse), m_valid_rmse.clear();
    remember_training_data(data);
    rebuild_user_vectors();
    set_fitted(true);
    return;
  }
  // step 2 — seeded init
  detail::SplitMix64 rng(o.seed);
  MatF P(nu, k), Q(ni, k), Y(ni, k);
  for (Index i = 0; i < P.size(); ++i) P.data()[i] = float(o.init_std * rng.normal());
  for (Index i = 0; i < Q.size(); ++i) Q.data()[i] = float(o.init_std * rng.normal());
  for (Index i = 0; i < Y.size(); ++i) Y.data()[i] = float(o.init_std * rng.normal());
  Eigen::VectorXf bu = Eigen::VectorXf::Zero(nu), bi = Eigen::VectorXf::Zero(ni);
  // step 3 — epochs: users in a shuffled order, each user's ratings shuffled; the implicit sum z is
  // computed once per user visit and the y_j gradient applied once at its end (LibRec/Surprise-fast form).
  std::vector<std::int32_t> users(static_cast<std::size_t>(nu));
  for (Index u = 0; u < nu; ++u) users[std::size_t(u)] = std::int32_t(u);
  std::vector<std::uint32_t> local;
  std::vector<double> train_rmse, valid_rmse;
  float lr = float(o.learning_rate);
  const float reg = float(o.regularization), regb = float(o.bias_regularization), fmu = float(mu);
  Eigen::RowVectorXf z(k), g(k), pz(k), pold(k);
  double best = INFINITY;
  int since_best = 0;
  MatF bP, bQ, bY;
  Eigen::VectorXf bbu, bbi;
  auto implicit_sum = [&](Index u, const MatF& Ym) {
    Eigen::RowVectorXf s = Eigen::RowVectorXf::Zero(k);
    const auto b = uptr[std::size_t(u)], e = uptr[std::size_t(u) + 1];
    for (auto t = b; t < e; ++t) s += Ym.row(train[std::size_t(t)].item);
    if (e > b) s /= std::sqrt(float(e - b));
    return s;
  };
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    detail::shuffle(users, rng);
    double sse = 0;
    for (std::int32_t u : users) {
      const auto b = uptr[std::size_t(u)], e = uptr[std::size_t(u) + 1];
      if (e == b) continue;
      local.resize(std::size_t(e - b));
      for (auto t = b; t < e; ++t) local[std::size_t(t - b)] = std::uint32_t(t);
      detail::shuffle(local, rng);
      const float inv_sqrt = 1.0f / std::sqrt(float(e - b));
      z = implicit_sum(u, Y);
      g.setZero();
      auto pu = P.row(u);
      for (std::uint32_t t : local) {
        const auto& r = train[t];
        auto qi = Q.row(r.item);
        pz = pu + z;
        const float err = r.value - (fmu + bu[u] + bi[r.item] + pz.dot(qi));
        sse += double(err) * double(err);
        bu[u] += lr * (err - regb * bu[u]);
        bi[r.item] += lr * (err - regb * bi[r.item]);
        g += err * qi;
        pold = pu;
        pu += lr * (err * qi - reg * pu);
        qi += lr * (err * pz - reg * qi);
      }
      for (auto t = b; t < e; ++t) {
        auto yj = Y.row(train[std::size_t(t)].item);
        yj += lr * (inv_sqrt * g - reg * yj);
      }
    }
    lr *= float(o.learning_rate_decay);
    train_rmse.push_back(std::sqrt(sse / double(train.size())));
    LOWRANK_CHECK(std::isfinite(train_rmse.back()), numerical, "SVDpp::fit: non-finite error in epoch ", epoch + 1,
                  " (lower learning_rate)");
    if (!valid.empty()) {
      double vs = 0;
      for (const auto& r : valid) {
        double pred = mu + bu[r.user] + bi[r.item] + double((P.row(r.user) + implicit_sum(r.user, Y)).dot(Q.row(r.item)));
        pred = std::min(hi, std::max(lo, pred));
        vs += (r.value - pred) * (r.value - pred);
      }
      valid_rmse.push_back(std::sqrt(vs / double(valid.size())));
      if (valid_rmse.back() < best) {
        best = valid_rmse.back(), since_best = 0;
        bP = P, bQ = Q, bY = Y, bbu = bu, bbi = bi;
      } else if (++since_best >= o.patience) {
        report_progress("svdpp", 1.0);
        break;
      }
    }
    report_progress("svdpp", double(epoch + 1) / double(o.epochs));
  }
  if (!valid.empty() && bP.size() > 0) P = std::move(bP), Q = std::move(bQ), Y = std::move(bY), bu = bbu, bi = bbi;
  // step 4 — commit; N(u) for scoring is the training matrix (the validation share included)
  m_mu = mu, m_min = lo, m_max = hi;
  m_p = std::move(P), m_q = std::move(Q), m_y = std::move(Y), m_bu = std::move(bu), m_bi = std::move(bi);
  m_train_rmse = std::move(train_rmse), m_valid_rmse = std::move(valid_rmse);
  remember_training_data(data);
  rebuild_user_vectors();
  set_fitted(true);
}

LOWRANK_IMPL_INLINE void SVDpp::score_block(const std::vector<UserId>& users, Eigen::Ref<Eigen::MatrixXf> out) const {
  BiasedMF::score_block(users, out);
}

LOWRANK_IMPL_INLINE Eigen::VectorXf SVDpp::score_history(const std::vector<std::pair<ItemId, float>>& history) const {
  LOWRANK_CHECK(is_fitted(), invalid_argument, "SVDpp::score_history before fit");
  detail::check_history(history, num_items(), "SVDpp::score_history");
  const Index k = m_q.cols(), n = Index(history.size());
  Eigen::VectorXd zsum = Eigen::VectorXd::Zero(k);
  for (const auto& hv : history) zsum += m_y.row(hv.first).transpose().cast<double>();
  if (n > 0) zsum /= std::sqrt(double(n));
  Eigen::MatrixXd Qh(n, k);
  Eigen::VectorXd r(n);
  for (Index j = 0; j < n; ++j) {
    const auto [i, v] = history[std::size_t(j)];
    Qh.row(j) = m_q.row(i).cast<double>();
    r[j] = double(v) - m_mu - double(m_bi[i]) - Qh.row(j).dot(zsum);
  }
  const Eigen::VectorXf p =
      (detail::ridge_fold_in(Qh, r, m_opt.regularization * double(std::max<Index>(n, 1))) + zsum).cast<float>();
  Eigen::VectorXf s = m_q * p;
  s.array() += float(m_mu) + m_bi.array();
  return s;
}

LOWRANK_IMPL_INLINE void SVDpp::save_state(BinaryWriter& out) const {
  write_common(out);
  out.write_matrix(m_y);
}

LOWRANK_IMPL_INLINE void SVDpp::load_state(BinaryReader& in) {
  read_common(in);
  MatF y = in.read_matrix<float>("svdpp implicit factors");
  if (is_fitted()) {
    LOWRANK_CHECK(y.rows() == num_items() && y.cols() == m_q.cols(), corrupt, in.source(),
                  ": svdpp implicit factor shape ", y.rows(), "x", y.cols(), " does not match");
    m_y = std::move(y);
    rebuild_user_vectors();
  } else {
    m_y = std::move(y);
  }
}

}  // namespace lowrank::rec
