#pragma once
/// \file rec/llm_bridge.hpp  The LLM re-ranking bridge: a prompt out, a ranked list back in, the same metrics.
///
/// After Chat-REC (Gao et al., "Chat-REC: Towards Interactive and Explainable LLMs-Augmented Recommender
/// System", 2023) and Liu et al., "Is ChatGPT a Good Recommender? A Preliminary Study" (2023): a
/// conventional recommender proposes candidates, a language model re-ranks and explains them. No model
/// runs inside lowrank: `build_rerank_prompt` writes the prompt (plain text and JSON),
/// `parse_ranked_response` reads the model's free-text answer back robustly (ids or titles, "1." / "1)" /
/// "- " numbering, partial lists, junk and duplicate lines, case and whitespace differences), reporting
/// every line it ignored and why, and `evaluate_ranked_lists` scores any ranked lists with the metrics of
/// rec/metrics.hpp (precision, recall, NDCG, MAP, MRR, hit rate at the requested cutoffs).
/// Not for: parsing arbitrary prose; one candidate per line is assumed (several on one line: the longest
/// matching title wins, else the first matching id; when an id and a title on one line name different
/// candidates the title wins, because a leading number is easily list numbering).
#include <map>
#include <string>
#include <vector>

#include "lowrank/config.hpp"
#include "lowrank/rec/data.hpp"

namespace lowrank::rec {

/// One candidate shown to the language model.
struct PromptCandidate {
  ItemId item = 0;          ///< dense item id (what the parsed ranking returns)
  std::string id;           ///< the id the model sees and may answer with (raw id; empty = item as text)
  std::string title;        ///< human-readable title; may be empty
  float score = 0;          ///< the recommender's score
  std::string explanation;  ///< why the recommender proposes it (may be empty)
};

/// Options of build_rerank_prompt.
struct PromptOptions {
  int k = 10;                      ///< how many items the model is asked to return (clamped to the candidates)
  int max_history = 50;            ///< most recent history titles kept (the last ones of the list)
  bool include_scores = true;      ///< show the recommender's scores
  bool include_explanations = true;  ///< show the recommender's explanations
  std::string task = "Re-rank the candidate movies for this user, best first.";  ///< first line of the prompt
};

/// The prompt in two forms: plain text for a chat box, JSON for an API call or a file.
struct RerankPrompt {
  std::string text;  ///< plain-text prompt
  std::string json;  ///< {"task", "k", "history": [...], "candidates": [{"id","title","score","explanation"}], "answer_format"}
};

/// Writes the re-ranking prompt. History titles are given oldest first; the last `max_history` are kept.
/// \throws Error invalid_argument (k < 1, no candidates, duplicate candidate ids)
LOWRANK_API RerankPrompt build_rerank_prompt(const std::vector<std::string>& history_titles,
                                             const std::vector<PromptCandidate>& candidates,
                                             const PromptOptions& options = {});

/// A line of the response that did not become a ranked item.
struct IgnoredLine {
  int line = 0;         ///< 1-based line number in the response
  std::string text;     ///< the line as written (trimmed)
  std::string reason;   ///< "no candidate id or title found", "duplicate of rank 2 (…)", "ambiguous: …"
};

/// The parsed ranking.
struct ParsedRanking {
  std::vector<ItemId> items;          ///< ranked, best first, no duplicates
  std::vector<std::string> ids;       ///< the candidates' ids, aligned with items
  std::vector<IgnoredLine> ignored;   ///< blank lines are not reported
  std::vector<ItemId> missing;        ///< candidates the response did not mention (candidate order)
  int appended = 0;                   ///< how many missing candidates were appended (ParseOptions)
  /// A human-readable report: counts, each ignored line with its reason, the missing candidates.
  std::string report() const;
};

/// Options of parse_ranked_response.
struct ParseOptions {
  bool append_missing = false;  ///< append unmentioned candidates in their original order (a full ranking)
  bool match_titles = true;     ///< accept titles (exact after normalisation, or without a trailing "(year)")
};

/// Reads a language model's ranked answer. Each non-blank line is stripped of list markers ("1.", "1)",
/// "(1)", "#1", "-", "*", "•", "Rank 1:"), markdown emphasis and quotes, then matched to a candidate by id
/// (the whole line, or a leading token followed by a separator, or "[id]" / "(id)" / "id:" anywhere) or by
/// title (case-, punctuation- and whitespace-insensitive). A JSON array of ids or titles (the answer format
/// the prompt asks for) is accepted too.
LOWRANK_API ParsedRanking parse_ranked_response(const std::string& response,
                                                const std::vector<PromptCandidate>& candidates,
                                                const ParseOptions& options = {});

/// Metrics of ranked lists, with the harness's names ("precision@5", "recall@10", "ndcg@10", "map@10",
/// "mrr@10", "hit@10") and the number of users scored.
struct RankedListMetrics {
  std::map<std::string, double> values;  ///< metric name → value averaged over `users`
  Index users = 0;          ///< users with a list and at least one relevant test item
  Index users_no_list = 0;  ///< test users without a list (scored as empty lists when count_missing_users)
};

/// Scores ranked lists against held-out interactions with the definitions of rec/metrics.hpp's `evaluate`
/// (binary relevance: a stored test value ≥ threshold; averaged over users with ≥ 1 relevant item):
/// precision\@k = hits/k, recall\@k = hits/|T|, ndcg\@k = DCG/IDCG with log2(rank + 1) discounts and the
/// ideal of min(k, |T|) hits, map\@k = Σ_{hits} hits_r / r ÷ min(k, |T|), mrr\@k = 1/rank of the first hit,
/// hit\@k = any hit. Lists shorter than k count as padded with misses.
/// \param lists      user → ranked items (best first); repeats after the first are ignored
/// \param test       users × items held-out matrix
/// \param cutoffs    the k values (each ≥ 1)
/// \param count_missing_users  score test users without a list as empty lists (else skip them)
/// \param threshold  relevance threshold on the test values (rec::EvalOptions::relevance_threshold)
/// \throws Error invalid_argument (no cutoffs or a cutoff < 1), unknown_id (user or item outside test)
LOWRANK_API RankedListMetrics evaluate_ranked_lists(const std::map<UserId, std::vector<ItemId>>& lists,
                                                    const Interactions::Csr& test, const std::vector<int>& cutoffs,
                                                    bool count_missing_users = false, float threshold = 0);
/// The same on an Interactions test set.
inline RankedListMetrics evaluate_ranked_lists(const std::map<UserId, std::vector<ItemId>>& lists,
                                               const Interactions& test, const std::vector<int>& cutoffs,
                                               bool count_missing_users = false, float threshold = 0) {
  return evaluate_ranked_lists(lists, test.matrix(), cutoffs, count_missing_users, threshold);
}

}  // namespace lowrank::rec

#if LOWRANK_HEADER_ONLY
#include "lowrank/rec/impl/llm_bridge_impl.hpp"
#endif
