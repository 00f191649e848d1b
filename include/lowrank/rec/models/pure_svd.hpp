#pragma once
/// \file rec/models/pure_svd.hpp  PureSVD (Cremonesi, Koren & Turrin, "Performance of recommender
/// algorithms on top-N recommendation tasks", RecSys 2010).
///
/// Truncated SVD of the user×item matrix R (missing entries = 0), R ≈ U Σ Vᵀ with `factors` triplets;
/// score(u, ·) = r_u · V · Vᵀ (the projection of the user's row on the top item subspace), so a new
/// user's history folds in without refitting. Solvers (the same matrix, so they compare on
/// recommendation quality as well): "randomized" (lowrank::randomized_svd, HMT with power steps),
/// "lanczos" (lowrank::lanczos_svd, thick-restarted Golub–Kahan–Lanczos), "gram" (eigenvectors of the
/// dense items×items RᵀR — squares the condition number, and needs items² doubles, refused above
/// `gram_max_items`). explain: score = Σ_{i seen} r_ui (v_i·v_j), one term per seen item.
/// similar_items: cosine between rows of V·Σ.
#include <cstdint>
#include <string>

#include "lowrank/config.hpp"
#include "lowrank/rec/model.hpp"
#include "lowrank/types.hpp"

namespace lowrank::rec {

/// Options of PureSVD.
struct PureSVDOptions {
  int factors = 50;                   ///< number of singular triplets kept, 1 ≤ factors ≤ min(users, items)
  std::string solver = "randomized";  ///< "randomized" | "lanczos" | "gram"
  std::uint64_t seed = 0;             ///< seed of the randomized and Lanczos solvers
  bool binarize = false;              ///< factor the 0/1 pattern instead of the stored values
  Index gram_max_items = 8000;        ///< "gram": largest item count whose dense RᵀR is formed
};

/// PureSVD recommender: truncated SVD of the user×item matrix, score(u, ·) = r_u·V·Vᵀ.
class PureSVD : public Recommender {
 public:
  /// A model with these options (checked by fit).
  explicit PureSVD(PureSVDOptions options = {}) : m_opt(std::move(options)) {}
  std::string name() const override { return "puresvd"; }
  /// The options.
  const PureSVDOptions& options() const { return m_opt; }

  /// \throws Error invalid_argument (factors < 1 or > min(users, items), unknown solver),
  ///         resource_limit ("gram" above gram_max_items), numerical (non-finite factors).
  void fit(const Interactions& data) override;
  void score_block(const std::vector<UserId>& users, Eigen::Ref<Eigen::MatrixXf> out) const override;
  Explanation explain(UserId user, ItemId item) const override;
  std::vector<ScoredItem> similar_items(ItemId item, int k) const override;
  Eigen::VectorXf score_history(const std::vector<std::pair<ItemId, float>>& history) const override;

  /// Item factors V (items × factors) and singular values Σ.
  const Eigen::MatrixXf& item_factors() const { return m_v; }
  /// Singular values Σ (factors of them, descending).
  const Eigen::VectorXf& singular_values() const { return m_s; }
  /// The solver's report of the last fit.
  const SvdInfo& svd_info() const { return m_info; }

  void save_state(BinaryWriter& out) const override;
  void load_state(BinaryReader& in) override;

 private:
  float value_of(float v) const { return m_opt.binarize ? 1.0f : v; }
  PureSVDOptions m_opt;
  Eigen::MatrixXf m_v;
  Eigen::VectorXf m_s;
  SvdInfo m_info{};
};

}  // namespace lowrank::rec
