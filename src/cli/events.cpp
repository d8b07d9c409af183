// `crun-lite events [--stats] [--interval D] <id>`: with --stats, one JSON object with what the
// container's cgroups have counted (CPU time, memory, pids), in the shape runc prints. Without,
// runc's stream: that object as a `stats` event every --interval (a Go duration, default 5s)
// and an `oom` event when the OOM killer acts in the container, one JSON object per line,
// until the container stops; then it exits 0.
#include <iostream>

#include "cli/commands.hpp"
#include "runtime/events.hpp"
#include "runtime/lifecycle.hpp"
#include "util/time.hpp"

namespace crunlite::cli {
namespace {

void print_event(const nlohmann::json &event) { std::cout << event.dump() << std::endl; }

} // namespace

int events_command(const GlobalOptions &global, const Arguments &args)
{
    cxxopts::Options options("crun-lite events [--stats] [--interval D] <id>",
                             "Print a container's cgroup statistics and OOM events as JSON.");
    options.add_options()("stats", "print the statistics once and exit")(
        "interval", "time between two stats events (5s, 500ms, 1m)",
        cxxopts::value<std::string>()->default_value("5s"));
    std::vector<std::string> positional;
    int exit_status = 0;
    auto flags = parse_flags(options, args, "events", positional, exit_status);
    if (!flags)
        return exit_status;
    auto id = single_id(positional, "events", exit_status);
    if (!id)
        return exit_status;
    std::string interval_text = (*flags)["interval"].as<std::string>();
    auto interval = parse_go_duration(interval_text);
    if (!interval)
        return report_failure("events", *id,
                              Error::message("--interval: expected a positive duration such as "
                                             "`5s` or `500ms`, got `" + interval_text + "`"));

    state::StateStore store(global.state_root);
    if (!flags->count("stats")) {
        if (auto streamed = runtime::stream_events(store, *id, *interval, print_event); !streamed)
            return report_failure("events", *id, streamed.error());
        return 0;
    }
    auto stats = runtime::container_stats(store, *id);
    if (!stats)
        return report_failure("events", *id, stats.error());
    print_event({{"type", "stats"}, {"id", *id}, {"data", *stats}});
    return 0;
}

} // namespace crunlite::cli
