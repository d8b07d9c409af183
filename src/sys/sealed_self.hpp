// Running crun-lite from a sealed in-memory copy of itself.
//
// A process that joins a running container's namespaces is, until it execs, visible to the
// container's processes, which could open /proc/<pid>/exe and write through it to the runtime
// binary on the host (CVE-2019-5736). Run from a memfd sealed against writes, /proc/<pid>/exe
// names only that copy, which nobody can change.
#pragma once

#include "util/error.hpp"

namespace crunlite::sys {

// Re-executes the current program from a sealed memfd copy, with the same argv and environment,
// unless it already runs from one. Returns only on failure, or when already sealed.
Status reexec_from_sealed_copy(char **argv);

} // namespace crunlite::sys
