// The event stream of `crun-lite events` without --stats, as runc prints it: a stats event
// every interval and an oom event whenever the OOM killer acts in the container's memory
// cgroup, until the container's first process has exited.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "state/state.hpp"
#include "util/error.hpp"

namespace crunlite::runtime {

using EventSink = std::function<void(const nlohmann::json &event)>;

Status stream_events(state::StateStore &store, const std::string &id,
                     std::chrono::nanoseconds interval, const EventSink &emit);

} // namespace crunlite::runtime
