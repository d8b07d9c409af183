// A container's cgroups: one directory per hierarchy, made at create, removed at delete.
//
// Discovery (hierarchy.hpp) happens once per command. Making the directories, writing the
// limits and placing the first process are separate steps, so create can record what it made
// before anything can fail after it. Later commands work from the recorded directories alone.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "cgroup/hierarchy.hpp"
#include "cgroup/path.hpp"
#include "cgroup/resources.hpp"
#include "util/error.hpp"

namespace crunlite::cgroup {

struct Cgroups {
    std::map<std::string, std::string> dirs; // Hierarchy::key -> the container's directory
    // Made for this container (and crun-lite's shared default parent), parents first.
    std::vector<std::string> made;

    bool empty() const { return dirs.empty(); }
    // The directory holding `controller`'s files ("" for the v2 hierarchy), or "".
    std::string dir_of(const std::string &controller) const;
};

// Writes `value` to the cgroup file `path` in one write(2), as the kernel takes it.
Status write_value(const std::string &path, const std::string &value);

// Where each controller lives on `host`, for plan_writes.
Locator locator_for(const Host &host);

// The container's directory in every hierarchy of `host` (nothing is made).
Cgroups plan_directories(const Host &host, const CgroupPath &path);

// The first of the container's directories that exists already and holds a process, in it or
// in a cgroup below it; "" when none does. Joining it would make another container's, or the
// host's, processes the container's own: ps would list them, delete kill them, pause freeze them.
std::string occupied_directory(const Cgroups &cgroups);

// What make_directories would record in `made` if it ran now: create records these before it
// makes any, so that a delete after a create killed half way finds every one.
std::vector<std::string> directories_to_make(const Host &host, const Cgroups &cgroups);

// Makes the directories, recording each in `cgroups.made` as soon as it exists; enables
// `v2_controllers` on the way down the v2 hierarchy. As non-root, a hierarchy that refuses
// (EACCES, a rootless container on v1) is left out with a warning.
Status make_directories(const Host &host, Cgroups &cgroups,
                        const std::vector<std::string> &v2_controllers);

// Writes the planned limits; optional ones the kernel lacks are warned about.
Status apply(const Cgroups &cgroups, const WritePlan &plan);

// Moves `pid` (0: the caller) into every directory.
Status place(const Cgroups &cgroups, pid_t pid);

// The processes in the container's cgroup, as host pids.
std::vector<pid_t> processes(const Cgroups &cgroups);

// Freezes or thaws every process (v1 freezer, or v2 cgroup.freeze); false when neither exists.
Result<bool> set_frozen(const Cgroups &cgroups, bool frozen);

// Whether the freezer holds the cgroup stopped (`paused`).
bool is_frozen(const Cgroups &cgroups);

// Removes what was made, deepest first; a parent another cgroup still uses stays.
Status remove(const Cgroups &cgroups);

} // namespace crunlite::cgroup
