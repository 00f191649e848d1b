#pragma once
/// \file rec/impl/models_impl.hpp  Non-template definitions of ImplicitALS, BiasedMF/SVDpp, EASE and the
/// model registry (compiled once in src/lib/rec_models.cpp, or inline in header-only mode).
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <functional>
#include <cmath>
#include <map>
#include <optional>
#include <string>

#include "lowrank/config.hpp"
#include "lowrank/rec/impl/biased_mf_impl.hpp"
#include "lowrank/rec/impl/ease_impl.hpp"
#include "lowrank/rec/impl/implicit_als_impl.hpp"
#include "lowrank/rec/models/item_knn.hpp"
#include "lowrank/rec/models/popularity.hpp"
#include "lowrank/rec/models/pure_svd.hpp"
#include "lowrank/rec/registry.hpp"

namespace lowrank::rec {
namespace detail {

/// Takes parameters out of a name → text map one by one; `finish` rejects what is left.
class ParamReader {
 public:
  ParamReader(const std::string& model, const std::map<std::string, std::string>& params)
      : m_model(model), m_left(params) {}
  void get(const char* key, int& out) {
    if (auto v = take(key)) {
      char* end = nullptr;
      errno = 0;
      const long x = std::strtol(v->c_str(), &end, 10);
      LOWRANK_CHECK(!v->empty() && *end == '\0' && errno == 0 && x >= -2147483647L && x <= 2147483647L,
                    invalid_argument, "make_recommender: ", m_model, " parameter ", key, " = \"", *v,
                    "\" is not an integer");
      out = int(x);
    }
  }
  void get(const char* key, std::uint64_t& out) {
    if (auto v = take(key)) {
      char* end = nullptr;
      errno = 0;
      const unsigned long long x = std::strtoull(v->c_str(), &end, 10);
      LOWRANK_CHECK(!v->empty() && v->front() != '-' && *end == '\0' && errno == 0, invalid_argument,
                    "make_recommender: ", m_model, " parameter ", key, " = \"", *v,
                    "\" is not a non-negative integer");
      out = std::uint64_t(x);
    }
  }
  void get(const char* key, double& out) {
    if (auto v = take(key)) {
      char* end = nullptr;
      errno = 0;
      const double x = std::strtod(v->c_str(), &end);
      LOWRANK_CHECK(!v->empty() && *end == '\0' && errno == 0 && std::isfinite(x), invalid_argument,
                    "make_recommender: ", m_model, " parameter ", key, " = \"", *v, "\" is not a finite number");
      out = x;
    }
  }
  void get(const char* key, bool& out) {
    if (auto v = take(key)) {
      if (*v == "true" || *v == "1" || *v == "yes" || *v == "on") {
        out = true;
      } else if (*v == "false" || *v == "0" || *v == "no" || *v == "off") {
        out = false;
      } else {
        throw Error(Errc::invalid_argument, "make_recommender: " + m_model + " parameter " + key + " = \"" + *v +
                                                "\" is not a boolean (true/false)");
      }
    }
  }
  void get(const char* key, std::string& out) {
    if (auto v = take(key)) out = *v;
  }
  /// Range check of a value already read.
  template <class T>
  void require(bool ok, const char* key, const T& value, const char* rule) const {
    LOWRANK_CHECK(ok, invalid_argument, "make_recommender: ", m_model, " parameter ", key, " = ", value, " ", rule);
  }
  void finish() const {
    if (m_left.empty()) return;
    std::string known;
    for (const auto& k : m_known) known += (known.empty() ? "" : ", ") + k;
    throw Error(Errc::invalid_argument, "make_recommender: unknown parameter \"" + m_left.begin()->first +
                                            "\" for model " + m_model + " (known: " +
                                            (known.empty() ? std::string("none") : known) + ")");
  }
  const std::vector<std::string>& known() const { return m_known; }

