// time_namespace: a new time namespace with linux.timeOffsets.
//
// Offsets can be written only while no process is in the namespace: clone(CLONE_NEWTIME) would
// put the child in at once, too late. So the child unshares instead, which makes a namespace
// for its children only (time_namespaces(7)), writes the offsets into it through
// /proc/self/timens_offsets, and enters it with its execve, which moves a process into that
// namespace (Linux 5.19 and later). The runtime's own setup keeps the host's clocks.
#pragma once

#include "spec/config.hpp"
#include "util/error.hpp"

namespace crunlite::runtime {

// In the child, before its root is built: unshare, then write the offsets. Nothing without a
// new time namespace.
Status make_time_namespace(const spec::Config &config);

} // namespace crunlite::runtime
