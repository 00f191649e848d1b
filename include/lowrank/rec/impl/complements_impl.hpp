#pragma once
/// \file rec/impl/complements_impl.hpp  Non-template definitions of rec/complements.hpp (compiled once in
/// src/lib/rec_beyond.cpp, or inline in header-only mode).
#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "lowrank/error.hpp"
#include "lowrank/rec/complements.hpp"
#include "lowrank/svd/randomized.hpp"

namespace lowrank::rec {
namespace detail {

inline std::uint64_t pair_key(ItemId a, ItemId b) {
  if (a > b) std::swap(a, b);
  return (std::uint64_t(a) << 32) | std::uint64_t(b);
}

inline std::vector<PairCount> sorted_pairs(const std::unordered_map<std::uint64_t, float>& m) {
  std::vector<PairCount> out;
  out.reserve(m.size());
  for (const auto& kv : m) out.push_back({ItemId(kv.first >> 32), ItemId(kv.first & 0xffffffffu), kv.second});
  std::sort(out.begin(), out.end(), [](const PairCount& x, const PairCount& y) {
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  });
  return out;
}

/// All unordered pairs of a distinct item set, each added once to `acc`.
inline void add_all_pairs(const std::vector<ItemId>& items, std::unordered_map<std::uint64_t, float>& acc) {
  for (std::size_t i = 0; i < items.size(); ++i)
    for (std::size_t j = i + 1; j < items.size(); ++j) acc[pair_key(items[i], items[j])] += 1.0f;
}

inline std::vector<ItemId> distinct(std::vector<ItemId> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

/// Symmetric sparse matrix from unordered pairs with the value of each pair.
template <class F>
Eigen::SparseMatrix<float, Eigen::RowMajor, int> symmetric(const std::vector<PairCount>& pairs, Index n, F value) {
  std::vector<Eigen::Triplet<float>> t;
  t.reserve(2 * pairs.size());
  for (const auto& p : pairs) {
    const float v = value(p);
    if (!(v != 0)) continue;
    t.emplace_back(int(p.a), int(p.b), v);
    t.emplace_back(int(p.b), int(p.a), v);
  }
  Eigen::SparseMatrix<float, Eigen::RowMajor, int> m(n, n);
  m.setFromTriplets(t.begin(), t.end());
  return m;
}

inline float sparse_at(const Eigen::SparseMatrix<float, Eigen::RowMajor, int>& m, ItemId a, ItemId b) {
  if (m.rows() == 0) return 0;
  return m.coeff(a, b);  // binary search in the row
}

}  // namespace detail

LOWRANK_IMPL_INLINE PairSets pairs_from_events(const std::vector<ShopEvent>& events, Index num_items,
                                               Index max_session_items) {
  constexpr const char* who = "pairs_from_events";
  LOWRANK_CHECK(num_items >= 0 && max_session_items >= 2, invalid_argument, who, ": num_items ", num_items,
                " must be >= 0 and max_session_items ", max_session_items, " >= 2");
  // step 1 — group events by session (stable, so file order breaks timestamp ties)
  std::vector<std::size_t> order(events.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    LOWRANK_CHECK(events[i].item >= 0 && events[i].item < num_items, unknown_id, who, ": event ", i, " has item ",
                  events[i].item, " outside [0, ", num_items, ")");
    order[i] = i;
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const auto& a = events[x];
    const auto& b = events[y];
    return a.session != b.session ? a.session < b.session : a.timestamp < b.timestamp;
  });
  // step 2 — per session: B_cp from purchases, B_cv from views, B_vp from (viewed and not bought a,
  // bought b later); each pair counted once per session
  std::unordered_map<std::uint64_t, float> cp, cv, vp;
  for (std::size_t s = 0; s < order.size();) {
    std::size_t e = s;
    while (e < order.size() && events[order[e]].session == events[order[s]].session) ++e;
    std::vector<ItemId> bought, viewed;
    for (std::size_t i = s; i < e; ++i)
      (events[order[i]].kind == EventKind::purchase ? bought : viewed).push_back(events[order[i]].item);
    bought = detail::distinct(bought);
    viewed = detail::distinct(viewed);
    if (Index(bought.size()) <= max_session_items && Index(viewed.size()) <= max_session_items) {
      detail::add_all_pairs(bought, cp);
      detail::add_all_pairs(viewed, cv);
      std::unordered_set<std::uint64_t> seen_vp;
      for (std::size_t i = s; i < e; ++i) {
        const ShopEvent& p = events[order[i]];
        if (p.kind != EventKind::purchase) continue;
        for (std::size_t j = s; j < i; ++j) {
          const ShopEvent& v = events[order[j]];
          if (v.kind != EventKind::view || v.item == p.item || v.timestamp > p.timestamp) continue;
          if (std::binary_search(bought.begin(), bought.end(), v.item)) continue;  // bought too: not instead
          if (seen_vp.insert(detail::pair_key(v.item, p.item)).second) vp[detail::pair_key(v.item, p.item)] += 1.0f;
        }
      }
    }
    s = e;
  }
  PairSets out;
  out.num_items = num_items;
  out.co_purchase = detail::sorted_pairs(cp);
  out.co_view = detail::sorted_pairs(cv);
  out.view_purchase = detail::sorted_pairs(vp);
  return out;
}

LOWRANK_IMPL_INLINE PairSets pairs_from_baskets(const std::vector<std::vector<ItemId>>& baskets, Index num_items,
                                                Index max_basket_items) {
  LOWRANK_CHECK(num_items >= 0 && max_basket_items >= 2, invalid_argument, "pairs_from_baskets: num_items ",
                num_items, " must be >= 0 and max_basket_items ", max_basket_items, " >= 2");
  std::unordered_map<std::uint64_t, float> cp;
  for (std::size_t b = 0; b < baskets.size(); ++b) {
    for (ItemId i : baskets[b])
      LOWRANK_CHECK(i >= 0 && i < num_items, unknown_id, "pairs_from_baskets: basket ", b, " has item ", i,
                    " outside [0, ", num_items, ")");
    const auto items = detail::distinct(baskets[b]);
    if (Index(items.size()) <= max_basket_items) detail::add_all_pairs(items, cp);
  }
  PairSets out;
  out.num_items = num_items;
  out.co_purchase = detail::sorted_pairs(cp);
  return out;
}

LOWRANK_IMPL_INLINE PairSets pairs_from_edges(const std::vector<PairCount>& edges, Index num_items) {
  std::unordered_map<std::uint64_t, float> cp;
  for (std::size_t e = 0; e < edges.size(); ++e) {
    const auto& p = edges[e];
    LOWRANK_CHECK(p.a >= 0 && p.a < num_items && p.b >= 0 && p.b < num_items, unknown_id, "pairs_from_edges: edge ",
                  e, " (", p.a, ", ", p.b, ") is outside [0, ", num_items, ")");
    LOWRANK_CHECK(std::isfinite(p.count) && p.count >= 0, invalid_argument, "pairs_from_edges: edge ", e,
                  " has weight ", p.count);
    if (p.a != p.b && p.count > 0) cp[detail::pair_key(p.a, p.b)] += p.count;
  }
  PairSets out;
  out.num_items = num_items;
  out.co_purchase = detail::sorted_pairs(cp);
  return out;
}

LOWRANK_IMPL_INLINE std::vector<PairCount> complement_pairs(const PairSets& sets) {
  // B_cp − (B_cv ∩ B_vp): all three lists are sorted by (a, b), so one merge-style pass with lookups
  std::unordered_set<std::uint64_t> cv;
  for (const auto& p : sets.co_view) cv.insert(detail::pair_key(p.a, p.b));
  std::unordered_set<std::uint64_t> substitutes;
  for (const auto& p : sets.view_purchase)
    if (cv.count(detail::pair_key(p.a, p.b))) substitutes.insert(detail::pair_key(p.a, p.b));
  std::vector<PairCount> out;
  for (const auto& p : sets.co_purchase)
    if (!substitutes.count(detail::pair_key(p.a, p.b))) out.push_back(p);
  return out;
}

LOWRANK_IMPL_INLINE void ComplementModel::fit(const PairSets& sets, ItemCatalog catalog) {
  constexpr const char* who = "ComplementModel::fit";
  // step 0 — validate options and sizes
  const Index n = sets.num_items;
  LOWRANK_CHECK(n >= 1, shape_mismatch, who, ": num_items is ", n);
  LOWRANK_CHECK(m_opt.rank >= 0 && m_opt.completion_weight >= 0 && m_opt.completion_weight <= 1 &&
                    m_opt.context_exponent > 0 && m_opt.context_exponent <= 1 && m_opt.pair_prior >= 0 &&
                    m_opt.shrinkage >= 0 &&
                    m_opt.taxonomy_level >= -1,
                invalid_argument, who, ": options out of range (rank >= 0, completion_weight in [0, 1], "
                "context_exponent in (0, 1], pair_prior >= 0, shrinkage >= 0, taxonomy_level >= -1)");
  const auto check_size = [&](std::size_t s, const char* what) {
    LOWRANK_CHECK(s == 0 || Index(s) == n, shape_mismatch, who, ": catalog ", what, " has ", s, " entries for ", n,
                  " items");
  };
  check_size(catalog.titles.size(), "titles");
  check_size(catalog.categories.size(), "categories");
  check_size(catalog.attributes.size(), "attributes");
  for (const auto* list : {&sets.co_purchase, &sets.co_view, &sets.view_purchase})
    for (const auto& p : *list)
      LOWRANK_CHECK(p.a >= 0 && p.a < n && p.b >= 0 && p.b < n && p.a != p.b, unknown_id, who, ": pair (", p.a,
                    ", ", p.b, ") is outside [0, ", n, ") or a self-pair");

  // step 1 — the set algebra: complements = B_cp − (B_cv ∩ B_vp); remember the substitutes removed
  const std::vector<PairCount> pairs = m_opt.use_complement_set ? complement_pairs(sets) : sets.co_purchase;
  std::vector<PairCount> subs;
  if (m_opt.use_complement_set) {
    std::unordered_set<std::uint64_t> kept;
    for (const auto& p : pairs) kept.insert(detail::pair_key(p.a, p.b));
    for (const auto& p : sets.co_purchase)
      if (!kept.count(detail::pair_key(p.a, p.b))) subs.push_back({p.a, p.b, 1.0f});
  }
  m_n = n;
  m_count = detail::symmetric(pairs, n, [](const PairCount& p) { return p.count; });
  m_substitute = detail::symmetric(subs, n, [](const PairCount& p) { return p.count; });

  // step 2 — association of the observed pairs: marginals c_a = Σ_b c_ab, total T = Σ_a c_a
  const double prior = m_opt.pair_prior;
  Eigen::VectorXd c = Eigen::VectorXd::Zero(n);
  for (const auto& p : pairs) {
    c(p.a) += p.count + prior;
    c(p.b) += p.count + prior;
  }
  const double T = c.sum();
  double zsum = 0;
  for (Index i = 0; i < n; ++i) zsum += std::pow(c(i), m_opt.context_exponent);
  const auto ctx = [&](ItemId b) { return zsum > 0 ? T * std::pow(c(b), m_opt.context_exponent) / zsum : 0.0; };
  const Association kind = m_opt.association;
  m_assoc = detail::symmetric(pairs, n, [&](const PairCount& p) -> float {
    const double cab = p.count + prior;
    switch (kind) {
      case Association::count: return float(cab);
      case Association::lift: return float(cab * T / (c(p.a) * c(p.b)));
      case Association::ppmi: {
        // symmetrised: mean of the two directions of the context-smoothed PMI, clipped at 0
        const double ab = std::log(cab * T / (c(p.a) * ctx(p.b))), ba = std::log(cab * T / (c(p.b) * ctx(p.a)));
        const double v = 0.5 * (ab + ba);
        return v > 0 ? float(v) : 0.0f;
      }
    }
    return 0.0f;
  });
  if (m_opt.shrinkage > 0) {
    // significance weighting (as item-kNN shrinkage): a PMI from 1 basket is mostly noise
    for (Index i = 0; i < n; ++i)
      for (Eigen::SparseMatrix<float, Eigen::RowMajor, int>::InnerIterator it(m_assoc, i); it; ++it) {
        const double cab = double(m_count.coeff(i, it.col())) + prior;
        it.valueRef() = float(double(it.value()) * cab / (cab + m_opt.shrinkage));
      }
  }
  m_assoc.prune(0.0f);
  LOWRANK_CHECK(m_assoc.nonZeros() == 0 || Eigen::Map<const Eigen::VectorXf>(m_assoc.valuePtr(), m_assoc.nonZeros()).allFinite(),
                numerical, who, ": association values are not finite");

  // step 3 — low-rank completion of the association matrix (randomized truncated SVD): assoc ≈ L Rᵀ
  m_left.resize(0, 0);
  m_right.resize(0, 0);
  m_sigma.resize(0);
  const Index r = std::min(m_opt.rank, n);
  if (r > 0 && m_assoc.nonZeros() > 0) {
    RandomizedOptions ro;
    ro.seed = m_opt.seed;
    const auto svd = randomized_svd(m_assoc, r, ro);
    m_sigma = svd.S;
    // item embeddings U·S^(1/2), unit rows: cosine of two rows = how alike the items' co-purchase
    // patterns are (for symmetric M, (U S Uᵀ)² ≈ M², the two-step association), defined for every pair
    m_left = svd.U * svd.S.cwiseSqrt().asDiagonal();
    for (Index i = 0; i < n; ++i) {
      const float nrm = m_left.row(i).norm();
      if (nrm > 0) m_left.row(i) /= nrm;
    }
    m_right = m_left;
  }
  m_catalog = std::move(catalog);
  m_fitted = true;
}

LOWRANK_IMPL_INLINE void ComplementModel::check_item(ItemId i, const char* who) const {
  LOWRANK_CHECK(m_fitted, invalid_argument, who, ": the model is not fitted");
  LOWRANK_CHECK(i >= 0 && i < m_n, unknown_id, who, ": item ", i, " is outside [0, ", m_n, ")");
}

LOWRANK_IMPL_INLINE bool ComplementModel::relevant(ItemId a, ItemId b) const {
  const int L = m_opt.taxonomy_level;
  if (L < 0 || m_catalog.categories.empty()) return true;
  const auto& ca = m_catalog.categories[std::size_t(a)];
  const auto& cb = m_catalog.categories[std::size_t(b)];
  if (Index(ca.size()) <= L || Index(cb.size()) <= L) return true;  // unknown at this level: not filtered
  if (m_opt.match_any_category) return !shared_category(a, b).empty();
  return std::equal(ca.begin(), ca.begin() + L + 1, cb.begin());
}

LOWRANK_IMPL_INLINE std::string ComplementModel::shared_category(ItemId a, ItemId b) const {
  const int L = std::max(m_opt.taxonomy_level, 0);
  if (m_catalog.categories.empty()) return {};
  const auto& ca = m_catalog.categories[std::size_t(a)];
  const auto& cb = m_catalog.categories[std::size_t(b)];
  if (!m_opt.match_any_category) {
    if (Index(ca.size()) > L && Index(cb.size()) > L && std::equal(ca.begin(), ca.begin() + L + 1, cb.begin()))
      return ca[std::size_t(L)];
    return {};
  }
  for (std::size_t i = std::size_t(L); i < ca.size(); ++i)
    if (std::find(cb.begin() + std::min<std::ptrdiff_t>(L, std::ptrdiff_t(cb.size())), cb.end(), ca[i]) != cb.end())
      return ca[i];
  return {};
}

LOWRANK_IMPL_INLINE bool ComplementModel::compatible(ItemId a, ItemId b) const {
  if (m_opt.compatibility_keys.empty() || m_catalog.attributes.empty()) return true;
  const auto& xa = m_catalog.attributes[std::size_t(a)];
  const auto& xb = m_catalog.attributes[std::size_t(b)];
  for (const auto& key : m_opt.compatibility_keys) {
    auto ia = xa.find(key), ib = xb.find(key);
    if (ia != xa.end() && ib != xb.end() && ia->second != ib->second) return false;
  }
  return true;
}

LOWRANK_IMPL_INLINE float ComplementModel::count(ItemId a, ItemId b) const {
  check_item(a, "ComplementModel::count");
  check_item(b, "ComplementModel::count");
  return detail::sparse_at(m_count, a, b);
}

LOWRANK_IMPL_INLINE bool ComplementModel::is_substitute(ItemId a, ItemId b) const {
  check_item(a, "ComplementModel::is_substitute");
  check_item(b, "ComplementModel::is_substitute");
  return detail::sparse_at(m_substitute, a, b) != 0;
}

LOWRANK_IMPL_INLINE float ComplementModel::association(ItemId a, ItemId b) const {
  check_item(a, "ComplementModel::association");
  check_item(b, "ComplementModel::association");
  return detail::sparse_at(m_assoc, a, b);
}

LOWRANK_IMPL_INLINE Eigen::VectorXf ComplementModel::score_all(ItemId anchor) const {
  check_item(anchor, "ComplementModel::score_all");
  // score = (1 − w)·observed association + w·low-rank estimate (w = 0 without completion)
  const float w = m_left.size() ? float(m_opt.completion_weight) : 0.0f;
  Eigen::VectorXf s = Eigen::VectorXf::Zero(m_n);
  if (w > 0) s = w * (m_right * m_left.row(anchor).transpose());
  for (Eigen::SparseMatrix<float, Eigen::RowMajor, int>::InnerIterator it(m_assoc, anchor); it; ++it)
    s(it.col()) += (1 - w) * it.value();
  const float ninf = -std::numeric_limits<float>::infinity();
  for (Index j = 0; j < m_n; ++j) {
    if (j == anchor || !(s(j) == s(j))) {
      s(j) = ninf;
      continue;
    }
    if (m_opt.require_relevance && !relevant(anchor, j)) s(j) = ninf;
    else if (!compatible(anchor, j)) s(j) = ninf;
    else if (m_substitute.nonZeros() && detail::sparse_at(m_substitute, anchor, j) != 0) s(j) = ninf;
  }
  return s;
}

LOWRANK_IMPL_INLINE std::string ComplementModel::explain(ItemId a, ItemId b) const {
  check_item(a, "ComplementModel::explain");
  check_item(b, "ComplementModel::explain");
  std::vector<std::string> parts;
  std::ostringstream num;
  num.precision(2);
  const float cnt = detail::sparse_at(m_count, a, b);
  if (cnt > 0) {
    const long n = std::lround(cnt);
    parts.push_back("bought together by " + std::to_string(n) + (n == 1 ? " customer" : " customers"));
  } else if (detail::sparse_at(m_substitute, a, b) != 0) {
    parts.push_back("compared and bought instead of each other (a substitute, not a complement)");
  } else {
    const float est = m_left.size() ? m_left.row(a).dot(m_right.row(b)) : 0.0f;
    num << std::fixed << est;
    parts.push_back("never bought together; predicted from shared co-purchase patterns (low-rank similarity " + num.str() +
                    ")");
  }
  const int L = m_opt.taxonomy_level;
  if (L >= 0 && !m_catalog.categories.empty()) {
    const auto& ca = m_catalog.categories[std::size_t(a)];
    const auto& cb = m_catalog.categories[std::size_t(b)];
    if (Index(ca.size()) > L && Index(cb.size()) > L) {
      if (relevant(a, b)) parts.push_back("both in " + shared_category(a, b));
      else parts.push_back("different categories (" + ca[std::size_t(L)] + " vs " + cb[std::size_t(L)] + ")");
    }
  }
  if (!m_catalog.attributes.empty()) {
    const auto& xa = m_catalog.attributes[std::size_t(a)];
    const auto& xb = m_catalog.attributes[std::size_t(b)];
    for (const auto& key : m_opt.compatibility_keys) {
      auto ia = xa.find(key), ib = xb.find(key);
      if (ia == xa.end() || ib == xb.end()) continue;
      parts.push_back(ia->second == ib->second ? "same " + key + " (" + ia->second + ")"
                                               : "different " + key + " (" + ia->second + " vs " + ib->second + ")");
    }
  }
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "; " : "") + parts[i];
  return out;
}

