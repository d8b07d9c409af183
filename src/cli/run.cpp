// `crun-lite run`: create and start in one; in the foreground unless --detach.
//
//   crun-lite run <bundle-dir>                 the short form: the id is made up
//   crun-lite run [--bundle DIR] <id>          the OCI form: the bundle defaults to `.`
//
// One rule tells them apart: without --bundle, an argument holding a `/`, or `.` or `..`, is a
// bundle directory (ids can hold neither); anything else is an id.
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "runtime/run.hpp"
#include "state/container_id.hpp"

namespace crunlite::cli {
namespace {

// The directory's real path, so `.` and `..` are named after what they are; the path itself
// when it cannot be resolved (the bundle check reports that).
std::string real_path(const std::string &path)
{
    char buffer[PATH_MAX];
    return ::realpath(path.c_str(), buffer) ? buffer : path;
}

bool names_bundle_dir(const std::string &argument)
{
    return argument.find('/') != std::string::npos || argument == "." || argument == "..";
}

constexpr const char *forms_help =
    "\nWithout --bundle, an argument holding `/` (or `.`, `..`) is a bundle directory and the id "
    "is made up;\nanything else is an id and the bundle is the current directory.\n";

} // namespace

int run_command(const GlobalOptions &global, const Arguments &args)
{
    cxxopts::Options options("crun-lite run", "Run a container: create and start in one.");
    options.custom_help("[--bundle DIR] [--detach] [--pid-file FILE] <id> | "
                        "crun-lite run <bundle-dir>");
    add_container_flags(options);
    options.add_options()("d,detach", "start the container and return; do not wait for it");
    std::vector<std::string> positional;
    int exit_status = 0;
    auto flags = parse_flags(options, args, "run", positional, exit_status);
    if (!flags) {
        if (exit_status == 0)
            std::cout << forms_help;
        return exit_status;
    }
    if (positional.size() != 1)
        return report_usage("run", "expected one container id or bundle directory");

    const std::string &target = positional[0];
    bool short_form = !flags->count("bundle") && names_bundle_dir(target);
    std::string bundle_dir = short_form              ? target
                             : flags->count("bundle") ? (*flags)["bundle"].as<std::string>()
                                                      : ".";
    std::string id = short_form ? state::generated_container_id(real_path(target)) : target;
    // The short form's user named a bundle, not an id: errors name what they typed.
    std::string shown = short_form ? target : id;

    auto request = container_request(global, *flags, id, bundle_dir, "run", true);
    if (!request)
        return report_failure("run", shown, request.error());

    runtime::RunOptions run{request->create, request->pid_file, flags->count("detach") > 0};
    auto status = runtime::run_container(request->bundle, run);
    if (!status)
        return report_failure("run", shown, status.error());
    return *status;
}

} // namespace crunlite::cli
