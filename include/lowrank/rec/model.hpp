#pragma once
/// \file rec/model.hpp  The Recommender base class: fit, top-k, explanations, similar items, fold-in.
///
/// Models override `fit`, `score_block` (scores of all items for a block of users) and, where they can,
/// `explain`, `similar_items`, `score_history` (fold-in of a new user's history without refitting) and the
/// persistence hooks. `recommend` is implemented once here: scores → mask seen / deny / allow → top-k
/// with ties broken by item index (STYLE C12, implicit's MatrixFactorizationBase.recommend).
///
/// Thread safety: a fitted model is read-only in recommend / recommend_all / explain / similar_items /
/// predict / score_history, which may be called from many threads at once. fit and load are not.
/// A fitted model shares the training matrix with the Interactions it was fitted on (immutable, held by
/// shared_ptr): no copy is made, and either may outlive the other; partial fits give the model its own.
#include <Eigen/Core>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lowrank/rec/data.hpp"

namespace lowrank::rec {

/// An item with its score, as returned by recommend / similar_items.
struct ScoredItem {
  ItemId item;  ///< dense item index in [0, num_items())
  float score;  ///< the model's score of the item (higher is better)
};

/// Filters for recommend.
struct RecommendOptions {
  bool exclude_seen = true;        ///< drop items the user interacted with in the training data
  std::vector<ItemId> allow;       ///< when non-empty, only these items are candidates
  std::vector<ItemId> deny;        ///< never recommend these items
};

/// One seen item's share of a score.
struct Contribution {
  ItemId item;    ///< a seen item of the user (or a latent factor index when `is_factor`)
  float weight;   ///< its additive contribution to the score
};

/// Why a model scores (user, item) as it does: the seen items with the largest contributions.
struct Explanation {
  UserId user = 0;   ///< the explained user (dense index)
  ItemId item = 0;   ///< the explained item (dense index)
  float score = 0;   ///< the model's score of (user, item)
  std::vector<Contribution> contributions;  ///< largest |weight| first
  std::string summary;                      ///< one line a person can read
};

/// Progress of long work (epochs, similarity rows, an inverse). Return false to cancel: the model then
/// throws Error(Errc::cancelled) and keeps its previous fitted state.
using ProgressCallback = std::function<bool(const std::string& stage, double fraction)>;

class BinaryWriter;
class BinaryReader;

/// Base class of every model.
class Recommender {
 public:
  virtual ~Recommender() = default;

  /// Model name as the CLI knows it: "popularity", "itemknn", "puresvd", "als", "biasedmf", "svdpp", "ease".
  virtual std::string name() const = 0;
  /// Learns from `data` (users × items). Keeps the training matrix for masking seen items.
  virtual void fit(const Interactions& data) = 0;

  /// Top-k items for one user, best first. Throws `Errc::unknown_id` for an unknown user,
  /// `Errc::invalid_argument` for k < 1, and `Errc::invalid_argument` before fit.
  std::vector<ScoredItem> recommend(UserId user, int k, const RecommendOptions& options = {}) const;
  /// recommend for many users (threaded when OpenMP is available); result[i] belongs to users[i].
  std::vector<std::vector<ScoredItem>> recommend_all(const std::vector<UserId>& users, int k,
                                                     const RecommendOptions& options = {}) const;
  /// Top-k for a new user given only their history (fold-in, no refit). Items in the history are
  /// excluded when options.exclude_seen.
  std::vector<ScoredItem> recommend_for_history(const std::vector<std::pair<ItemId, float>>& history, int k,
                                                const RecommendOptions& options = {}) const;

  /// Which seen items drive the score of (user, item). Default: throws invalid_argument (not supported).
  virtual Explanation explain(UserId user, ItemId item) const;
  /// Items most similar to `item` (the item itself excluded).
  virtual std::vector<ScoredItem> similar_items(ItemId item, int k) const;
  /// The model's score (a rating for rating models) of (user, item). Default: one row of score_block.
  virtual double predict(UserId user, ItemId item) const;
  /// True for models whose predict() estimates the rating value (evaluate then reports RMSE/MAE).
  virtual bool is_rating_model() const { return false; }

  /// Scores of every item for a history given as (item, value) pairs; models that cannot fold in
  /// throw invalid_argument.
  virtual Eigen::VectorXf score_history(const std::vector<std::pair<ItemId, float>>& history) const;

  /// Scores of all items for a block of users: out is users.size() × num_items().
  virtual void score_block(const std::vector<UserId>& users, Eigen::Ref<Eigen::MatrixXf> out) const = 0;

  /// True once fit has succeeded (or a fitted model was loaded).
  bool is_fitted() const { return m_fitted; }
  /// Number of users in the training data (0 before fit).
  Index num_users() const { return m_seen->rows(); }
  /// Number of items in the training data (0 before fit).
  Index num_items() const { return m_seen->cols(); }
  /// The training matrix kept for masking (users × items).
  const Interactions::Csr& seen() const { return *m_seen; }
  /// Raw-id maps of the training data (shared, not copied).
  const IdMap& users() const { return *m_users; }
  /// Raw-id map of the items of the training data (shared, not copied).
  const IdMap& items() const { return *m_items; }

  /// Sets the callback that receives progress of fit (an empty function disables it).
  void set_progress(ProgressCallback cb) { m_progress = std::move(cb); }

  /// Persistence hooks (rec/persist.hpp): hyper-parameters and fitted state.
  /// Default: throws invalid_argument (persistence not supported).
  virtual void save_state(BinaryWriter& out) const;
  /// Reads back what save_state wrote. Default: throws invalid_argument (persistence not supported).
  virtual void load_state(BinaryReader& in);

 protected:
  /// Called by fit implementations: keeps the seen matrix and id maps.
  void remember_training_data(const Interactions& data);
  /// Throws unless fitted and `user` is in range.
  void check_user(UserId user, const char* who) const;
  /// Throws unless fitted and `item` is in range; `who` names the calling function in the message.
  void check_item(ItemId item, const char* who) const;
  /// Reports progress; throws Error(Errc::cancelled) when the callback says stop.
  void report_progress(const std::string& stage, double fraction) const;
  /// Marks the model fitted (or not); fit implementations set it last, after all state is in place.
  void set_fitted(bool f) { m_fitted = f; }

  /// Training matrix (users × items), for masking seen items: shared with the Interactions it was fitted
  /// on (immutable; partial fits replace it), not copied.
  std::shared_ptr<const Interactions::Csr> m_seen = std::make_shared<const Interactions::Csr>();
  std::shared_ptr<const IdMap> m_users = std::make_shared<IdMap>();  ///< raw-id map of the users
  std::shared_ptr<const IdMap> m_items = std::make_shared<IdMap>();  ///< raw-id map of the items
  ProgressCallback m_progress;  ///< progress callback (empty: none)
  bool m_fitted = false;        ///< true once fit succeeded (or a fitted model was loaded)
};

}  // namespace lowrank::rec
