// LLM re-ranking bridge (rec/llm_bridge.hpp): prompt text and JSON, robust parsing of ranked answers
// (ids, titles, numbering styles, junk, duplicates, partial lists, JSON arrays), and ranked-list
// metrics computed by hand on a small test matrix.
#include <catch2/catch.hpp>

#include <cmath>

#include "lowrank/rec/llm_bridge.hpp"

using namespace lowrank;
using namespace lowrank::rec;

namespace {
std::vector<PromptCandidate> movies() {
  return {{0, "50", "Star Wars (1977)", 4.5f, "liked by users who liked Alien"},
          {1, "1", "Toy Story (1995)", 4.1f, ""},
          {2, "127", "Godfather, The (1972)", 3.9f, "similar to \"Goodfellas\""},
          {3, "12", "Usual Suspects, The (1995)", 3.5f, ""},
          {4, "258", "Contact (1997)", 3.0f, ""}};
}
}  // namespace

TEST_CASE("llm bridge: prompt text and JSON", "[llm_bridge]") {
  PromptOptions opt;
  opt.k = 3;
  opt.max_history = 2;
  const RerankPrompt p = build_rerank_prompt({"Alien (1979)", "Heat (1995)", "Fargo (1996)"}, movies(), opt);
  INFO(p.text);
  REQUIRE(p.text.find("Alien (1979)") == std::string::npos);  // only the last 2 history items
  REQUIRE(p.text.find("- Heat (1995)\n- Fargo (1996)\n") != std::string::npos);
  REQUIRE(p.text.find("the last 2 of 3") != std::string::npos);
  REQUIRE(p.text.find("50 | Star Wars (1977) | 4.5 | liked by users who liked Alien\n") != std::string::npos);
  REQUIRE(p.text.find("1 | Toy Story (1995) | 4.1\n") != std::string::npos);
  REQUIRE(p.text.find("Answer with the 3 best candidates") != std::string::npos);
  INFO(p.json);
  REQUIRE(p.json.find("\"history\": [\"Heat (1995)\", \"Fargo (1996)\"]") != std::string::npos);
  REQUIRE(p.json.find("{\"id\": \"127\", \"title\": \"Godfather, The (1972)\", \"score\": 3.9, "
                      "\"explanation\": \"similar to \\\"Goodfellas\\\"\"}") != std::string::npos);
  REQUIRE(p.json.find("\"k\": 3") != std::string::npos);
  // k larger than the candidates is clamped; errors
  opt.k = 50;
  REQUIRE(build_rerank_prompt({}, movies(), opt).text.find("Answer with the 5 best") != std::string::npos);
  opt.k = 0;
  REQUIRE_THROWS_AS(build_rerank_prompt({}, movies(), opt), Error);
  REQUIRE_THROWS_AS(build_rerank_prompt({}, {}, {}), Error);
  auto dup = movies();
  dup[1].id = "50";
  REQUIRE_THROWS_AS(build_rerank_prompt({}, dup, {}), Error);
}

TEST_CASE("llm bridge: parsing a messy ranked answer", "[llm_bridge]") {
  const std::string response =
      "Here is my ranking:\n"
      "1. 127 | The Godfather (1972) | a classic\n"
      "2) star wars\n"
      "\n"
      "- **Toy Story (1995)**\n"
      "3. [12] Usual Suspects\n"
      "4.   STAR   WARS (1977) - again\n"
      "Rank 5: ID: 258\n"
      "I hope this helps!\n";
  const ParsedRanking r = parse_ranked_response(response, movies());
  INFO(r.report());
  REQUIRE(r.items == std::vector<ItemId>{2, 0, 1, 3, 4});
  REQUIRE(r.ids == std::vector<std::string>{"127", "50", "1", "12", "258"});
  REQUIRE(r.missing.empty());
  REQUIRE(r.ignored.size() == 3);
  REQUIRE(r.ignored[0].line == 1);
  REQUIRE(r.ignored[0].reason == "no candidate id or title found");
  REQUIRE(r.ignored[1].line == 7);
  REQUIRE(r.ignored[1].reason == "duplicate of rank 2 (50 Star Wars (1977))");
  REQUIRE(r.ignored[2].text == "I hope this helps!");
  REQUIRE(r.report().find("ranked 5 item(s) from the response; 3 line(s) ignored; 0 candidate(s) not mentioned") == 0);
}

