#pragma once
/// \file rec/models/ease.hpp  EASE: Embarrassingly Shallow Autoencoder (Steck, WWW 2019).
///
/// Closed form of min ‖X − XB‖² + λ‖B‖² s.t. diag(B) = 0:
///     P = (XᵀX + λI)⁻¹,   B = I − P·diag(1/diag P)   (B_ij = −P_ij / P_jj, B_jj = 0).
/// The Gram matrix is accumulated from the user rows (O(Σ_u n_u²), threaded over item ranges), factored
/// by Cholesky, and inverted by a blocked triangular inverse (LAPACK xTRTRI) and LᵀL product (xLAUUM):
/// n³/3 flops each, in kernels::spd_inverse (Eigen's blocked kernels compiled for AVX-512/AVX2 and
/// chosen at run time). Scores are X_u·B. Memory: one n_items² float matrix (G, P and B share it; with
/// double_precision add one n_items² double matrix), refused above `memory_budget` bytes with
/// Errc::resource_limit naming the bytes needed.
/// Not for catalogues beyond ~20 k items (n³ time, n² memory); use ImplicitALS there.
#include <cstdint>

#include "lowrank/rec/model.hpp"

namespace lowrank::rec {

/// Options of EASE.
struct EASEOptions {
  double lambda = 500;                     ///< L2 weight λ on B
  std::uint64_t memory_budget = 4ull << 30;  ///< bytes allowed for the dense item×item matrices
  bool double_precision = false;           ///< Gram/Cholesky/inverse in double (float: half the memory)
  bool binarize = true;                    ///< X_ui = 1 for every interaction (else the stored value)
};

/// EASE recommender: scores X_u·B with the closed-form item-item weight matrix B.
class EASE : public Recommender {
 public:
  /// Dense row-major float item × item matrix (the type of B).
  using WeightMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  /// A model with these options (checked by fit).
  explicit EASE(EASEOptions options = {}) : m_opt(options) {}
  std::string name() const override { return "ease"; }
  /// The options.
  const EASEOptions& options() const { return m_opt; }

  /// \throws resource_limit when bytes_needed(items) exceeds memory_budget; invalid_argument for λ ≤ 0.
  void fit(const Interactions& data) override;
  void score_block(const std::vector<UserId>& users, Eigen::Ref<Eigen::MatrixXf> out) const override;
  double predict(UserId user, ItemId item) const override;
  /// score = Σ_{j seen} x_uj·B_ji: each seen item's weight.
  Explanation explain(UserId user, ItemId item) const override;
  /// Items j with the largest B_ij (how much having `item` predicts j).
  std::vector<ScoredItem> similar_items(ItemId item, int k) const override;
  Eigen::VectorXf score_history(const std::vector<std::pair<ItemId, float>>& history) const override;

  /// Item-item weights (items × items, zero diagonal).
  const WeightMatrix& weights() const { return m_b; }
  /// Bytes fit needs for `items` items.
  std::uint64_t bytes_needed(Index items) const;

  void save_state(BinaryWriter& out) const override;
  void load_state(BinaryReader& in) override;

 private:
  float value_of(float v) const { return m_opt.binarize ? 1.0f : v; }
  EASEOptions m_opt;
  WeightMatrix m_b;
};

}  // namespace lowrank::rec
