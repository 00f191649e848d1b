#pragma once
// Shared pieces of the CLI subcommands: options every command takes, the progress bar, JSON output.
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "args.hpp"

namespace lowrank::cli {

/// One subcommand: name, one-line summary, usage text, options, and the function that runs it.
struct Command {
  std::string name, summary, usage;
  std::vector<OptionSpec> options;
  std::function<int(const Args&)> run;
};

/// Options every subcommand accepts.
std::vector<OptionSpec> common_options();
/// Applies --threads and --quiet; call at the start of every command.
void apply_common_options(const Args& args);
bool quiet();
/// A progress bar on stderr, shown only when stderr is a terminal, not --quiet, and after ~1 s of work.
class Progress {
 public:
  explicit Progress(std::string label);
  ~Progress();
  /// fraction in [0, 1]; returns true (never cancels).
  bool update(const std::string& stage, double fraction);

 private:
  std::string m_label;
  std::chrono::steady_clock::time_point m_start;
  bool m_shown = false;
  int m_last_percent = -1;
};

/// Minimal JSON writing helpers (numbers with full precision, escaped strings).
std::string json_string(const std::string& s);
std::string json_number(double v);

/// The registered subcommands.
Command svd_command();
Command bench_svd_command();
Command demo_command();
Command fit_command();
Command recommend_command();
Command evaluate_command();
Command journeys_command();
Command prompt_command();
Command rerank_command();

/// Wall time of a callable in seconds.
template <class F>
double seconds_of(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace lowrank::cli
