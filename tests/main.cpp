// Catch2 main for cross builds (Debian's Catch2WithMain is amd64-only).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
