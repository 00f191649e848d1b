#pragma once
/// \file version.hpp  lowrank's version; CMake parses these three lines.
#define LOWRANK_VERSION_MAJOR 0
#define LOWRANK_VERSION_MINOR 1
#define LOWRANK_VERSION_PATCH 0
#define LOWRANK_VERSION_STRING "0.1.0"
