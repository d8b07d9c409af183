#include "runtime/events.hpp"

#include <poll.h>

#include "cgroup/oom.hpp"
#include "cgroup/stats.hpp"
#include "sys/process.hpp"

namespace crunlite::runtime {
namespace {

using Clock = std::chrono::steady_clock;

int milliseconds_until(Clock::time_point when)
{
    auto left = std::chrono::ceil<std::chrono::milliseconds>(when - Clock::now()).count();
    return static_cast<int>(std::clamp<int64_t>(left, 0, 24 * 3600 * 1000));
}

} // namespace

Status stream_events(state::StateStore &store, const std::string &id,
                     std::chrono::nanoseconds interval, const EventSink &emit)
{
    auto state = TRY(store.load(id));
    if (state.cgroups.empty())
        return Error::message("the container has no cgroups to watch");
    UniqueFd first = sys::open_pidfd(state.pid);
    if (!first || !state::process_alive(state.pid, state.pid_start_time))
        return Error::message("container not running");
    cgroup::Cgroups cgroups{state.cgroups, state.cgroups_made};
    auto oom = TRY(cgroup::OomWatch::open(cgroups));
    auto report_oom = [&] {
        if (oom.take())
            emit({{"type", "oom"}, {"id", id}});
    };

    auto next_stats = Clock::now() + interval;
    while (true) {
        pollfd entries[2] = {{first.get(), POLLIN, 0}, oom.poll_entry()};
        int ready = ::poll(entries, 2, milliseconds_until(next_stats));
        if (ready < 0 && errno != EINTR)
            return Error::from_errno("wait for the container's events");
        if (entries[1].revents)
            report_oom();
        // The OOM notice may trail the kill it reports: asked once more before leaving.
        if (entries[0].revents) {
            report_oom();
            return Ok{};
        }
        if (Clock::now() >= next_stats) {
            emit({{"type", "stats"}, {"id", id}, {"data", cgroup::read_stats(cgroups)}});
            next_stats += interval;
        }
    }
}

} // namespace crunlite::runtime
