// scheduling: where and how the container's process runs. process.scheduler (sched_setattr),
// process.ioPriority (ioprio_set), process.execCPUAffinity (sched_setaffinity) and
// linux.memoryPolicy (set_mempolicy). Names were checked by validate; each failure here names
// its field and says what the kernel refused.
#pragma once

#include <sys/types.h>

#include "spec/config.hpp"
#include "util/error.hpp"

namespace crunlite::runtime {

// process.scheduler and process.ioPriority for the calling process, while it still holds the
// runtime's capabilities: real-time policies, a negative nice and the RT I/O class need them.
Status apply_scheduling(const spec::Process &process);

// execCPUAffinity.initial for `pid` (the runtime's child, before it is set up); nothing when
// no initial list is given.
Status apply_initial_cpu_affinity(const spec::Process &process, pid_t pid);

// execCPUAffinity.final for the calling process, just before it execs; without a final list
// but with an initial one, every CPU the process may use (its cpuset) again.
Status apply_final_cpu_affinity(const spec::Process &process);

// linux.memoryPolicy for the calling process; it holds across exec.
Status apply_memory_policy(const spec::Linux &linux_config);

} // namespace crunlite::runtime
