#pragma once
/// \file rec/impl/model_impl.hpp  Non-template definitions of the Recommender base: recommend (once for
/// every model: score_block → mask → top-k), recommend_all, fold-in, defaults of the optional hooks.
#include <algorithm>
#include <cmath>
#include <exception>

#include "lowrank/config.hpp"
#include "lowrank/rec/model.hpp"
#include "lowrank/rec/topk.hpp"

namespace lowrank::rec {

LOWRANK_IMPL_INLINE std::vector<ScoredItem> Recommender::recommend(UserId user, int k,
                                                                    const RecommendOptions& options) const {
  // step 0 — validate
  check_user(user, "recommend");
  LOWRANK_CHECK(k >= 1, invalid_argument, name(), " recommend: k = ", k, " must be >= 1");
  // step 1 — scores of every item for this user
  Eigen::MatrixXf scores(1, num_items());
  score_block({user}, scores);
  // step 2 — mask seen / deny, restrict to allow, then top-k (ties by lower item index)
  const int* seen = m_seen->innerIndexPtr() + m_seen->outerIndexPtr()[user];
  const Index nseen = m_seen->outerIndexPtr()[user + 1] - m_seen->outerIndexPtr()[user];
  return filter_top_k(scores.data(), num_items(), k, options, seen, nseen);
}

LOWRANK_IMPL_INLINE std::vector<std::vector<ScoredItem>> Recommender::recommend_all(
    const std::vector<UserId>& users, int k, const RecommendOptions& options) const {
  // step 0 — validate everything before any thread starts (exceptions must not leave OpenMP regions)
  LOWRANK_CHECK(k >= 1, invalid_argument, name(), " recommend_all: k = ", k, " must be >= 1");
  for (UserId u : users) check_user(u, "recommend_all");
  for (ItemId d : options.deny)
    LOWRANK_CHECK(d >= 0 && d < num_items(), unknown_id, "recommend_all: deny-list item ", d, " is outside [0, ",
                  num_items(), ")");
  for (ItemId a : options.allow)
    LOWRANK_CHECK(a >= 0 && a < num_items(), unknown_id, "recommend_all: allow-list item ", a, " is outside [0, ",
                  num_items(), ")");
  // step 1 — blocks of users scored together (one GEMM per block for factor models), in parallel.
  // A block holds block × items scores; at most 2 Mi floats (8 MB, so it stays near the cache even
  // with 200 k items), at least 16 users (so the GEMM still reuses what it reads of the item side).
  std::vector<std::vector<ScoredItem>> out(users.size());
  const Index n = num_items();
  const std::ptrdiff_t block = std::clamp<std::ptrdiff_t>((std::ptrdiff_t(1) << 21) / std::max<Index>(n, 1), 16, 128);
  const std::ptrdiff_t nblocks = (std::ptrdiff_t(users.size()) + block - 1) / block;
  std::exception_ptr failure;
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(dynamic, 1)
#endif
  for (std::ptrdiff_t b = 0; b < nblocks; ++b) {
    try {
      const std::size_t lo = std::size_t(b * block), hi = std::min(users.size(), std::size_t((b + 1) * block));
      std::vector<UserId> ids(users.begin() + std::ptrdiff_t(lo), users.begin() + std::ptrdiff_t(hi));
      Eigen::MatrixXf scores(Index(ids.size()), n);
      score_block(ids, scores);
      auto rows = detail::score_rows(scores);  // contiguous rows for the selection pass
      for (std::size_t r = 0; r < ids.size(); ++r) {
        float* row = rows.data() + Index(r) * n;
        const UserId u = ids[r];
        const int* seen = m_seen->innerIndexPtr() + m_seen->outerIndexPtr()[u];
        const Index nseen = m_seen->outerIndexPtr()[u + 1] - m_seen->outerIndexPtr()[u];
        out[lo + r] = filter_top_k(row, n, k, options, seen, nseen);
      }
    } catch (...) {
#if LOWRANK_HAS_OPENMP
#pragma omp critical(lowrank_recommend_all)
#endif
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  return out;
}

LOWRANK_IMPL_INLINE std::vector<ScoredItem> Recommender::recommend_for_history(
    const std::vector<std::pair<ItemId, float>>& history, int k, const RecommendOptions& options) const {
  LOWRANK_CHECK(m_fitted, invalid_argument, name(), " recommend_for_history: the model is not fitted");
  LOWRANK_CHECK(k >= 1, invalid_argument, name(), " recommend_for_history: k = ", k, " must be >= 1");
  std::vector<int> seen;
  seen.reserve(history.size());
  for (const auto& [item, value] : history) {
    check_item(item, "recommend_for_history");
    LOWRANK_CHECK(std::isfinite(value), non_finite, name(), " recommend_for_history: history value of item ", item,
                  " is not finite");
    seen.push_back(int(item));
  }
  Eigen::VectorXf scores = score_history(history);
  LOWRANK_CHECK(scores.size() == num_items(), shape_mismatch, name(), " score_history returned ", scores.size(),
                " scores for ", num_items(), " items");
  return filter_top_k(scores.data(), num_items(), k, options, seen.data(), Index(seen.size()));
}

LOWRANK_IMPL_INLINE Explanation Recommender::explain(UserId, ItemId) const {
  throw Error(Errc::invalid_argument, name() + ": explain is not supported by this model");
}

LOWRANK_IMPL_INLINE std::vector<ScoredItem> Recommender::similar_items(ItemId, int) const {
  throw Error(Errc::invalid_argument, name() + ": similar_items is not supported by this model");
}

LOWRANK_IMPL_INLINE double Recommender::predict(UserId user, ItemId item) const {
  check_user(user, "predict");
  check_item(item, "predict");
  Eigen::MatrixXf scores(1, num_items());
  score_block({user}, scores);
  return double(scores(0, item));
}

LOWRANK_IMPL_INLINE Eigen::VectorXf Recommender::score_history(const std::vector<std::pair<ItemId, float>>&) const {
  throw Error(Errc::invalid_argument, name() + ": fold-in of a new user's history is not supported by this model");
}

LOWRANK_IMPL_INLINE void Recommender::remember_training_data(const Interactions& data) {
  LOWRANK_CHECK(data.num_users() > 0 && data.num_items() > 0, shape_mismatch, name(),
                " fit: the training data is empty (", data.num_users(), " users × ", data.num_items(), " items)");
  if (data.matrix().isCompressed()) {
    m_seen = data.matrix_ptr();
  } else {  // the masks walk contiguous rows
    Interactions::Csr compressed = data.matrix();
    compressed.makeCompressed();
    m_seen = detail::share_matrix(compressed);
  }
  m_users = data.user_map();
  m_items = data.item_map();
}

LOWRANK_IMPL_INLINE void Recommender::check_user(UserId user, const char* who) const {
  LOWRANK_CHECK(m_fitted, invalid_argument, name(), " ", who, ": the model is not fitted");
  LOWRANK_CHECK(user >= 0 && user < num_users(), unknown_id, name(), " ", who, ": user ", user,
                " is outside [0, ", num_users(), ")");
}

LOWRANK_IMPL_INLINE void Recommender::check_item(ItemId item, const char* who) const {
  LOWRANK_CHECK(m_fitted, invalid_argument, name(), " ", who, ": the model is not fitted");
  LOWRANK_CHECK(item >= 0 && item < num_items(), unknown_id, name(), " ", who, ": item ", item,
                " is outside [0, ", num_items(), ")");
}

LOWRANK_IMPL_INLINE void Recommender::report_progress(const std::string& stage, double fraction) const {
  if (m_progress && !m_progress(stage, fraction))
    throw Error(Errc::cancelled, name() + ": cancelled by the progress callback during " + stage);
}

// Default persistence hooks: a model that does not override them cannot be saved.
LOWRANK_IMPL_INLINE void Recommender::save_state(BinaryWriter&) const {
  throw Error(Errc::invalid_argument, name() + ": persistence not supported");
}

LOWRANK_IMPL_INLINE void Recommender::load_state(BinaryReader&) {
  throw Error(Errc::invalid_argument, name() + ": persistence not supported");
}

}  // namespace lowrank::rec
