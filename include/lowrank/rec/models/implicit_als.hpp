#pragma once
/// \file rec/models/implicit_als.hpp  Implicit-feedback ALS (Hu, Koren & Volinsky, ICDM 2008).
///
/// Minimises Σ_{u,i} c_ui (p_ui − x_uᵀy_i)² + λ(‖X‖² + ‖Y‖²) with p_ui = 1 for observed pairs and
/// confidence c_ui = 1 + α·r_ui (HKV eq. 1–3). With Rendle et al. (2022, "Revisiting the performance of
/// iALS") options the unobserved pairs get weight α₀ (`unobserved_weight`) and the regularisation of a
/// row is λ·(n_row + α₀·n_other)^ν (`regularization_exponent` ν; 0 = plain λ).
/// Each half-epoch fixes one side, precomputes G = α₀YᵀY + λI once, and solves every row
///     (G + Σ_{i∈row} (c_i − α₀) y_i y_iᵀ) x = Σ_{i∈row} c_i y_i
/// either by `cg_steps` conjugate-gradient steps warm-started from the previous x (Takács, Pilászy &
/// Tikk 2011; implicit's `_als.pyx`), cost O(cg_steps·(k² + n_row·k)), or exactly by Cholesky
/// (`use_cholesky`), cost O(n_row·k² + k³). Rows are solved in parallel (OpenMP); each row's result
/// depends only on its own data, so a seed gives the same factors for any thread count.
/// Not for explicit ratings (use BiasedMF): it models preference, not the rating value.
#include <cstdint>
#include <vector>

#include "lowrank/rec/model.hpp"

namespace lowrank::rec {

/// Options of ImplicitALS.
struct ImplicitALSOptions {
  // Defaults chosen on ML-100K / ml-latest-small top-N (80/20 per user, seed 42; see bench/rec_models.cpp):
  // with star ratings as r, a small α and a strong λ rank best.
  int factors = 32;               ///< latent dimension k
  double regularization = 20;     ///< λ
  double alpha = 0.5;             ///< confidence slope: c = 1 + α·r
  int iterations = 15;            ///< full epochs (users then items)
  int cg_steps = 3;               ///< conjugate-gradient steps per row and half-epoch
  bool use_cholesky = false;      ///< exact per-row solve instead of CG
  double unobserved_weight = 1;   ///< α₀ of Rendle et al. 2022 (1 = HKV)
  double regularization_exponent = 0;  ///< ν: λ_row = λ·(n_row + α₀·n_other)^ν (Rendle et al. 2022)
  bool double_precision = false;  ///< factors and solves in double instead of float
  bool compute_loss = true;       ///< evaluate the training loss after each epoch (≈15% extra time)
  std::uint64_t seed = 0;         ///< initial factors
};

/// Implicit-feedback matrix factorization trained by alternating least squares; score(u, i) = x_uᵀy_i.
class ImplicitALS : public Recommender {
 public:
  /// A model with these options (checked by fit).
  explicit ImplicitALS(ImplicitALSOptions options = {}) : m_opt(options) {}
  std::string name() const override { return "als"; }
  /// The options.
  const ImplicitALSOptions& options() const { return m_opt; }

  /// Fits on `data` (values are r_ui ≥ 0). Reports "als" progress per epoch; cancellable.
  /// \throws invalid_argument (bad option, negative value), numerical (non-finite factors).
  void fit(const Interactions& data) override;
  void score_block(const std::vector<UserId>& users, Eigen::Ref<Eigen::MatrixXf> out) const override;
  double predict(UserId user, ItemId item) const override;
  /// HKV §5: score = Σ_{j seen} c_uj · y_iᵀ W_u y_j with W_u = (YᵀC_uY + λI)⁻¹ from the user's own solve.
  Explanation explain(UserId user, ItemId item) const override;
  /// Cosine similarity of item factors.
  std::vector<ScoredItem> similar_items(ItemId item, int k) const override;
  /// Fold-in: exact solve of a new user's factor from the history, then Y·x.
  Eigen::VectorXf score_history(const std::vector<std::pair<ItemId, float>>& history) const override;

  /// The factor vector a user with this history would get (exact solve, no refit).
  Eigen::VectorXd recalculate_user(const std::vector<std::pair<ItemId, float>>& history) const;
  /// Replaces the interactions of existing `users` with the rows of `rows` (users.size() × items) and
  /// re-solves only their factors (exactly), leaving items untouched.
  void partial_fit_users(const std::vector<UserId>& users, const Interactions::Csr& rows);
  /// Same for items: `columns` is users × items.size().
  void partial_fit_items(const std::vector<ItemId>& items, const Interactions::Csr& columns);

  /// Normalised training loss after each epoch (empty when compute_loss is off).
  const std::vector<double>& loss_history() const { return m_loss; }
  /// Factors (float, or rounded from double when double_precision): users × k and items × k.
  Eigen::MatrixXf user_factors() const;
  /// Item factors Y (items × k), float as user_factors().
  Eigen::MatrixXf item_factors() const;

  void save_state(BinaryWriter& out) const override;
  void load_state(BinaryReader& in) override;

 private:
  using MatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::VectorXd solve_exact_user(const std::vector<std::pair<ItemId, float>>& history,
                                   Eigen::MatrixXd* gram_out = nullptr) const;
  void rebuild_seen_rows(const std::vector<UserId>& users, const Interactions::Csr& rows);

  ImplicitALSOptions m_opt;
  MatF m_user_f, m_item_f;  // row-major: one row per user / item
  MatD m_user_d, m_item_d;  // used instead when double_precision
  std::vector<double> m_loss;
};

}  // namespace lowrank::rec
