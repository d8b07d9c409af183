// `crun-lite run`: a container in the foreground.
//
//   crun-lite run <bundle-dir>                 the short form: the id is made up
//   crun-lite run [--bundle DIR] <id>          the OCI form: the bundle defaults to `.`
//
// One rule tells them apart: without --bundle, an argument holding a `/`, or `.` or `..`, is a
// bundle directory (ids can hold neither); anything else is an id.
#include <unistd.h>

#include <climits>
#include <cxxopts.hpp>
#include <iostream>

#include "cli/commands.hpp"
#include "runtime/run.hpp"
#include "spec/bundle.hpp"
#include "state/container_id.hpp"
#include "util/log.hpp"

namespace crunlite::cli {
namespace {

std::string cwd()
{
    char buffer[PATH_MAX];
    return ::getcwd(buffer, sizeof buffer) ? buffer : "/";
}

bool names_bundle_dir(const std::string &argument)
{
    return argument.find('/') != std::string::npos || argument == "." || argument == "..";
}

cxxopts::Options run_options()
{
    cxxopts::Options options("crun-lite run", "Run a container in the foreground.");
    options.custom_help("[--bundle DIR] [--pid-file FILE] <id> | crun-lite run <bundle-dir>");
    options.positional_help("");
    options.add_options()
        ("b,bundle", "bundle directory (default: the current directory)", cxxopts::value<std::string>())
        ("pid-file", "write the container process's pid to FILE", cxxopts::value<std::string>())
        ("h,help", "show this help")
        ("target", "container id or bundle directory", cxxopts::value<std::vector<std::string>>());
    options.parse_positional({"target"});
    return options;
}

} // namespace

int run_command(const GlobalOptions &global, const Arguments &args)
{
    auto options = run_options();
    cxxopts::ParseResult flags;
    try {
        ArgvView view(args);
        flags = options.parse(view.argc(), view.argv());
    } catch (const cxxopts::exceptions::exception &problem) {
        return report_usage("run", problem.what());
    }
    if (flags.count("help")) {
        std::cout << options.help() << "\nWithout --bundle, an argument holding `/` (or `.`, "
                     "`..`) is a bundle directory and the id is made up;\nanything else is an id "
                     "and the bundle is the current directory.\n";
        return 0;
    }

    auto targets = flags.count("target") ? flags["target"].as<std::vector<std::string>>()
                                         : std::vector<std::string>{};
    if (targets.size() != 1)
        return report_usage("run", "expected one container id or bundle directory");

    std::string target = targets[0];
    bool short_form = !flags.count("bundle") && names_bundle_dir(target);
    std::string bundle_dir = short_form            ? target
                             : flags.count("bundle") ? flags["bundle"].as<std::string>()
                                                    : ".";
    std::string id = short_form ? state::generated_container_id(spec::absolute_path(cwd(), target))
                                : target;
    // The short form's user named a bundle, not an id: errors name what they typed.
    std::string shown = short_form ? target : id;

    if (auto valid = state::check_container_id(id); !valid)
        return report_failure("run", shown, valid.error());

    auto bundle = spec::load_bundle(bundle_dir, {});
    if (!bundle)
        return report_failure("run", shown, bundle.error());
    for (const auto &warning : bundle->warnings)
        log::warning("run `" + shown + "`: " + warning);

    runtime::RunOptions run;
    run.id = id;
    run.state_root = global.state_root;
    run.data_root = global.data_root;
    run.pid_file = flags.count("pid-file") ? flags["pid-file"].as<std::string>() : "";
    auto status = runtime::run_container(*bundle, run);
    if (!status)
        return report_failure("run", shown, status.error());
    return *status;
}

} // namespace crunlite::cli
