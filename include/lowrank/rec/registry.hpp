#pragma once
/// \file rec/registry.hpp  Models by name, with hyper-parameters given as text (the CLI's
/// `--model NAME --param key=value`). Names: popularity, itemknn, puresvd, als, biasedmf, svdpp, ease;
/// parameter names are the options-struct field names (DESIGN "Model options and the CLI contract").
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lowrank/config.hpp"
#include "lowrank/rec/model.hpp"

namespace lowrank::rec {

/// A new, unfitted model. Values are parsed strictly (integers, reals, true/false/1/0).
/// \throws Error(Errc::invalid_argument) for an unknown name, an unknown parameter (the message lists the
///         known ones) or a value that does not parse or is out of range, naming it.
LOWRANK_API std::unique_ptr<Recommender> make_recommender(const std::string& name,
                                                          const std::map<std::string, std::string>& params = {});

/// The names make_recommender knows, in the CLI's order.
LOWRANK_API std::vector<std::string> recommender_names();

/// The parameter names a model accepts (for help texts).
LOWRANK_API std::vector<std::string> recommender_parameters(const std::string& name);

}  // namespace lowrank::rec
