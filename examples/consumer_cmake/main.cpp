#include <cstdio>
#include <lowrank/lowrank.hpp>

int main() {
  // Dense SVD: A = U·diag(S)·Vᵀ with high relative accuracy.
  Eigen::MatrixXd A = Eigen::MatrixXd::Random(200, 50);
  auto svd = lowrank::jacobi_svd(A);
  std::printf("sigma_max = %.4f, residual = %.1e\n", svd.S(0), lowrank::relative_residual(A, svd));

  // Recommender: synthetic data → 80/20 split → implicit ALS → metrics and a top-5 with reasons.
  auto data = lowrank::rec::synthetic({});
  auto split = lowrank::rec::split_per_user(data, 0.2, 42);
  lowrank::rec::ImplicitALS als;
  als.fit(split.train);
  auto metrics = lowrank::rec::evaluate(als, split, {});
  std::printf("ndcg@10 = %.4f\n", metrics.values.at("ndcg@10"));
  for (const auto& r : als.recommend(/*user=*/0, 5))
    std::printf("item %s (%.3f): %s\n", data.items().raw(r.item).c_str(), r.score,
                als.explain(0, r.item).summary.c_str());
}
