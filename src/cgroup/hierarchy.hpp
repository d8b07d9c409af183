// The host's cgroup hierarchies, found once per command from /proc/self/mountinfo,
// /proc/cgroups and /proc/self/cgroup.
//
// A host may be pure v1 (one mount per controller or group of controllers), pure v2 (one
// cgroup2 mount) or hybrid (v1 controllers plus a cgroup2 mount, commonly at
// /sys/fs/cgroup/unified, holding whichever controllers no v1 hierarchy took). A controller
// lives on the v1 hierarchy that carries it, otherwise on the v2 one if that lists it in
// cgroup.controllers, otherwise nowhere: its limits are then warned about and skipped.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace crunlite::cgroup {

struct Hierarchy {
    std::string key;         // "memory", "cpu,cpuacct", "name=systemd"; "unified" for cgroup2
    std::string mount_point; // where this process sees the hierarchy's root
    bool unified = false;
    std::vector<std::string> controllers; // v1: what the mount carries; v2: cgroup.controllers
    std::string own_path;                 // this process's cgroup in it, "/" when unknown

    bool carries(const std::string &controller) const;
};

class Host {
public:
    // One read each of mountinfo, /proc/cgroups, /proc/self/cgroup and the v2 root's
    // cgroup.controllers.
    static Result<Host> discover();

    // The same from the texts, for tests; `v2_controllers` is the cgroup2 root's
    // cgroup.controllers.
    static Host from_texts(const std::string &mountinfo, const std::string &proc_cgroups,
                           const std::string &self_cgroup, const std::string &v2_controllers);

    const std::vector<Hierarchy> &hierarchies() const { return hierarchies_; }

    // The hierarchy that holds `controller` (v1 first), or nullptr.
    const Hierarchy *find(const std::string &controller) const;
    const Hierarchy *unified() const;
    bool has_v1() const;

private:
    std::vector<Hierarchy> hierarchies_;
};

} // namespace crunlite::cgroup
