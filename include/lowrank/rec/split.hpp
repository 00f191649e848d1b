#pragma once
/// \file rec/split.hpp  Train/test splits of an interaction matrix, seeded and deterministic.
///
/// Every split keeps the source's id maps and shape: train and test are users × items matrices over
/// the same dense ids (so a model fitted on train scores test directly), and their stored entries are
/// disjoint and together make up the source. Randomness comes from the library's own SplitMix64
/// stream, so a seed gives the same split on every platform and standard library.
///
///  - split_random:        a random test_fraction of all interactions (exactly round(f·nnz)).
///  - split_per_user:      inside each user, round(f·n_u) clamped to [1, n_u − 1] interactions go to test;
///                         users with a single interaction stay in train (the usual top-N protocol).
///  - split_leave_last_out: each user's latest interaction (by timestamp; equal times → the higher item
///                         index) goes to test; users with one interaction stay in train.
///  - split_kfold:         interactions shuffled once and dealt into k folds; fold `fold` is the test set.
///  - split_users:         strong generalization (Liang et al., "Variational Autoencoders for
///                         Collaborative Filtering", WWW 2018): a test_user_fraction of users (with ≥ 2
///                         interactions) is held out entirely; train holds every other user; each held-out
///                         user's history is split per user into fold_in (fold_in_fraction) and test.
///                         Evaluate folds the fold_in history into the model (score_history).
#include <cstdint>
#include <vector>

#include "lowrank/config.hpp"
#include "lowrank/rec/data.hpp"

namespace lowrank::rec {

/// A train/test split; every matrix has the source's id maps and shape.
struct Split {
  Interactions train;                ///< the interactions to fit on
  Interactions test;                 ///< the held-out interactions to evaluate on
  Interactions fold_in;              ///< split_users only (empty matrix, same shape, otherwise)
  std::vector<UserId> test_users;    ///< split_users only: the held-out users, ascending
};

/// \throws Error invalid_argument for test_fraction outside (0, 1).
LOWRANK_API Split split_random(const Interactions& data, double test_fraction, std::uint64_t seed = 0);
/// \throws Error invalid_argument for test_fraction outside (0, 1).
LOWRANK_API Split split_per_user(const Interactions& data, double test_fraction, std::uint64_t seed = 0);
/// \throws Error invalid_argument when the data has no timestamps.
LOWRANK_API Split split_leave_last_out(const Interactions& data);
/// \throws Error invalid_argument unless k >= 2 and 0 <= fold < k.
LOWRANK_API Split split_kfold(const Interactions& data, int k, int fold, std::uint64_t seed = 0);
/// \throws Error invalid_argument for fractions outside (0, 1).
LOWRANK_API Split split_users(const Interactions& data, double test_user_fraction, double fold_in_fraction = 0.8,
                              std::uint64_t seed = 0);

}  // namespace lowrank::rec
