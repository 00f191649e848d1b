#pragma once
/// \file rec/complements.hpp  Coherent complements: items to buy *with* an anchor item, with explanations.
///
/// After "Explainable and coherent complement recommendation based on LLMs" (Amazon): complements are
/// co-purchased pairs that are not substitutes. From event logs, co-purchase (B_cp), co-view (B_cv) and
/// view-then-purchase (B_vp) pairs give the complement set B_cp − (B_cv ∩ B_vp): pairs that shoppers both
/// compared (co-view) and swapped (viewed one, bought the other) are alternatives. Kept pairs must be
/// relevant (share a category at a taxonomy level) and compatible (agree on named attribute keys). Scores:
/// smoothed PMI (Church & Hanks 1990, context smoothing c^0.75 of Levy, Goldberg & Dagan, TACL 2015) or lift
/// of co-occurrence; the positive association matrix M is completed by a rank-r truncated SVD
/// (lowrank::randomized_svd, M ≈ U S Vᵀ): every pair gets the cosine of its rows of U·S^(1/2) (as in SVD
/// embeddings of PPMI matrices, Levy et al.), so pairs never seen together still score.
/// Cost: O(\#pairs) to build, one randomized SVD of an items×items sparse matrix, O(n·r) per anchor.
/// Not for: substitutes ("similar items"), or catalogues where co-purchase is too sparse even after
/// completion (scores of unobserved pairs are then low-rank guesses, and the explanation says so).
#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "lowrank/config.hpp"
#include "lowrank/rec/data.hpp"

namespace lowrank::rec {

/// Kind of a logged event.
enum class EventKind { view, purchase };

/// One event of a shopping log; `session` groups events (a session, a basket, a customer).
struct ShopEvent {
  std::int64_t session = 0;              ///< id of the group the event belongs to
  ItemId item = 0;                       ///< the viewed or purchased item, in [0, num_items)
  EventKind kind = EventKind::purchase;  ///< view or purchase
  std::int64_t timestamp = 0;  ///< orders events inside a session (view-then-purchase)
};

/// An unordered item pair (a < b) with the number of sessions that produced it.
struct PairCount {
  /// The smaller item of the pair.
  ItemId a = 0, b = 0;
  /// \var b
  /// The larger item of the pair.

  float count = 0;  ///< number of sessions (or summed edge weights) that produced the pair
};

/// The three pair sets of the paper, each sorted by (a, b) with a < b and counted once per session.
struct PairSets {
  Index num_items = 0;                    ///< number of items; pair items are in [0, num_items)
  std::vector<PairCount> co_purchase;     ///< B_cp: both purchased in one session
  std::vector<PairCount> co_view;         ///< B_cv: both viewed in one session
  std::vector<PairCount> view_purchase;   ///< B_vp: one viewed, the other purchased later in the session (unordered)
};

/// Pair sets from an event log. Items ≥ num_items throw unknown_id. Sessions larger than
/// `max_session_items` distinct items are skipped (bots, O(n²) pairs).
LOWRANK_API PairSets pairs_from_events(const std::vector<ShopEvent>& events, Index num_items,
                                       Index max_session_items = 200);
/// Co-purchase pairs from baskets (each basket a set of items; duplicates inside a basket count once).
LOWRANK_API PairSets pairs_from_baskets(const std::vector<std::vector<ItemId>>& baskets, Index num_items,
                                        Index max_basket_items = 200);
/// Co-purchase pairs from an edge list (each edge counted `weight` times; self-loops dropped, both
/// directions merged by summing).
LOWRANK_API PairSets pairs_from_edges(const std::vector<PairCount>& edges, Index num_items);
/// The complement set B_cp − (B_cv ∩ B_vp), counts from B_cp.
LOWRANK_API std::vector<PairCount> complement_pairs(const PairSets& sets);

/// What is known about each item (all fields optional; vectors may be empty or num_items long).
struct ItemCatalog {
  std::vector<std::string> titles;  ///< display title per item
  /// Category path per item, root first ("Books" › "Cooking" › "Baking"); level 0 is the root.
  std::vector<std::vector<std::string>> categories;
  /// Named attributes per item (e.g. "size" → "L").
  std::vector<std::map<std::string, std::string>> attributes;
};

/// Association measure of the observed co-purchase counts.
enum class Association {
  ppmi,   ///< max(0, log(c_ab·T / (c_a·ĉ_b))) with ĉ_b = T·c_b^α/Σc^α (α = context_exponent)
  lift,   ///< c_ab·T / (c_a·c_b) (no smoothing of the context)
  count,  ///< c_ab (plain co-occurrence)
};

/// Options of ComplementModel.
struct ComplementOptions {
  Association association = Association::ppmi;  ///< association measure of the observed counts
  double context_exponent = 0.75;  ///< α of the smoothed context distribution (PPMI only)
  double pair_prior = 0.0;         ///< add-k smoothing of observed pair counts before the association
  double shrinkage = 0.0;          ///< association × c_ab / (c_ab + shrinkage): rare pairs count less (0 = off)
  Index rank = 64;                 ///< rank of the SVD completion (clamped to num_items); 0 = observed only
  double completion_weight = 0.5;  ///< score = (1−w)·observed association + w·low-rank cosine (w ∈ [0, 1])
  int taxonomy_level = 0;          ///< relevance: categories must agree at this level (0 = root); −1 = off
  bool require_relevance = true;   ///< drop irrelevant candidates (items without categories pass)
  /// Categories are a bag of labels, not a path (e.g. Amazon book genres): relevant = share any label at
  /// level ≥ taxonomy_level.
  bool match_any_category = false;
  std::vector<std::string> compatibility_keys;  ///< attributes that must agree when both items have them
  bool use_complement_set = true;  ///< B_cp − (B_cv ∩ B_vp) instead of B_cp
  std::uint64_t seed = 42;         ///< seed of the randomized SVD
};

/// One complement recommendation with its evidence.
struct ComplementRecommendation {
  ItemId item = 0;             ///< the recommended complement
  float score = 0;             ///< ranking score, (1−w)·association + w·completed; higher is better
  float observed_count = 0;    ///< sessions that bought anchor and item together (after the set algebra)
  float association = 0;       ///< observed association (0 when never seen together)
  float completed = 0;         ///< low-rank similarity (cosine of the items' SVD embeddings)
  std::string explanation;     ///< one line built from the evidence
};

/// Complement recommender over item pairs. Thread safety: const methods are read-only after fit.
class ComplementModel {
 public:
  /// A model with these options (checked by fit).
  explicit ComplementModel(ComplementOptions options = {}) : m_opt(std::move(options)) {}

