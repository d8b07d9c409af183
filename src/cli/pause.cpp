// `crun-lite pause <id>` and `crun-lite resume <id>`: freeze every process of a running
// container through its cgroup (state shows `paused`), and thaw it again.
#include "cli/commands.hpp"
#include "runtime/lifecycle.hpp"

namespace crunlite::cli {
namespace {

int freezer_command(const GlobalOptions &global, const Arguments &args, const std::string &verb,
                    Status (*act)(state::StateStore &, const std::string &))
{
    cxxopts::Options options("crun-lite " + verb + " <id>",
                             verb == "pause" ? "Freeze every process of a running container."
                                             : "Thaw a paused container.");
    std::vector<std::string> positional;
    int exit_status = 0;
    if (!parse_flags(options, args, verb, positional, exit_status))
        return exit_status;
    auto id = single_id(positional, verb, exit_status);
    if (!id)
        return exit_status;

    state::StateStore store(global.state_root);
    if (auto done = act(store, *id); !done)
        return report_failure(verb, *id, done.error());
    return 0;
}

} // namespace

int pause_command(const GlobalOptions &global, const Arguments &args)
{
    return freezer_command(global, args, "pause", runtime::pause_container);
}

int resume_command(const GlobalOptions &global, const Arguments &args)
{
    return freezer_command(global, args, "resume", runtime::resume_container);
}

} // namespace crunlite::cli
