// Notice of the OOM killer acting in a container's memory cgroup, for `events`: on v1 an
// eventfd registered through cgroup.event_control for memory.oom_control; on v2 the
// `oom_kill` count of memory.events, which the kernel flags with POLLPRI when it changes.
#pragma once

#include <poll.h>

#include <cstdint>
#include <string>

#include "cgroup/manager.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::cgroup {

class OomWatch {
public:
    // Watches nothing (fd() is -1) when the container has no memory cgroup.
    static Result<OomWatch> open(const Cgroups &cgroups);

    // For poll(2).
    pollfd poll_entry() const { return {fd_.get(), static_cast<short>(v2_ ? POLLPRI : POLLIN), 0}; }

    // Whether the OOM killer has acted since the last call; never blocks.
    bool take();

private:
    UniqueFd fd_;
    bool v2_ = false;
    std::string memory_dir_;
    uint64_t kills_seen_ = 0;
};

} // namespace crunlite::cgroup
