#pragma once
/// \file rec/models/item_knn.hpp  Item-based k-nearest-neighbours (Sarwar et al. 2001; Deshpande &
/// Karypis 2004 top-N item-based recommendation), as implicit's ItemItemRecommender.
///
/// Similarity: shrunk cosine between item columns of the (optionally weighted) user×item matrix X,
///     s_ij = x_i·x_j / (‖x_i‖·‖x_j‖ + shrinkage),
/// of which each item keeps its `neighbors` most similar items (row i of the sparse matrix W).
/// X·Xᵀ is never formed densely: each item's row of XᵀX is accumulated from the users of that item
/// (sparse × sparse, one dense items-long accumulator per thread, threaded over items), then cut to
/// the top N. Cost O(Σ_u n_u²) time, O(items · N) memory.
/// Weighting of X before the similarity: none; tfidf (x_ui · log(I / n_u), users who interact with
/// everything count less); bm25 (x_ui (K1+1) / (K1 (1 − B + B·n_i/avg n) + x_ui) · log(I / n_u),
/// K1 = 1.2, B = 0.75, the BM25 shape of implicit's bm25_weight with items as documents).
/// Score: score(u, j) = Σ_{i seen by u} r_ui · W_ij (r = 1 when binarize). explain lists those terms.
#include "lowrank/config.hpp"
#include "lowrank/rec/model.hpp"

namespace lowrank::rec {

/// Weighting of the user×item matrix X before the similarity (see the file comment).
enum class Weighting { none, bm25, tfidf };

/// Options of ItemKNN.
struct ItemKNNOptions {
  int neighbors = 100;       ///< N, neighbours kept per item
  double shrinkage = 10;     ///< added to the cosine denominator (damps similarities from few users)
  Weighting weighting = Weighting::none;  ///< weighting of X: none, bm25 or tfidf
  bool binarize = true;      ///< use 1 for every interaction (else the stored value) in X and in scoring
};

/// Item-based k-nearest-neighbours recommender over a sparse shrunk-cosine similarity matrix.
class ItemKNN : public Recommender {
 public:
  /// Sparse row-major float item × item matrix (the type of W).
  using SimilarityMatrix = Eigen::SparseMatrix<float, Eigen::RowMajor, int>;
  /// A model with these options (checked by fit).
  explicit ItemKNN(ItemKNNOptions options = {}) : m_opt(options) {}
  std::string name() const override { return "itemknn"; }
  /// The options.
  const ItemKNNOptions& options() const { return m_opt; }

  /// \throws Error invalid_argument for neighbors < 1 or shrinkage < 0; cancelled from the callback.
  void fit(const Interactions& data) override;
  void score_block(const std::vector<UserId>& users, Eigen::Ref<Eigen::MatrixXf> out) const override;
  /// Terms r_ui · W_ij of the score, largest first.
  Explanation explain(UserId user, ItemId item) const override;
  /// The item's stored neighbours (at most `neighbors` of them), most similar first.
  std::vector<ScoredItem> similar_items(ItemId item, int k) const override;
  Eigen::VectorXf score_history(const std::vector<std::pair<ItemId, float>>& history) const override;
  /// Row i: item i's neighbours j with s_ij (items × items, ≤ N per row, no diagonal).
  const SimilarityMatrix& similarity() const { return m_w; }

  void save_state(BinaryWriter& out) const override;
  void load_state(BinaryReader& in) override;

 private:
  float value_of(float v) const { return m_opt.binarize ? 1.0f : v; }
  ItemKNNOptions m_opt;
  SimilarityMatrix m_w;
};

}  // namespace lowrank::rec