 private:
  std::optional<std::string> take(const char* key) {
    m_known.emplace_back(key);
    auto it = m_left.find(key);
    if (it == m_left.end()) return std::nullopt;
    std::string v = it->second;
    m_left.erase(it);
    return v;
  }
  std::string m_model;
  std::map<std::string, std::string> m_left;
  std::vector<std::string> m_known;
};

inline void read_params(ParamReader& p, ImplicitALSOptions& o) {
  p.get("factors", o.factors);
  p.get("regularization", o.regularization);
  p.get("alpha", o.alpha);
  p.get("iterations", o.iterations);
  p.get("cg_steps", o.cg_steps);
  p.get("use_cholesky", o.use_cholesky);
  p.get("unobserved_weight", o.unobserved_weight);
  p.get("regularization_exponent", o.regularization_exponent);
  p.get("double_precision", o.double_precision);
  p.get("compute_loss", o.compute_loss);
  p.get("seed", o.seed);
  p.require(o.factors >= 1, "factors", o.factors, "must be >= 1");
  p.require(o.regularization >= 0, "regularization", o.regularization, "must be >= 0");
  p.require(o.alpha >= 0, "alpha", o.alpha, "must be >= 0");
  p.require(o.iterations >= 0, "iterations", o.iterations, "must be >= 0");
  p.require(o.cg_steps >= 1, "cg_steps", o.cg_steps, "must be >= 1");
  p.require(o.unobserved_weight > 0, "unobserved_weight", o.unobserved_weight, "must be > 0");
  p.require(o.regularization_exponent >= 0, "regularization_exponent", o.regularization_exponent, "must be >= 0");
}

inline void read_params(ParamReader& p, BiasedMFOptions& o) {
  p.get("factors", o.factors);
  p.get("learning_rate", o.learning_rate);
  p.get("regularization", o.regularization);
  p.get("epochs", o.epochs);
  p.get("bias_regularization", o.bias_regularization);
  p.get("learning_rate_decay", o.learning_rate_decay);
  p.get("init_std", o.init_std);
  p.get("validation_fraction", o.validation_fraction);
  p.get("patience", o.patience);
  p.get("seed", o.seed);
  p.get("solver", o.solver);
  p.get("burn_in", o.burn_in);
  p.get("thinning", o.thinning);
  p.require(is_mf_solver(o.solver), "solver", o.solver, "must be sgd or gibbs");
  p.require(o.burn_in >= 0, "burn_in", o.burn_in, "must be >= 0");
  p.require(o.thinning >= 1, "thinning", o.thinning, "must be >= 1");
  p.require(o.factors >= 1, "factors", o.factors, "must be >= 1");
  p.require(o.learning_rate > 0 && o.learning_rate < 1, "learning_rate", o.learning_rate, "must be in (0, 1)");
  p.require(o.regularization >= 0, "regularization", o.regularization, "must be >= 0");
  p.require(o.epochs >= 0, "epochs", o.epochs, "must be >= 0");
  p.require(o.bias_regularization >= 0, "bias_regularization", o.bias_regularization, "must be >= 0");
  p.require(o.learning_rate_decay > 0 && o.learning_rate_decay <= 1, "learning_rate_decay", o.learning_rate_decay,
            "must be in (0, 1]");
  p.require(o.init_std >= 0, "init_std", o.init_std, "must be >= 0");
  p.require(o.validation_fraction >= 0 && o.validation_fraction < 1, "validation_fraction", o.validation_fraction,
            "must be in [0, 1)");
  p.require(o.patience >= 1, "patience", o.patience, "must be >= 1");
}

inline void read_params(ParamReader& p, EASEOptions& o) {
  p.get("lambda", o.lambda);
  p.get("memory_budget", o.memory_budget);
  p.get("double_precision", o.double_precision);
  p.get("binarize", o.binarize);
  p.require(o.lambda > 0, "lambda", o.lambda, "must be > 0");
}

inline void read_params(ParamReader& p, ItemKNNOptions& o) {
  p.get("neighbors", o.neighbors);
  p.get("shrinkage", o.shrinkage);
  std::string w = o.weighting == Weighting::bm25 ? "bm25" : o.weighting == Weighting::tfidf ? "tfidf" : "none";
  p.get("weighting", w);
  p.get("binarize", o.binarize);
  p.require(o.neighbors >= 1, "neighbors", o.neighbors, "must be >= 1");
  p.require(o.shrinkage >= 0, "shrinkage", o.shrinkage, "must be >= 0");
  p.require(w == "none" || w == "bm25" || w == "tfidf", "weighting", w, "must be none, bm25 or tfidf");
  o.weighting = w == "bm25" ? Weighting::bm25 : w == "tfidf" ? Weighting::tfidf : Weighting::none;
}

inline void read_params(ParamReader& p, PureSVDOptions& o) {
  p.get("factors", o.factors);
  p.get("solver", o.solver);
  p.get("seed", o.seed);
  p.get("binarize", o.binarize);
  int gram_max = int(o.gram_max_items);
  p.get("gram_max_items", gram_max);
  o.gram_max_items = gram_max;
  p.require(o.factors >= 1, "factors", o.factors, "must be >= 1");
  p.require(o.solver == "randomized" || o.solver == "lanczos" || o.solver == "gram", "solver", o.solver,
            "must be randomized, lanczos or gram");
}

}  // namespace detail

LOWRANK_IMPL_INLINE std::unique_ptr<Recommender> make_recommender(const std::string& name,
                                                                  const std::map<std::string, std::string>& params) {
  detail::ParamReader p(name, params);
  std::unique_ptr<Recommender> model;
  if (name == "popularity") {
    model = std::make_unique<Popularity>();
  } else if (name == "itemknn") {
    ItemKNNOptions o;
    detail::read_params(p, o);
    model = std::make_unique<ItemKNN>(o);
  } else if (name == "puresvd") {
    PureSVDOptions o;
    detail::read_params(p, o);
    model = std::make_unique<PureSVD>(o);
  } else if (name == "als") {
    ImplicitALSOptions o;
    detail::read_params(p, o);
    model = std::make_unique<ImplicitALS>(o);
  } else if (name == "biasedmf") {
    // solver=gibbs starts from BiasedMF::gibbs_options() (8 factors, 40 sweeps), not the SGD sizes
    const auto solver = params.find("solver");
    BiasedMFOptions o = solver != params.end() && solver->second == "gibbs" ? BiasedMF::gibbs_options() : BiasedMFOptions{};
    detail::read_params(p, o);
    model = std::make_unique<BiasedMF>(o);
  } else if (name == "svdpp") {
    // solver=sgd starts from SVD++'s SGD defaults (64 factors, 40 epochs), not the Gibbs ones
    const auto solver = params.find("solver");
    BiasedMFOptions o = solver != params.end() && solver->second == "sgd" ? SVDpp::sgd_options() : SVDpp::default_options();
    detail::read_params(p, o);
    model = std::make_unique<SVDpp>(o);
  } else if (name == "ease") {
    EASEOptions o;
    detail::read_params(p, o);
    model = std::make_unique<EASE>(o);
  } else {
    std::string known;
    for (const auto& n : recommender_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error(Errc::invalid_argument, "make_recommender: unknown model \"" + name + "\" (known: " + known + ")");
  }
  p.finish();
  return model;
}

LOWRANK_IMPL_INLINE std::vector<std::string> recommender_names() {
  return {"popularity", "itemknn", "puresvd", "als", "biasedmf", "svdpp", "ease"};
}

LOWRANK_IMPL_INLINE std::vector<std::string> recommender_parameters(const std::string& name) {
  detail::ParamReader p(name, {});
  if (name == "itemknn") {
    ItemKNNOptions o;
    detail::read_params(p, o);
  } else if (name == "puresvd") {
    PureSVDOptions o;
    detail::read_params(p, o);
  } else if (name == "als") {
    ImplicitALSOptions o;
    detail::read_params(p, o);
  } else if (name == "biasedmf" || name == "svdpp") {
    BiasedMFOptions o;
    detail::read_params(p, o);
  } else if (name == "ease") {
    EASEOptions o;
    detail::read_params(p, o);
  } else {
    make_recommender(name, {});  // throws for unknown names; known ones without parameters
  }
  return p.known();
}

}  // namespace lowrank::rec
