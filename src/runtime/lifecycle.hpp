// The lifecycle commands on an existing container: start, kill, delete, and the list of its
// processes. Each one that changes the container holds its lock (state/state.hpp), and each
// judges the container by its live status, never by the state file alone.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "spec/config.hpp"
#include "state/state.hpp"
#include "util/error.hpp"

namespace crunlite::runtime {

// Lets a created container's first process exec its program.
Status start_container(state::StateStore &store, const std::string &id);

// The part of start that needs no lock, for `run`, which already holds it.
Status release_first_process(const state::StateStore &store, const state::ContainerState &state);

// Sends `signal` to the container's first process, or with `all` to every process in it.
Status kill_container(state::StateStore &store, const std::string &id, int signal, bool all);

// Removes a stopped or created container; a running one only with `force` (it is killed).
Status delete_container(state::StateStore &store, const std::string &id, bool force);

// Freezes every process of a running container (`paused`), or thaws a paused one.
Status pause_container(state::StateStore &store, const std::string &id);
Status resume_container(state::StateStore &store, const std::string &id);

// Writes new limits into a living container's cgroups. Device rules are rewritten only when
// `resources` has some.
Status update_resources(state::StateStore &store, const std::string &id,
                        const spec::Resources &resources);

// What the container's cgroups have counted (cgroup/stats.hpp), for `events --stats`.
Result<nlohmann::json> container_stats(state::StateStore &store, const std::string &id);

// The container's processes as host pids: those in its cgroup; without one (rootless on v1),
// everything in its pid namespace when it has its own, otherwise its first process and that
// process's descendants.
std::vector<pid_t> container_processes(const state::ContainerState &state);

} // namespace crunlite::runtime
