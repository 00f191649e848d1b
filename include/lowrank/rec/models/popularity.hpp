#pragma once
/// \file rec/models/popularity.hpp  Popularity: every user gets the items most users interacted with.
///
/// score(u, i) = number of training users with an interaction on i (the non-personalized baseline of
/// every top-N table, Cremonesi et al. 2010 "TopPop"). Ties go to the lower item index. explain reports
/// the item's user count and no seen-item contributions.
#include "lowrank/config.hpp"
#include "lowrank/rec/model.hpp"

namespace lowrank::rec {

/// Non-personalized baseline: every user gets the items with the most training users.
class Popularity : public Recommender {
 public:
  std::string name() const override { return "popularity"; }
  void fit(const Interactions& data) override;
  void score_block(const std::vector<UserId>& users, Eigen::Ref<Eigen::MatrixXf> out) const override;
  Explanation explain(UserId user, ItemId item) const override;
  Eigen::VectorXf score_history(const std::vector<std::pair<ItemId, float>>& history) const override;
  /// Users per item (the scores).
  const Eigen::VectorXf& counts() const { return m_counts; }

  void save_state(BinaryWriter& out) const override;
  void load_state(BinaryReader& in) override;

 private:
  Eigen::VectorXf m_counts;
};

}  // namespace lowrank::rec
