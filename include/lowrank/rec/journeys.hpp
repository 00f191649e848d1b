#pragma once
/// \file rec/journeys.hpp  Interest journeys: one user's time-ordered history split into coherent
/// interests by personalized nonparametric clustering in item-embedding space.
///
/// After Christakopoulou et al., "Large Language Models for User Interest Journeys", RecSys 2023
/// (Infinite Concept Personalized Clustering, ICPC), which itself follows DP-means (Kulis & Jordan,
/// "Revisiting k-means: new algorithms via Bayesian nonparametrics", ICML 2012): minimise
/// Σ cosine-distance(item, centroid of its journey) + λ·(number of journeys). Online pass: an item joins
/// the nearest *active* journey when its cosine distance is ≤ λ, else opens a new one; a journey
/// expires when the gap since its last item exceeds `expiry_seconds`. Optional DP-means refinement
/// passes then reassign items (still respecting expiry) and never increase the objective.
/// Cost: O(n·J·d) per pass for n events, J journeys, d embedding dimensions.
/// Not for: embeddings that do not encode what you want to group (cold items with zero rows are set
/// aside as `unassigned`), or a global item clustering (this is per user by design).
/// No language model runs here: `journey_naming_prompt` writes the text one would be given.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "lowrank/config.hpp"
#include "lowrank/rec/data.hpp"

namespace lowrank::rec {

/// One interaction of a user's history.
struct HistoryEvent {
  ItemId item;                 ///< dense item index (a row of the item embeddings)
  std::int64_t timestamp = 0;  ///< seconds; events are processed in timestamp order (stable)
};

/// Options of extract_journeys.
struct JourneyOptions {
  double lambda = 0.6;                       ///< cosine-distance threshold to join a journey, in (0, 2]
  std::int64_t expiry_seconds = 30 * 86400;  ///< a journey idle longer than this is closed (0 = never)
  Index min_size = 2;                        ///< journeys with fewer items are dissolved into `unassigned`
  int refine_iterations = 3;                 ///< DP-means reassignment passes after the online pass (cap)
  int representatives = 3;                   ///< items closest to the centroid reported per journey
  int top_attributes = 3;                    ///< dominant attributes reported per journey (at most)
  double min_attribute_share = 0.25;         ///< an attribute is dominant when ≥ this share of items has it
};

/// One interest journey.
struct Journey {
  std::vector<ItemId> items;                ///< in time order
  std::vector<std::int64_t> timestamps;     ///< aligned with items
  /// Start of the time span (timestamp of the first item).
  std::int64_t start = 0, end = 0;          ///< end of the time span (timestamp of the last item)
  Eigen::VectorXf centroid;                 ///< mean of the unit-normalised item embeddings
  double cohesion = 0;                      ///< mean cosine similarity of the items to the centroid direction
  std::vector<ItemId> representatives;      ///< items closest to the centroid, closest first
  std::vector<std::pair<int, double>> attributes;  ///< (attribute id, share of items), largest share first
};

/// Result of extract_journeys.
struct JourneyResult {
  std::vector<Journey> journeys;   ///< ordered by start time
  std::vector<ItemId> unassigned;  ///< items of dissolved (too small) journeys and items with a zero embedding
  double objective = 0;            ///< DP-means objective Σ distance + λ·#journeys of the final clustering
  int refine_passes = 0;           ///< refinement passes run
};

/// Splits one user's history into interest journeys.
/// \param history          the user's events (any order; sorted stably by timestamp here)
/// \param item_embeddings  items × d (row i = item i), e.g. V·S^(1/2) of a truncated SVD, ALS item factors
/// \param options          λ, expiry, minimal size, refinement cap, report sizes
/// \param item_attributes  optional: attribute ids of each item (e.g. MovieLens genres); empty = none
/// \throws Error invalid_argument (λ ∉ (0, 2], negative sizes), unknown_id (item outside the embedding rows),
///         non_finite (an embedding row of a history item with NaN/Inf)
LOWRANK_API JourneyResult extract_journeys(const std::vector<HistoryEvent>& history,
                                           const Eigen::Ref<const Eigen::MatrixXf>& item_embeddings,
                                           const JourneyOptions& options = {},
                                           const std::vector<std::vector<int>>& item_attributes = {});

/// The prompt a language model would be given to name `journey`: its time span, representative and
/// other items (titles), and dominant attributes (names when given). Titles missing → "item <id>".
LOWRANK_API std::string journey_naming_prompt(const Journey& journey, const std::vector<std::string>& item_titles,
                                              const std::vector<std::string>& attribute_names = {});

/// Size-weighted attribute purity of a segmentation: Σ_s max_a |{i ∈ s : a ∈ attrs(i)}| / Σ_s |s|.
/// With multi-label items (a film with two genres) an item counts for each of its attributes, so purity is
/// in [0, 1] and 1 means every segment has an attribute shared by all its items. Items without
/// attributes count in the denominator only. Empty segmentation → 0.
LOWRANK_API double attribute_purity(const std::vector<std::vector<ItemId>>& segments,
                                    const std::vector<std::vector<int>>& item_attributes);

/// Baseline segmentation: the time-ordered items cut into `segments` contiguous chunks of near-equal size
/// (the first `n mod segments` chunks one larger). segments is clamped to [1, n].
LOWRANK_API std::vector<std::vector<ItemId>> chunk_history(const std::vector<HistoryEvent>& history, Index segments);

/// MovieLens u.item (pipe-separated: id|title|date|video date|url|19 genre flags) → titles and genre ids per
/// item in the order of `items` (raw ids); items absent from the file get an empty title and no genres.
struct ItemInfo {
  std::vector<std::string> titles;           ///< title per item (empty when absent from the file)
  std::vector<std::vector<int>> attributes;  ///< genre ids (0–18) per item
  std::vector<std::string> attribute_names;  ///< the 19 MovieLens genre names, indexed by genre id
};
/// Reads u.item (Latin-1 text is passed through as bytes). \throws Error io (cannot open), parse (bad line).
LOWRANK_API ItemInfo load_movielens_items(const std::string& path, const IdMap& items);

}  // namespace lowrank::rec

#if LOWRANK_HEADER_ONLY
#include "lowrank/rec/impl/journeys_impl.hpp"
#endif
