// sysctl: writes linux.sysctl through the container's own /proc.
//
// Validation has allowed only keys that the container's new namespaces isolate, and the writer
// is the container's first process, inside those namespaces: the kernel applies each write to
// them, never to the host.
#pragma once

#include <map>
#include <string>

#include "util/error.hpp"

namespace crunlite::runtime {

// Writes each value to /proc/sys/<key, dots as slashes> resolved inside the root, which must be
// a procfs: a plain file an image put there is refused rather than written.
Status write_sysctls(int root_fd, const std::map<std::string, std::string> &sysctl);

} // namespace crunlite::runtime