  /// Builds the association matrix from the pair sets and factorizes it.
  /// \throws Error invalid_argument (options), shape_mismatch (catalog sizes), unknown_id (pair items)
  void fit(const PairSets& sets, ItemCatalog catalog = {});

  /// Top-k complements of `anchor`, best first (ties by item id). Candidates failing relevance or
  /// compatibility are dropped; so are items in `exclude` and items whose score is not positive (no
  /// evidence at all), so fewer than k may come back.
  std::vector<ComplementRecommendation> recommend(ItemId anchor, int k, const std::vector<ItemId>& exclude = {}) const;
  /// Scores of every item for `anchor` (−inf for the anchor and for filtered candidates).
  Eigen::VectorXf score_all(ItemId anchor) const;
  /// Explanation of the pair (anchor, item) from the evidence.
  std::string explain(ItemId anchor, ItemId item) const;

  /// True when the categories of `a` and `b` agree at taxonomy_level (or share a label with
  /// match_any_category); also true when relevance is off or either item has no category there.
  bool relevant(ItemId a, ItemId b) const;
  /// The category both items are in (at taxonomy_level, or any shared label with match_any_category);
  /// empty when none or unknown.
  std::string shared_category(ItemId a, ItemId b) const;
  /// True unless `a` and `b` both have one of compatibility_keys with different values.
  bool compatible(ItemId a, ItemId b) const;
  /// Observed count of the pair after the set algebra (0 when absent); substitutes removed.
  float count(ItemId a, ItemId b) const;
  /// True when (a, b) was co-purchased but removed as a substitute (in B_cv ∩ B_vp).
  bool is_substitute(ItemId a, ItemId b) const;
  /// Observed association (0 when unobserved).
  float association(ItemId a, ItemId b) const;

  /// Number of items of the fitted pair sets (0 before fit).
  Index num_items() const { return m_n; }
  /// True once fit has succeeded.
  bool is_fitted() const { return m_fitted; }
  /// The options.
  const ComplementOptions& options() const { return m_opt; }
  /// Singular values of the completion (empty when rank = 0).
  const Eigen::VectorXf& singular_values() const { return m_sigma; }

 private:
  using Sparse = Eigen::SparseMatrix<float, Eigen::RowMajor, int>;
  void check_item(ItemId i, const char* who) const;
  ComplementOptions m_opt;
  Index m_n = 0;
  Sparse m_count;       // symmetric counts after the set algebra
  Sparse m_assoc;       // symmetric association
  Sparse m_substitute;  // symmetric 1 where removed as substitute
  Eigen::MatrixXf m_left, m_right;  // completion: unit rows of U·S^(1/2); similarity = left · rightᵀ
  Eigen::VectorXf m_sigma;
  ItemCatalog m_catalog;
  bool m_fitted = false;
};

/// Plain baselines for evaluation, built once from the training co-purchase pairs.
enum class BaselineKind {
  count,   ///< co-occurrence count c_aj; ties (e.g. never-seen pairs) broken by popularity c_j
  cosine,  ///< item-kNN: cosine similarity of the co-occurrence rows of the anchor and j
};
/// Non-factorized scorer for comparison with ComplementModel: count or cosine of the training
/// co-purchase counts.
class CooccurrenceBaseline {
 public:
  /// Builds the symmetric co-purchase count matrix of `train` (throws shape_mismatch for num_items < 1).
  CooccurrenceBaseline(const PairSets& train, BaselineKind kind);
  /// Scores of every item for `anchor` (−inf for the anchor).
  Eigen::VectorXf scores(ItemId anchor) const;

 private:
  Eigen::SparseMatrix<float, Eigen::RowMajor, int> m_c;
  Eigen::VectorXf m_pop, m_norm;
  BaselineKind m_kind;
};

/// Ranking quality on held-out pairs: for each anchor with held-out partners, rank all items by
/// `scores(anchor)` (excluding the anchor and, when `exclude_train`, its training partners), and average
/// Recall\@k and NDCG\@k (binary relevance) over those anchors.
struct ComplementEval {
  /// Mean Recall\@k over the anchors.
  double recall = 0, ndcg = 0;
  /// \var ndcg
  /// Mean NDCG\@k over the anchors.

  Index anchors = 0;  ///< anchors with at least one held-out partner (those averaged over)
};
/// Computes ComplementEval for `scores` (one vector of num_items scores per anchor) on the `held_out`
/// pairs; k ≥ 1, `train` gives num_items and, with `exclude_train`, the partners to skip.
LOWRANK_API ComplementEval evaluate_complements(const std::function<Eigen::VectorXf(ItemId)>& scores,
                                                const PairSets& train, const std::vector<PairCount>& held_out,
                                                int k, bool exclude_train);

}  // namespace lowrank::rec

#if LOWRANK_HEADER_ONLY
#include "lowrank/rec/impl/complements_impl.hpp"
#endif
