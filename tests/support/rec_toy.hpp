#pragma once
// Small interaction matrices where the right answer is obvious (recommender model tests).
#include <Eigen/SparseCore>
#include <cmath>
#include <cstdint>
#include <vector>

#include "lowrank/rec/data.hpp"
#include "lowrank/rec/model.hpp"

namespace rec_toy {
using lowrank::Index;
using lowrank::rec::IdMap;
using lowrank::rec::Interactions;

/// Users and items in `blocks` groups; each user saw every item of their own group except one
/// (item held_out_item(u)); nothing outside the group.
inline Index held_out_item(Index u, Index users, Index items, int blocks) {
  const Index upb = users / blocks, ipb = items / blocks, b = std::min<Index>(u / upb, blocks - 1);
  return b * ipb + (u % ipb);
}
inline Interactions blocks(Index users, Index items, int blocks) {
  const Index upb = users / blocks, ipb = items / blocks;
  std::vector<Eigen::Triplet<float, int>> t;
  for (Index u = 0; u < users; ++u) {
    const Index b = std::min<Index>(u / upb, blocks - 1);
    for (Index i = b * ipb; i < (b + 1) * ipb; ++i)
      if (i != held_out_item(u, users, items, blocks)) t.emplace_back(int(u), int(i), 1.0f);
  }
  Interactions::Csr m(users, items);
  m.setFromTriplets(t.begin(), t.end());
  return Interactions::from_matrix(std::move(m), IdMap::identity(users), IdMap::identity(items));
}
/// Random 0/1..5 implicit counts with the given density (deterministic LCG).
inline Interactions random_implicit(Index users, Index items, double density, std::uint64_t seed) {
  std::uint64_t s = seed * 6364136223846793005ull + 1442695040888963407ull;
  auto next = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return double(s >> 11) * 0x1.0p-53;
  };
  std::vector<Eigen::Triplet<float, int>> t;
  for (Index u = 0; u < users; ++u)
    for (Index i = 0; i < items; ++i)
      if (next() < density) t.emplace_back(int(u), int(i), float(1 + int(next() * 5)));
  Interactions::Csr m(users, items);
  m.setFromTriplets(t.begin(), t.end());
  return Interactions::from_matrix(std::move(m), IdMap::identity(users), IdMap::identity(items));
}
/// Ratings 1..5 from a rank-`rank` model with biases plus noise; `fraction` of all pairs observed.
inline Interactions low_rank_ratings(Index users, Index items, int rank, double fraction, double noise,
                                     std::uint64_t seed) {
  std::uint64_t s = seed * 6364136223846793005ull + 1442695040888963407ull;
  auto uni = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return double(s >> 11) * 0x1.0p-53;
  };
  auto gauss = [&] {
    double a = 0;
    for (int j = 0; j < 12; ++j) a += uni();
    return a - 6;
  };
  Eigen::MatrixXd P(users, rank), Q(items, rank);
  for (Index i = 0; i < P.size(); ++i) P.data()[i] = gauss() * 0.6;
  for (Index i = 0; i < Q.size(); ++i) Q.data()[i] = gauss() * 0.6;
  Eigen::VectorXd bu(users), bi(items);
  for (Index u = 0; u < users; ++u) bu[u] = gauss() * 0.3;
  for (Index i = 0; i < items; ++i) bi[i] = gauss() * 0.5;
  std::vector<Eigen::Triplet<float, int>> t;
  for (Index u = 0; u < users; ++u)
    for (Index i = 0; i < items; ++i)
      if (uni() < fraction) {
        double r = 3.5 + bu[u] + bi[i] + P.row(u).dot(Q.row(i)) + noise * gauss();
        r = std::min(5.0, std::max(1.0, r));
        t.emplace_back(int(u), int(i), float(r));
      }
  Interactions::Csr m(users, items);
  m.setFromTriplets(t.begin(), t.end());
  return Interactions::from_matrix(std::move(m), IdMap::identity(users), IdMap::identity(items));
}
/// Every 5th stored rating (in CSR order) is a test rating; the rest is the training set.
inline void stride_split(const Interactions& d, Interactions& train, std::vector<lowrank::rec::Interaction>& test) {
  std::vector<Eigen::Triplet<float, int>> t;
  Index n = 0;
  for (Index u = 0; u < d.num_users(); ++u)
    for (Interactions::Csr::InnerIterator it(d.matrix(), u); it; ++it, ++n) {
      if (n % 5 == 0)
        test.push_back({u, Index(it.col()), it.value(), 0});
      else
        t.emplace_back(int(u), int(it.col()), it.value());
    }
  Interactions::Csr m(d.num_users(), d.num_items());
  m.setFromTriplets(t.begin(), t.end());
  train = d.with_matrix(std::move(m));
}
/// RMSE of a rating model's predictions on `test`.
inline double rmse(const lowrank::rec::Recommender& m, const std::vector<lowrank::rec::Interaction>& test) {
  double s = 0;
  for (const auto& r : test) {
    const double e = m.predict(r.user, r.item) - r.value;
    s += e * e;
  }
  return std::sqrt(s / double(test.size()));
}
}  // namespace rec_toy
