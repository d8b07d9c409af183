// What the runtime decides before it clones the container's first process, shared by the
// parent (run.cpp) and the child (init.cpp). The child is a clone of the parent, so it reads
// the plan from its copy of memory; nothing is serialised.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/seccomp.hpp"
#include "spec/bundle.hpp"
#include "state/state.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::runtime {

// An existing namespace named by `linux.namespaces[].path`, opened by the parent before clone.
struct NamespaceJoin {
    spec::NamespaceType type;
    int clone_flag; // CLONE_NEW*
    UniqueFd fd;
};

struct OverlayLayers {
    std::string dir;   // <data_root>/<id>: holds upper, work and rootfs, the mount point
    std::string lower; // the image: never written
    // A layered image's layer directories, top first (overlayfs's order); empty for a plain
    // image, whose one lower dir is `lower`.
    std::vector<std::string> lowers;
    std::string upper; // this container's writes
    std::string work;  // overlayfs's scratch dir, on the same filesystem as upper
};

struct LaunchPlan {
    std::string id;
    const spec::Bundle *bundle = nullptr;
    // The state as recorded before the clone (its pid not yet known), for the hooks' stdin.
    const state::ContainerState *state = nullptr;

    // The host directory that becomes the container's `/`: the overlay's mount point in overlay
    // mode, otherwise root.path itself.
    std::string root_dir;
    bool overlay = false;
    OverlayLayers layers; // only in overlay mode
    // With a user namespace whose ids do not cover the image's owner: the image, detached, its
    // owners shown as the container's mapping gives them (the overlay's lower layer).
    UniqueFd idmapped_image;
    // Per config mount: a detached idmapped copy of its source, or no fd.
    std::vector<UniqueFd> idmapped_mounts;

    uint64_t clone_flags = 0;            // CLONE_NEW* for the namespaces to create
    std::vector<NamespaceJoin> joins;    // namespaces to enter, pid already entered by the parent
    bool new_cgroup_namespace = false;   // unshared once placed in the container's cgroups
    std::map<std::string, std::string> cgroup_dirs; // by hierarchy, for `cgroup` mounts
    // The runtime, as a pidfd: the child dies with it until the container is made, and for good
    // in the foreground (`run` without --detach).
    int runtime_pidfd = -1;
    bool foreground = false;
    int exec_fifo_fd = -1;               // read-write end of the exec fifo; a byte means start
    int exec_result_fd = -1;             // read-write end of exec.result: a failure after start
    int namespace_listener_fd = -1;      // rootless: where exec asks for the namespaces
    bool no_pivot = false;               // MS_MOVE and chroot instead of pivot_root
    std::vector<int> passed_fds;         // fds above 2 that stay open across the exec
    std::vector<int> parent_only_fds;    // the runtime's, closed first thing in the child
    std::optional<SeccompProgram> seccomp; // linux.seccomp, compiled; absent without one
};

// The child's side: sets up the container per `plan`, reports ready over `channel`, waits for
// a byte on the exec fifo (start) and execs process.args. Never returns.
[[noreturn]] void container_init(const LaunchPlan &plan, class SyncChannel &channel);

} // namespace crunlite::runtime
