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

// Non-template definitions in rec/impl/*_impl.hpp are compiled once in src/lib/*.cpp, or included
// inline by the umbrella headers in header-only mode (fmt's FMT_HEADER_ONLY pattern).
#if LOWRANK_HEADER_ONLY
#define LOWRANK_IMPL_INLINE inline
#else
#define LOWRANK_IMPL_INLINE
#endif
