#pragma once
/// \file rec/impl/core_models_impl.hpp  Popularity, ItemKNN and PureSVD (compiled once in
/// src/lib/rec_core.cpp, or inline in header-only mode).
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "lowrank/config.hpp"
#include "lowrank/rec/models/item_knn.hpp"
#include "lowrank/rec/models/popularity.hpp"
#include "lowrank/rec/models/pure_svd.hpp"
#include "lowrank/rec/persist.hpp"
#include "lowrank/rec/topk.hpp"
#include "lowrank/svd/lanczos.hpp"
#include "lowrank/svd/randomized.hpp"

namespace lowrank::rec {
namespace detail {

/// Largest |weight| first (ties: lower item), at most `keep`.
inline void rank_contributions(std::vector<Contribution>& c, std::size_t keep = 20) {
  std::sort(c.begin(), c.end(), [](const Contribution& a, const Contribution& b) {
    const float wa = std::abs(a.weight), wb = std::abs(b.weight);
    return wa > wb || (wa == wb && a.item < b.item);
  });
  if (c.size() > keep) c.resize(keep);
}

inline std::string explain_summary(const Recommender& m, UserId user, ItemId item, float score,
                                   const std::vector<Contribution>& c) {
  std::string s = m.name() + ": score " + std::to_string(score) + " of item " + m.items().raw(item) + " for user " +
                  m.users().raw(user);
  if (c.empty()) return s + " (no seen item contributes)";
  s += "; largest contributions from seen items";
  for (std::size_t k = 0; k < c.size() && k < 3; ++k) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " %+.4g", double(c[k].weight));
    s += (k ? ", " : " ") + m.items().raw(c[k].item) + buf;  // "seen items 113 +1.135, 105 +0.5662
  }
  return s;
}

inline void check_history(const Recommender& m, const std::vector<std::pair<ItemId, float>>& history, const char* who) {
  LOWRANK_CHECK(m.is_fitted(), invalid_argument, m.name(), " ", who, ": the model is not fitted");
  for (const auto& [i, v] : history) {
    LOWRANK_CHECK(i >= 0 && i < m.num_items(), unknown_id, m.name(), " ", who, ": history item ", i,
                  " is outside [0, ", m.num_items(), ")");
    LOWRANK_CHECK(std::isfinite(v), non_finite, m.name(), " ", who, ": history value of item ", i, " is not finite");
  }
}

