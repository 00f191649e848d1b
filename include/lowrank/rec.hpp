#pragma once
/// \file rec.hpp  The recommender API: data → split → model → top-k → metrics → persistence.
#include "lowrank/config.hpp"
#include "lowrank/rec/data.hpp"
#include "lowrank/rec/io.hpp"
#include "lowrank/rec/synthetic.hpp"
#include "lowrank/rec/split.hpp"
#include "lowrank/rec/model.hpp"
#include "lowrank/rec/topk.hpp"
#include "lowrank/rec/models/popularity.hpp"
#include "lowrank/rec/models/item_knn.hpp"
#include "lowrank/rec/models/pure_svd.hpp"
#include "lowrank/rec/metrics.hpp"
#include "lowrank/rec/models/implicit_als.hpp"
#include "lowrank/rec/models/biased_mf.hpp"
#include "lowrank/rec/models/ease.hpp"
#include "lowrank/rec/registry.hpp"
#include "lowrank/rec/persist.hpp"
// Each area's header is added below once it exists (keep this list in data-flow order).
#include "lowrank/rec/journeys.hpp"
#include "lowrank/rec/complements.hpp"
#include "lowrank/rec/llm_bridge.hpp"

#if LOWRANK_HEADER_ONLY
#include "lowrank/rec/impl/data_impl.hpp"
#include "lowrank/rec/impl/model_impl.hpp"
#include "lowrank/rec/impl/io_impl.hpp"
#include "lowrank/rec/impl/split_impl.hpp"
#include "lowrank/rec/impl/synthetic_impl.hpp"
#include "lowrank/rec/impl/metrics_impl.hpp"
#include "lowrank/rec/impl/core_models_impl.hpp"
#include "lowrank/rec/impl/models_impl.hpp"
#include "lowrank/rec/impl/persist_impl.hpp"
#endif
