// `lowrank fit`, `lowrank recommend` and `lowrank evaluate`: thin front ends over lowrank::rec.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <tuple>

#include "common.hpp"
#include "lowrank/rec.hpp"
#include "rec_common.hpp"

namespace lowrank::cli {

std::vector<OptionSpec> data_options() {
  return {{"format", true, "movielens (auto-detects u.data, ratings.dat, ratings.csv) or csv (default: movielens)"},
          {"delimiter", true, "csv: field delimiter (default ',', 'tab' for a tab)"},
          {"header", false, "csv: the first line is a header"},
          {"min-rating", true, "keep interactions with rating >= this (implicit positives)"}};
}

rec::Interactions load_data(const Args& args, const std::string& path) {
  const std::string format = args.get("format", "movielens");
  double min_rating = 0;
  if (args.has("min-rating")) {
    try {
      min_rating = std::stod(args.get("min-rating"));
    } catch (const std::exception&) {
      throw UsageError("--min-rating expects a number, got '" + args.get("min-rating") + "'");
    }
  }
  rec::Interactions data;
  if (format == "movielens") {
    data = rec::load_movielens(path);
  } else if (format == "csv") {
    rec::CsvOptions o;
    const std::string d = args.get("delimiter", ",");
    if (d == "tab" || d == "\\t") o.delimiter = '\t';
    else if (d.size() == 1) o.delimiter = d[0];
    else throw UsageError("--delimiter expects one character or 'tab', got '" + d + "'");
    o.header = args.flag("header");
    data = rec::load_csv(path, o);
  } else {
    throw UsageError("unknown --format '" + format + "' (expected movielens or csv)");
  }
  if (min_rating > 0) data = keep_min_rating(data, float(min_rating));
  return data;
}

rec::Interactions keep_min_rating(const rec::Interactions& data, float min_rating) {
  std::vector<rec::Interaction> kept;
  for (const auto& it : data.to_list())
    if (it.value >= min_rating) kept.push_back(it);
  return rec::Interactions::from_interactions(std::move(kept), data.users(), data.items());
}

rec::Interactions remap_into(const rec::Interactions& other, const rec::Interactions& reference, Index& dropped) {
  std::vector<rec::Interaction> rows;
  dropped = 0;
  for (const auto& it : other.to_list()) {
    const auto u = reference.users().find(other.users().raw(it.user));
    const auto i = reference.items().find(other.items().raw(it.item));
    if (!u || !i) {
      ++dropped;
      continue;
    }
    rows.push_back({*u, *i, it.value, it.timestamp});
  }
  return rec::Interactions::from_interactions(std::move(rows), reference.users(), reference.items());
}

std::string metrics_table(const std::map<std::string, rec::Metrics>& by_model) {
  // Columns: every metric name seen, in a stable, readable order.
  std::vector<std::string> names;
  for (const auto& [model, m] : by_model)
    for (const auto& [name, v] : m.values)
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  // Most-read metrics first, and cutoffs numerically (ndcg@5 before ndcg@10, not after ndcg@20).
  static const std::vector<std::string> order = {"ndcg", "recall", "precision", "map", "mrr", "hit", "coverage",
                                                 "rmse", "mae"};
  const auto key = [&](const std::string& n) {
    const auto at = n.find('@');
    const std::string base = n.substr(0, at);
    const long k = at == std::string::npos ? 0 : std::strtol(n.c_str() + at + 1, nullptr, 10);
    const auto rank = std::size_t(std::find(order.begin(), order.end(), base) - order.begin());
    return std::make_tuple(rank, base, k);
  };
  std::stable_sort(names.begin(), names.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  std::ostringstream out;
  out << "| model |";
  for (const auto& n : names) out << " " << n << " |";
  out << "\n|---|";
  for (std::size_t i = 0; i < names.size(); ++i) out << "---|";
  out << "\n";
  for (const auto& [model, m] : by_model) {
    out << "| " << model << " |";
    for (const auto& n : names) {
      auto it = m.values.find(n);
      char buf[32];
      if (it == m.values.end()) std::snprintf(buf, sizeof buf, " – |");
      else std::snprintf(buf, sizeof buf, " %.4f |", it->second);
      out << buf;
    }
    out << "\n";
  }
  return out.str();
}

namespace {

/// The model named on the command line; an unknown model or parameter is a usage error (exit code 2).
std::unique_ptr<rec::Recommender> model_from_args(const std::string& model_name, const Args& args) {
  try {
    return rec::make_recommender(model_name, args.params());
  } catch (const lowrank::Error& e) {
    throw UsageError(e.what());
  }
}

int run_fit(const Args& args) {
  const std::string model_name = args.require("model");
  const std::string data_path = args.require("data");
  const std::string out = args.require("out");
  auto model = model_from_args(model_name, args);
  rec::Interactions data;
  const double load_s = seconds_of([&] { data = load_data(args, data_path); });
  Progress bar("fit " + model_name);
  model->set_progress([&](const std::string& stage, double f) { return bar.update(stage, f); });
  const double fit_s = seconds_of([&] { model->fit(data); });
  rec::save(*model, out);
  if (args.flag("json")) {
    std::printf("{\"model\": %s, \"users\": %lld, \"items\": %lld, \"interactions\": %lld, \"load_seconds\": %s, "
                "\"fit_seconds\": %s, \"out\": %s}\n",
                json_string(model_name).c_str(), (long long)data.num_users(), (long long)data.num_items(),
                (long long)data.nnz(), json_number(load_s).c_str(), json_number(fit_s).c_str(), json_string(out).c_str());
  } else {
    std::printf("fitted %s on %lld users × %lld items (%lld interactions): load %.2f s, fit %.2f s\nsaved to %s\n",
                model_name.c_str(), (long long)data.num_users(), (long long)data.num_items(), (long long)data.nnz(),
                load_s, fit_s, out.c_str());
  }
  return 0;
}

void print_recommendations(const rec::Recommender& model, const std::string& raw_user, int k, bool explain,
                           bool json, bool first) {
  const rec::UserId u = model.users().index(raw_user, "user");
  const auto recs = model.recommend(u, k);
  if (json) {
    std::printf("%s{\"user\": %s, \"items\": [", first ? "" : ",\n", json_string(raw_user).c_str());
    for (std::size_t i = 0; i < recs.size(); ++i) {
      std::printf("%s{\"item\": %s, \"score\": %s", i ? ", " : "", json_string(model.items().raw(recs[i].item)).c_str(),
                  json_number(recs[i].score).c_str());
      if (explain) std::printf(", \"explanation\": %s", json_string(model.explain(u, recs[i].item).summary).c_str());
      std::printf("}");
    }
    std::printf("]}");
    return;
  }
  std::printf("user %s:\n", raw_user.c_str());
  for (std::size_t i = 0; i < recs.size(); ++i) {
    std::printf("  %2zu. item %-10s score %.4f\n", i + 1, model.items().raw(recs[i].item).c_str(), recs[i].score);
    if (explain) std::printf("      because: %s\n", model.explain(u, recs[i].item).summary.c_str());
  }
}

int run_recommend(const Args& args) {
  const std::string model_path = args.require("model");
  const int k = int(args.integer("k", 10));
  if (k < 1) throw UsageError("-k must be >= 1");
  std::vector<std::string> users = args.all("user");
  if (args.has("users")) {
    std::ifstream in(args.get("users"));
    LOWRANK_CHECK(in.good(), io, args.get("users"), ": cannot open the users file");
    std::string line;
    while (std::getline(in, line)) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty() && line[0] != '#') users.push_back(line);
    }
  }
  if (users.empty()) throw UsageError("give --user ID or --users FILE");
  const auto model = rec::load(model_path);
  const bool json = args.flag("json");
  if (json) std::printf("[");
  for (std::size_t i = 0; i < users.size(); ++i)
    print_recommendations(*model, users[i], k, args.flag("explain"), json, i == 0);
  if (json) std::printf("]\n");
  return 0;
}

int run_evaluate(const Args& args) {
  if (args.has("ranked")) return run_evaluate_ranked(args);
  const std::string model_name = args.require("model");
  rec::EvalOptions eo;
  if (args.has("k")) eo.cutoffs = parse_int_list(args.get("k"), "-k");
  const auto seed = std::uint64_t(args.integer("seed", 42));
  rec::Split split;
  if (args.has("train") || args.has("test")) {
    const auto train = load_data(args, args.require("train"));
    const auto test_raw = load_data(args, args.require("test"));
    Index dropped = 0;
    split.train = train;
    split.test = remap_into(test_raw, train, dropped);
    if (dropped > 0 && !quiet())
      std::fprintf(stderr, "note: %lld test interactions with users or items unseen in training were ignored\n",
                   (long long)dropped);
  } else if (args.has("data")) {
    const auto data = load_data(args, args.get("data"));
    const std::string how = args.get("split", "per-user");
    double fraction = 0.2;
    if (args.has("test-fraction")) fraction = std::stod(args.get("test-fraction"));
    if (how == "random") split = rec::split_random(data, fraction, seed);
    else if (how == "per-user") split = rec::split_per_user(data, fraction, seed);
    else if (how == "leave-last-out") split = rec::split_leave_last_out(data);
    else if (how == "kfold")
      split = rec::split_kfold(data, int(args.integer("folds", 5)), int(args.integer("fold", 0)), seed);
    else throw UsageError("unknown --split '" + how + "' (expected random, per-user, leave-last-out or kfold)");
  } else {
    throw UsageError("give --train FILE --test FILE, or --data FILE --split KIND");
  }
  auto model = model_from_args(model_name, args);
  Progress bar("fit " + model_name);
  model->set_progress([&](const std::string& stage, double f) { return bar.update(stage, f); });
  const double fit_s = seconds_of([&] { model->fit(split.train); });
  const rec::Metrics m = rec::evaluate(*model, split, eo);
  if (args.flag("json")) {
    std::printf("{\"model\": %s, \"fit_seconds\": %s, \"users_evaluated\": %lld, \"metrics\": {",
                json_string(model_name).c_str(), json_number(fit_s).c_str(), (long long)m.users_evaluated);
    bool first = true;
    for (const auto& [name, v] : m.values) {
      std::printf("%s%s: %s", first ? "" : ", ", json_string(name).c_str(), json_number(v).c_str());
      first = false;
    }
    std::printf("}}\n");
    return 0;
  }
  std::printf("%s: fit %.2f s, %lld users evaluated\n\n%s", model_name.c_str(), fit_s, (long long)m.users_evaluated,
              metrics_table({{model_name, m}}).c_str());
  return 0;
}

}  // namespace

