#pragma once
/// \file rec/metrics.hpp  Offline evaluation of a fitted model on a Split (implicit's evaluation.pyx role).
///
/// Protocol: full ranking. For every user with at least one relevant test item, the model scores all
/// items; items the user has in split.train are removed when `exclude_train` (split_users: the fold-in
/// history is folded into the model with score_history and removed instead); the top K = max(cutoffs)
/// remain (ties by lower item index). T = the user's relevant test items (test value ≥
/// relevance_threshold), hits_k = |top-k ∩ T|, rank(i) = 1-based position. Per user, then averaged over
/// evaluated users:
///
/// ```
///   precision@k = hits_k / k                      (denominator k, also for short lists)
///   recall@k    = hits_k / |T|                    (or hits_k / min(k, |T|) with recall_denominator_min_k)
///   ndcg@k      = DCG@k / IDCG@k,   DCG@k = Σ_{rank r ≤ k, item ∈ T} g / log2(r + 1),
///                 IDCG@k = the DCG of the best possible list (|T| items sorted by gain, first k);
///                 g = 1 (binary), or the test value with graded_ndcg
///   map@k       = (1 / min(k, |T|)) · Σ_{rank r ≤ k, item ∈ T} hits_r / r
///   mrr@k       = 1 / (rank of the first relevant item) if it is ≤ k, else 0
///   hit@k       = 1 if hits_k > 0, else 0
///   coverage@k  = |∪_users top-k| / number of items          (catalog coverage, not averaged)
/// ```
///
/// Rating models (Recommender::is_rating_model) also get, over every test interaction of known users:
///   rmse = sqrt(mean (predict − value)²),   mae = mean |predict − value|.
#include <map>
#include <string>
#include <vector>

#include "lowrank/config.hpp"
#include "lowrank/rec/model.hpp"
#include "lowrank/rec/split.hpp"

namespace lowrank::rec {

/// Options of evaluate.
struct EvalOptions {
  std::vector<int> cutoffs{5, 10, 20};    ///< the k values of the \@k metrics (each ≥ 1); K = the largest
  bool exclude_train = true;              ///< rank only items the user has not seen in training
  bool recall_denominator_min_k = false;  ///< recall\@k = hits / min(k, |T|) instead of hits / |T|
  bool graded_ndcg = false;               ///< gain = test value instead of 1
  double relevance_threshold = 0;         ///< test values >= this count as relevant
  int threads = 0;                        ///< 0 = OpenMP default
};

/// Result of evaluate.
struct Metrics {
  /// "precision@5", "recall@10", "ndcg@10", "map@10", "mrr@10", "hit@10", "coverage@10", "rmse", "mae".
  std::map<std::string, double> values;
  Index users_evaluated = 0;  ///< users averaged over (those with at least one relevant test item)
  double seconds = 0;         ///< wall-clock time of the evaluation
};

/// Evaluates `model` on `split.test` with the protocol of the file comment.
/// \throws Error shape_mismatch when the split's shape differs from the model's; invalid_argument for an
///         unfitted model or a cutoff < 1.
LOWRANK_API Metrics evaluate(const Recommender& model, const Split& split, const EvalOptions& options = {});

}  // namespace lowrank::rec
