#pragma once
/// \file rec/models/biased_mf.hpp  Rating prediction: BiasedMF (Funk 2006; Koren, Bell & Volinsky
/// 2009, eq. 5) and SVD++ (Koren, KDD 2008, eq. 15), trained by SGD or by Gibbs sampling.
///
/// BiasedMF: r̂_ui = μ + b_u + b_i + p_uᵀq_i. SVDpp adds the implicit feedback of the items the user
/// rated: r̂_ui = μ + b_u + b_i + q_iᵀ(p_u + |N(u)|^{-½} Σ_{j∈N(u)} y_j).
/// BiasedMF is trained by stratified SGD (DSGD, Gemulla et al., KDD 2011): users and items are cut into 8
/// index ranges, the ratings into 8×8 blocks, and an epoch runs 8 strata of 8 blocks that share no user
/// and no item, on the available OpenMP threads; each block's ratings are reshuffled every epoch
/// (Fisher–Yates, the library's own generator) and the strata run in a seeded order, so results are
/// bit-identical for a seed whatever the thread count. SVDpp runs single-threaded (its per-user implicit
/// sum couples all of a user's items), users in a seeded order. The learning rate decays by
/// `learning_rate_decay` per epoch. With `validation_fraction` > 0 a seeded random share of the training ratings is held out, training stops
/// after `patience` epochs without RMSE improvement, and the best epoch's parameters are kept.
/// Cost per epoch: O(nnz·k) (SVDpp: O(nnz·k) with the per-user implicit sum, LibRec-style).
/// With `solver = "gibbs"` either model is instead Bayesian (Salakhutdinov & Mnih 2008, libFM's priors):
/// `epochs` block Gibbs sweeps, and the posterior-mean prediction averaged over the samples after
/// `burn_in`, kept as factors × samples concatenated columns (rec/impl/mf_gibbs_impl.hpp). SVDpp uses
/// it by default; BiasedMF keeps SGD by default (its fit-time budget).
/// `predict` clamps to the [min, max] rating seen in training. Not for implicit feedback (use
/// ImplicitALS): it fits the rating values, not the choice of items.
#include <cstdint>
#include <string>
#include <vector>

#include "lowrank/rec/model.hpp"

namespace lowrank::rec {

/// Defaults: BiasedMF's, chosen by 5-fold CV on ML-100K (seed 42): RMSE 0.906 (bench/rec_models.cpp).
struct BiasedMFOptions {
  int factors = 64;                  ///< latent dimension k
  double learning_rate = 0.015;      ///< SGD step for factors and biases
  double regularization = 0.1;       ///< L2 weight of the factors (SGD); also the ridge of fold-in and explain
  int epochs = 60;                   ///< SGD passes over the ratings (maximum when early stopping); Gibbs sweeps
  double bias_regularization = 0.02; ///< L2 weight of the biases
  double learning_rate_decay = 0.97; ///< step multiplied by this after each epoch
  double init_std = 0.05;            ///< std-dev of the initial factors
  double validation_fraction = 0;    ///< > 0: hold this share out for early stopping
  int patience = 3;                  ///< epochs without validation improvement before stopping
  std::uint64_t seed = 0;            ///< seeds the initial factors, the epoch shuffles and the validation split
  /// "sgd" (the schedule above) or "gibbs": Bayesian MF / SVD++ by block Gibbs sampling
  /// (rec/impl/mf_gibbs_impl.hpp), `epochs` sweeps, the hyper-parameters sampled (learning rates and
  /// `regularization` play no part in fitting; `regularization` stays the ridge of fold-in and explain),
  /// predictions averaged over the samples after `burn_in`. The other defaults here are SGD's: start
  /// Gibbs from BiasedMF::gibbs_options() or SVDpp::default_options() (the registry does).
  std::string solver = "sgd";
  int burn_in = 50;                  ///< gibbs: sweeps before samples are averaged (< epochs)
  int thinning = 1;                  ///< gibbs: average every thinning-th sample (the model keeps factors × samples columns)
};

/// Biased matrix factorization for explicit ratings: r̂_ui = μ + b_u + b_i + p_uᵀq_i, trained by SGD
/// (default) or Gibbs sampling (`solver = "gibbs"`).
class BiasedMF : public Recommender {
 public:
  /// A model with these hyper-parameters (checked by fit).
  explicit BiasedMF(BiasedMFOptions options = {}) : m_opt(options) {}
  /// Bayesian BiasedMF by Gibbs sampling at a budget close to SGD's (the registry's `biasedmf` with
  /// `solver=gibbs` starts here): 8 factors, 40 sweeps of which the last 32 are averaged; the burn-in
  /// is where the training RMSE levels off. 5-fold CV on ML-100K, seed 42: RMSE 0.903 in under 1 s for
  /// the five fits on 2 threads (bench/rec_models.cpp); more sweeps buy accuracy (200: 0.897).
  static BiasedMFOptions gibbs_options() {
    BiasedMFOptions o;
    o.solver = "gibbs";
    o.factors = 8;
    o.epochs = 40;
    o.burn_in = 8;
    return o;
  }
  std::string name() const override { return "biasedmf"; }
  /// The hyper-parameters.
  const BiasedMFOptions& options() const { return m_opt; }
  bool is_rating_model() const override { return true; }

