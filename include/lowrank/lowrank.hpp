#pragma once
/// \file lowrank.hpp  Umbrella header: every SVD solver and the recommender API.
#include "lowrank/version.hpp"
#include "lowrank/kernels.hpp"
#include "lowrank/svd.hpp"
#include "lowrank/rec.hpp"
