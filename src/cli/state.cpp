// `crun-lite state <id>`: the OCI state document, with the status as it is now.
#include <iostream>

#include "cli/commands.hpp"
#include "state/state.hpp"

namespace crunlite::cli {

int state_command(const GlobalOptions &global, const Arguments &args)
{
    cxxopts::Options options("crun-lite state <id>", "Print a container's state as JSON.");
    std::vector<std::string> positional;
    int exit_status = 0;
    if (!parse_flags(options, args, "state", positional, exit_status))
        return exit_status;
    auto id = single_id(positional, "state", exit_status);
    if (!id)
        return exit_status;

    state::StateStore store(global.state_root);
    auto loaded = store.load(*id);
    if (!loaded)
        return report_failure("state", *id, loaded.error());
    std::cout << state::oci_state_json(*loaded, state::live_status(store, *loaded));
    return 0;
}

} // namespace crunlite::cli
