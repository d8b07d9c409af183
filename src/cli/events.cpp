// `crun-lite events --stats <id>`: one JSON object with what the container's cgroups have
// counted (CPU time, memory, pids), in the shape runc prints. The event stream runc prints
// without --stats (OOM notices, stats at an interval) is not implemented: refused by name.
#include <iostream>

#include "cli/commands.hpp"
#include "runtime/lifecycle.hpp"

namespace crunlite::cli {

int events_command(const GlobalOptions &global, const Arguments &args)
{
    cxxopts::Options options("crun-lite events --stats <id>",
                             "Print a container's cgroup statistics once, as JSON.");
    options.add_options()("stats", "print the statistics once and exit");
    std::vector<std::string> positional;
    int exit_status = 0;
    auto flags = parse_flags(options, args, "events", positional, exit_status);
    if (!flags)
        return exit_status;
    auto id = single_id(positional, "events", exit_status);
    if (!id)
        return exit_status;
    if (!flags->count("stats"))
        return report_failure("events", *id,
                              Error::message("only --stats is supported; there is no event "
                                             "stream yet"));

    state::StateStore store(global.state_root);
    auto stats = runtime::container_stats(store, *id);
    if (!stats)
        return report_failure("events", *id, stats.error());
    nlohmann::json event = {{"type", "stats"}, {"id", *id}, {"data", *stats}};
    std::cout << event.dump() << "\n";
    return 0;
}

} // namespace crunlite::cli
