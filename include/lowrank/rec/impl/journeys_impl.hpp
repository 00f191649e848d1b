#pragma once
/// \file rec/impl/journeys_impl.hpp  Non-template definitions of rec/journeys.hpp (compiled once in
/// src/lib/rec_beyond.cpp, or inline in header-only mode).
#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>

#include "lowrank/error.hpp"
#include "lowrank/rec/journeys.hpp"

namespace lowrank::rec {
namespace detail {

/// A journey under construction: member event indices, the sum of unit embeddings, time span.
struct OpenJourney {
  std::vector<std::size_t> members;  // indices into the sorted event list
  Eigen::VectorXf sum;
  std::int64_t first = 0, last = 0;
};

inline double cosine_distance_to(const Eigen::VectorXf& x, const Eigen::VectorXf& sum) {
  const double n = double(sum.norm());
  if (!(n > 0)) return 2.0;
  return 1.0 - double(x.dot(sum)) / n;
}

}  // namespace detail

LOWRANK_IMPL_INLINE JourneyResult extract_journeys(const std::vector<HistoryEvent>& history,
                                                   const Eigen::Ref<const Eigen::MatrixXf>& E,
                                                   const JourneyOptions& opt,
                                                   const std::vector<std::vector<int>>& attrs) {
  constexpr const char* who = "extract_journeys";
  // step 0 — validate options and inputs (C9)
  LOWRANK_CHECK(opt.lambda > 0 && opt.lambda <= 2, invalid_argument, who, ": lambda ", opt.lambda,
                " must be in (0, 2] (a cosine distance)");
  LOWRANK_CHECK(opt.expiry_seconds >= 0 && opt.min_size >= 1 && opt.refine_iterations >= 0 &&
                    opt.representatives >= 0 && opt.top_attributes >= 0,
                invalid_argument, who, ": expiry_seconds, refine_iterations, representatives, top_attributes must be "
                "non-negative and min_size >= 1");
  LOWRANK_CHECK(attrs.empty() || Index(attrs.size()) >= E.rows(), shape_mismatch, who, ": item_attributes has ",
                attrs.size(), " rows for ", E.rows(), " items");
  const Index d = E.cols();

  // step 1 — time-order the events (stable) and unit-normalise their embeddings; zero rows are set aside
  std::vector<HistoryEvent> ev(history);
  std::stable_sort(ev.begin(), ev.end(),
                   [](const HistoryEvent& a, const HistoryEvent& b) { return a.timestamp < b.timestamp; });
  JourneyResult res;
  std::vector<Eigen::VectorXf> x(ev.size());
  std::vector<char> usable(ev.size(), 0);
  for (std::size_t i = 0; i < ev.size(); ++i) {
    const ItemId it = ev[i].item;
    LOWRANK_CHECK(it >= 0 && it < E.rows(), unknown_id, who, ": history item ", it, " (event ", i,
                  ") is outside the embedding rows [0, ", E.rows(), ")");
    x[i] = E.row(it).transpose();
    LOWRANK_CHECK(x[i].allFinite(), non_finite, who, ": embedding row of item ", it, " has NaN or Inf");
    const float n = x[i].norm();
    if (n > 0 && d > 0) {
      x[i] /= n;
      usable[i] = 1;
    } else {
      res.unassigned.push_back(it);
    }
  }

  // step 2 — online pass (ICPC / online DP-means): nearest active journey within λ, else a new journey
  std::vector<detail::OpenJourney> J;
  std::vector<int> assign(ev.size(), -1);
  const auto active = [&](const detail::OpenJourney& j, std::int64_t t) {
    return opt.expiry_seconds == 0 || t - j.last <= opt.expiry_seconds;
  };
  for (std::size_t i = 0; i < ev.size(); ++i) {
    if (!usable[i]) continue;
    const std::int64_t t = ev[i].timestamp;
    int best = -1;
    double bestd = std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < J.size(); ++j) {
      if (!active(J[j], t)) continue;
      const double dist = detail::cosine_distance_to(x[i], J[j].sum);
      if (dist < bestd) {  // NaN-safe: a NaN distance never wins
        bestd = dist;
        best = int(j);
      }
    }
    if (best < 0 || !(bestd <= opt.lambda)) {
      J.push_back({{}, Eigen::VectorXf::Zero(d), t, t});
      best = int(J.size()) - 1;
    }
    auto& j = J[std::size_t(best)];
    j.members.push_back(i);
    j.sum += x[i];
    j.last = t;
    assign[i] = best;
  }

