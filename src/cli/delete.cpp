// `crun-lite delete [--force] <id>`: removes a stopped or created container; --force kills a
// running one first, and removes the layers directory a container whose state is gone left.
#include "cli/commands.hpp"
#include "runtime/lifecycle.hpp"
#include "runtime/orphan_layers.hpp"

namespace crunlite::cli {

int delete_command(const GlobalOptions &global, const Arguments &args)
{
    cxxopts::Options options("crun-lite delete [--force] <id>", "Delete a container.");
    options.add_options()("f,force", "kill the container first if it is running");
    std::vector<std::string> positional;
    int exit_status = 0;
    auto flags = parse_flags(options, args, "delete", positional, exit_status);
    if (!flags)
        return exit_status;
    auto id = single_id(positional, "delete", exit_status);
    if (!id)
        return exit_status;

    state::StateStore store(global.state_root);
    bool force = flags->count("force") > 0;
    if (auto deleted = runtime::delete_container(store, *id, force); !deleted)
        return report_failure("delete", *id, deleted.error());
    if (!force)
        return 0;
    if (auto removed = runtime::remove_orphan_layers(store, global.data_root, *id); !removed)
        return report_failure("delete", *id, removed.error());
    return 0;
}

} // namespace crunlite::cli
