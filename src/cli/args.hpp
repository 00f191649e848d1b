#pragma once
// Command-line parsing for the `lowrank` command: `--name value`, `--name=value`, `-k 10`, flags,
// repeated `--param key=value`, and positionals. Unknown options are usage errors (exit code 2).
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace lowrank::cli {

/// A usage error: printed with the subcommand's usage, exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;    // "rank" for --rank; single letters are short options (-k)
  bool takes_value;
  std::string help;
};

class Args {
 public:
  Args(const std::vector<std::string>& argv, const std::vector<OptionSpec>& specs) {
    std::map<std::string, const OptionSpec*> by_name;
    for (const auto& s : specs) by_name[s.name] = &s;
    for (std::size_t i = 0; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a.size() < 2 || a[0] != '-' || a == "-") {
        m_positional.push_back(a);
        continue;
      }
      std::string name = a.substr(a[1] == '-' ? 2 : 1), value;
      bool has_inline = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_inline = true;
      }
      auto it = by_name.find(name);
      if (it == by_name.end()) throw UsageError("unknown option '" + a + "'");
      if (!it->second->takes_value) {
        if (has_inline) throw UsageError("option '--" + name + "' takes no value");
        m_flags.insert(name);
        continue;
      }
      if (!has_inline) {
        if (i + 1 >= argv.size()) throw UsageError("option '" + a + "' needs a value");
        value = argv[++i];
      }
      m_values[name].push_back(value);
    }
  }

  bool flag(const std::string& name) const { return m_flags.count(name) > 0; }
  bool has(const std::string& name) const { return m_values.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const {
    auto it = m_values.find(name);
    return it == m_values.end() ? fallback : it->second.back();
  }
  std::string require(const std::string& name) const {
    if (!has(name)) throw UsageError("missing required option '--" + name + "'");
    return get(name);
  }
  std::vector<std::string> all(const std::string& name) const {
    auto it = m_values.find(name);
    return it == m_values.end() ? std::vector<std::string>{} : it->second;
  }
  std::int64_t integer(const std::string& name, std::int64_t fallback) const {
    if (!has(name)) return fallback;
    const std::string v = get(name);
    std::size_t used = 0;
    std::int64_t out = 0;
    try {
      out = std::stoll(v, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != v.size() || v.empty()) throw UsageError("option '--" + name + "' expects an integer, got '" + v + "'");
    return out;
  }
  /// `--param k=v` pairs.
  std::map<std::string, std::string> params() const {
    std::map<std::string, std::string> out;
    for (const auto& p : all("param")) {
      auto eq = p.find('=');
      if (eq == std::string::npos || eq == 0) throw UsageError("--param expects name=value, got '" + p + "'");
      out[p.substr(0, eq)] = p.substr(eq + 1);
    }
    return out;
  }
  const std::vector<std::string>& positional() const { return m_positional; }

 private:
  std::vector<std::string> m_positional;
  std::map<std::string, std::vector<std::string>> m_values;
  std::set<std::string> m_flags;
};

/// Comma-separated integers ("5,10,20").
inline std::vector<int> parse_int_list(const std::string& s, const std::string& what) {
  std::vector<int> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t end = std::min(s.find(',', start), s.size());
    const std::string tok = s.substr(start, end - start);
    std::size_t used = 0;
    int v = 0;
    try {
      v = std::stoi(tok, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (tok.empty() || used != tok.size() || v < 1) throw UsageError(what + " expects positive integers like 5,10,20, got '" + s + "'");
    out.push_back(v);
    start = end + 1;
  }
  return out;
}

}  // namespace lowrank::cli
