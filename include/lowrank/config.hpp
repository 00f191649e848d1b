#pragma once
/// \file config.hpp  Build configuration: header-only mode, OpenMP, symbol visibility.
#include "lowrank/version.hpp"

// LOWRANK_HEADER_ONLY=1: kernels.hpp forwards to the scalar reference kernels (no compiled library).
#ifndef LOWRANK_HEADER_ONLY
#define LOWRANK_HEADER_ONLY 0
#endif

#if defined(_OPENMP)
#define LOWRANK_HAS_OPENMP 1
#else
#define LOWRANK_HAS_OPENMP 0
#endif

#if defined(_WIN32) && defined(LOWRANK_SHARED)
#define LOWRANK_API __declspec(dllexport)
#elif defined(__GNUC__)
#define LOWRANK_API __attribute__((visibility("default")))
#else
#define LOWRANK_API
#endif