LOWRANK_IMPL_INLINE std::vector<ComplementRecommendation> ComplementModel::recommend(
    ItemId anchor, int k, const std::vector<ItemId>& exclude) const {
  check_item(anchor, "ComplementModel::recommend");
  LOWRANK_CHECK(k >= 1, invalid_argument, "ComplementModel::recommend: k ", k, " < 1");
  Eigen::VectorXf s = score_all(anchor);
  for (ItemId e : exclude)
    if (e >= 0 && e < m_n) s(e) = -std::numeric_limits<float>::infinity();
  std::vector<ItemId> idx;
  for (Index j = 0; j < m_n; ++j)
    if (s(j) > 0) idx.push_back(j);  // no positive evidence, no recommendation
  const std::size_t kk = std::min<std::size_t>(std::size_t(k), idx.size());
  std::partial_sort(idx.begin(), idx.begin() + std::ptrdiff_t(kk), idx.end(),
                    [&](ItemId x, ItemId y) { return s(x) != s(y) ? s(x) > s(y) : x < y; });
  std::vector<ComplementRecommendation> out;
  for (std::size_t r = 0; r < kk; ++r) {
    const ItemId j = idx[r];
    ComplementRecommendation rec;
    rec.item = j;
    rec.score = s(j);
    rec.observed_count = detail::sparse_at(m_count, anchor, j);
    rec.association = detail::sparse_at(m_assoc, anchor, j);
    rec.completed = m_left.size() ? m_left.row(anchor).dot(m_right.row(j)) : 0.0f;
    rec.explanation = explain(anchor, j);
    out.push_back(std::move(rec));
  }
  return out;
}

