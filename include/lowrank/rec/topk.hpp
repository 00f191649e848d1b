#pragma once
/// \file rec/topk.hpp  Top-k selection over a score row: masking (seen / deny / allow) and selection.
///
/// Selection is a threshold filter plus a k-element heap (the scheme of implicit's `topk` and of
/// Faiss' `k_min` heaps): the first k admissible scores fill a heap whose root is the worst kept item;
/// every later score is compared with that root only (one branch per item, no memory traffic),
/// and enters the heap only when strictly better. O(n + m log k) for m accepted candidates.
///
/// Order: descending score; equal scores by *lower* item index first. Because items are scanned in
/// increasing index order, a later item tying with the root is never better than it, so "strictly
/// greater than the root" is exactly the tie rule. NaN scores are never selected (masked items are
/// set to NaN). −∞ is a legal score and is selected when fewer than k better items exist.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "lowrank/error.hpp"
#include "lowrank/rec/model.hpp"

namespace lowrank::rec {

namespace detail {
/// true when a ranks before b: higher score, or equal score and lower index.
inline bool ranks_before(const ScoredItem& a, const ScoredItem& b) noexcept {
  return a.score > b.score || (a.score == b.score && a.item < b.item);
}

/// The heap pass shared by both selection entry points; `next(i)` returns (item, score) of candidate i.
template <class Next>
std::vector<ScoredItem> heap_select(Index count, int k, Next next) {
  std::vector<ScoredItem> heap;
  if (k <= 0 || count <= 0) return heap;
  heap.reserve(std::size_t(std::min<Index>(k, count)));
  Index i = 0;
  // Phase 1: fill the heap with the first k non-NaN candidates (root = worst kept).
  for (; i < count && heap.size() < std::size_t(k); ++i) {
    const ScoredItem c = next(i);
    if (std::isnan(c.score)) continue;
    heap.push_back(c);
    std::push_heap(heap.begin(), heap.end(), ranks_before);
  }
  // Phase 2: threshold filter; candidates arrive in increasing item order, so ties with the root lose.
  if (heap.size() == std::size_t(k)) {
    float threshold = heap.front().score;
    for (; i < count; ++i) {
      const ScoredItem c = next(i);
      if (!(c.score > threshold)) continue;  // NaN fails this test as well
      std::pop_heap(heap.begin(), heap.end(), ranks_before);
      heap.back() = c;
      std::push_heap(heap.begin(), heap.end(), ranks_before);
      threshold = heap.front().score;
    }
  }
  std::sort_heap(heap.begin(), heap.end(), ranks_before);
  return heap;
}

/// The rows of a users × items score block (score_block's column-major layout) as contiguous rows for
/// filter_top_k, transposed in tiles of 256 items: copying one row at a time from the column-major
/// block touches a cache line per score, which at 200 k items doubled the cost per item (bench/scale).
inline Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> score_rows(const Eigen::MatrixXf& scores) {
  const Index n = scores.cols();
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows(scores.rows(), n);
  for (Index i0 = 0; i0 < n; i0 += 256) {
    const Index w = std::min<Index>(256, n - i0);
    rows.middleCols(i0, w) = scores.middleCols(i0, w);
  }
  return rows;
}

}  // namespace detail

/// Best `k` of `scores[0..n)`, best first, ties by lower index, NaN skipped. Fewer than k when fewer
/// non-NaN scores exist; empty for k ≤ 0.
inline std::vector<ScoredItem> select_top_k(const float* scores, Index n, int k) {
  return detail::heap_select(n, k, [scores](Index i) { return ScoredItem{ItemId(i), scores[i]}; });
}

/// Best `k` among `candidates` (sorted ascending, unique) of `scores`.
inline std::vector<ScoredItem> select_top_k(const float* scores, const std::vector<ItemId>& candidates, int k) {
  return detail::heap_select(Index(candidates.size()), k, [&](Index i) {
    const ItemId item = candidates[std::size_t(i)];
    return ScoredItem{item, scores[item]};
  });
}

/// Applies RecommendOptions to one score row in place and selects the top k.
/// `seen_items`/`seen_count`: the user's seen items (masked when options.exclude_seen).
/// \throws Error(Errc::unknown_id) when an allow- or deny-list item is outside [0, n).
inline std::vector<ScoredItem> filter_top_k(float* scores, Index n, int k, const RecommendOptions& options,
                                            const int* seen_items, Index seen_count) {
  constexpr float masked = std::numeric_limits<float>::quiet_NaN();
  if (options.exclude_seen)
    for (Index j = 0; j < seen_count; ++j) scores[seen_items[j]] = masked;
  for (ItemId d : options.deny) {
    LOWRANK_CHECK(d >= 0 && d < n, unknown_id, "recommend: deny-list item ", d, " is outside [0, ", n, ")");
    scores[d] = masked;
  }
  if (options.allow.empty()) return select_top_k(scores, n, k);
  std::vector<ItemId> allow = options.allow;
  for (ItemId a : allow)
    LOWRANK_CHECK(a >= 0 && a < n, unknown_id, "recommend: allow-list item ", a, " is outside [0, ", n, ")");
  std::sort(allow.begin(), allow.end());
  allow.erase(std::unique(allow.begin(), allow.end()), allow.end());
  return select_top_k(scores, allow, k);
}

}  // namespace lowrank::rec
