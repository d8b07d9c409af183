// protected_paths: linux.readonlyPaths and linux.maskedPaths, applied to the container's tree.
//
// Runs in the container's first process after its mounts and /dev are in place, before
// pivot_root. Every path is resolved inside the root (openat2 RESOLVE_IN_ROOT), so a symlink in
// the image cannot aim a mount at the host; a path missing from this image or kernel is skipped.
#pragma once

#include <string>
#include <vector>

#include "util/error.hpp"

namespace crunlite::runtime {

// Binds each path onto itself and makes the new mount, and every mount below it, read-only.
// Its other flags (nosuid, nodev, noexec) stay as they were.
Status make_paths_readonly(int root_fd, const std::vector<std::string> &paths);

// Hides each path: a directory under an empty read-only tmpfs, anything else under /dev/null.
Status mask_paths(int root_fd, const std::vector<std::string> &paths);

} // namespace crunlite::runtime