LOWRANK_IMPL_INLINE CooccurrenceBaseline::CooccurrenceBaseline(const PairSets& train, BaselineKind kind)
    : m_kind(kind) {
  const Index n = train.num_items;
  LOWRANK_CHECK(n >= 1, shape_mismatch, "CooccurrenceBaseline: num_items is ", n);
  m_c = detail::symmetric(train.co_purchase, n, [](const PairCount& p) { return p.count; });
  m_pop = Eigen::VectorXf::Zero(n);
  m_norm = Eigen::VectorXf::Zero(n);
  for (Index i = 0; i < n; ++i) {
    double s = 0, s2 = 0;
    for (Eigen::SparseMatrix<float, Eigen::RowMajor, int>::InnerIterator it(m_c, i); it; ++it) {
      s += it.value();
      s2 += double(it.value()) * it.value();
    }
    m_pop(i) = float(s);
    m_norm(i) = float(std::sqrt(s2));
  }
}

LOWRANK_IMPL_INLINE Eigen::VectorXf CooccurrenceBaseline::scores(ItemId anchor) const {
  const Index n = m_c.rows();
  LOWRANK_CHECK(anchor >= 0 && anchor < n, unknown_id, "CooccurrenceBaseline::scores: item ", anchor,
                " is outside [0, ", n, ")");
  Eigen::VectorXf s = Eigen::VectorXf::Zero(n);
  if (m_kind == BaselineKind::count) {
    // count first; popularity as a tie-break below one co-occurrence (c_j / (1 + max c) < 1)
    const float maxpop = m_pop.size() ? m_pop.maxCoeff() : 0.0f;
    s = m_pop / (1.0f + maxpop);
    for (Eigen::SparseMatrix<float, Eigen::RowMajor, int>::InnerIterator it(m_c, anchor); it; ++it)
      s(it.col()) += it.value();
  } else {
    // cosine of co-occurrence rows: (C c_a)_j / (‖c_a‖ ‖c_j‖), C symmetric
    Eigen::VectorXf row = Eigen::VectorXf::Zero(n);
    for (Eigen::SparseMatrix<float, Eigen::RowMajor, int>::InnerIterator it(m_c, anchor); it; ++it)
      row(it.col()) = it.value();
    s = m_c * row;
    for (Index j = 0; j < n; ++j) {
      const float d = m_norm(anchor) * m_norm(j);
      s(j) = d > 0 ? s(j) / d : 0.0f;
    }
  }
  s(anchor) = -std::numeric_limits<float>::infinity();
  return s;
}

