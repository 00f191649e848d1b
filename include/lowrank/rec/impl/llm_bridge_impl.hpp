#pragma once
/// \file rec/impl/llm_bridge_impl.hpp  Non-template definitions of rec/llm_bridge.hpp (compiled once in
/// src/lib/rec_beyond.cpp, or inline in header-only mode).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "lowrank/error.hpp"
#include "lowrank/rec/llm_bridge.hpp"

namespace lowrank::rec {
namespace detail {

inline std::string json_escape(const std::string& s) {
  std::string o;
  o.reserve(s.size() + 2);
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(c));
          o += buf;
        } else {
          o += char(c);
        }
    }
  }
  return o;
}

inline std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

inline std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Lower-case ASCII letters and digits separated by single spaces (punctuation and bytes ≥ 0x80 that are
/// not letters become separators; non-ASCII bytes are kept so accented titles still match themselves).
inline std::string normalize_title(const std::string& s) {
  std::string o;
  bool space = true;
  for (unsigned char c : s) {
    const bool keep = std::isalnum(c) || c >= 0x80;
    if (keep) {
      o += char(std::tolower(c));
      space = false;
    } else if (!space) {
      o += ' ';
      space = true;
    }
  }
  if (!o.empty() && o.back() == ' ') o.pop_back();
  return o;
}

/// Title without a trailing parenthesised part: "Heat (1995)" → "Heat".
inline std::string strip_trailing_paren(const std::string& t) {
  std::string s = trim(t);
  if (!s.empty() && s.back() == ')') {
    const std::size_t open = s.rfind('(');
    if (open != std::string::npos && open > 0) return trim(s.substr(0, open));
  }
  return s;
}

/// "Godfather, The" → "The Godfather" (MovieLens / library sort order), else unchanged.
inline std::string article_first(const std::string& t) {
  for (const char* art : {", The", ", A", ", An", ", Les", ", La", ", Le", ", Il", ", Das", ", Der", ", Die"}) {
    const std::string a(art);
    if (t.size() > a.size() && t.compare(t.size() - a.size(), a.size(), a) == 0)
      return a.substr(2) + " " + t.substr(0, t.size() - a.size());
  }
  return t;
}

/// "Godfather, The" → "Godfather", else unchanged.
inline std::string without_article(const std::string& t) {
  const std::string a = article_first(t);
  return a == t ? t : t.substr(0, t.rfind(','));
}

/// Whole-word containment of `needle` in `hay` (both normalised: words separated by single spaces).
inline bool contains_words(const std::string& hay, const std::string& needle) {
  if (needle.empty()) return false;
  std::size_t pos = 0;
  while ((pos = hay.find(needle, pos)) != std::string::npos) {
    const bool left = pos == 0 || hay[pos - 1] == ' ';
    const bool right = pos + needle.size() == hay.size() || hay[pos + needle.size()] == ' ';
    if (left && right) return true;
    ++pos;
  }
  return false;
}

/// Strips list markers, emphasis and quotes from the front/back of a response line.
inline std::string strip_markers(std::string s) {
  for (int round = 0; round < 4; ++round) {
    s = trim(s);
    const std::string before = s;
    // markdown emphasis / code and quotes around the whole thing
    for (const char* m : {"**", "__", "`", "\"", "\xE2\x80\x9C", "\xE2\x80\x9D", "'"}) {
      const std::string mk(m);
      while (s.size() >= mk.size() && s.compare(0, mk.size(), mk) == 0) s.erase(0, mk.size());
      while (s.size() >= mk.size() && s.compare(s.size() - mk.size(), mk.size(), mk) == 0) s.erase(s.size() - mk.size());
    }
    s = trim(s);
    // bullets: - * + > •
    if (!s.empty() && (s[0] == '-' || s[0] == '*' || s[0] == '+' || s[0] == '>')) s.erase(0, 1);
    else if (s.compare(0, 3, "\xE2\x80\xA2") == 0) s.erase(0, 3);
    s = trim(s);
    // "Rank 3:" / "rank 3 -"
    if (lower(s.substr(0, 4)) == "rank") {
      std::size_t i = 4;
      while (i < s.size() && s[i] == ' ') ++i;
      std::size_t j = i;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      if (j > i) {
        while (j < s.size() && (s[j] == ':' || s[j] == '.' || s[j] == ')' || s[j] == '-' || s[j] == ' ')) ++j;
        s.erase(0, j);
      }
    }
    // "(3)", "#3", "3.", "3)", "3:", "3]" — a number followed by its punctuation
    {
      std::size_t i = 0;
      const bool paren = !s.empty() && (s[0] == '(' || s[0] == '[');
      if (paren || (!s.empty() && s[0] == '#')) i = 1;
      std::size_t j = i;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      if (j > i && j < s.size() && j - i <= 3 &&
          (s[j] == '.' || s[j] == ')' || s[j] == ':' || s[j] == ']') &&
          (j + 1 == s.size() || !std::isdigit(static_cast<unsigned char>(s[j + 1])))) {
        if (!paren || s[j] == ')' || s[j] == ']') s.erase(0, j + 1);
      } else if (j > i && s[0] == '#') {
        s.erase(0, j);
      }
    }
    if (s == before) break;
  }
  return trim(s);
}

/// Index of the candidate an id-looking text names, or -1.
struct IdIndex {
  std::unordered_map<std::string, int> by_id;  // lower-case id → candidate index

  int find(const std::string& token) const {
    auto it = by_id.find(lower(trim(token)));
    return it == by_id.end() ? -1 : it->second;
  }
  /// The whole line, a leading token, "[id]", "(id)" or "id: X" / "id X" / "id=X" anywhere.
  int match(const std::string& line) const {
    if (int c = find(line); c >= 0) return c;
    // leading token up to a separator
    std::size_t e = 0;
    while (e < line.size() && !std::isspace(static_cast<unsigned char>(line[e])) &&
           std::string(":|,;)]").find(line[e]) == std::string::npos)
      ++e;
    if (e > 0 && e < line.size()) {
      // a leading token counts only when a separator follows (":", "-", "|", ",", ")" or " - ")
      std::size_t k = e;
      while (k < line.size() && line[k] == ' ') ++k;
      if (k < line.size() && std::string(":|,;)]-\xE2").find(line[k]) != std::string::npos)
        if (int c = find(line.substr(0, e)); c >= 0) return c;
    }
    // bracketed anywhere
    for (char open : {'[', '('}) {
      const char close = open == '[' ? ']' : ')';
      std::size_t p = 0;
      while ((p = line.find(open, p)) != std::string::npos) {
        const std::size_t q = line.find(close, p + 1);
        if (q == std::string::npos) break;
        std::string inside = trim(line.substr(p + 1, q - p - 1));
        const std::string li = lower(inside);
        for (const char* kw : {"item id", "id"}) {
          const std::string k(kw);
          if (li.compare(0, k.size(), k) == 0) {
            inside = inside.substr(k.size());
            while (!inside.empty() && (inside[0] == ':' || inside[0] == '=' || inside[0] == '#' || inside[0] == ' '))
              inside.erase(0, 1);
            break;
          }
        }
        if (int c = find(inside); c >= 0) return c;
        p = q + 1;
      }
    }
    // "id: X" / "ID X" / "id=X" / "id #X"
    const std::string ll = lower(line);
    std::size_t p = 0;
    while ((p = ll.find("id", p)) != std::string::npos) {
      const bool word = p == 0 || !std::isalnum(static_cast<unsigned char>(ll[p - 1]));
      std::size_t q = p + 2;
      if (word && q < ll.size() && !std::isalnum(static_cast<unsigned char>(ll[q]))) {
        while (q < ll.size() && (ll[q] == ':' || ll[q] == '=' || ll[q] == '#' || ll[q] == ' ')) ++q;
        std::size_t r = q;
        while (r < ll.size() && !std::isspace(static_cast<unsigned char>(ll[r])) &&
               std::string(",;)]|").find(ll[r]) == std::string::npos)
          ++r;
        if (r > q)
          if (int c = find(line.substr(q, r - q)); c >= 0) return c;
      }
      p += 2;
    }
    return -1;
  }
};

/// Normalised title forms of each candidate: full title, title without "(year)", article moved first.
struct TitleIndex {
  std::vector<std::vector<std::string>> forms;  // per candidate

  explicit TitleIndex(const std::vector<PromptCandidate>& cands) : forms(cands.size()) {
    std::unordered_map<std::string, int> uses;
    for (std::size_t i = 0; i < cands.size(); ++i) {
      const std::string& t = cands[i].title;
      if (trim(t).empty()) continue;
      const std::string base = strip_trailing_paren(t);
      for (const std::string& f :
           {t, article_first(base) + (base.size() < trim(t).size() ? " " + trim(t).substr(base.size()) : std::string()),
            base, article_first(base), without_article(base)}) {
        const std::string n = normalize_title(f);
        if (n.size() < 2 || std::find(forms[i].begin(), forms[i].end(), n) != forms[i].end()) continue;
        forms[i].push_back(n);
        ++uses[n];
      }
    }
    // a short form shared by two candidates ("hamlet" for two Hamlets) identifies neither
    for (auto& f : forms)
      f.erase(std::remove_if(f.begin(), f.end(), [&](const std::string& n) { return uses[n] > 1; }), f.end());
  }
  /// Exact form match first, else the candidate with the longest form contained in the line as whole words.
  int match(const std::string& line) const {
    const std::string n = normalize_title(line);
    if (n.empty()) return -1;
    int best = -1;
    std::size_t best_len = 0;
    for (std::size_t i = 0; i < forms.size(); ++i)
      for (const auto& f : forms[i]) {
        if (f == n) return int(i);
        if (f.size() >= 3 && f.size() > best_len && contains_words(n, f)) {
          best = int(i);
          best_len = f.size();
        }
      }
    return best;
  }
};

/// Elements of a JSON array answer: strings and bare numbers at any depth, or the "id" values of objects.
inline std::vector<std::string> json_array_elements(const std::string& s) {
  std::vector<std::string> out;
  const bool objects = s.find('{') != std::string::npos;
  std::size_t i = 0;
  std::string last_key;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"') {
      std::string v;
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        v += s[i++];
      }
      ++i;
      std::size_t k = i;
      while (k < s.size() && std::isspace(static_cast<unsigned char>(s[k]))) ++k;
      if (k < s.size() && s[k] == ':') {
        last_key = lower(v);
        i = k + 1;
        continue;
      }
      if (!objects || last_key == "id" || last_key == "item" || last_key == "title") out.push_back(v);
      if (objects && (last_key == "id" || last_key == "item")) last_key = "taken";
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
      std::string v;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '-' || s[i] == '.')) v += s[i++];
      if (!objects || last_key == "id" || last_key == "item") out.push_back(v);
      if (objects && (last_key == "id" || last_key == "item")) last_key = "taken";
    } else {
      if (c == '{') last_key.clear();
      ++i;
    }
  }
  return out;
}

}  // namespace detail

