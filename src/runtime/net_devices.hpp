// net_devices: linux.netDevices, host network interfaces moved into the container's new
// network namespace (renamed when asked), by the runtime from outside, before the process
// proceeds. When the namespace goes, the kernel hands a physical interface back to the host's
// namespace and deletes a virtual one.
#pragma once

#include <sys/types.h>

#include "spec/config.hpp"
#include "util/error.hpp"

namespace crunlite::runtime {

// Moves each interface into the network namespace of `pid`, in one netlink request apiece.
Status move_net_devices(const spec::Linux &linux_config, pid_t pid);

} // namespace crunlite::runtime
