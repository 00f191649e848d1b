#pragma once
/// \file rec/impl/synthetic_impl.hpp  The synthetic data set (compiled once in src/lib/rec_core.cpp).
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "lowrank/config.hpp"
#include "lowrank/rec/impl/split_impl.hpp"
#include "lowrank/rec/synthetic.hpp"

namespace lowrank::rec {
namespace detail {

/// Walker's alias table (Vose's construction): O(1) draws from a discrete distribution.
class AliasTable {
 public:
  explicit AliasTable(const std::vector<double>& w) : m_prob(w.size()), m_alias(w.size()) {
    const double total = std::accumulate(w.begin(), w.end(), 0.0);
    const std::size_t n = w.size();
    std::vector<double> p(n);
    std::vector<std::size_t> small, large;
    for (std::size_t i = 0; i < n; ++i) {
      p[i] = w[i] * double(n) / total;
      (p[i] < 1 ? small : large).push_back(i);
    }
    while (!small.empty() && !large.empty()) {
      const std::size_t s = small.back(), l = large.back();
      small.pop_back();
      m_prob[s] = p[s];
      m_alias[s] = l;
      p[l] = (p[l] + p[s]) - 1;
      if (p[l] < 1) {
        large.pop_back();
        small.push_back(l);
      }
    }
    for (std::size_t i : large) m_prob[i] = 1, m_alias[i] = i;
    for (std::size_t i : small) m_prob[i] = 1, m_alias[i] = i;
  }
  std::size_t draw(Rng64& rng) const {
    const std::size_t i = std::size_t(rng.below(m_prob.size()));
    return rng.uniform() < m_prob[i] ? i : m_alias[i];
  }

