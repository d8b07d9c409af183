// Running crun-lite from a binary nobody can write to.
//
// A process that joins a running container's namespaces is, until it execs, visible to the
// container's processes, which could open /proc/<pid>/exe and write through it to the runtime
// binary on the host (CVE-2019-5736). Run from a read-only view of the binary, /proc/<pid>/exe
// names a file on a mount nobody can make writable; where no mount can be made (rootless), from
// a memfd copy sealed against writes.
//
// The view costs a re-exec (about 1 ms of CPU here, most of it the dynamic loader and glibc's
// start-up); the copy adds the copy of the whole binary (about 1 ms more, and the copy's pages
// in memory).
#pragma once

#include "util/error.hpp"

namespace crunlite::sys {

// Re-executes the current program, with the same argv and environment, from the read-only view
// or else a sealed copy, unless it already runs from one of them (or from any read-only mount).
// Returns only on failure, or when already protected.
Status reexec_from_protected_binary(char **argv);

} // namespace crunlite::sys
