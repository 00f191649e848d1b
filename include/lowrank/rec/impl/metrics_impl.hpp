#pragma once
/// \file rec/impl/metrics_impl.hpp  evaluate (compiled once in src/lib/rec_core.cpp, or inline in header-only mode).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <functional>
#include <unordered_map>

#include "lowrank/config.hpp"
#if LOWRANK_HAS_OPENMP
#include <omp.h>
#endif
#include "lowrank/rec/metrics.hpp"
#include "lowrank/rec/topk.hpp"

namespace lowrank::rec {
namespace detail {

/// Per-user metric values for one ranked list; layout: for each cutoff, 6 numbers
/// (precision, recall, ndcg, map, mrr, hit).
inline void user_metrics(const std::vector<ScoredItem>& top, const std::vector<std::pair<ItemId, float>>& relevant,
                         const EvalOptions& o, double* out) {
  std::unordered_map<ItemId, float> gain;
  gain.reserve(relevant.size() * 2);
  for (const auto& [i, v] : relevant) gain[i] = o.graded_ndcg ? v : 1.0f;
  std::vector<double> ideal;
  ideal.reserve(relevant.size());
  for (const auto& [i, g] : gain) ideal.push_back(double(g));
  std::sort(ideal.begin(), ideal.end(), std::greater<double>());
  const double nrel = double(relevant.size());
  for (std::size_t c = 0; c < o.cutoffs.size(); ++c) {
    const int k = o.cutoffs[c];
    double hits = 0, dcg = 0, ap = 0, rr = 0;
    for (std::size_t r = 0; r < top.size() && r < std::size_t(k); ++r) {
      auto it = gain.find(top[r].item);
      if (it == gain.end()) continue;
      hits += 1;
      dcg += double(it->second) / std::log2(double(r) + 2.0);
      ap += hits / double(r + 1);
      if (rr == 0) rr = 1.0 / double(r + 1);
    }
    double idcg = 0;
    for (std::size_t r = 0; r < ideal.size() && r < std::size_t(k); ++r) idcg += ideal[r] / std::log2(double(r) + 2.0);
    const double mink = std::min(double(k), nrel);
    double* m = out + 6 * c;
    m[0] = hits / double(k);
    m[1] = hits / (o.recall_denominator_min_k ? mink : nrel);
    m[2] = idcg > 0 ? dcg / idcg : 0.0;
    m[3] = ap / mink;
    m[4] = rr;
    m[5] = hits > 0 ? 1.0 : 0.0;
  }
}

}  // namespace detail

LOWRANK_IMPL_INLINE Metrics evaluate(const Recommender& model, const Split& split, const EvalOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  // step 0 — validate
  LOWRANK_CHECK(model.is_fitted(), invalid_argument, "evaluate: the model ", model.name(), " is not fitted");
  LOWRANK_CHECK(!o.cutoffs.empty(), invalid_argument, "evaluate: no cutoffs given");
  for (int k : o.cutoffs) LOWRANK_CHECK(k >= 1, invalid_argument, "evaluate: cutoff ", k, " must be >= 1");
  LOWRANK_CHECK(!std::isnan(o.relevance_threshold), invalid_argument, "evaluate: relevance_threshold is NaN");
  const Index ni = model.num_items();
  LOWRANK_CHECK(split.test.num_items() == ni && split.train.num_items() == ni && split.test.num_users() == model.num_users(),
                shape_mismatch, "evaluate: the split is ", split.test.num_users(), "×", split.test.num_items(),
                " (test) but the model knows ", model.num_users(), " users × ", ni, " items");
  const bool fold_in = !split.test_users.empty();
  if (fold_in)
    LOWRANK_CHECK(split.fold_in.num_users() == split.test.num_users() && split.fold_in.num_items() == ni, shape_mismatch,
                  "evaluate: the fold-in matrix does not match the test matrix");
  const int kmax = *std::max_element(o.cutoffs.begin(), o.cutoffs.end());

  // step 1 — users to evaluate: those with at least one relevant test item
  const auto& test = split.test.matrix();
  std::vector<UserId> users;
  const std::vector<UserId>* candidates = nullptr;
  std::vector<UserId> all;
  if (fold_in) {
    candidates = &split.test_users;
  } else {
    all.resize(std::size_t(test.rows()));
    for (Index u = 0; u < test.rows(); ++u) all[std::size_t(u)] = u;
    candidates = &all;
  }
  for (UserId u : *candidates) {
    LOWRANK_CHECK(u >= 0 && u < test.rows(), unknown_id, "evaluate: test user ", u, " is outside the data");
    for (int e = test.outerIndexPtr()[u]; e < test.outerIndexPtr()[u + 1]; ++e)
      if (double(test.valuePtr()[e]) >= o.relevance_threshold) {
        users.push_back(u);
        break;
      }
  }
  const std::size_t nm = 6 * o.cutoffs.size();
  std::vector<double> per_user(users.size() * nm, 0.0);
  std::vector<std::vector<ItemId>> lists(users.size());

  // step 2 — score blocks of users, mask, rank, per-user metrics (threaded; exceptions carried out)
  const auto& mask = fold_in ? split.fold_in.matrix() : split.train.matrix();
  const std::ptrdiff_t block = 64;
  const std::ptrdiff_t nblocks = (std::ptrdiff_t(users.size()) + block - 1) / block;
  std::exception_ptr failure;
  RecommendOptions ro;
  ro.exclude_seen = o.exclude_train;
  const int threads = o.threads;
  (void)threads;
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads > 0 ? threads : omp_get_max_threads())
#endif
  for (std::ptrdiff_t b = 0; b < nblocks; ++b) {
    try {
      const std::size_t lo = std::size_t(b * block), hi = std::min(users.size(), std::size_t((b + 1) * block));
      std::vector<UserId> ids(users.begin() + std::ptrdiff_t(lo), users.begin() + std::ptrdiff_t(hi));
      Eigen::MatrixXf scores(Index(ids.size()), ni);
      if (fold_in) {
        for (std::size_t r = 0; r < ids.size(); ++r) {
          std::vector<std::pair<ItemId, float>> h;
          for (Interactions::Csr::InnerIterator it(mask, ids[r]); it; ++it) h.emplace_back(ItemId(it.col()), it.value());
          scores.row(Index(r)) = model.score_history(h).transpose();
        }
      } else {
        model.score_block(ids, scores);
      }
      auto rows = detail::score_rows(scores);  // contiguous rows for the selection pass
      std::vector<std::pair<ItemId, float>> relevant;
      for (std::size_t r = 0; r < ids.size(); ++r) {
        const UserId u = ids[r];
        float* row = rows.data() + Index(r) * ni;
        const int* seen = mask.innerIndexPtr() + mask.outerIndexPtr()[u];
        const Index nseen = mask.outerIndexPtr()[u + 1] - mask.outerIndexPtr()[u];
        const auto top = filter_top_k(row, ni, kmax, ro, seen, nseen);
        relevant.clear();
        for (int e = test.outerIndexPtr()[u]; e < test.outerIndexPtr()[u + 1]; ++e)
          if (double(test.valuePtr()[e]) >= o.relevance_threshold)
            relevant.emplace_back(ItemId(test.innerIndexPtr()[e]), test.valuePtr()[e]);
        detail::user_metrics(top, relevant, o, per_user.data() + (lo + r) * nm);
        auto& l = lists[lo + r];
        for (const auto& s : top) l.push_back(s.item);
      }
    } catch (...) {
#if LOWRANK_HAS_OPENMP
#pragma omp critical(lowrank_evaluate)
#endif
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);

  // step 3 — averages in user order (the same sums for any thread count), coverage
  Metrics out;
  out.users_evaluated = Index(users.size());
  static const char* names[6] = {"precision", "recall", "ndcg", "map", "mrr", "hit"};
  for (std::size_t c = 0; c < o.cutoffs.size(); ++c) {
    const std::string at = "@" + std::to_string(o.cutoffs[c]);
    for (int j = 0; j < 6; ++j) {
      double s = 0;
      for (std::size_t u = 0; u < users.size(); ++u) s += per_user[u * nm + 6 * c + std::size_t(j)];
      out.values[names[j] + at] = users.empty() ? 0.0 : s / double(users.size());
    }
    std::vector<char> covered(static_cast<std::size_t>(ni), 0);
    Index count = 0;
    for (const auto& l : lists)
      for (std::size_t r = 0; r < l.size() && r < std::size_t(o.cutoffs[c]); ++r)
        if (!covered[std::size_t(l[r])]) covered[std::size_t(l[r])] = 1, ++count;
    out.values["coverage" + at] = ni > 0 ? double(count) / double(ni) : 0.0;
  }

  // step 4 — rating metrics over every test interaction of a known (trained) user
  if (model.is_rating_model() && !fold_in) {
    double se = 0, ae = 0;
    Index n = 0;
    for (Index u = 0; u < test.rows(); ++u)
      for (int e = test.outerIndexPtr()[u]; e < test.outerIndexPtr()[u + 1]; ++e) {
        const double err = model.predict(u, test.innerIndexPtr()[e]) - double(test.valuePtr()[e]);
        se += err * err;
        ae += std::abs(err);
        ++n;
      }
    if (n > 0) {
      out.values["rmse"] = std::sqrt(se / double(n));
      out.values["mae"] = ae / double(n);
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace lowrank::rec