  // objective of an assignment: Σ (1 − cos(x, centroid)) + λ·#non-empty journeys
  const auto objective = [&](const std::vector<detail::OpenJourney>& js) {
    double f = 0;
    for (const auto& j : js) {
      if (j.members.empty()) continue;
      f += opt.lambda;
      for (std::size_t i : j.members) f += detail::cosine_distance_to(x[i], j.sum);
    }
    return f;
  };
  const auto rebuild = [&](const std::vector<int>& a, std::size_t nj) {
    std::vector<detail::OpenJourney> js(nj, {{}, Eigen::VectorXf::Zero(d), 0, 0});
    for (std::size_t i = 0; i < ev.size(); ++i) {
      if (a[i] < 0) continue;
      auto& j = js[std::size_t(a[i])];
      if (j.members.empty()) j.first = ev[i].timestamp;
      j.members.push_back(i);
      j.sum += x[i];
      j.last = ev[i].timestamp;
    }
    js.erase(std::remove_if(js.begin(), js.end(), [](const detail::OpenJourney& j) { return j.members.empty(); }),
             js.end());
    return js;
  };

  // step 3 — DP-means refinement: reassign each item to the nearest journey whose span (± expiry) covers
  // its time, or to a new one when every distance exceeds λ; keep a pass only if the objective drops
  double f = objective(J);
  for (int pass = 0; pass < opt.refine_iterations; ++pass) {
    std::vector<int> a(ev.size(), -1);
    std::size_t nj = J.size();
    for (std::size_t i = 0; i < ev.size(); ++i) {
      if (!usable[i]) continue;
      const std::int64_t t = ev[i].timestamp;
      int best = -1;
      double bestd = std::numeric_limits<double>::infinity();
      for (std::size_t j = 0; j < J.size(); ++j) {
        const bool covers = opt.expiry_seconds == 0 ||
                            (t >= J[j].first - opt.expiry_seconds && t <= J[j].last + opt.expiry_seconds);
        if (!covers) continue;
        const double dist = detail::cosine_distance_to(x[i], J[j].sum);
        if (dist < bestd) {
          bestd = dist;
          best = int(j);
        }
      }
      if (best < 0 || !(bestd <= opt.lambda)) best = int(nj++);
      a[i] = best;
    }
    auto next = rebuild(a, nj);
    const double fn = objective(next);
    ++res.refine_passes;
    if (!(fn < f - 1e-9 * std::max(1.0, std::abs(f)))) break;  // no strict decrease: keep the previous one
    J = std::move(next);
    f = fn;
  }
  res.objective = f;

