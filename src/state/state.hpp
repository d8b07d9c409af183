// The state root: one directory per container (`<root>/<id>`).
//
// A container's directory is made with mkdir(2), so claiming an id is atomic: two commands
// racing for one id cannot both win. Every command that changes a container holds flock(2) on
// its directory. A claim makes and locks the directory under an exclusive flock of the root,
// and other commands open a directory under a shared one, so none can lock a container between
// its mkdir and its create's lock: a container still `creating` whose lock is free is what a
// killed create left (`broken`). `state.json` is written to a temporary file and renamed over
// the old one, so a reader never sees half of it. `exec.fifo` exists from create until start:
// the container's first process waits on it (see runtime/init.cpp). `exec.result` is how that
// process tells `start` why it failed after the wait (a startContainer hook): it holds the fifo
// open until its exec, so `start` reads either that message or end-of-file.
//
// The status is never trusted from the file alone: a container whose first process is gone, or
// is a zombie, or whose pid now belongs to another process (the start time differs), is stopped.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::state {

inline constexpr const char *system_state_root = "/run/crun-lite";
inline constexpr const char *exec_fifo_name = "exec.fifo";
inline constexpr const char *exec_result_name = "exec.result";

struct ContainerState {
    std::string oci_version;
    std::string id;
    std::string status; // as last written: creating, created, running, deleting (live_status())
    pid_t pid = 0;
    uint64_t pid_start_time = 0; // field 22 of /proc/<pid>/stat
    std::string bundle;          // absolute
    std::string rootfs;          // absolute host path the container's root was made from
    std::string created;         // RFC 3339
    uid_t owner = 0;
    std::map<std::string, std::string> annotations;

    // crun-lite's own, not part of the OCI state.
    std::string layers_dir; // overlay upper and work dirs; empty without the overlay
    bool has_process = true;
    // Whether config.json has poststart or poststop hooks: start and delete read the config only
    // for them. A state from before these were kept says yes, so its config is read.
    bool has_poststart_hooks = true;
    bool has_poststop_hooks = true;
    bool own_pid_namespace = true;
    // The container's cgroup directory per hierarchy, and those create made (delete removes
    // them, deepest first).
    std::map<std::string, std::string> cgroups;
    std::vector<std::string> cgroups_made;
};

// Holds flock(2) on a container's directory until destroyed.
class ContainerLock {
public:
    ContainerLock() = default;
    explicit ContainerLock(UniqueFd dir) : dir_(std::move(dir)) {}
    int dir_fd() const { return dir_.get(); }

private:
    UniqueFd dir_;
};

class StateStore {
public:
    explicit StateStore(std::string root) : root_(std::move(root)) {}

    const std::string &root() const { return root_; }
    std::string container_dir(const std::string &id) const { return root_ + "/" + id; }

    // Creates the container's directory and locks it; fails if the id is taken.
    Result<ContainerLock> claim(const std::string &id);

    // Locks an existing container; "container `id` does not exist" otherwise.
    Result<ContainerLock> lock(const std::string &id);

    // As lock(), but nothing (and no error) when the container does not exist, or is deleted
    // while this command waits for the lock.
    Result<std::optional<ContainerLock>> lock_if_exists(const std::string &id);

    Result<ContainerState> load(const std::string &id) const;
    Status save(const ContainerState &state);

    // Whether some command holds the container's lock at this moment.
    bool is_locked(const std::string &id) const;

    // Removes the container's directory and everything in it; quiet if it is already gone.
    void release(const std::string &id);

    // Ids of every container directory, sorted.
    std::vector<std::string> ids() const;

private:
    // The container's directory, opened under a shared lock of the root (see above); an invalid
    // fd, errno saying why, when it cannot be.
    UniqueFd open_container_dir(const std::string &id) const;

    std::string root_;
};

// Whether `pid` is still the process that had `start_time`, and not a zombie.
bool process_alive(pid_t pid, uint64_t start_time);

// created, running, paused or stopped, from the process, the exec fifo and the cgroup freezer
// rather than the file; `creating` while a create works on the container, and `broken` when
// the create or the delete (once it marked the container `deleting`) that worked on it was
// killed before it finished: `delete --force` removes what is left.
std::string live_status(const StateStore &store, const ContainerState &state);

// The same for a command that holds the container's lock: no create can be at work then.
std::string live_status(const StateStore &store, const ContainerState &state,
                        const ContainerLock &held);

// The OCI state document (runtime.md "State") with the live status; `owner` empty, as runc's.
nlohmann::json oci_state_document(const ContainerState &state, const std::string &status);

// The same as `state` prints it.
std::string oci_state_json(const ContainerState &state, const std::string &status);

} // namespace crunlite::state
