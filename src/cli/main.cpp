// The `lowrank` command: parse the subcommand, run it, map failures to exit codes
// (0 ok, 1 failed — a lowrank::Error or I/O problem, printed as one line — 2 usage).
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <unistd.h>
#include <vector>

#include "common.hpp"
#include "lowrank/error.hpp"
#include "lowrank/kernels.hpp"
#include "lowrank/version.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace lowrank::cli {
namespace {
bool g_quiet = false;

std::vector<Command> commands() {
  return {demo_command(),     svd_command(),    fit_command(),      recommend_command(), evaluate_command(),
          bench_svd_command(), journeys_command(), prompt_command(), rerank_command()};
}

void print_main_usage(std::FILE* out) {
  std::fprintf(out,
               "lowrank %s — truncated SVD and matrix-factorization recommenders\n\n"
               "usage: lowrank <command> [options]   (lowrank <command> --help for details)\n\ncommands:\n",
               LOWRANK_VERSION_STRING);
  for (const auto& c : commands()) std::fprintf(out, "  %-11s %s\n", c.name.c_str(), c.summary.c_str());
  std::fprintf(out, "  %-11s %s\n", "version", "print the version and the dispatched SIMD target");
}

void print_command_usage(const Command& c, std::FILE* out) {
  std::fprintf(out, "usage: %s\n\n%s\n\noptions:\n", c.usage.c_str(), c.summary.c_str());
  auto all = c.options;
  for (const auto& o : common_options()) all.push_back(o);
  for (const auto& o : all) {
    const std::string name = (o.name.size() == 1 ? "-" : "--") + o.name + (o.takes_value ? " VALUE" : "");
    std::fprintf(out, "  %-24s %s\n", name.c_str(), o.help.c_str());
  }
}
}  // namespace

std::vector<OptionSpec> common_options() {
  return {{"threads", true, "worker threads (default: all cores)"},
          {"seed", true, "random seed (default 42)"},
          {"quiet", false, "no progress bar"},
          {"json", false, "machine-readable JSON output"},
          {"help", false, "show this help"}};
}

void apply_common_options(const Args& args) {
  g_quiet = args.flag("quiet");
  if (args.has("threads")) {
    const auto t = args.integer("threads", 0);
    if (t < 1) throw UsageError("--threads expects a positive integer");
#if defined(_OPENMP)
    omp_set_num_threads(int(t));
#endif
  }
}
bool quiet() { return g_quiet; }

Progress::Progress(std::string label) : m_label(std::move(label)), m_start(std::chrono::steady_clock::now()) {}
Progress::~Progress() {
  if (m_shown) std::fprintf(stderr, "\r\033[K");
}
bool Progress::update(const std::string& stage, double fraction) {
  if (g_quiet || !isatty(STDERR_FILENO)) return true;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  if (elapsed < 1.0) return true;
  const int percent = int(100 * std::min(1.0, std::max(0.0, fraction)));
  if (percent == m_last_percent) return true;
  m_last_percent = percent;
  m_shown = true;
  const int width = 30, filled = percent * width / 100;
  std::fprintf(stderr, "\r%s %-14s [%s%s] %3d%% %5.1fs", m_label.c_str(), stage.c_str(), std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), percent, elapsed);
  std::fflush(stderr);
  return true;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}
std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace lowrank::cli

int main(int argc, char** argv) {
  using namespace lowrank::cli;
  std::vector<std::string> rest(argv + 1, argv + argc);
  if (rest.empty() || rest[0] == "--help" || rest[0] == "-h" || rest[0] == "help") {
    print_main_usage(rest.empty() ? stderr : stdout);
    return rest.empty() ? 2 : 0;
  }
  if (rest[0] == "version" || rest[0] == "--version") {
    std::printf("lowrank %s (SIMD target %s)\n", LOWRANK_VERSION_STRING, lowrank::kernels::active_target().c_str());
    return 0;
  }
  for (const auto& c : commands()) {
    if (c.name != rest[0]) continue;
    const std::vector<std::string> sub(rest.begin() + 1, rest.end());
    try {
      auto specs = c.options;
      for (const auto& o : common_options()) specs.push_back(o);
      const Args args(sub, specs);
      if (args.flag("help")) {
        print_command_usage(c, stdout);
        return 0;
      }
      apply_common_options(args);
      return c.run(args);
    } catch (const UsageError& e) {
      std::fprintf(stderr, "lowrank %s: %s\n", c.name.c_str(), e.what());
      std::fprintf(stderr, "usage: %s   (lowrank %s --help)\n", c.usage.c_str(), c.name.c_str());
      return 2;
    } catch (const lowrank::Error& e) {
      std::fprintf(stderr, "lowrank %s: error: %s\n", c.name.c_str(), e.what());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "lowrank %s: error: %s\n", c.name.c_str(), e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "lowrank: unknown command '%s'\n", rest[0].c_str());
  print_main_usage(stderr);
  return 2;
}