LOWRANK_IMPL_INLINE ComplementEval evaluate_complements(const std::function<Eigen::VectorXf(ItemId)>& scores,
                                                        const PairSets& train, const std::vector<PairCount>& held_out,
                                                        int k, bool exclude_train) {
  const Index n = train.num_items;
  LOWRANK_CHECK(k >= 1, invalid_argument, "evaluate_complements: k ", k, " < 1");
  std::vector<std::vector<ItemId>> rel(static_cast<std::size_t>(n)), known(static_cast<std::size_t>(n));
  for (const auto& p : held_out) {
    LOWRANK_CHECK(p.a >= 0 && p.a < n && p.b >= 0 && p.b < n, unknown_id, "evaluate_complements: held-out pair (",
                  p.a, ", ", p.b, ") is outside [0, ", n, ")");
    rel[std::size_t(p.a)].push_back(p.b);
    rel[std::size_t(p.b)].push_back(p.a);
  }
  if (exclude_train)
    for (const auto& p : train.co_purchase) {
      known[std::size_t(p.a)].push_back(p.b);
      known[std::size_t(p.b)].push_back(p.a);
    }
  ComplementEval out;
  for (Index a = 0; a < n; ++a) {
    auto& r = rel[std::size_t(a)];
    if (r.empty()) continue;
    r = detail::distinct(r);
    Eigen::VectorXf s = scores(a);
    LOWRANK_CHECK(s.size() == n, shape_mismatch, "evaluate_complements: scorer returned ", s.size(), " scores for ", n,
                  " items");
    s(a) = -std::numeric_limits<float>::infinity();
    for (ItemId j : known[std::size_t(a)]) s(j) = -std::numeric_limits<float>::infinity();
    std::vector<ItemId> idx;
    for (Index j = 0; j < n; ++j)
      if (s(j) > -std::numeric_limits<float>::infinity()) idx.push_back(j);
    const std::size_t kk = std::min<std::size_t>(std::size_t(k), idx.size());
    std::partial_sort(idx.begin(), idx.begin() + std::ptrdiff_t(kk), idx.end(),
                      [&](ItemId x, ItemId y) { return s(x) != s(y) ? s(x) > s(y) : x < y; });
    double hits = 0, dcg = 0, idcg = 0;
    for (std::size_t q = 0; q < kk; ++q)
      if (std::binary_search(r.begin(), r.end(), idx[q])) {
        hits += 1;
        dcg += 1.0 / std::log2(double(q) + 2.0);
      }
    for (std::size_t q = 0; q < std::min<std::size_t>(std::size_t(k), r.size()); ++q) idcg += 1.0 / std::log2(double(q) + 2.0);
    out.recall += hits / double(r.size());
    out.ndcg += idcg > 0 ? dcg / idcg : 0.0;
    ++out.anchors;
  }
  if (out.anchors) {
    out.recall /= double(out.anchors);
    out.ndcg /= double(out.anchors);
  }
  return out;
}

}  // namespace lowrank::rec