LOWRANK_IMPL_INLINE RerankPrompt build_rerank_prompt(const std::vector<std::string>& history,
                                                     const std::vector<PromptCandidate>& cands,
                                                     const PromptOptions& opt) {
  constexpr const char* who = "build_rerank_prompt";
  // step 0 — validate
  LOWRANK_CHECK(opt.k >= 1 && opt.max_history >= 0, invalid_argument, who, ": k ", opt.k, " must be >= 1 and max_history ",
                opt.max_history, " >= 0");
  LOWRANK_CHECK(!cands.empty(), invalid_argument, who, ": no candidates");
  std::unordered_set<std::string> ids;
  std::vector<std::string> shown_ids;
  for (const auto& c : cands) {
    const std::string id = c.id.empty() ? std::to_string(c.item) : c.id;
    LOWRANK_CHECK(ids.insert(detail::lower(id)).second, invalid_argument, who, ": duplicate candidate id \"", id, "\"");
    shown_ids.push_back(id);
  }
  const int k = std::min<int>(opt.k, int(cands.size()));
  const std::size_t h0 = history.size() > std::size_t(opt.max_history) ? history.size() - std::size_t(opt.max_history) : 0;
  const auto fmt_score = [](float s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", double(s));
    return std::string(buf);
  };

  // step 1 — plain text: task, history (oldest first), numbered candidates, answer format
  RerankPrompt out;
  std::ostringstream t;
  t << opt.task << "\n\n";
  t << "The user interacted with these items (oldest first";
  if (h0 > 0) t << ", the last " << (history.size() - h0) << " of " << history.size();
  t << "):\n";
  for (std::size_t i = h0; i < history.size(); ++i) t << "- " << history[i] << "\n";
  if (history.empty()) t << "- (no history)\n";
  t << "\nCandidates proposed by a recommender (id | title";
  if (opt.include_scores) t << " | score";
  if (opt.include_explanations) t << " | why";
  t << "):\n";
  for (std::size_t i = 0; i < cands.size(); ++i) {
    t << shown_ids[i] << " | " << (cands[i].title.empty() ? "(untitled)" : cands[i].title);
    if (opt.include_scores) t << " | " << fmt_score(cands[i].score);
    if (opt.include_explanations && !cands[i].explanation.empty()) t << " | " << cands[i].explanation;
    t << "\n";
  }
  t << "\nAnswer with the " << k << " best candidates for this user, best first, one per line, as\n"
    << "<rank>. <id> | <title> | <one-sentence reason>\n"
    << "Use only ids from the candidate list. Do not add other text.\n";
  out.text = t.str();

  // step 2 — JSON with the same content
  std::ostringstream j;
  j << "{\n  \"task\": \"" << detail::json_escape(opt.task) << "\",\n  \"k\": " << k << ",\n  \"history\": [";
  for (std::size_t i = h0; i < history.size(); ++i)
    j << (i > h0 ? ", " : "") << "\"" << detail::json_escape(history[i]) << "\"";
  j << "],\n  \"candidates\": [";
  for (std::size_t i = 0; i < cands.size(); ++i) {
    j << (i ? "," : "") << "\n    {\"id\": \"" << detail::json_escape(shown_ids[i]) << "\", \"title\": \""
      << detail::json_escape(cands[i].title) << "\"";
    if (opt.include_scores) j << ", \"score\": " << (std::isfinite(cands[i].score) ? fmt_score(cands[i].score) : "null");
    if (opt.include_explanations) j << ", \"explanation\": \"" << detail::json_escape(cands[i].explanation) << "\"";
    j << "}";
  }
  j << "\n  ],\n  \"answer_format\": \"one candidate per line, best first: <rank>. <id> | <title> | <reason>\"\n}\n";
  out.json = j.str();
  return out;
}

