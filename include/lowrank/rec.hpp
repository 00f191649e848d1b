#pragma once
/// \file rec.hpp  The recommender API: data → split → model → top-k → metrics → persistence.
#include "lowrank/config.hpp"
#include "lowrank/rec/data.hpp"
#include "lowrank/rec/model.hpp"
#if __has_include("lowrank/rec/all.hpp")
#include "lowrank/rec/all.hpp"
#endif
