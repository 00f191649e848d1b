#pragma once
/// \file rec/impl/data_impl.hpp  Non-template definitions of Interactions (compiled once in
/// src/lib/rec_core.cpp, or inline in header-only mode).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>

#include "lowrank/config.hpp"
#include "lowrank/rec/data.hpp"
#include "lowrank/rec/impl/assemble.hpp"

namespace lowrank::rec {

/// Assembly (detail::assemble_interactions) in O(nnz + Σ_u n_u log n_u): a stable counting sort by
/// user (file order kept inside each user), a stable sort of each user's run by item, then one merge
/// pass over equal (user, item) runs. Timestamps are kept when any interaction has a non-zero timestamp.
LOWRANK_IMPL_INLINE Interactions Interactions::from_interactions(std::vector<Interaction> rows, IdMap users,
                                                                 IdMap items, Duplicates dup) {
  // step 0 — validate ids and values
  const Index nu = users.size(), ni = items.size();
  LOWRANK_CHECK(nu < Index(std::numeric_limits<int>::max()) && ni < Index(std::numeric_limits<int>::max()),
                resource_limit, "Interactions::from_interactions: ", nu, " users × ", ni, " items exceed int indices");
  bool any_time = false;
  for (std::size_t e = 0; e < rows.size(); ++e) {
    const Interaction& r = rows[e];
    LOWRANK_CHECK(r.user >= 0 && r.user < nu, shape_mismatch, "Interactions::from_interactions: interaction ", e,
                  " has user ", r.user, " outside the user map [0, ", nu, ")");
    LOWRANK_CHECK(r.item >= 0 && r.item < ni, shape_mismatch, "Interactions::from_interactions: interaction ", e,
                  " has item ", r.item, " outside the item map [0, ", ni, ")");
    LOWRANK_CHECK(std::isfinite(r.value), non_finite, "Interactions::from_interactions: interaction ", e,
                  " (user ", r.user, ", item ", r.item, ") has a non-finite value");
    any_time |= r.timestamp != 0;
  }
  // step 1 — columns of 12 (or 20) bytes a row, then the in-place assembly of assemble.hpp
  detail::TripletColumns columns(any_time);
  for (const auto& r : rows) columns.push(int(r.user), int(r.item), r.value, r.timestamp);
  rows.clear();
  rows.shrink_to_fit();
  return detail::assemble_interactions(std::move(columns), std::move(users), std::move(items), dup);
}

LOWRANK_IMPL_INLINE Interactions Interactions::from_matrix(Csr matrix, IdMap users, IdMap items,
                                                           std::vector<std::int64_t> timestamps) {
  LOWRANK_CHECK(matrix.rows() == users.size() && matrix.cols() == items.size(), shape_mismatch,
                "Interactions::from_matrix: matrix is ", matrix.rows(), "×", matrix.cols(), " but the maps hold ",
                users.size(), " users and ", items.size(), " items");
  Interactions out;
  out.m_users = std::make_shared<const IdMap>(std::move(users));
  out.m_items = std::make_shared<const IdMap>(std::move(items));
  return out.with_matrix(std::move(matrix), std::move(timestamps));
}

LOWRANK_IMPL_INLINE Interactions Interactions::with_matrix(Csr matrix, std::vector<std::int64_t> timestamps) const {
  LOWRANK_CHECK(matrix.rows() == users().size() && matrix.cols() == items().size(), shape_mismatch,
                "Interactions::with_matrix: matrix is ", matrix.rows(), "×", matrix.cols(), " but the maps hold ",
                users().size(), " users and ", items().size(), " items");
  matrix.makeCompressed();
  LOWRANK_CHECK(timestamps.empty() || Index(timestamps.size()) == matrix.nonZeros(), shape_mismatch,
                "Interactions::with_matrix: ", timestamps.size(), " timestamps for ", matrix.nonZeros(), " values");
  const float* v = matrix.valuePtr();
  for (Index e = 0; e < matrix.nonZeros(); ++e)
    LOWRANK_CHECK(std::isfinite(v[e]), non_finite, "Interactions::with_matrix: stored value ", e, " is not finite");
  for (Index u = 0; u < matrix.rows(); ++u) {
    const int* b = matrix.innerIndexPtr() + matrix.outerIndexPtr()[u];
    const int* e = matrix.innerIndexPtr() + matrix.outerIndexPtr()[u + 1];
    for (const int* p = b; p != e; ++p)
      LOWRANK_CHECK(p == b || p[-1] < *p, invalid_argument, "Interactions::with_matrix: row ", u,
                    " has unsorted or repeated column indices");
  }
  Interactions out;
  out.m_csr = detail::share_matrix(matrix);
  out.m_timestamps = std::move(timestamps);
  out.m_users = m_users;
  out.m_items = m_items;
  return out;
}

LOWRANK_IMPL_INLINE const Interactions::Csc& Interactions::csc() const {
  // Atomic publication: concurrent first calls may both build the copy; one of them is kept.
  std::shared_ptr<Csc> cur = std::atomic_load(&m_csc);
  if (!cur) {
    auto built = std::make_shared<Csc>(*m_csr);
    built->makeCompressed();
    std::shared_ptr<Csc> expected;
    if (std::atomic_compare_exchange_strong(&m_csc, &expected, built)) cur = built;
    else cur = expected;
  }
  return *cur;
}

LOWRANK_IMPL_INLINE std::vector<Interaction> Interactions::to_list() const {
  std::vector<Interaction> out;
  out.reserve(std::size_t(nnz()));
  const bool t = has_timestamps();
  const Csr& R = *m_csr;
  for (Index u = 0; u < R.rows(); ++u)
    for (int e = R.outerIndexPtr()[u]; e < R.outerIndexPtr()[u + 1]; ++e)
      out.push_back({u, ItemId(R.innerIndexPtr()[e]), R.valuePtr()[e], t ? m_timestamps[std::size_t(e)] : 0});
  return out;
}

}  // namespace lowrank::rec