  // step 4 — report journeys of at least min_size items (time order); dissolve the rest
  std::sort(J.begin(), J.end(), [](const detail::OpenJourney& a, const detail::OpenJourney& b) {
    return a.first != b.first ? a.first < b.first : a.members.front() < b.members.front();
  });
  for (const auto& j : J) {
    if (Index(j.members.size()) < opt.min_size) {
      for (std::size_t i : j.members) res.unassigned.push_back(ev[i].item);
      continue;
    }
    Journey out;
    const float n = j.sum.norm();
    out.centroid = j.sum / float(j.members.size());
    std::vector<std::pair<double, ItemId>> sims;
    double coh = 0;
    for (std::size_t i : j.members) {
      out.items.push_back(ev[i].item);
      out.timestamps.push_back(ev[i].timestamp);
      const double s = n > 0 ? double(x[i].dot(j.sum)) / double(n) : 0.0;
      coh += s;
      sims.push_back({s, ev[i].item});
    }
    out.start = out.timestamps.front();
    out.end = out.timestamps.back();
    out.cohesion = coh / double(j.members.size());
    // representatives: most similar first, distinct items, ties by item id
    std::stable_sort(sims.begin(), sims.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (const auto& s : sims) {
      if (int(out.representatives.size()) >= opt.representatives) break;
      if (std::find(out.representatives.begin(), out.representatives.end(), s.second) == out.representatives.end())
        out.representatives.push_back(s.second);
    }
    // dominant attributes: share of items carrying each attribute
    if (!attrs.empty()) {
      std::vector<std::pair<int, int>> counts;  // (attribute, count)
      for (ItemId it : out.items)
        for (int a : attrs[std::size_t(it)]) {
          auto c = std::find_if(counts.begin(), counts.end(), [a](const auto& p) { return p.first == a; });
          if (c == counts.end()) counts.push_back({a, 1});
          else ++c->second;
        }
      std::sort(counts.begin(), counts.end(),
                [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
      for (const auto& c : counts) {
        const double share = double(c.second) / double(out.items.size());
        if (int(out.attributes.size()) >= opt.top_attributes || share < opt.min_attribute_share) break;
        out.attributes.push_back({c.first, share});
      }
    }
    res.journeys.push_back(std::move(out));
  }
  return res;
}

LOWRANK_IMPL_INLINE std::string journey_naming_prompt(const Journey& journey, const std::vector<std::string>& titles,
                                                      const std::vector<std::string>& attribute_names) {
  const auto title = [&](ItemId i) {
    if (i >= 0 && std::size_t(i) < titles.size() && !titles[std::size_t(i)].empty()) return titles[std::size_t(i)];
    return "item " + std::to_string(i);
  };
  const auto days = [](std::int64_t s) { return double(s) / 86400.0; };
  std::ostringstream o;
  o << "The following items form one interest journey of a user: a coherent theme they pursued over time.\n";
  o << "Journey: " << journey.items.size() << " items over " << std::fixed;
  o.precision(1);
  o << days(journey.end - journey.start) << " days.\n";
  if (!journey.attributes.empty()) {
    o << "Dominant attributes: ";
    for (std::size_t k = 0; k < journey.attributes.size(); ++k) {
      const int a = journey.attributes[k].first;
      o << (k ? ", " : "")
        << (a >= 0 && std::size_t(a) < attribute_names.size() ? attribute_names[std::size_t(a)] : "attribute " + std::to_string(a))
        << " (" << int(std::lround(100 * journey.attributes[k].second)) << "%)";
    }
    o << ".\n";
  }
  o << "Most representative items:\n";
  for (ItemId r : journey.representatives) o << "- " << title(r) << "\n";
  std::vector<ItemId> others;
  for (ItemId i : journey.items)
    if (std::find(journey.representatives.begin(), journey.representatives.end(), i) == journey.representatives.end() &&
        std::find(others.begin(), others.end(), i) == others.end())
      others.push_back(i);
  if (!others.empty()) {
    o << "Other items, in the order the user met them:\n";
    const std::size_t shown = std::min<std::size_t>(others.size(), 20);
    for (std::size_t k = 0; k < shown; ++k) o << "- " << title(others[k]) << "\n";
    if (others.size() > shown) o << "- ... and " << (others.size() - shown) << " more\n";
  }
  o << "Name this journey in 2 to 6 words that describe the shared interest (not a single title), "
       "then give one sentence explaining the name. Answer as: Name: <name>\\nReason: <sentence>\n";
  return o.str();
}

LOWRANK_IMPL_INLINE double attribute_purity(const std::vector<std::vector<ItemId>>& segments,
                                            const std::vector<std::vector<int>>& attrs) {
  double num = 0, den = 0;
  for (const auto& s : segments) {
    std::vector<std::pair<int, int>> counts;
    for (ItemId it : s) {
      LOWRANK_CHECK(it >= 0 && std::size_t(it) < attrs.size(), unknown_id, "attribute_purity: item ", it,
                    " has no attribute row (", attrs.size(), " rows)");
      for (int a : attrs[std::size_t(it)]) {
        auto c = std::find_if(counts.begin(), counts.end(), [a](const auto& p) { return p.first == a; });
        if (c == counts.end()) counts.push_back({a, 1});
        else ++c->second;
      }
    }
    int best = 0;
    for (const auto& c : counts) best = std::max(best, c.second);
    num += best;
    den += double(s.size());
  }
  return den > 0 ? num / den : 0.0;
}

LOWRANK_IMPL_INLINE std::vector<std::vector<ItemId>> chunk_history(const std::vector<HistoryEvent>& history,
                                                                   Index segments) {
  std::vector<HistoryEvent> ev(history);
  std::stable_sort(ev.begin(), ev.end(),
                   [](const HistoryEvent& a, const HistoryEvent& b) { return a.timestamp < b.timestamp; });
  const Index n = Index(ev.size());
  std::vector<std::vector<ItemId>> out;
  if (n == 0) return out;
  const Index k = std::clamp<Index>(segments, 1, n);
  const Index base = n / k, extra = n % k;
  Index pos = 0;
  for (Index s = 0; s < k; ++s) {
    const Index len = base + (s < extra ? 1 : 0);
    std::vector<ItemId> seg;
    for (Index i = 0; i < len; ++i) seg.push_back(ev[std::size_t(pos + i)].item);
    pos += len;
    out.push_back(std::move(seg));
  }
  return out;
}

LOWRANK_IMPL_INLINE ItemInfo load_movielens_items(const std::string& path, const IdMap& items) {
  std::ifstream in(path, std::ios::binary);
  LOWRANK_CHECK(in.good(), io, "load_movielens_items: ", path, ": cannot open");
  ItemInfo info;
  info.attribute_names = {"unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
                          "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
                          "Romance", "Sci-Fi", "Thriller", "War", "Western"};
  info.titles.assign(std::size_t(items.size()), std::string());
  info.attributes.assign(std::size_t(items.size()), {});
  std::string line;
  std::int64_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::size_t p = 0;
    for (;;) {
      const std::size_t q = line.find('|', p);
      f.push_back(line.substr(p, q == std::string::npos ? std::string::npos : q - p));
      if (q == std::string::npos) break;
      p = q + 1;
    }
    LOWRANK_CHECK(f.size() >= 5 + 19, parse, path, ":", lineno, ": expected 24 '|'-separated fields, found ", f.size());
    const auto id = items.find(f[0]);
    if (!id) continue;
    info.titles[std::size_t(*id)] = f[1];
    for (int g = 0; g < 19; ++g)
      if (f[std::size_t(5 + g)] == "1") info.attributes[std::size_t(*id)].push_back(g);
  }
  return info;
}

}  // namespace lowrank::rec
