#pragma once
/// \file rec.hpp  The recommender API: data → split → model → top-k → metrics → persistence.
#include "lowrank/config.hpp"
#include "lowrank/rec/data.hpp"
#include "lowrank/rec/model.hpp"
#include "lowrank/rec/topk.hpp"
// Each area's header is added below once it exists (keep this list in data-flow order).
#include "lowrank/rec/journeys.hpp"
#include "lowrank/rec/complements.hpp"
#include "lowrank/rec/llm_bridge.hpp"

#if LOWRANK_HEADER_ONLY
#include "lowrank/rec/impl/data_impl.hpp"
#include "lowrank/rec/impl/model_impl.hpp"
#endif
