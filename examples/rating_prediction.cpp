// rating_prediction: predicting star ratings with biased matrix factorization (Koren, Bell & Volinsky
// 2009) and SVD++ (Koren 2008), against the baseline that predicts the training mean.
//
//   Uses ML-100K when LOWRANK_DATA_DIR/ml-100k/u.data exists, else the synthetic 1–5 ratings; holds
//   out 20% at random, fits BiasedMF with early stopping on a validation share, reports RMSE/MAE, and
//   predicts one rating with the pieces of its explanation (global mean, biases, factor terms).
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <lowrank/rec.hpp>

#include "data_dir.hpp"

using namespace lowrank::rec;
using lowrank::Index;

int main() {
  const auto path = example_data_dir() / "ml-100k" / "u.data";
  const bool real = std::filesystem::exists(path);
  SyntheticOptions gen;
  gen.users = 1500;
  gen.items = 800;
  gen.interactions = 80000;
  const Interactions data = real ? load_movielens(path) : synthetic(gen);
  std::printf("%s: %lld ratings\n", real ? "ML-100K" : "synthetic ratings", (long long)data.nnz());
  const Split split = split_random(data, 0.2, /*seed=*/42);

  // Baseline: the training mean for every rating.
  double mean = 0;
  for (Index k = 0; k < split.train.nnz(); ++k) mean += split.train.matrix().valuePtr()[k];
  mean /= double(split.train.nnz());
  double se = 0;
  for (Index k = 0; k < split.test.nnz(); ++k) se += std::pow(split.test.matrix().valuePtr()[k] - mean, 2);
  const double baseline_rmse = std::sqrt(se / double(split.test.nnz()));

  BiasedMFOptions opt;
  opt.validation_fraction = 0.05;  // early stopping
  BiasedMF mf(opt);
  mf.fit(split.train);
  SVDpp svdpp;
  svdpp.fit(split.train);
  const Metrics m_mf = evaluate(mf, split), m_pp = evaluate(svdpp, split);
  std::printf("RMSE: mean baseline %.4f, BiasedMF %.4f (%d epochs), SVD++ %.4f\n", baseline_rmse,
              m_mf.values.at("rmse"), mf.epochs_run(), m_pp.values.at("rmse"));
  std::printf("MAE:  BiasedMF %.4f, SVD++ %.4f\n", m_mf.values.at("mae"), m_pp.values.at("mae"));

  // One prediction, taken apart.
  const auto& X = split.test.matrix();
  Interactions::Csr::InnerIterator it(X, 0);
  for (Index u = 1; !it && u < X.rows(); ++u) it = Interactions::Csr::InnerIterator(X, u);
  if (it) {
    const UserId u = UserId(it.row());
    const ItemId i = ItemId(it.col());
    std::printf("\nuser %s, item %s: true %.1f, predicted %.2f\n  %s\n", data.users().raw(u).c_str(),
                data.items().raw(i).c_str(), it.value(), mf.predict(u, i), mf.explain(u, i).summary.c_str());
  }
  // Self-check: factorization beats the mean.
  return m_mf.values.at("rmse") < baseline_rmse && m_pp.values.at("rmse") < baseline_rmse ? 0 : 1;
}
