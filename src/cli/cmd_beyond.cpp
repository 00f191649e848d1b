// `lowrank journeys`, `lowrank prompt`, `lowrank rerank` and `lowrank evaluate --ranked`: front ends
// over rec/journeys.hpp and rec/llm_bridge.hpp (docs/beyond_topk.md).
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common.hpp"
#include "lowrank/matrix_market.hpp"
#include "lowrank/rec.hpp"
#include "lowrank/rec/journeys.hpp"
#include "lowrank/rec/llm_bridge.hpp"
#include "rec_common.hpp"

namespace lowrank::cli {
namespace {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  LOWRANK_CHECK(in.good(), io, path, ": cannot open");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Titles (and genres) of the model's items from a MovieLens u.item file, or empty titles.
rec::ItemInfo item_info(const Args& args, const rec::IdMap& items) {
  if (args.has("items")) return rec::load_movielens_items(args.get("items"), items);
  rec::ItemInfo info;
  info.titles.assign(std::size_t(items.size()), "");
  info.attributes.assign(std::size_t(items.size()), {});
  return info;
}

std::string date_of(std::int64_t seconds) {
  const std::time_t t = std::time_t(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string title_or_id(const rec::ItemInfo& info, const rec::IdMap& items, rec::ItemId i) {
  const std::string& t = info.titles[std::size_t(i)];
  return t.empty() ? "item " + items.raw(i) : t;
}

/// The rows of `data` for user `du`, mapped into the model's item ids, oldest first (stable); items the
/// model does not know are skipped and counted. `data` must have timestamps.
std::vector<std::pair<std::int64_t, rec::ItemId>> history_in_model(const rec::Interactions& data, rec::UserId du,
                                                                   const rec::Recommender& model, Index& skipped) {
  std::vector<std::pair<std::int64_t, rec::ItemId>> out;
  const auto& m = data.matrix();
  for (int p = m.outerIndexPtr()[du]; p < m.outerIndexPtr()[du + 1]; ++p) {
    if (const auto item = model.items().find(data.items().raw(m.innerIndexPtr()[p])))
      out.push_back({data.timestamps()[std::size_t(p)], *item});
    else
      ++skipped;
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

// ------------------------------------------------------------------------------------------ journeys
int run_journeys(const Args& args) {
  const auto model = rec::load(args.require("model"));
  const std::string raw_user = args.require("user");
  Eigen::MatrixXf embeddings;
  if (const auto* svd = dynamic_cast<const rec::PureSVD*>(model.get())) embeddings = svd->item_factors();
  else if (const auto* als = dynamic_cast<const rec::ImplicitALS*>(model.get())) embeddings = als->item_factors();
  else
    throw Error(Errc::invalid_argument, "journeys needs item embeddings: a puresvd or als model, not " + model->name());
  // The user's events: from --data (timestamped), mapped into the model's item ids (unknown items
  // skipped); without --data, the model's training items in item order, undated (journeys never expire).
  std::vector<rec::HistoryEvent> history;
  Index skipped = 0;
  rec::JourneyOptions opt;
  if (args.has("data")) {
    const auto data = load_data(args, args.get("data"));
    LOWRANK_CHECK(data.has_timestamps(), invalid_argument, args.get("data"),
                  ": journeys need timestamps (a file with a timestamp column)");
    for (const auto& [t, item] : history_in_model(data, data.users().index(raw_user, "user"), *model, skipped))
      history.push_back({item, t});
  } else {
    const rec::UserId u = model->users().index(raw_user, "user");
    const auto& seen = model->seen();
    for (int p = seen.outerIndexPtr()[u]; p < seen.outerIndexPtr()[u + 1]; ++p)
      history.push_back({seen.innerIndexPtr()[p], 0});
    opt.expiry_seconds = 0;
  }
  if (args.has("lambda")) opt.lambda = std::stod(args.get("lambda"));
  if (args.has("expiry-days")) opt.expiry_seconds = args.integer("expiry-days", 30) * 86400;
  const auto info = item_info(args, model->items());
  const auto result = rec::extract_journeys(history, embeddings, opt, info.attributes);

  if (args.flag("json")) {
    std::printf("{\"user\": %s, \"events\": %zu, \"journeys\": [", json_string(raw_user).c_str(), history.size());
    for (std::size_t j = 0; j < result.journeys.size(); ++j) {
      const auto& jr = result.journeys[j];
      std::printf("%s{\"items\": [", j ? ", " : "");
      for (std::size_t i = 0; i < jr.items.size(); ++i)
        std::printf("%s%s", i ? ", " : "", json_string(model->items().raw(jr.items[i])).c_str());
      std::printf("], \"start\": %lld, \"end\": %lld, \"cohesion\": %s}", (long long)jr.start, (long long)jr.end,
                  json_number(jr.cohesion).c_str());
    }
    std::printf("], \"unassigned\": %zu}\n", result.unassigned.size());
    return 0;
  }
  std::printf("user %s: %zu events (%lld not in the model), %zu journeys, %zu items unassigned\n", raw_user.c_str(),
              history.size(), (long long)skipped, result.journeys.size(), result.unassigned.size());
  std::size_t largest = 0;
  for (std::size_t j = 0; j < result.journeys.size(); ++j) {
    const auto& jr = result.journeys[j];
    if (jr.items.size() > result.journeys[largest].items.size()) largest = j;
    std::printf("\njourney %zu: %zu items, %s → %s, cohesion %.2f\n", j + 1, jr.items.size(), date_of(jr.start).c_str(),
                date_of(jr.end).c_str(), jr.cohesion);
    if (!jr.attributes.empty() && !info.attribute_names.empty()) {
      std::printf("  mostly:");
      for (const auto& [a, share] : jr.attributes) std::printf(" %s %.0f%%", info.attribute_names[std::size_t(a)].c_str(), 100 * share);
      std::printf("\n");
    }
    for (rec::ItemId i : jr.representatives) std::printf("  · %s\n", title_or_id(info, model->items(), i).c_str());
  }
  if (args.flag("naming-prompt") && !result.journeys.empty())
    std::printf("\n--- prompt to name journey %zu ---\n%s\n", largest + 1,
                rec::journey_naming_prompt(result.journeys[largest], info.titles, info.attribute_names).c_str());
  return 0;
}

// -------------------------------------------------------------------------------------------- prompt
int run_prompt(const Args& args) {
  const auto model = rec::load(args.require("model"));
  const std::string raw_user = args.require("user");
  const int k = int(args.integer("k", 20));
  if (k < 1) throw UsageError("-k must be >= 1");
  const rec::UserId u = model->users().index(raw_user, "user");
  const auto info = item_info(args, model->items());

  // History oldest first when --data gives timestamps; else the model's training items in item order.
  std::vector<std::pair<std::int64_t, rec::ItemId>> dated;
  if (args.has("data")) {
    const auto data = load_data(args, args.get("data"));
    const auto du = data.users().find(raw_user);
    Index skipped = 0;
    if (du && data.has_timestamps()) dated = history_in_model(data, *du, *model, skipped);
  }
  if (dated.empty()) {
    const auto& seen = model->seen();
    for (int p = seen.outerIndexPtr()[u]; p < seen.outerIndexPtr()[u + 1]; ++p) dated.push_back({0, seen.innerIndexPtr()[p]});
  }
  std::vector<std::string> history;
  for (const auto& [t, item] : dated) history.push_back(title_or_id(info, model->items(), item));
  std::vector<rec::PromptCandidate> candidates;
  for (const auto& r : model->recommend(u, k))
    candidates.push_back({r.item, model->items().raw(r.item), info.titles[std::size_t(r.item)], r.score,
                          model->explain(u, r.item).summary});
  LOWRANK_CHECK(!candidates.empty(), invalid_argument, "user ", raw_user, " has no candidate items left to rank");
  rec::PromptOptions po;
  po.k = int(args.integer("answer-k", std::min<std::int64_t>(10, k)));
  const auto prompt = rec::build_rerank_prompt(history, candidates, po);

  if (args.has("out")) {
    const std::string prefix = args.get("out");
    write_file_atomic(prefix + ".txt", prompt.text);
    write_file_atomic(prefix + ".json", prompt.json);
    std::ostringstream tsv;
    tsv << "# id\ttitle\tscore\texplanation\n";
    for (const auto& c : candidates) tsv << c.id << '\t' << c.title << '\t' << c.score << '\t' << c.explanation << '\n';
    write_file_atomic(prefix + ".candidates.tsv", tsv.str());
    std::printf("wrote %s.txt, %s.json and %s.candidates.tsv (%zu candidates)\n", prefix.c_str(), prefix.c_str(),
                prefix.c_str(), candidates.size());
    return 0;
  }
  std::printf("%s\n", args.flag("json") ? prompt.json.c_str() : prompt.text.c_str());
  return 0;
}

// -------------------------------------------------------------------------------------------- rerank
/// Candidates written by `lowrank prompt --out`: "id<TAB>title<TAB>score<TAB>explanation", '#' comments.
std::vector<rec::PromptCandidate> read_candidates(const std::string& path) {
  std::ifstream in(path);
  LOWRANK_CHECK(in.good(), io, path, ": cannot open");
  std::vector<rec::PromptCandidate> out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::size_t b = 0;
    for (std::size_t e; (e = line.find('\t', b)) != std::string::npos; b = e + 1) f.push_back(line.substr(b, e - b));
    f.push_back(line.substr(b));
    LOWRANK_CHECK(f.size() >= 2 && !f[0].empty(), parse, path, ":", number,
                  ": expected id<TAB>title[<TAB>score<TAB>explanation], got \"", line, "\"");
    rec::PromptCandidate c;
    c.item = rec::ItemId(out.size());
    c.id = f[0];
    c.title = f[1];
    if (f.size() > 2 && !f[2].empty()) {
      try {
        c.score = std::stof(f[2]);
      } catch (const std::exception&) {
        throw Error(Errc::parse, path + ":" + std::to_string(number) + ": score is not a number: \"" + f[2] + "\"");
      }
    }
    if (f.size() > 3) c.explanation = f[3];
    out.push_back(std::move(c));
  }
  LOWRANK_CHECK(!out.empty(), parse, path, ": no candidates");
  return out;
}

int run_rerank(const Args& args) {
  const auto candidates = read_candidates(args.require("candidates"));
  const std::string response = read_text_file(args.require("response"));
  rec::ParseOptions po;
  po.append_missing = args.flag("append-missing");
  const auto ranking = rec::parse_ranked_response(response, candidates, po);
  if (args.flag("json")) {
    std::printf("{\"ranking\": [");
    for (std::size_t i = 0; i < ranking.ids.size(); ++i) std::printf("%s%s", i ? ", " : "", json_string(ranking.ids[i]).c_str());
    std::printf("], \"ignored_lines\": %zu, \"missing\": %zu, \"appended\": %d}\n", ranking.ignored.size(),
                ranking.missing.size(), ranking.appended);
    return 0;
  }
  for (std::size_t i = 0; i < ranking.items.size(); ++i) {
    const auto& c = candidates[std::size_t(ranking.items[i])];
    std::printf("%2zu. %s%s%s\n", i + 1, c.id.c_str(), c.title.empty() ? "" : "  ", c.title.c_str());
  }
  // The report names candidates by their ids (ParsedRanking::report would print row numbers of the file).
  std::printf("\nranked %zu of %zu candidates; %zu line(s) ignored\n", ranking.items.size() - std::size_t(ranking.appended),
              candidates.size(), ranking.ignored.size());
  for (const auto& ig : ranking.ignored)
    std::printf("  ignored line %d: \"%s\" — %s\n", ig.line, ig.text.c_str(), ig.reason.c_str());
  if (!ranking.missing.empty()) {
    std::printf("  not mentioned%s:", ranking.appended ? " (appended)" : "");
    for (rec::ItemId i : ranking.missing) std::printf(" %s", candidates[std::size_t(i)].id.c_str());
    std::printf("\n");
  }
  return 0;
}

}  // namespace

// ------------------------------------------------------------------------------- evaluate --ranked
int run_evaluate_ranked(const Args& args) {
  const std::string ranked_path = args.require("ranked");
  rec::Interactions test = load_data(args, args.require("test"));
  std::vector<int> cutoffs{5, 10, 20};
  if (args.has("k")) cutoffs = parse_int_list(args.get("k"), "-k");

  // Ranked lists "user<TAB or ,>item" in rank order. Items the test set never mentions are misses:
  // they get columns of their own so that they keep their rank positions.
  std::ifstream in(ranked_path);
  LOWRANK_CHECK(in.good(), io, ranked_path, ": cannot open");
  std::map<rec::UserId, std::vector<rec::ItemId>> lists;
  std::map<std::string, rec::ItemId> extra_items;
  Index unknown_users = 0;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto sep = line.find_first_of("\t, ");
    LOWRANK_CHECK(sep != std::string::npos && sep > 0 && sep + 1 < line.size(), parse, ranked_path, ":", number,
                  ": expected user<TAB>item, got \"", line, "\"");
    const std::string user = line.substr(0, sep);
    std::string item = line.substr(sep + 1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.pop_back();
    const auto u = test.users().find(user);
    if (!u) {
      ++unknown_users;
      continue;
    }
    rec::ItemId i;
    if (const auto known = test.items().find(item)) i = *known;
    else {
      const auto it = extra_items.emplace(item, rec::ItemId(test.num_items() + Index(extra_items.size()))).first;
      i = it->second;
    }
    lists[*u].push_back(i);
  }
  rec::Interactions::Csr matrix = test.matrix();
  matrix.conservativeResize(matrix.rows(), matrix.cols() + Index(extra_items.size()));
  const auto metrics = rec::evaluate_ranked_lists(lists, matrix, cutoffs);
  if (args.flag("json")) {
    std::printf("{\"users_evaluated\": %lld, \"users_not_in_test\": %lld, \"metrics\": {", (long long)metrics.users,
                (long long)unknown_users);
    bool first = true;
    for (const auto& [name, v] : metrics.values) {
      std::printf("%s%s: %s", first ? "" : ", ", json_string(name).c_str(), json_number(v).c_str());
      first = false;
    }
    std::printf("}}\n");
    return 0;
  }
  rec::Metrics as_metrics;
  as_metrics.values = metrics.values;
  as_metrics.users_evaluated = metrics.users;
  std::printf("%s: %lld users evaluated (%lld list users not in the test set)\n\n%s", ranked_path.c_str(),
              (long long)metrics.users, (long long)unknown_users, metrics_table({{"ranked", as_metrics}}).c_str());
  return 0;
}

Command journeys_command() {
  return {"journeys", "split a user's history into interest journeys in a factor model's item-embedding space",
          "lowrank journeys --model MODEL --user ID [--data FILE] [--items u.item] [--lambda 0.6] [--expiry-days 30]",
          with_data_options({{"model", true, "a puresvd or als model file written by lowrank fit"},
                             {"data", true, "interaction file with timestamps (default: the model's training items, undated)"},
                             {"user", true, "raw user id"},
                             {"items", true, "MovieLens u.item: titles and genres"},
                             {"lambda", true, "cosine-distance threshold to join a journey (default 0.6)"},
                             {"expiry-days", true, "a journey idle this long is closed (default 30)"},
                             {"naming-prompt", false, "print the prompt that would ask an LLM to name the largest journey"}}),
          run_journeys};
}

Command prompt_command() {
  return {"prompt", "write an LLM re-ranking prompt: the user's history and the model's candidates with explanations",
          "lowrank prompt --model MODEL --user ID [-k 20] [--items u.item] [--data FILE] [--out PREFIX] [--json]",
          with_data_options({{"model", true, "a model file written by lowrank fit"},
           {"data", true, "interaction file with timestamps: history oldest first (default: item order)"},
           {"user", true, "raw user id"},
           {"k", true, "number of candidates (default 20)"},
           {"answer-k", true, "how many items the LLM is asked to return (default min(10, k))"},
           {"items", true, "MovieLens u.item: titles"},
           {"out", true, "write PREFIX.txt, PREFIX.json and PREFIX.candidates.tsv"}}),
          run_prompt};
}

Command rerank_command() {
  return {"rerank", "parse a language model's ranked answer into a ranking of the candidates",
          "lowrank rerank --candidates PREFIX.candidates.tsv --response FILE [--append-missing] [--json]",
          {{"candidates", true, "candidates written by lowrank prompt --out"},
           {"response", true, "the language model's answer (text or a JSON array)"},
           {"append-missing", false, "append unmentioned candidates in their original order"}},
          run_rerank};
}

}  // namespace lowrank::cli
