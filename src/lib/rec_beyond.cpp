// Compiled part of the "beyond top-k" recommenders: interest journeys, coherent complements and the
// LLM re-ranking bridge (non-template definitions of rec/impl/{journeys,complements,llm_bridge}_impl.hpp,
// built once here; fmt's format.cc role, STYLE C1).
#include "lowrank/rec/impl/journeys_impl.hpp"
#include "lowrank/rec/impl/complements_impl.hpp"
#include "lowrank/rec/impl/llm_bridge_impl.hpp"