std::vector<OptionSpec> with_data_options(std::vector<OptionSpec> v) {
  for (auto& o : data_options()) v.push_back(o);
  return v;
}

Command fit_command() {
  return {"fit", "fit a model on an interaction file and save it",
          "lowrank fit --model NAME --data FILE [--format movielens|csv] [--param name=value ...] --out MODEL",
          with_data_options({{"model", true, "popularity, itemknn, puresvd, als, biasedmf, svdpp or ease"},
                             {"data", true, "interaction file"},
                             {"param", true, "model option name=value (repeatable)"},
                             {"out", true, "where to save the fitted model"}}),
          run_fit};
}

Command recommend_command() {
  return {"recommend", "top-k items for users of a saved model, optionally with explanations",
          "lowrank recommend --model MODEL (--user ID | --users FILE) [-k 10] [--explain]",
          {{"model", true, "a model file written by lowrank fit"},
           {"user", true, "raw user id as in the training file (repeatable)"},
           {"users", true, "file with one raw user id per line"},
           {"k", true, "list length (default 10)"},
           {"explain", false, "say which seen items drive each score"}},
          run_recommend};
}

Command evaluate_command() {
  return {"evaluate", "fit a model on a training set and report top-k (and rating) metrics on a test set",
          "lowrank evaluate --model NAME [--param k=v ...] (--train F --test F | --data F --split "
          "random|per-user|leave-last-out|kfold) [-k 5,10,20] [--json]  |  lowrank evaluate --ranked F --test F",
          with_data_options({{"model", true, "popularity, itemknn, puresvd, als, biasedmf, svdpp or ease"},
                             {"param", true, "model option name=value (repeatable)"},
                             {"train", true, "training file"},
                             {"test", true, "test file (ids are the files' raw ids)"},
                             {"data", true, "one file to split"},
                             {"split", true, "random, per-user (default), leave-last-out or kfold"},
                             {"test-fraction", true, "held-out fraction (default 0.2)"},
                             {"folds", true, "kfold: number of folds (default 5)"},
                             {"fold", true, "kfold: which fold is the test set (default 0)"},
                             {"k", true, "cutoffs (default 5,10,20)"},
                             {"ranked", true, "score a ranked-list file (user<TAB>item lines, best first) on --test "
                                              "instead of fitting a model"}}),
          run_evaluate};
}

}  // namespace lowrank::cli
