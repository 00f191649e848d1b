// implicit_als: implicit-feedback matrix factorization (Hu, Koren & Volinsky 2008) on click-like data.
//
//   Generates the embedded synthetic data set as 0/1 interactions (rec::synthetic), holds out 20% per
//   user, fits ImplicitALS (conjugate-gradient solves, Takács et al. 2011) with a progress callback,
//   compares it with Popularity, then shows what the factors learned: a top-5 with explanations, the
//   items most similar to one item, and a recommendation for a brand-new user from a short history
//   (fold-in, no refit).
#include <cstdio>

#include <lowrank/rec.hpp>

using namespace lowrank::rec;

int main() {
  SyntheticOptions gen;
  gen.users = 2000;
  gen.items = 1000;
  gen.interactions = 100000;
  gen.ratings = false;  // implicit feedback: every interaction is a 1
  const Interactions data = synthetic(gen);
  const Split split = split_per_user(data, 0.2, /*seed=*/42);

  ImplicitALSOptions opt;
  opt.factors = 32;
  opt.iterations = 10;
  ImplicitALS als(opt);
  als.set_progress([](const std::string& stage, double fraction) {
    std::printf("\r  fitting: %-12s %3.0f%%", stage.c_str(), 100 * fraction);
    std::fflush(stdout);
    return true;  // returning false would cancel the fit
  });
  als.fit(split.train);
  std::printf("\n");
  Popularity pop;
  pop.fit(split.train);

  const Metrics m_als = evaluate(als, split), m_pop = evaluate(pop, split);
  std::printf("ndcg@10: implicit ALS %.4f, popularity %.4f\n", m_als.values.at("ndcg@10"),
              m_pop.values.at("ndcg@10"));

  std::printf("\ntop-5 for user 0:\n");
  for (const auto& r : als.recommend(0, 5))
    std::printf("  item %-5s %.3f  %s\n", data.items().raw(r.item).c_str(), r.score,
                als.explain(0, r.item).summary.c_str());

  std::printf("\nitems most similar to item 0 (cosine of item factors):");
  for (const auto& s : als.similar_items(0, 5)) std::printf(" %s (%.2f)", data.items().raw(s.item).c_str(), s.score);

  // A new user who interacted with the first three items user 0 liked: fold in, no refit.
  std::vector<std::pair<ItemId, float>> history;
  const auto& X = split.train.matrix();
  for (Interactions::Csr::InnerIterator it(X, 0); it && history.size() < 3; ++it) history.push_back({it.col(), 1.0f});
  std::printf("\n\nnew user with %zu items of history gets:", history.size());
  for (const auto& r : als.recommend_for_history(history, 5)) std::printf(" %s", data.items().raw(r.item).c_str());
  std::printf("\n");

  // Self-check: the factors carry signal the popularity baseline does not.
  return m_als.values.at("ndcg@10") > m_pop.values.at("ndcg@10") ? 0 : 1;
}