 private:
  std::vector<double> m_prob;
  std::vector<std::size_t> m_alias;
};

}  // namespace detail

LOWRANK_IMPL_INLINE SyntheticData synthetic_data(const SyntheticOptions& o) {
  // step 0 — validate
  LOWRANK_CHECK(o.users >= 1 && o.items >= 2 && o.interactions >= 1 && o.latent_factors >= 1 && o.genres >= 1,
                invalid_argument, "synthetic: users, items (>= 2), interactions, latent_factors and genres must be positive");
  LOWRANK_CHECK(o.noise >= 0 && o.item_popularity_exponent >= 0 && o.user_activity_exponent >= 0, invalid_argument,
                "synthetic: noise and exponents must be >= 0");
  LOWRANK_CHECK(o.users < (Index(1) << 30) && o.items < (Index(1) << 30), resource_limit, "synthetic: too many users or items");
  const Index nu = o.users, ni = o.items, f = o.latent_factors;
  detail::Rng64 rng(o.seed);

  // step 1 — latent factors
  Eigen::MatrixXf P(f, nu), Q(f, ni);
  for (Index j = 0; j < nu; ++j)
    for (Index r = 0; r < f; ++r) P(r, j) = float(rng.normal());
  const double qs = 1.0 / std::sqrt(double(f));
  for (Index j = 0; j < ni; ++j)
    for (Index r = 0; r < f; ++r) Q(r, j) = float(qs * rng.normal());

  // step 2 — item popularity and user activity (Zipf over random rank permutations)
  std::vector<Index> irank(static_cast<std::size_t>(ni)), urank(static_cast<std::size_t>(nu));
  std::iota(irank.begin(), irank.end(), Index(0));
  std::iota(urank.begin(), urank.end(), Index(0));
  rng.shuffle(irank);
  rng.shuffle(urank);
  std::vector<double> w(static_cast<std::size_t>(ni));
  for (Index i = 0; i < ni; ++i) w[std::size_t(i)] = std::pow(double(irank[std::size_t(i)] + 1), -o.item_popularity_exponent);
  const detail::AliasTable popularity(w);
  const Index cap = std::max<Index>(1, ni / 2), floor_n = std::min<Index>(5, cap);
  std::vector<double> act(static_cast<std::size_t>(nu));
  for (Index u = 0; u < nu; ++u) act[std::size_t(u)] = std::pow(double(urank[std::size_t(u)] + 1), -o.user_activity_exponent);
  auto total_for = [&](double c) {
    double t = 0;
    for (double a : act) t += double(std::clamp<Index>(Index(c * a), floor_n, cap));
    return t;
  };
  double lo = 0, hi = 1;
  while (total_for(hi) < double(o.interactions) && hi < 1e18) hi *= 2;
  for (int it = 0; it < 100; ++it) {
    const double mid = 0.5 * (lo + hi);
    (total_for(mid) < double(o.interactions) ? lo : hi) = mid;
  }
  std::vector<Index> count(static_cast<std::size_t>(nu));
  for (Index u = 0; u < nu; ++u) count[std::size_t(u)] = std::clamp<Index>(Index(hi * act[std::size_t(u)]), floor_n, cap);

  // step 3 — per user: candidates by popularity, keep the most preferred
  std::vector<Interaction> rows;
  rows.reserve(std::size_t(std::min<double>(total_for(hi), 1e9)));
  std::vector<float> prefs;
  prefs.reserve(rows.capacity());
  std::vector<Index> stamp(static_cast<std::size_t>(ni), -1);
  std::vector<std::pair<float, Index>> cand;
  const float noise = float(o.noise);
  for (Index u = 0; u < nu; ++u) {
    const Index n = count[std::size_t(u)];
    const Index want = std::min<Index>(ni, 3 * n);
    cand.clear();
    // draws with rejection of repeats; capped so a flat popularity tail cannot stall
    for (Index tries = 0; Index(cand.size()) < want && tries < 40 * want; ++tries) {
      const Index i = Index(popularity.draw(rng));
      if (stamp[std::size_t(i)] == u) continue;
      stamp[std::size_t(i)] = u;
      const float s = P.col(u).dot(Q.col(i)) + noise * float(rng.normal());
      cand.emplace_back(s, i);
    }
    const std::size_t keep = std::min<std::size_t>(std::size_t(n), cand.size());
    std::partial_sort(cand.begin(), cand.begin() + std::ptrdiff_t(keep), cand.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    for (std::size_t c = 0; c < keep; ++c) {
      const std::int64_t ts = 978300000 + std::int64_t(rng.below(100000000));
      rows.push_back({u, cand[c].second, 1.0f, ts});
      prefs.push_back(cand[c].first);
    }
  }

  // step 4 — ratings from global preference quantiles
  if (o.ratings && !prefs.empty()) {
    std::vector<float> sorted = prefs;
    const double cum[4] = {0.06, 0.17, 0.44, 0.78};
    float cut[4];
    for (int q = 0; q < 4; ++q) {
      const std::size_t at = std::min(sorted.size() - 1, std::size_t(cum[q] * double(sorted.size())));
      std::nth_element(sorted.begin(), sorted.begin() + std::ptrdiff_t(at), sorted.end());
      cut[q] = sorted[at];
    }
    for (std::size_t e = 0; e < rows.size(); ++e) {
      int r = 1;
      for (int q = 0; q < 4; ++q) r += prefs[e] >= cut[q];
      rows[e].value = float(r);
    }
  }

  // step 5 — genres aligned with the item factors
  SyntheticData out;
  static const char* kNames[18] = {"Action", "Adventure", "Animation", "Children", "Comedy", "Crime",
                                   "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical",
                                   "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"};
  for (int g = 0; g < o.genres; ++g) out.genre_names.push_back(g < 18 ? kNames[g] : "Genre " + std::to_string(g));
  Eigen::MatrixXf G(f, o.genres);
  for (Index g = 0; g < o.genres; ++g)
    for (Index r = 0; r < f; ++r) G(r, g) = float(rng.normal());
  const Eigen::MatrixXf A = Q.transpose() * G;  // items × genres affinities
  out.item_genres.resize(std::size_t(ni));
  for (Index i = 0; i < ni; ++i) {
    std::vector<int> order(static_cast<std::size_t>(o.genres));
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return A(i, a) > A(i, b) || (A(i, a) == A(i, b) && a < b); });
    auto& gi = out.item_genres[std::size_t(i)];
    gi.push_back(order[0]);
    const float best = A(i, order[0]);
    for (std::size_t k = 1; k < 3 && k < order.size(); ++k)
      if (best > 0 && A(i, order[k]) >= 0.7f * best) gi.push_back(order[k]);
  }
  out.interactions =
      Interactions::from_interactions(std::move(rows), IdMap::identity(nu), IdMap::identity(ni), Duplicates::sum);
  return out;
}

LOWRANK_IMPL_INLINE Interactions synthetic(const SyntheticOptions& options) {
  return synthetic_data(options).interactions;
}

}  // namespace lowrank::rec
