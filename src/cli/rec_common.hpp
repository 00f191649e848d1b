#pragma once
// Data helpers shared by the recommender subcommands and the demo.
#include <map>
#include <string>

#include "args.hpp"
#include "common.hpp"
#include "lowrank/rec.hpp"

namespace lowrank::cli {
std::vector<OptionSpec> data_options();
rec::Interactions load_data(const Args& args, const std::string& path);
rec::Interactions keep_min_rating(const rec::Interactions& data, float min_rating);
/// Maps `other` into `reference`'s ids; interactions with unknown users or items are dropped and counted.
rec::Interactions remap_into(const rec::Interactions& other, const rec::Interactions& reference, Index& dropped);
/// The data options (--format, --delimiter, --header, --min-rating) appended to `v`.
std::vector<OptionSpec> with_data_options(std::vector<OptionSpec> v);
/// `lowrank evaluate --ranked FILE --test FILE` (cmd_beyond.cpp).
int run_evaluate_ranked(const Args& args);
/// Markdown table: one row per model, one column per metric.
std::string metrics_table(const std::map<std::string, rec::Metrics>& by_model);
}  // namespace lowrank::cli
