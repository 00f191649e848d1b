// Compiled part of the recommender core: Interactions, the Recommender base (top-k), loaders, splits,
// metrics, the synthetic data set and the Popularity / ItemKNN / PureSVD models — the non-template
// definitions of rec/impl/*_impl.hpp, built once here (fmt's format.cc role, STYLE C1).
#include "lowrank/rec/impl/data_impl.hpp"
#include "lowrank/rec/impl/model_impl.hpp"
#include "lowrank/rec/impl/io_impl.hpp"
#include "lowrank/rec/impl/split_impl.hpp"
#include "lowrank/rec/impl/synthetic_impl.hpp"
#include "lowrank/rec/impl/metrics_impl.hpp"
#include "lowrank/rec/impl/core_models_impl.hpp"
