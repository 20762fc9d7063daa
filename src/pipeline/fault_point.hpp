#pragma once
// Fault injection for the tests of what a daemon killed mid-request leaves (tests/faults/):
// a build configured with CEDANA_FAULT_POINTS (the instrumented one, never the release
// binary) SIGKILLs itself on entering or leaving the chain step that the environment's
// CEDANA_FAULT_KILL names, as "enter:<step>" or "leave:<step>" (leave: on the way back,
// once the step's inner steps have succeeded).

#include <string_view>

namespace cedana::pipeline {

#ifdef CEDANA_FAULT_POINTS
void fault_point(std::string_view edge, std::string_view step);
#else
inline void fault_point(std::string_view, std::string_view) {}
#endif

}  // namespace cedana::pipeline
