// `crun-lite create [--bundle DIR] [--pid-file F] ... <id>`, and the spec's `create <id> <bundle>`:
// everything in config.json is applied but the user's program, which waits for `start`.
// Nothing of crun-lite stays running: the container's first process is left to whoever reaps it.
#include "cli/commands.hpp"

namespace crunlite::cli {

int create_command(const GlobalOptions &global, const Arguments &args)
{
    cxxopts::Options options("crun-lite create [--bundle DIR] <id>",
                             "Create a container; `start` runs its program.");
    add_container_flags(options);
    std::vector<std::string> positional;
    int exit_status = 0;
    auto flags = parse_flags(options, args, "create", positional, exit_status);
    if (!flags)
        return exit_status;
    if (positional.empty() || positional.size() > 2 ||
        (positional.size() == 2 && flags->count("bundle")))
        return report_usage("create", "expected an id, and the bundle by --bundle or after it");

    const std::string &id = positional[0];
    std::string bundle_dir = positional.size() == 2  ? positional[1]
                             : flags->count("bundle") ? (*flags)["bundle"].as<std::string>()
                                                      : ".";
    auto request = container_request(global, *flags, id, bundle_dir, "create", false);
    if (!request)
        return report_failure("create", id, request.error());

    auto container = runtime::NewContainer::create(request->bundle, request->create);
    if (!container)
        return report_failure("create", id, container.error());
    if (auto written = runtime::write_pid_file(request->pid_file, (*container)->pid()); !written)
        return report_failure("create", id, written.error());
    (*container)->keep();
    return 0;
}

} // namespace crunlite::cli