  /// Fits on the rating values of `data`. Reports progress per epoch; cancellable.
  void fit(const Interactions& data) override;
  void score_block(const std::vector<UserId>& users, Eigen::Ref<Eigen::MatrixXf> out) const override;
  /// Predicted rating, clamped to the training scale.
  double predict(UserId user, ItemId item) const override;
  /// Contributions: user bias, item bias and the k latent factors (is_factor-style: item = factor index).
  Explanation explain(UserId user, ItemId item) const override;
  std::vector<ScoredItem> similar_items(ItemId item, int k) const override;
  /// Fold-in: ridge solve of p for the history's ratings (biases of the new user = 0).
  Eigen::VectorXf score_history(const std::vector<std::pair<ItemId, float>>& history) const override;

  /// RMSE on the training ratings after each epoch.
  const std::vector<double>& train_rmse_history() const { return m_train_rmse; }
  /// RMSE on the held-out validation share after each epoch (empty when validation_fraction = 0).
  const std::vector<double>& validation_rmse_history() const { return m_valid_rmse; }
  /// Epochs actually run (fewer than `epochs` after early stopping).
  int epochs_run() const { return int(m_train_rmse.size()); }
  /// Global mean μ of the training ratings.
  double global_mean() const { return m_mu; }

  void save_state(BinaryWriter& out) const override;
  void load_state(BinaryReader& in) override;

 protected:
  /// Row-major float matrix of factors (one row per user or item).
  using MatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  /// Effective user vector (p_u for BiasedMF; p_u + implicit sum for SVDpp).
  virtual Eigen::VectorXf user_vector(UserId user) const { return m_p.row(user).transpose(); }
  /// Unclamped prediction μ + b_u + b_i + user_vector(user)ᵀq_i.
  double raw_score(UserId user, ItemId item) const;
  /// Writes the options and the BiasedMF state (shared by BiasedMF and SVDpp save_state).
  void write_common(BinaryWriter& out) const;
  /// Reads what write_common wrote, checking shapes against the fitted data.
  void read_common(BinaryReader& in);

  BiasedMFOptions m_opt;  ///< hyper-parameters
  /// Global mean μ of the training ratings.
  double m_mu = 0, m_min = 1, m_max = 5;
  /// \var m_min
  /// Smallest training rating (lower clamp of predict).

  /// \var m_max
  /// Largest training rating (upper clamp of predict).

  /// User biases b_u.
  Eigen::VectorXf m_bu, m_bi;
  /// \var m_bi
  /// Item biases b_i.

  /// User factors p_u (users × k).
  MatF m_p, m_q;
  /// \var m_q
  /// Item factors q_i (items × k).

  /// Training RMSE per epoch.
  std::vector<double> m_train_rmse, m_valid_rmse;
  /// \var m_valid_rmse
  /// Validation RMSE per epoch (empty without validation).
};

/// SVD++: BiasedMF plus the implicit-feedback term. Same options (fixed names), same schedule.
class SVDpp : public BiasedMF {
 public:
  /// A model with these hyper-parameters (checked by fit).
  explicit SVDpp(BiasedMFOptions options = default_options()) : BiasedMF(options) {}
  /// SVD++'s own defaults: Bayesian SVD++ by Gibbs sampling, 8 factors, 200 sweeps of which the last 150
  /// are averaged (5-fold CV on ML-100K, seed 42: RMSE 0.893, bench/rec_models.cpp).
  static BiasedMFOptions default_options() {
    BiasedMFOptions o = sgd_options();
    o.solver = "gibbs";
    o.factors = 8;
    o.epochs = 200;
    o.burn_in = 50;
    return o;
  }
  /// SVD++'s SGD defaults (the registry's `svdpp` with `solver=sgd`): chosen by the same CV, RMSE 0.905.
  static BiasedMFOptions sgd_options() {
    BiasedMFOptions o;
    o.factors = 64;
    o.learning_rate = 0.007;
    o.regularization = 0.05;
    o.epochs = 40;
    o.bias_regularization = 0.01;
    o.learning_rate_decay = 0.96;
    return o;
  }
  std::string name() const override { return "svdpp"; }
  void fit(const Interactions& data) override;
  void score_block(const std::vector<UserId>& users, Eigen::Ref<Eigen::MatrixXf> out) const override;
  Eigen::VectorXf score_history(const std::vector<std::pair<ItemId, float>>& history) const override;
  void save_state(BinaryWriter& out) const override;
  void load_state(BinaryReader& in) override;

 protected:
  Eigen::VectorXf user_vector(UserId user) const override;

 private:
  MatF m_y;                 // items × k implicit factors
  Eigen::MatrixXf m_user_vec;  // cached p_u + |N(u)|^{-1/2} Σ y_j (users × k, column-major)
  void rebuild_user_vectors();
};

}  // namespace lowrank::rec