LOWRANK_IMPL_INLINE ParsedRanking parse_ranked_response(const std::string& response,
                                                        const std::vector<PromptCandidate>& cands,
                                                        const ParseOptions& opt) {
  // step 1 — indexes of candidate ids and title forms
  detail::IdIndex ids;
  for (std::size_t i = 0; i < cands.size(); ++i) {
    const std::string id = cands[i].id.empty() ? std::to_string(cands[i].item) : cands[i].id;
    ids.by_id.emplace(detail::lower(detail::trim(id)), int(i));
  }
  const detail::TitleIndex titles(cands);
  const auto shown = [&](int c) {
    const auto& x = cands[std::size_t(c)];
    return (x.id.empty() ? std::to_string(x.item) : x.id) + (x.title.empty() ? "" : " " + x.title);
  };

  // step 2 — the lines to read: a JSON array answer becomes one element per line; code fences are dropped
  std::vector<std::pair<int, std::string>> lines;  // (line number, text)
  {
    std::istringstream in(response);
    std::string l;
    int n = 0;
    std::string body;
    while (std::getline(in, l)) {
      ++n;
      if (!l.empty() && l.back() == '\r') l.pop_back();
      if (detail::trim(l).compare(0, 3, "```") == 0) continue;
      lines.push_back({n, l});
      body += l + "\n";
    }
    const std::string b = detail::trim(body);
    if (!b.empty() && b.front() == '[' && b.back() == ']') {
      lines.clear();
      int k = 0;
      for (auto& e : detail::json_array_elements(b)) lines.push_back({++k, e});
    }
  }

  // step 3 — match each line: id and title; when both match different candidates the title wins
  // (a leading number is easily list numbering), then drop duplicates
  ParsedRanking out;
  std::vector<int> rank_of(cands.size(), 0);
  for (const auto& [no, raw] : lines) {
    const std::string text = detail::trim(raw);
    if (text.empty()) continue;
    const std::string s = detail::strip_markers(text);
    int c = -1;
    const int by_id = s.empty() ? -1 : ids.match(s);
    const int by_title = opt.match_titles ? titles.match(s) : -1;
    c = by_title >= 0 ? by_title : by_id;
    if (c < 0) c = ids.match(text);  // the "marker" may have been the id itself ("50. Star Wars")
    if (c < 0) {  // a bullet, then an id that looks like list numbering: "- 109: because …"
      std::string b = text;
      while (!b.empty() && std::string("-*+> ").find(b[0]) != std::string::npos) b.erase(0, 1);
      if (b != text) c = ids.match(b);
    }
    if (c < 0) {
      out.ignored.push_back({no, text, "no candidate id or title found"});
      continue;
    }
    if (rank_of[std::size_t(c)] > 0) {
      out.ignored.push_back({no, text, "duplicate of rank " + std::to_string(rank_of[std::size_t(c)]) + " (" + shown(c) + ")"});
      continue;
    }
    out.items.push_back(cands[std::size_t(c)].item);
    out.ids.push_back(cands[std::size_t(c)].id.empty() ? std::to_string(cands[std::size_t(c)].item) : cands[std::size_t(c)].id);
    rank_of[std::size_t(c)] = int(out.items.size());
  }

  // step 4 — candidates never mentioned; optionally appended in their original order
  for (std::size_t i = 0; i < cands.size(); ++i)
    if (rank_of[i] == 0) out.missing.push_back(cands[i].item);
  if (opt.append_missing)
    for (std::size_t i = 0; i < cands.size(); ++i)
      if (rank_of[i] == 0) {
        out.items.push_back(cands[i].item);
        out.ids.push_back(cands[i].id.empty() ? std::to_string(cands[i].item) : cands[i].id);
        ++out.appended;
      }
  return out;
}