TEST_CASE("llm bridge: ids alone, title beats a clashing number, partial lists, JSON", "[llm_bridge]") {
  // bare ids, "#n" and "(n)" numbering
  ParsedRanking r = parse_ranked_response("258\n#2 12\n(3) 50: Star Wars\n", movies());
  INFO(r.report());
  REQUIRE(r.items == std::vector<ItemId>{4, 3, 0});
  REQUIRE(r.missing == std::vector<ItemId>{1, 2});
  // a bullet before an id that looks like list numbering ("- 127: …" is Godfather, not rank 127)
  r = parse_ranked_response("- 127: because it fits\n* 258 - a classic\n", movies());
  REQUIRE(r.items == std::vector<ItemId>{2, 4});
  // "1 - Contact (1997)": the leading 1 is Toy Story's id, but the title names Contact
  r = parse_ranked_response("1 - Contact (1997)\nusual suspects\n", movies());
  REQUIRE(r.items == std::vector<ItemId>{4, 3});
  // a title that starts with another candidate's id is not that candidate ("12" is Usual Suspects)
  r = parse_ranked_response("12 Angry Men (1957)\n", movies());
  REQUIRE(r.items.empty());
  REQUIRE(r.ignored.size() == 1);
  // partial list completed in candidate order
  ParseOptions po;
  po.append_missing = true;
  r = parse_ranked_response("* Contact\n", movies(), po);
  REQUIRE(r.items == std::vector<ItemId>{4, 0, 1, 2, 3});
  REQUIRE(r.appended == 4);
  REQUIRE(r.report().find("+ 4 appended") != std::string::npos);
  // titles off: only ids count
  po = {};
  po.match_titles = false;
  r = parse_ranked_response("Star Wars (1977)\n258\n", movies(), po);
  REQUIRE(r.items == std::vector<ItemId>{4});
  REQUIRE(r.ignored.size() == 1);
  // JSON arrays, in a code fence or not; objects use their "id"
  r = parse_ranked_response("```json\n[\"127\", \"50\", 1]\n```\n", movies());
  REQUIRE(r.items == std::vector<ItemId>{2, 0, 1});
  r = parse_ranked_response("[{\"id\": \"258\", \"title\": \"Contact\"}, {\"id\": 12, \"reason\": \"twist\"}]", movies());
  REQUIRE(r.items == std::vector<ItemId>{4, 3});
  // nothing usable
  r = parse_ranked_response("I cannot help with that.", movies());
  REQUIRE(r.items.empty());
  REQUIRE(r.ignored.size() == 1);
  REQUIRE(r.missing.size() == 5);
  // candidates without raw ids answer to their dense id
  std::vector<PromptCandidate> plain = {{7, "", "Heat (1995)", 1, ""}, {9, "", "Fargo (1996)", 1, ""}};
  r = parse_ranked_response("1. 9\n2. heat\n", plain);
  REQUIRE(r.items == std::vector<ItemId>{9, 7});
}

TEST_CASE("llm bridge: ranked-list metrics by hand", "[llm_bridge]") {
  // users × items test matrix: user 0 → {1, 3}, user 1 → {0}, user 2 → {} , user 3 → {5}
  std::vector<Eigen::Triplet<float>> t = {{0, 1, 1}, {0, 3, 1}, {1, 0, 1}, {3, 5, 1}};
  Interactions::Csr test(4, 6);
  test.setFromTriplets(t.begin(), t.end());
  const std::map<UserId, std::vector<ItemId>> lists = {{0, {3, 2, 3, 1}}, {1, {5, 4}}, {2, {0}}};
  const RankedListMetrics m = evaluate_ranked_lists(lists, test, {1, 3});
  REQUIRE(m.users == 2);
  REQUIRE(m.users_no_list == 1);
  const double idcg3 = 1 + 1 / std::log2(3.0), dcg3 = 1 + 1 / std::log2(4.0);  // hits at ranks 1 and 3 (dup dropped)
  INFO("ndcg@3 " << m.values.at("ndcg@3"));
  REQUIRE(m.values.at("precision@1") == Approx(0.5));
  REQUIRE(m.values.at("recall@1") == Approx(0.25));
  REQUIRE(m.values.at("ndcg@1") == Approx(0.5));
  REQUIRE(m.values.at("hit@1") == Approx(0.5));
  REQUIRE(m.values.at("precision@3") == Approx((2.0 / 3) / 2));
  REQUIRE(m.values.at("recall@3") == Approx(0.5));
  REQUIRE(m.values.at("ndcg@3") == Approx(dcg3 / idcg3 / 2));
  REQUIRE(m.values.at("map@3") == Approx((1.0 + 2.0 / 3) / 2 / 2));
  REQUIRE(m.values.at("mrr@3") == Approx(0.5));
  REQUIRE(m.values.at("hit@3") == Approx(0.5));
  // threshold: with ratings, only values ≥ 4 are relevant
  std::vector<Eigen::Triplet<float>> tr = {{0, 1, 5}, {0, 3, 2}};
  Interactions::Csr rated(1, 6);
  rated.setFromTriplets(tr.begin(), tr.end());
  const RankedListMetrics th = evaluate_ranked_lists({{0, {3, 1}}}, rated, {2}, false, 4.0f);
  REQUIRE(th.values.at("recall@2") == Approx(1.0));
  REQUIRE(th.values.at("mrr@2") == Approx(0.5));
  // users without a list scored as empty lists
  const RankedListMetrics mm = evaluate_ranked_lists(lists, test, {1, 3}, true);
  REQUIRE(mm.users == 3);
  REQUIRE(mm.values.at("precision@1") == Approx(1.0 / 3));
  // errors
  REQUIRE_THROWS_AS(evaluate_ranked_lists(lists, test, {}), Error);
  REQUIRE_THROWS_AS(evaluate_ranked_lists(lists, test, {0}), Error);
  REQUIRE_THROWS_AS(evaluate_ranked_lists({{9, {0}}}, test, {1}), Error);
  REQUIRE_THROWS_AS(evaluate_ranked_lists({{0, {6}}}, test, {1}), Error);
}
