// Compiled part of the recommender models (ImplicitALS, BiasedMF/SVDpp, EASE), the registry and
// persistence: the non-template definitions of rec/impl/{models,persist}_impl.hpp, built once here
// (fmt's format.cc role, STYLE C1).
#include "lowrank/rec/impl/models_impl.hpp"
#include "lowrank/rec/impl/persist_impl.hpp"
