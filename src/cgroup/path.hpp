// Where a container's cgroup goes: linux.cgroupsPath turned into a path in each hierarchy.
//
//   absent        /crun-lite/<id>, from each hierarchy's root
//   "/a/b"        /a/b, from each hierarchy's root
//   "a/b"         a/b below the runtime's own cgroup in each hierarchy, as runc does
//   with --systemd-cgroup, "slice:prefix:name" (absent: "system.slice:crun-lite:<id>"):
//                 /<slice expanded>/<prefix>-<name>.scope, the path systemd would give the
//                 unit; `a-b.slice` expands to a.slice/a-b.slice, and a name ending in .slice
//                 is used as it is. crun-lite makes the directories itself: no systemd runs.
#pragma once

#include <string>

#include "cgroup/hierarchy.hpp"
#include "util/error.hpp"

namespace crunlite::cgroup {

inline constexpr const char *default_parent = "/crun-lite";

struct CgroupPath {
    std::string path;      // normalised, without a trailing `/`
    bool relative = false; // below the runtime's own cgroup
};

Result<CgroupPath> resolve_cgroups_path(const std::string &cgroups_path, const std::string &id,
                                        bool systemd);

// "a-b.slice" -> "/a.slice/a-b.slice"; "-.slice" -> "".
Result<std::string> expand_slice(const std::string &slice);

// The container's directory in `hierarchy`.
std::string directory_in(const Hierarchy &hierarchy, const CgroupPath &path);

} // namespace crunlite::cgroup