LOWRANK_IMPL_INLINE std::string ParsedRanking::report() const {
  std::ostringstream o;
  o << "ranked " << (items.size() - std::size_t(appended)) << " item(s) from the response";
  if (appended) o << " + " << appended << " appended in candidate order";
  o << "; " << ignored.size() << " line(s) ignored; " << missing.size() << " candidate(s) not mentioned\n";
  for (const auto& g : ignored) o << "  ignored line " << g.line << ": \"" << g.text << "\" — " << g.reason << "\n";
  if (!missing.empty()) {
    o << "  not mentioned:";
    for (ItemId m : missing) o << " " << m;
    o << "\n";
  }
  return o.str();
}

LOWRANK_IMPL_INLINE RankedListMetrics evaluate_ranked_lists(const std::map<UserId, std::vector<ItemId>>& lists,
                                                            const Interactions::Csr& test, const std::vector<int>& cutoffs,
                                                            bool count_missing_users, float threshold) {
  constexpr const char* who = "evaluate_ranked_lists";
  LOWRANK_CHECK(!cutoffs.empty(), invalid_argument, who, ": no cutoffs");
  for (int k : cutoffs) LOWRANK_CHECK(k >= 1, invalid_argument, who, ": cutoff ", k, " < 1");
  RankedListMetrics out;
  std::map<std::string, double> sum;
  const auto score_user = [&](const std::vector<ItemId>& relevant, const std::vector<ItemId>& list) {
    for (int k : cutoffs) {
      double hits = 0, dcg = 0, ap = 0, idcg = 0, rr = 0;
      const std::size_t kk = std::min<std::size_t>(std::size_t(k), list.size());
      for (std::size_t r = 0; r < kk; ++r)
        if (std::binary_search(relevant.begin(), relevant.end(), list[r])) {
          if (hits == 0) rr = 1.0 / double(r + 1);
          hits += 1;
          dcg += 1.0 / std::log2(double(r) + 2.0);
          ap += hits / double(r + 1);
        }
      const std::size_t ideal = std::min<std::size_t>(std::size_t(k), relevant.size());
      for (std::size_t r = 0; r < ideal; ++r) idcg += 1.0 / std::log2(double(r) + 2.0);
      const std::string at = "@" + std::to_string(k);
      sum["precision" + at] += hits / double(k);
      sum["recall" + at] += hits / double(relevant.size());
      sum["ndcg" + at] += idcg > 0 ? dcg / idcg : 0.0;
      sum["map" + at] += ideal ? ap / double(ideal) : 0.0;
      sum["mrr" + at] += rr;
      sum["hit" + at] += hits > 0 ? 1.0 : 0.0;
    }
  };
  const auto relevant_of = [&](UserId u) {
    std::vector<ItemId> rel;
    for (Interactions::Csr::InnerIterator it(test, u); it; ++it)
      if (it.value() >= threshold) rel.push_back(it.col());
    std::sort(rel.begin(), rel.end());
    return rel;
  };
  for (const auto& [u, raw] : lists) {
    LOWRANK_CHECK(u >= 0 && u < test.rows(), unknown_id, who, ": user ", u, " is outside the test matrix [0, ", test.rows(), ")");
    std::vector<ItemId> list;
    for (ItemId i : raw) {
      LOWRANK_CHECK(i >= 0 && i < test.cols(), unknown_id, who, ": user ", u, " has item ", i,
                    " outside the test matrix [0, ", test.cols(), ")");
      if (std::find(list.begin(), list.end(), i) == list.end()) list.push_back(i);
    }
    const auto rel = relevant_of(u);
    if (rel.empty()) continue;
    score_user(rel, list);
    ++out.users;
  }
  for (Index u = 0; u < test.rows(); ++u) {
    if (lists.count(u)) continue;
    const auto rel = relevant_of(u);
    if (rel.empty()) continue;
    ++out.users_no_list;
    if (count_missing_users) {
      score_user(rel, {});
      ++out.users;
    }
  }
  for (const auto& [name, v] : sum) out.values[name] = out.users ? v / double(out.users) : 0.0;
  if (out.values.empty())
    for (int k : cutoffs)
      for (const char* m : {"precision", "recall", "ndcg", "map", "mrr", "hit"}) out.values[std::string(m) + "@" + std::to_string(k)] = 0;
  return out;
}

}  // namespace lowrank::rec
