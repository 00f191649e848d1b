#pragma once
/// \file rec/impl/implicit_als_impl.hpp  ImplicitALS definitions (compiled once in src/lib/rec_models.cpp).
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <sstream>

#include "lowrank/config.hpp"
#include "lowrank/rec/impl/als_solve.hpp"
#include "lowrank/rec/impl/models_detail.hpp"
#include "lowrank/rec/models/implicit_als.hpp"
#include "lowrank/rec/persist.hpp"

namespace lowrank::rec {

LOWRANK_IMPL_INLINE void ImplicitALS::fit(const Interactions& data) {
  // step 0 — validate options and data
  const auto& o = m_opt;
  LOWRANK_CHECK(o.factors >= 1, invalid_argument, "ImplicitALS::fit: factors = ", o.factors, " < 1");
  LOWRANK_CHECK(std::isfinite(o.regularization) && o.regularization >= 0, invalid_argument,
                "ImplicitALS::fit: regularization = ", o.regularization, " must be finite and >= 0");
  LOWRANK_CHECK(std::isfinite(o.alpha) && o.alpha >= 0, invalid_argument, "ImplicitALS::fit: alpha = ", o.alpha,
                " must be finite and >= 0");
  LOWRANK_CHECK(o.iterations >= 0 && o.iterations <= 100000, invalid_argument, "ImplicitALS::fit: iterations = ",
                o.iterations, " outside [0, 100000]");
  LOWRANK_CHECK(o.cg_steps >= 1 && o.cg_steps <= 1000, invalid_argument, "ImplicitALS::fit: cg_steps = ", o.cg_steps,
                " outside [1, 1000]");
  LOWRANK_CHECK(std::isfinite(o.unobserved_weight) && o.unobserved_weight > 0, invalid_argument,
                "ImplicitALS::fit: unobserved_weight = ", o.unobserved_weight, " must be > 0");
  LOWRANK_CHECK(std::isfinite(o.regularization_exponent) && o.regularization_exponent >= 0, invalid_argument,
                "ImplicitALS::fit: regularization_exponent = ", o.regularization_exponent, " must be >= 0");
  LOWRANK_CHECK(data.num_users() > 0 && data.num_items() > 0, shape_mismatch,
                "ImplicitALS::fit: empty interaction matrix (", data.num_users(), "x", data.num_items(), ")");
  const auto& m = data.matrix();
  bool nonnegative = true;  // a branch-free pass (it vectorizes); the first offender is looked up after
  for (Index p = 0; p < m.nonZeros(); ++p) nonnegative &= m.valuePtr()[p] >= 0;
  for (Index p = 0; !nonnegative && p < m.nonZeros(); ++p)
    LOWRANK_CHECK(m.valuePtr()[p] >= 0, invalid_argument, "ImplicitALS::fit: negative value ", m.valuePtr()[p],
                  " (confidence c = 1 + alpha*r needs r >= 0)");
  // step 1 — fit on temporaries so that a cancel or an error keeps the previous state
  std::vector<double> loss;
  auto progress = [&](int epoch) { report_progress("als", double(epoch + 1) / double(o.iterations)); };
  if (o.double_precision) {
    MatD X, Y;
    detail::als_fit<double>(o, data, X, Y, loss, progress);
    m_user_d = std::move(X);
    m_item_d = std::move(Y);
    m_user_f.resize(0, 0);
    m_item_f.resize(0, 0);
  } else {
    MatF X, Y;
    detail::als_fit<float>(o, data, X, Y, loss, progress);
    m_user_f = std::move(X);
    m_item_f = std::move(Y);
    m_user_d.resize(0, 0);
    m_item_d.resize(0, 0);
  }
  // step 2 — keep the training data for masking and explanations
  m_loss = std::move(loss);
  remember_training_data(data);
  set_fitted(true);
}

LOWRANK_IMPL_INLINE Eigen::MatrixXf ImplicitALS::user_factors() const {
  return m_opt.double_precision ? Eigen::MatrixXf(m_user_d.cast<float>()) : Eigen::MatrixXf(m_user_f);
}
LOWRANK_IMPL_INLINE Eigen::MatrixXf ImplicitALS::item_factors() const {
  return m_opt.double_precision ? Eigen::MatrixXf(m_item_d.cast<float>()) : Eigen::MatrixXf(m_item_f);
}

LOWRANK_IMPL_INLINE void ImplicitALS::score_block(const std::vector<UserId>& users,
                                                  Eigen::Ref<Eigen::MatrixXf> out) const {
  LOWRANK_CHECK(is_fitted(), invalid_argument, "ImplicitALS::score_block: model is not fitted");
  LOWRANK_CHECK(out.rows() == Index(users.size()) && out.cols() == num_items(), shape_mismatch,
                "ImplicitALS::score_block: out is ", out.rows(), "x", out.cols(), ", expected ", users.size(), "x",
                num_items());
  for (UserId u : users) check_user(u, "ImplicitALS::score_block");
  const Index k = m_opt.factors;
  if (m_opt.double_precision) {
    Eigen::MatrixXd U(Index(users.size()), k);
    for (std::size_t r = 0; r < users.size(); ++r) U.row(Index(r)) = m_user_d.row(users[r]);
    out = (U * m_item_d.transpose()).cast<float>();
  } else {
    Eigen::MatrixXf U(Index(users.size()), k);
    for (std::size_t r = 0; r < users.size(); ++r) U.row(Index(r)) = m_user_f.row(users[r]);
    out.noalias() = U * m_item_f.transpose();
  }
}

LOWRANK_IMPL_INLINE double ImplicitALS::predict(UserId user, ItemId item) const {
  check_user(user, "ImplicitALS::predict");
  check_item(item, "ImplicitALS::predict");
  if (m_opt.double_precision) return m_user_d.row(user).dot(m_item_d.row(item));
  return double(m_user_f.row(user).dot(m_item_f.row(item)));
}

LOWRANK_IMPL_INLINE Eigen::VectorXd ImplicitALS::solve_exact_user(
    const std::vector<std::pair<ItemId, float>>& history, Eigen::MatrixXd* gram_out) const {
  std::vector<std::int32_t> idx;
  std::vector<double> conf;
  for (const auto& [i, v] : history) {
    LOWRANK_CHECK(v >= 0, invalid_argument, "ImplicitALS: negative history value ", v, " for item ", i);
    idx.push_back(std::int32_t(i));
    conf.push_back(1.0 + m_opt.alpha * double(v));
  }
  const double lam = detail::row_lambda(m_opt, double(idx.size()), double(num_items()));
  if (m_opt.double_precision) {
    const Eigen::MatrixXd G0 = m_opt.unobserved_weight * detail::als_gram<double>(m_item_d);
    return detail::als_exact_row<double>(G0, m_item_d, idx.data(), conf.data(), std::int64_t(idx.size()), lam,
                                         m_opt.unobserved_weight, gram_out);
  }
  std::vector<float> conf_f(conf.begin(), conf.end());
  const Eigen::MatrixXd G0 = m_opt.unobserved_weight * detail::als_gram<float>(m_item_f);
  return detail::als_exact_row<float>(G0, m_item_f, idx.data(), conf_f.data(), std::int64_t(idx.size()), lam,
                                      m_opt.unobserved_weight, gram_out);
}

LOWRANK_IMPL_INLINE Eigen::VectorXd ImplicitALS::recalculate_user(
    const std::vector<std::pair<ItemId, float>>& history) const {
  LOWRANK_CHECK(is_fitted(), invalid_argument, "ImplicitALS::recalculate_user: model is not fitted");
  detail::check_history(history, num_items(), "ImplicitALS::recalculate_user");
  return solve_exact_user(history);
}

LOWRANK_IMPL_INLINE Eigen::VectorXf ImplicitALS::score_history(
    const std::vector<std::pair<ItemId, float>>& history) const {
  const Eigen::VectorXd x = recalculate_user(history);
  if (m_opt.double_precision) return (m_item_d * x).cast<float>();
  return m_item_f * x.cast<float>();
}

LOWRANK_IMPL_INLINE Explanation ImplicitALS::explain(UserId user, ItemId item) const {
  check_user(user, "ImplicitALS::explain");
  check_item(item, "ImplicitALS::explain");
  // HKV §5: x_u = W_u Σ_j c_uj y_j with W_u = A⁻¹, so y_iᵀx_u = Σ_j c_uj (y_iᵀ W_u y_j).
  const auto history = detail::row_history(*m_seen, user);
  Eigen::MatrixXd A;
  solve_exact_user(history, &A);
  const Eigen::VectorXd yi = m_opt.double_precision ? Eigen::VectorXd(m_item_d.row(item).transpose())
                                                    : Eigen::VectorXd(m_item_f.row(item).transpose().cast<double>());
  const Eigen::VectorXd z = A.llt().solve(yi);
  Explanation e;
  e.user = user;
  e.item = item;
  double total = 0;
  for (const auto& [j, v] : history) {
    const Eigen::VectorXd yj = m_opt.double_precision ? Eigen::VectorXd(m_item_d.row(j).transpose())
                                                      : Eigen::VectorXd(m_item_f.row(j).transpose().cast<double>());
    const double w = (1.0 + m_opt.alpha * double(v)) * yj.dot(z);
    total += w;
    e.contributions.push_back({j, float(w)});
  }
  e.score = float(total);
  detail::sort_contributions(e.contributions);
  std::ostringstream s;
  s << "score " << total << " = sum over " << history.size()
    << " seen items of c_uj * y_i' W_u y_j (HKV 2008 section 5, exact solve)";
  if (!e.contributions.empty()) s << "; top item " << items().raw(e.contributions.front().item);
  e.summary = s.str();
  return e;
}

LOWRANK_IMPL_INLINE std::vector<ScoredItem> ImplicitALS::similar_items(ItemId item, int k) const {
  check_item(item, "ImplicitALS::similar_items");
  LOWRANK_CHECK(k >= 1, invalid_argument, "ImplicitALS::similar_items: k = ", k, " < 1");
  const Eigen::MatrixXf Y = item_factors();
  const Eigen::VectorXf norms = Y.rowwise().norm();
  Eigen::VectorXf s = Y * Y.row(item).transpose();
  const float ni = norms[item];
  for (Index j = 0; j < s.size(); ++j) {
    const float d = norms[j] * ni;
    s[j] = d > 0 ? s[j] / d : 0.0f;
  }
  return detail::top_k(s, k, item);
}

LOWRANK_IMPL_INLINE void ImplicitALS::partial_fit_users(const std::vector<UserId>& users,
                                                        const Interactions::Csr& rows) {
  LOWRANK_CHECK(is_fitted(), invalid_argument, "ImplicitALS::partial_fit_users: model is not fitted");
  LOWRANK_CHECK(rows.rows() == Index(users.size()) && rows.cols() == num_items(), shape_mismatch,
                "ImplicitALS::partial_fit_users: rows is ", rows.rows(), "x", rows.cols(), ", expected ",
                users.size(), "x", num_items());
  for (UserId u : users) check_user(u, "ImplicitALS::partial_fit_users");
  Interactions::Csr replaced = detail::replace_rows(*m_seen, users, rows);
  m_seen = detail::share_matrix(replaced);
  for (std::size_t r = 0; r < users.size(); ++r) {
    const Eigen::VectorXd x = solve_exact_user(detail::row_history(rows, Index(r)));
    if (m_opt.double_precision)
      m_user_d.row(users[r]) = x.transpose();
    else
      m_user_f.row(users[r]) = x.transpose().cast<float>();
  }
}

LOWRANK_IMPL_INLINE void ImplicitALS::partial_fit_items(const std::vector<ItemId>& item_ids,
                                                        const Interactions::Csr& columns) {
  LOWRANK_CHECK(is_fitted(), invalid_argument, "ImplicitALS::partial_fit_items: model is not fitted");
  LOWRANK_CHECK(columns.cols() == Index(item_ids.size()) && columns.rows() == num_users(), shape_mismatch,
                "ImplicitALS::partial_fit_items: columns is ", columns.rows(), "x", columns.cols(), ", expected ",
                num_users(), "x", item_ids.size());
  for (ItemId i : item_ids) check_item(i, "ImplicitALS::partial_fit_items");
  // Work on the transpose: items become rows, users the other side.
  Interactions::Csr seen_t = Interactions::Csr(m_seen->transpose());
  Interactions::Csr cols_t = Interactions::Csr(columns.transpose());
  seen_t = detail::replace_rows(seen_t, item_ids, cols_t);
  Interactions::Csr replaced = Interactions::Csr(seen_t.transpose());
  replaced.makeCompressed();
  m_seen = detail::share_matrix(replaced);
  const double a0 = m_opt.unobserved_weight;
  for (std::size_t r = 0; r < item_ids.size(); ++r) {
    std::vector<std::int32_t> idx;
    std::vector<double> conf;
    for (Interactions::Csr::InnerIterator it(cols_t, Index(r)); it; ++it) {
      LOWRANK_CHECK(it.value() >= 0, invalid_argument, "ImplicitALS::partial_fit_items: negative value");
      idx.push_back(std::int32_t(it.col()));
      conf.push_back(1.0 + m_opt.alpha * double(it.value()));
    }
    const double lam = detail::row_lambda(m_opt, double(idx.size()), double(num_users()));
    Eigen::VectorXd y;
    if (m_opt.double_precision) {
      y = detail::als_exact_row<double>(a0 * detail::als_gram<double>(m_user_d), m_user_d, idx.data(), conf.data(),
                                        std::int64_t(idx.size()), lam, a0);
      m_item_d.row(item_ids[r]) = y.transpose();
    } else {
      std::vector<float> cf(conf.begin(), conf.end());
      y = detail::als_exact_row<float>(a0 * detail::als_gram<float>(m_user_f), m_user_f, idx.data(), cf.data(),
                                       std::int64_t(idx.size()), lam, a0);
      m_item_f.row(item_ids[r]) = y.transpose().cast<float>();
    }
  }
}

LOWRANK_IMPL_INLINE void ImplicitALS::save_state(BinaryWriter& out) const {
  const auto& o = m_opt;
  out.write<std::int32_t>(o.factors);
  out.write<double>(o.regularization);
  out.write<double>(o.alpha);
  out.write<std::int32_t>(o.iterations);
  out.write<std::int32_t>(o.cg_steps);
  out.write<std::uint8_t>(o.use_cholesky);
  out.write<double>(o.unobserved_weight);
  out.write<double>(o.regularization_exponent);
  out.write<std::uint8_t>(o.double_precision);
  out.write<std::uint8_t>(o.compute_loss);
  out.write<std::uint64_t>(o.seed);
  out.write_vector(m_loss);
  if (o.double_precision) {
    out.write_matrix(m_user_d);
    out.write_matrix(m_item_d);
  } else {
    out.write_matrix(m_user_f);
    out.write_matrix(m_item_f);
  }
}

LOWRANK_IMPL_INLINE void ImplicitALS::load_state(BinaryReader& in) {
  ImplicitALSOptions o;
  o.factors = in.read<std::int32_t>("als factors");
  o.regularization = in.read<double>("als regularization");
  o.alpha = in.read<double>("als alpha");
  o.iterations = in.read<std::int32_t>("als iterations");
  o.cg_steps = in.read<std::int32_t>("als cg_steps");
  o.use_cholesky = in.read<std::uint8_t>("als use_cholesky") != 0;
  o.unobserved_weight = in.read<double>("als unobserved_weight");
  o.regularization_exponent = in.read<double>("als regularization_exponent");
  o.double_precision = in.read<std::uint8_t>("als double_precision") != 0;
  o.compute_loss = in.read<std::uint8_t>("als compute_loss") != 0;
  o.seed = in.read<std::uint64_t>("als seed");
  auto loss = in.read_vector<double>("als loss history");
  MatF uf, itf;
  MatD ud, id;
  Index ru = 0, ri = 0, cu = 0, ci = 0;
  if (o.double_precision) {
    ud = in.read_matrix<double>("als user factors");
    id = in.read_matrix<double>("als item factors");
    ru = ud.rows(), cu = ud.cols(), ri = id.rows(), ci = id.cols();
  } else {
    uf = in.read_matrix<float>("als user factors");
    itf = in.read_matrix<float>("als item factors");
    ru = uf.rows(), cu = uf.cols(), ri = itf.rows(), ci = itf.cols();
  }
  if (is_fitted()) {
    LOWRANK_CHECK(ru == num_users() && ri == num_items() && cu == o.factors && ci == o.factors, corrupt, in.source(),
                  ": ALS factor shapes ", ru, "x", cu, " / ", ri, "x", ci, " do not match ", num_users(), " users, ",
                  num_items(), " items, ", o.factors, " factors");
  }
  m_opt = o;
  m_loss = std::move(loss);
  m_user_f = std::move(uf);
  m_item_f = std::move(itf);
  m_user_d = std::move(ud);
  m_item_d = std::move(id);
}

}  // namespace lowrank::rec
