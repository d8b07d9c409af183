// What a container's cgroups have counted so far: CPU time, memory and pids, for
// `crun-lite events --stats`. Read from the v1 controller files where the controller is on a v1
// hierarchy, from the cgroup2 files otherwise; a figure the host does not keep is left out.
#pragma once

#include <nlohmann/json.hpp>

#include "cgroup/manager.hpp"

namespace crunlite::cgroup {

// {"cpu": {"usage": {"total", "percpu", "kernel", "user"}}, "memory": {"usage": {"usage",
// "max", "limit", "failcnt"}, "raw": {...}}, "pids": {"current", "limit"}}: the shape runc's
// `events --stats` prints, with nanoseconds for CPU time and bytes for memory. A limit of 0
// means none.
nlohmann::json read_stats(const Cgroups &cgroups);

} // namespace crunlite::cgroup
