// `crun-lite state <id>`: the OCI state document, with the status as it is now; an error for
// a broken container (state/state.hpp).
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
    std::string status = state::live_status(store, *loaded);
    // No OCI status fits the remains of a killed command, and a made-up one would mislead.
    if (status == "broken")
        return report_failure("state", *id,
                              Error::message("the container is broken: the command that was "
                                             "making or deleting it was killed; `delete --force` "
                                             "removes what it left"));
    std::cout << state::oci_state_json(*loaded, status);
    return 0;
}

} // namespace crunlite::cli
