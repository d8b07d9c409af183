// rootfs: builds the container's filesystem tree inside its own mount namespace.
//
// Runs in the container's first process after clone(CLONE_NEWNS). Every mount made here lives
// only in that namespace and vanishes with it, so a failure or a killed runtime leaks nothing on
// the host. Order: root propagation, the root (overlay or bind), config mounts in order, /dev,
// (then, from init: sysctls, read-only and masked paths), pivot_root, read-only root if asked,
// linux.rootfsPropagation.
#pragma once

#include "runtime/launch.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::runtime {

// Makes every mount in the new namespace a slave of the host's, so nothing made in the
// container propagates back to the host while host unmounts still reach it.
Status isolate_mount_propagation();

// Mounts the container's root at plan.root_dir (overlay of the image, or a bind of root.path)
// and returns an O_PATH fd of it. `layers_fd`: plan.layers.dir, opened in the container's mount
// namespace (overlay mode only).
Result<UniqueFd> mount_root(const LaunchPlan &plan, int layers_fd);

// Mounts config.json's `mounts`, in order, each destination resolved inside the root.
// `cgroup` mounts show the container's own cgroups (plan.cgroup_dirs).
Status mount_config_mounts(int root_fd, const LaunchPlan &plan);

// Makes the root fd the process's `/` and drops the old root entirely.
Status pivot_into(int root_fd);

// --no-pivot, for roots pivot_root cannot take (a ramfs): moves the root mount onto `/` and
// chroots into it. The host's root stays beneath, reachable by a process that can escape a
// chroot, which is why pivot_root is the default.
Status move_root_into(int root_fd);

// Remounts `/` read-only (root.readonly), keeping its other flags.
Status make_root_readonly();

// linux.rootfsPropagation (`private`, `rshared`...) on the container's `/`. Done after
// pivot_root: pivot_root refuses a shared root, and by then the root's parent is gone, so even
// `rshared` only shares among the container's own mounts, never back to the host's.
Status set_root_propagation(const std::string &propagation);

} // namespace crunlite::runtime
