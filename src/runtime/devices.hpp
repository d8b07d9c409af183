// devices: the minimal /dev every container gets (runtime-spec, runtime-linux.md "Default
// Devices"): null, zero, full, random, urandom, tty, the ptmx, fd, stdio and (where the kernel
// has /proc/kcore) core links, /dev/pts and /dev/shm; and before them linux.devices, each node
// made inside the root with its owner and mode. Runs after the config's mounts and before
// pivot_root.
#pragma once

#include "spec/config.hpp"
#include "util/error.hpp"

namespace crunlite::runtime {

Status populate_dev(int root_fd, const spec::Config &config);

} // namespace crunlite::runtime
