// The LLM re-ranking bridge (rec/llm_bridge.hpp), after Chat-REC: a recommender proposes candidates, a
// language model re-ranks them. lowrank runs no language model: it writes the prompt and reads the answer.
// With ML-100K, PureSVD (rank 20, randomized_svd) proposes 10 movies for user 1 with an explanation
// (the seen movie most similar in factor space); the prompt is printed; a canned answer in the messy
// shape models produce (numbering, titles instead of ids, a duplicate, chatter) is parsed, and both
// rankings are scored on the user's 10 most recent ratings, held out. Without the data a small synthetic
// catalog is used. Exits non-zero when a self-check fails.
#include <lowrank/rec/journeys.hpp>
#include <lowrank/rec/llm_bridge.hpp>
#include <lowrank/svd/randomized.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "data_dir.hpp"

using namespace lowrank;
using namespace lowrank::rec;

#define CHECK(cond)                                            \
  do {                                                         \
    if (!(cond)) {                                             \
      std::fprintf(stderr, "self-check failed: %s\n", #cond);  \
      return 1;                                                \
    }                                                          \
  } while (0)

int main() {
  std::vector<PromptCandidate> cands;
  std::vector<std::string> history;
  Interactions::Csr test;
  UserId user = 0;  // row of `test` holding the held-out items
  const auto dir = example_data_dir() / "ml-100k";
  if (std::filesystem::exists(dir / "u.data") && std::filesystem::exists(dir / "u.item")) {
    // 1. ratings; user 1's 10 most recent ratings are held out
    std::ifstream in(dir / "u.data");
    IdMap users, items;
    struct R { Index u, i; std::int64_t t; };
    std::vector<R> all;
    std::string u, i;
    double rating;
    std::int64_t t;
    while (in >> u >> i >> rating >> t) all.push_back({users.insert(u), items.insert(i), t});
    const Index me = users.index("1", "user");
    user = me;
    std::vector<R> mine;
    for (const auto& r : all)
      if (r.u == me) mine.push_back(r);
    std::stable_sort(mine.begin(), mine.end(), [](const R& a, const R& b) { return a.t < b.t; });
    std::vector<Eigen::Triplet<float>> train, held;
    for (std::size_t k = 0; k < mine.size(); ++k)
      (k + 10 >= mine.size() ? held : train).emplace_back(int(me), int(mine[k].i), 1.0f);
    for (const auto& r : all)
      if (r.u != me) train.emplace_back(int(r.u), int(r.i), 1.0f);
    Eigen::SparseMatrix<float> X(users.size(), items.size());
    X.setFromTriplets(train.begin(), train.end());
    test.resize(users.size(), items.size());
    test.setFromTriplets(held.begin(), held.end());
    const ItemInfo info = load_movielens_items((dir / "u.item").string(), items);
    // 2. PureSVD scores x·V·Vᵀ for user 1; explanation = the seen movie closest in factor space
    const auto svd = randomized_svd(X, 20);
    const Eigen::MatrixXf V = svd.V;
    const Eigen::RowVectorXf x = Eigen::RowVectorXf(X.row(me));
    const Eigen::RowVectorXf s = (x * V) * V.transpose();
    std::vector<ItemId> seen, idx;
    for (Index j = 0; j < items.size(); ++j) (x(j) > 0 ? seen : idx).push_back(j);
    std::partial_sort(idx.begin(), idx.begin() + 10, idx.end(), [&](ItemId a, ItemId b) { return s(a) > s(b); });
    const std::size_t ntrain = mine.size() - std::min<std::size_t>(10, mine.size());  // time-ordered, oldest first
    for (std::size_t k = ntrain > 20 ? ntrain - 20 : 0; k < ntrain; ++k)
      history.push_back(info.titles[std::size_t(mine[k].i)]);
    for (int k = 0; k < 10; ++k) {
      const ItemId c = idx[std::size_t(k)];
      ItemId best = seen.front();
      for (ItemId q : seen)
        if (V.row(q).dot(V.row(c)) > V.row(best).dot(V.row(c))) best = q;
      cands.push_back({c, items.raw(c), info.titles[std::size_t(c)], s(c), "close to " + info.titles[std::size_t(best)] + ", which you rated"});
    }
  } else {
    std::printf("ML-100K not found under %s: synthetic catalog\n", dir.c_str());
    const char* titles[] = {"Heat (1995)", "Fargo (1996)", "Alien (1979)", "Godfather, The (1972)", "Contact (1997)"};
    for (int k = 0; k < 5; ++k) cands.push_back({ItemId(k), std::to_string(100 + k), titles[k], 5.0f - float(k), ""});
    history = {"Casino (1995)", "Aliens (1986)"};
    std::vector<Eigen::Triplet<float>> held = {{0, 3, 1}, {0, 4, 1}};
    test.resize(1, 5);
    test.setFromTriplets(held.begin(), held.end());
  }
  // 3. the prompt
  PromptOptions po;
  po.k = 5;
  const RerankPrompt prompt = build_rerank_prompt(history, cands, po);
  std::printf("%s\n(JSON form: %zu bytes)\n\n", prompt.text.c_str(), prompt.json.size());
  // 4. a canned answer: candidates in reverse order, mixed styles, a duplicate and chatter
  std::string answer = "Sure! Based on the history, here is my ranking:\n";
  for (std::size_t k = 0; k < cands.size(); ++k) {
    const auto& c = cands[cands.size() - 1 - k];
    if (k % 3 == 0) answer += std::to_string(k + 1) + ". " + c.id + " | " + c.title + " | fits the user's taste\n";
    else if (k % 3 == 1) answer += std::to_string(k + 1) + ") **" + c.title + "**\n";
    else answer += "- " + c.title + " — a good pick\n";
  }
  answer += "- " + cands.back().title + " (again)\nLet me know if you want more!\n";
  std::printf("model answer:\n%s\n", answer.c_str());
  const ParsedRanking parsed = parse_ranked_response(answer, cands);
  std::printf("%s\n", parsed.report().c_str());
  CHECK(parsed.items.size() == cands.size());
  CHECK(parsed.items.front() == cands.back().item);
  CHECK(parsed.ignored.size() == 3);  // chatter, duplicate, chatter
  // 5. both rankings scored with the same metrics
  std::map<UserId, std::vector<ItemId>> before, after;
  for (const auto& c : cands) before[user].push_back(c.item);
  after[user] = parsed.items;
  const auto mb = evaluate_ranked_lists(before, test, {5, 10}), ma = evaluate_ranked_lists(after, test, {5, 10});
  std::printf("held-out items: recommender P@5 %.2f NDCG@10 %.3f; re-ranked P@5 %.2f NDCG@10 %.3f\n",
              mb.values.at("precision@5"), mb.values.at("ndcg@10"), ma.values.at("precision@5"), ma.values.at("ndcg@10"));
  CHECK(mb.users == 1 && ma.users == 1);
  return 0;
}
