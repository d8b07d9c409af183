// `crun-lite start <id>`: the created container's process runs its program. Prints nothing.
#include "cli/commands.hpp"
#include "runtime/lifecycle.hpp"

namespace crunlite::cli {

int start_command(const GlobalOptions &global, const Arguments &args)
{
    cxxopts::Options options("crun-lite start <id>", "Start a created container.");
    std::vector<std::string> positional;
    int exit_status = 0;
    if (!parse_flags(options, args, "start", positional, exit_status))
        return exit_status;
    auto id = single_id(positional, "start", exit_status);
    if (!id)
        return exit_status;

    state::StateStore store(global.state_root);
    if (auto started = runtime::start_container(store, *id); !started)
        return report_failure("start", *id, started.error());
    return 0;
}

} // namespace crunlite::cli