inline void check_block(const Recommender& m, const std::vector<UserId>& users, const Eigen::Ref<Eigen::MatrixXf>& out) {
  LOWRANK_CHECK(m.is_fitted(), invalid_argument, m.name(), " score_block: the model is not fitted");
  LOWRANK_CHECK(out.rows() == Index(users.size()) && out.cols() == m.num_items(), shape_mismatch, m.name(),
                " score_block: out is ", out.rows(), "×", out.cols(), ", expected ", users.size(), "×", m.num_items());
  for (UserId u : users)
    LOWRANK_CHECK(u >= 0 && u < m.num_users(), unknown_id, m.name(), " score_block: user ", u, " is outside [0, ",
                  m.num_users(), ")");
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------- Popularity

LOWRANK_IMPL_INLINE void Popularity::fit(const Interactions& data) {
  Eigen::VectorXf counts = Eigen::VectorXf::Zero(data.num_items());
  const auto& m = data.matrix();
  for (Index e = 0; e < m.nonZeros(); ++e) counts[m.innerIndexPtr()[e]] += 1.0f;
  remember_training_data(data);
  m_counts = std::move(counts);
  set_fitted(true);
}

LOWRANK_IMPL_INLINE void Popularity::score_block(const std::vector<UserId>& users, Eigen::Ref<Eigen::MatrixXf> out) const {
  detail::check_block(*this, users, out);
  out.rowwise() = m_counts.transpose();
}

LOWRANK_IMPL_INLINE Explanation Popularity::explain(UserId user, ItemId item) const {
  check_user(user, "explain");
  check_item(item, "explain");
  Explanation e;
  e.user = user, e.item = item, e.score = m_counts[item];
  e.summary = "popularity: item " + items().raw(item) + " was chosen by " + std::to_string(Index(m_counts[item])) +
              " training users (not personalized)";
  return e;
}

LOWRANK_IMPL_INLINE Eigen::VectorXf Popularity::score_history(const std::vector<std::pair<ItemId, float>>& history) const {
  detail::check_history(*this, history, "score_history");
  return m_counts;
}

// ---------------------------------------------------------------------------------------------- ItemKNN

LOWRANK_IMPL_INLINE void ItemKNN::fit(const Interactions& data) {
  // step 0 — validate
  LOWRANK_CHECK(m_opt.neighbors >= 1, invalid_argument, "itemknn fit: neighbors = ", m_opt.neighbors, " must be >= 1");
  LOWRANK_CHECK(m_opt.shrinkage >= 0 && std::isfinite(m_opt.shrinkage), invalid_argument, "itemknn fit: shrinkage = ",
                m_opt.shrinkage, " must be finite and >= 0");
  const Index nu = data.num_users(), ni = data.num_items();
  LOWRANK_CHECK(nu > 0 && ni > 0, shape_mismatch, "itemknn fit: the training data is empty");
  // step 1 — X: binarized or stored values, then the optional tf-idf / BM25 weighting
  Interactions::Csr X = data.matrix();
  X.makeCompressed();
  float* xv = X.valuePtr();
  for (Index e = 0; e < X.nonZeros(); ++e) xv[e] = value_of(xv[e]);
  if (m_opt.weighting != Weighting::none) {
    std::vector<double> item_len(static_cast<std::size_t>(ni), 0.0);
    for (Index e = 0; e < X.nonZeros(); ++e) item_len[std::size_t(X.innerIndexPtr()[e])] += 1;
    const double avg = double(X.nonZeros()) / double(ni);
    const double K1 = 1.2, B = 0.75;
    for (Index u = 0; u < nu; ++u) {
      const int b = X.outerIndexPtr()[u], e = X.outerIndexPtr()[u + 1];
      const double idf = std::log(double(ni) / double(std::max(1, e - b)));
      for (int p = b; p < e; ++p) {
        double x = xv[p];
        if (m_opt.weighting == Weighting::bm25) {
          const double len = item_len[std::size_t(X.innerIndexPtr()[p])];
          x = x * (K1 + 1) / (K1 * (1 - B + B * len / std::max(avg, 1e-12)) + x);
        }
        xv[p] = float(x * std::max(idf, 0.0));
      }
    }
  }
  const Interactions::Csc Xc(X);
  Eigen::VectorXd norm(ni);
  for (Index i = 0; i < ni; ++i) norm[i] = Xc.col(i).cast<double>().norm();

  // step 2 — per item: its row of XᵀX (sparse × sparse), shrunk cosine, top-N; threaded over items,
  // in chunks so that progress is reported (and cancellation honoured) between parallel regions
  const std::size_t N = std::size_t(m_opt.neighbors);
  std::vector<std::vector<std::pair<int, float>>> rows(static_cast<std::size_t>(ni));
  const Index chunk = 1024;
  for (Index c0 = 0; c0 < ni; c0 += chunk) {
    report_progress("similarity", double(c0) / double(ni));
    const Index c1 = std::min(ni, c0 + chunk);
#if LOWRANK_HAS_OPENMP
#pragma omp parallel
#endif
    {
      std::vector<double> acc(static_cast<std::size_t>(ni), 0.0);
      std::vector<char> mark(static_cast<std::size_t>(ni), 0);
      std::vector<int> touched;
      std::vector<std::pair<float, int>> cand;
#if LOWRANK_HAS_OPENMP
#pragma omp for schedule(dynamic, 16)
#endif
      for (Index i = c0; i < c1; ++i) {
        touched.clear();
        for (Interactions::Csc::InnerIterator ui(Xc, i); ui; ++ui) {
          const Index u = ui.row();
          const double xui = ui.value();
          for (int p = X.outerIndexPtr()[u]; p < X.outerIndexPtr()[u + 1]; ++p) {
            const int j = X.innerIndexPtr()[p];
            if (!mark[std::size_t(j)]) mark[std::size_t(j)] = 1, touched.push_back(j);
            acc[std::size_t(j)] += xui * double(xv[p]);
          }
        }
        cand.clear();
        for (int j : touched) {
          if (j != i) {
            const double s = acc[std::size_t(j)] / (norm[i] * norm[j] + m_opt.shrinkage);
            if (s > 0 && std::isfinite(s)) cand.emplace_back(float(s), j);
          }
          acc[std::size_t(j)] = 0;
          mark[std::size_t(j)] = 0;
        }
        auto better = [](const std::pair<float, int>& a, const std::pair<float, int>& b) {
          return a.first > b.first || (a.first == b.first && a.second < b.second);
        };
        const std::size_t keep = std::min(N, cand.size());
        std::partial_sort(cand.begin(), cand.begin() + std::ptrdiff_t(keep), cand.end(), better);
        auto& r = rows[std::size_t(i)];
        r.reserve(keep);
        for (std::size_t k = 0; k < keep; ++k) r.emplace_back(cand[k].second, cand[k].first);
        std::sort(r.begin(), r.end());  // CSR wants ascending columns
      }
    }
  }
  report_progress("similarity", 1.0);
  // step 3 — assemble W (CSR, rows = items) and commit the fitted state
  std::size_t nnz = 0;
  for (const auto& r : rows) nnz += r.size();
  SimilarityMatrix W(ni, ni);
  W.resizeNonZeros(Index(nnz));
  std::size_t at = 0;
  W.outerIndexPtr()[0] = 0;
  for (Index i = 0; i < ni; ++i) {
    for (const auto& [j, s] : rows[std::size_t(i)]) {
      W.innerIndexPtr()[at] = j;
      W.valuePtr()[at] = s;
      ++at;
    }
    W.outerIndexPtr()[i + 1] = int(at);
  }
  remember_training_data(data);
  m_w = std::move(W);
  set_fitted(true);
}

LOWRANK_IMPL_INLINE void ItemKNN::score_block(const std::vector<UserId>& users, Eigen::Ref<Eigen::MatrixXf> out) const {
  detail::check_block(*this, users, out);
  Eigen::VectorXf acc(num_items());
  for (std::size_t r = 0; r < users.size(); ++r) {
    acc.setZero();
    for (Interactions::Csr::InnerIterator it(*m_seen, users[r]); it; ++it) {
      const float x = value_of(it.value());
      for (SimilarityMatrix::InnerIterator w(m_w, it.col()); w; ++w) acc[w.col()] += x * w.value();
    }
    out.row(Index(r)) = acc.transpose();
  }
}

LOWRANK_IMPL_INLINE Eigen::VectorXf ItemKNN::score_history(const std::vector<std::pair<ItemId, float>>& history) const {
  detail::check_history(*this, history, "score_history");
  Eigen::VectorXf acc = Eigen::VectorXf::Zero(num_items());
  for (const auto& [i, v] : history)
    for (SimilarityMatrix::InnerIterator w(m_w, i); w; ++w) acc[w.col()] += value_of(v) * w.value();
  return acc;
}

LOWRANK_IMPL_INLINE Explanation ItemKNN::explain(UserId user, ItemId item) const {
  check_user(user, "explain");
  check_item(item, "explain");
  Explanation e;
  e.user = user, e.item = item;
  for (Interactions::Csr::InnerIterator it(*m_seen, user); it; ++it) {
    const float w = m_w.coeff(it.col(), item) * value_of(it.value());
    e.score += w;
    if (w != 0) e.contributions.push_back({ItemId(it.col()), w});
  }
  detail::rank_contributions(e.contributions);
  e.summary = detail::explain_summary(*this, user, item, e.score, e.contributions);
  return e;
}

LOWRANK_IMPL_INLINE std::vector<ScoredItem> ItemKNN::similar_items(ItemId item, int k) const {
  check_item(item, "similar_items");
  LOWRANK_CHECK(k >= 1, invalid_argument, "itemknn similar_items: k = ", k, " must be >= 1");
  std::vector<ScoredItem> out;
  for (SimilarityMatrix::InnerIterator w(m_w, item); w; ++w) out.push_back({ItemId(w.col()), w.value()});
  std::sort(out.begin(), out.end(), detail::ranks_before);
  if (out.size() > std::size_t(k)) out.resize(std::size_t(k));
  return out;
}

// ---------------------------------------------------------------------------------------------- PureSVD

LOWRANK_IMPL_INLINE void PureSVD::fit(const Interactions& data) {
  // step 0 — validate
  const Index nu = data.num_users(), ni = data.num_items();
  LOWRANK_CHECK(nu > 0 && ni > 0, shape_mismatch, "puresvd fit: the training data is empty");
  LOWRANK_CHECK(m_opt.factors >= 1 && Index(m_opt.factors) <= std::min(nu, ni), invalid_argument,
                "puresvd fit: factors = ", m_opt.factors, " must be in [1, min(users, items) = ", std::min(nu, ni), "]");
  LOWRANK_CHECK(m_opt.solver == "randomized" || m_opt.solver == "lanczos" || m_opt.solver == "gram", invalid_argument,
                "puresvd fit: unknown solver \"", m_opt.solver, "\" (expected randomized, lanczos or gram)");
  // step 1 — R in double (the solvers' accuracy), binarized when asked
  Eigen::SparseMatrix<double, Eigen::RowMajor, int> R = data.matrix().cast<double>();
  R.makeCompressed();
  if (m_opt.binarize)
    for (Index e = 0; e < R.nonZeros(); ++e) R.valuePtr()[e] = 1.0;
  const Index f = m_opt.factors;
  report_progress("svd", 0.0);
  // step 2 — the truncated SVD through the chosen solver
  Eigen::MatrixXd V;
  Eigen::VectorXd S;
  SvdInfo info;
  if (m_opt.solver == "randomized") {
    RandomizedOptions o;
    o.seed = m_opt.seed;
    auto res = randomized_svd(R, f, o);
    V = std::move(res.V), S = std::move(res.S), info = res.info;
  } else if (m_opt.solver == "lanczos") {
    LanczosOptions o;
    o.seed = m_opt.seed;
    auto res = lanczos_svd(R, f, o);
    V = std::move(res.V), S = std::move(res.S), info = res.info;
  } else {
    LOWRANK_CHECK(ni <= m_opt.gram_max_items, resource_limit, "puresvd fit: solver \"gram\" forms a dense ", ni, "×", ni,
                  " RᵀR (", double(ni) * double(ni) * 8 / 1e9, " GB); gram_max_items = ", m_opt.gram_max_items,
                  " — use randomized or lanczos");
    const Eigen::SparseMatrix<double, Eigen::ColMajor, int> Rc(R);
    const Eigen::MatrixXd C = Eigen::MatrixXd(Rc.transpose() * Rc);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(C);
    LOWRANK_CHECK(es.info() == Eigen::Success, numerical, "puresvd fit: the eigensolver of RᵀR did not converge");
    V.resize(ni, f);
    S.resize(f);
    for (Index k = 0; k < f; ++k) {  // eigenvalues ascending → take the last f, descending
      V.col(k) = es.eigenvectors().col(ni - 1 - k);
      S[k] = std::sqrt(std::max(0.0, es.eigenvalues()[ni - 1 - k]));
    }
    info.method = "gram";
    info.warning = "gram: singular values from eigenvalues of RᵀR (condition number squared)";
  }
  LOWRANK_CHECK(V.allFinite() && S.allFinite(), numerical, "puresvd fit: the ", m_opt.solver,
                " solver returned non-finite factors");
  report_progress("svd", 1.0);
  // step 3 — commit
  remember_training_data(data);
  m_v = V.cast<float>();
  m_s = S.cast<float>();
  m_info = info;
  set_fitted(true);
}

LOWRANK_IMPL_INLINE void PureSVD::score_block(const std::vector<UserId>& users, Eigen::Ref<Eigen::MatrixXf> out) const {
  detail::check_block(*this, users, out);
  // T = R_block · V (sparse rows), then out = T · Vᵀ (one GEMM per block)
  Eigen::MatrixXf T = Eigen::MatrixXf::Zero(Index(users.size()), m_v.cols());
  for (std::size_t r = 0; r < users.size(); ++r)
    for (Interactions::Csr::InnerIterator it(*m_seen, users[r]); it; ++it)
      T.row(Index(r)) += value_of(it.value()) * m_v.row(it.col());
  out.noalias() = T * m_v.transpose();
}

LOWRANK_IMPL_INLINE Eigen::VectorXf PureSVD::score_history(const std::vector<std::pair<ItemId, float>>& history) const {
  detail::check_history(*this, history, "score_history");
  Eigen::VectorXf t = Eigen::VectorXf::Zero(m_v.cols());
  for (const auto& [i, v] : history) t += value_of(v) * m_v.row(i).transpose();
  return m_v * t;
}

LOWRANK_IMPL_INLINE Explanation PureSVD::explain(UserId user, ItemId item) const {
  check_user(user, "explain");
  check_item(item, "explain");
  Explanation e;
  e.user = user, e.item = item;
  for (Interactions::Csr::InnerIterator it(*m_seen, user); it; ++it) {
    const float w = value_of(it.value()) * m_v.row(it.col()).dot(m_v.row(item));
    e.score += w;
    e.contributions.push_back({ItemId(it.col()), w});
  }
  detail::rank_contributions(e.contributions);
  e.summary = detail::explain_summary(*this, user, item, e.score, e.contributions);
  return e;
}

LOWRANK_IMPL_INLINE std::vector<ScoredItem> PureSVD::similar_items(ItemId item, int k) const {
  check_item(item, "similar_items");
  LOWRANK_CHECK(k >= 1, invalid_argument, "puresvd similar_items: k = ", k, " must be >= 1");
  const Eigen::MatrixXf Y = m_v * m_s.asDiagonal();
  const Eigen::VectorXf norms = Y.rowwise().norm();
  Eigen::VectorXf sim = (Y * Y.row(item).transpose()).array() / (norms.array() * norms[item]).max(1e-30f);
  sim[item] = std::numeric_limits<float>::quiet_NaN();
  return select_top_k(sim.data(), sim.size(), k);
}

// ---------------------------------------------------------------------------------------------- persistence
// Layout of each state: hyper-parameters first, then the fitted arrays (rec/persist.hpp).

LOWRANK_IMPL_INLINE void Popularity::save_state(BinaryWriter& out) const { out.write_matrix(m_counts); }

LOWRANK_IMPL_INLINE void Popularity::load_state(BinaryReader& in) {
  Eigen::VectorXf c = in.read_vector_eigen<float>("popularity counts");
  if (is_fitted()) {
    LOWRANK_CHECK(c.size() == num_items(), corrupt, in.source(), ": popularity counts hold ", c.size(), " items, expected ",
                  num_items());
    // Counts of training users: whole numbers in [0, users] (explain prints them as integers).
    for (Index i = 0; i < c.size(); ++i)
      LOWRANK_CHECK(c[i] >= 0 && c[i] <= float(num_users()) && c[i] == std::floor(c[i]), corrupt, in.source(),
                    ": popularity count ", c[i], " of item ", i, " is not a user count in [0, ", num_users(), "]");
  }
  m_counts = std::move(c);
}

LOWRANK_IMPL_INLINE void ItemKNN::save_state(BinaryWriter& out) const {
  out.write<std::int32_t>(m_opt.neighbors);
  out.write<double>(m_opt.shrinkage);
  out.write<std::uint8_t>(std::uint8_t(m_opt.weighting));
  out.write<std::uint8_t>(m_opt.binarize ? 1 : 0);
  out.write_csr(m_w);
}

LOWRANK_IMPL_INLINE void ItemKNN::load_state(BinaryReader& in) {
  ItemKNNOptions o;
  o.neighbors = in.read<std::int32_t>("itemknn neighbors");
  o.shrinkage = in.read<double>("itemknn shrinkage");
  const auto w = in.read<std::uint8_t>("itemknn weighting");
  LOWRANK_CHECK(w <= 2 && o.neighbors >= 1 && o.shrinkage >= 0, corrupt, in.source(), ": bad itemknn options");
  o.weighting = Weighting(w);
  o.binarize = in.read<std::uint8_t>("itemknn binarize") != 0;
  SimilarityMatrix W = in.read_csr("itemknn similarity");
  if (is_fitted())
    LOWRANK_CHECK(W.rows() == num_items() && W.cols() == num_items(), corrupt, in.source(), ": itemknn similarity ",
                  W.rows(), "x", W.cols(), " does not match ", num_items(), " items");
  m_opt = o;
  m_w = std::move(W);
}

LOWRANK_IMPL_INLINE void PureSVD::save_state(BinaryWriter& out) const {
  out.write<std::int32_t>(m_opt.factors);
  out.write_string(m_opt.solver);
  out.write<std::uint64_t>(m_opt.seed);
  out.write<std::uint8_t>(m_opt.binarize ? 1 : 0);
  out.write<std::int64_t>(m_opt.gram_max_items);
  out.write_string(m_info.method);
  out.write<std::uint8_t>(m_info.converged ? 1 : 0);
  out.write<std::int32_t>(m_info.iterations);
  out.write<double>(m_info.residual_estimate);
  out.write_matrix(m_v);
  out.write_matrix(m_s);
}

LOWRANK_IMPL_INLINE void PureSVD::load_state(BinaryReader& in) {
  PureSVDOptions o;
  o.factors = in.read<std::int32_t>("puresvd factors");
  o.solver = in.read_string("puresvd solver");
  o.seed = in.read<std::uint64_t>("puresvd seed");
  o.binarize = in.read<std::uint8_t>("puresvd binarize") != 0;
  o.gram_max_items = in.read<std::int64_t>("puresvd gram_max_items");
  SvdInfo info;
  info.method = in.read_string("puresvd svd method");
  info.converged = in.read<std::uint8_t>("puresvd converged") != 0;
  info.iterations = in.read<std::int32_t>("puresvd iterations");
  info.residual_estimate = in.read<double>("puresvd residual");
  Eigen::MatrixXf V = in.read_matrix<float>("puresvd item factors");
  Eigen::VectorXf S = in.read_vector_eigen<float>("puresvd singular values");
  LOWRANK_CHECK(o.factors >= 1 && V.cols() == S.size(), corrupt, in.source(), ": puresvd factors do not match (",
                V.cols(), " columns, ", S.size(), " singular values)");
  if (is_fitted())
    LOWRANK_CHECK(V.rows() == num_items() && V.cols() == o.factors, corrupt, in.source(), ": puresvd item factors ",
                  V.rows(), "x", V.cols(), " do not match ", num_items(), " items and ", o.factors, " factors");
  m_opt = std::move(o);
  m_info = std::move(info);
  m_v = std::move(V);
  m_s = std::move(S);
}

}  // namespace lowrank::rec
