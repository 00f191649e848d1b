#pragma once
/// \file rec/synthetic.hpp  The embedded default data set: a seeded low-rank-plus-noise preference model.
///
/// Generative model (all draws from the core's own xoshiro256** stream, so a seed gives the same data
/// on every platform):
///  1. item factors q_i ~ N(0, I/f), user factors p_u ~ N(0, I) (f = latent_factors);
///  2. item popularity w_i ∝ (rank_i + 1)^−a over a random permutation of ranks (Zipf, a =
///     item_popularity_exponent); user activity n_u ∝ (rank_u + 1)^−b, scaled (bisection) so that
///     Σ n_u ≈ interactions with 5 ≤ n_u ≤ items/2;
///  3. per user: 3·n_u candidate items drawn by popularity (alias method, without repeats), preference
///     s_ui = p_u·q_i + noise·ε; the n_u candidates with the highest preference are kept;
///  4. ratings 1–5 from global quantiles of the kept preferences (6/11/27/34/22 %, MovieLens-like);
///     timestamps are uniform over ~3 years (so leave-last-out has something to use);
///  5. genres: each genre is a random direction g in factor space; item i gets the genre with the
///     largest q_i·g and up to two more whose affinity is at least 70 % of that.
/// Default size (6000 × 3000, ~1 M interactions) is generated in a fraction of a second.
#include "lowrank/config.hpp"
#include "lowrank/rec/data.hpp"

namespace lowrank::rec {

/// \throws Error invalid_argument for non-positive sizes or negative exponents/noise.
LOWRANK_API SyntheticData synthetic_data(const SyntheticOptions& options = {});
/// synthetic_data(options).interactions.
LOWRANK_API Interactions synthetic(const SyntheticOptions& options = {});

}  // namespace lowrank::rec
