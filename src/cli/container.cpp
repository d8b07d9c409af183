// `crun-lite container`: the quick form. Runs a command in an image in the foreground, as `run`
// does, from a config made on the fly; no config.json is ever written.
//
//   crun-lite container [--images DIR] [-e K=V] [--cwd D] [--hostname H] [--user UID[:GID]]
//                       [--read-only] [--mount SRC:DST[:ro|rw]] [--tty] ID IMAGE [CMD...]
//
// IMAGE names a directory in the images directory (--images, else $CRUN_LITE_IMAGES, else
// ./images): a root filesystem, or a layered image made by tools/image, whose config fills in
// what the flags leave out.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>

#include "cli/commands.hpp"
#include "runtime/run.hpp"
#include "spec/container_config.hpp"
#include "util/log.hpp"

namespace crunlite::cli {
namespace {

// Flags that take a value: everything up to the first other argument is the command's own.
const std::set<std::string> flags_with_value = {"-e", "--env", "--cwd", "--hostname", "--user",
                                                "-u", "--mount", "-v", "--images"};

// Splits args (args[0] is the verb) into crun-lite's flags and ID IMAGE CMD..., so that a
// command's own flags (`sh -c ...`) are never read as crun-lite's.
std::pair<Arguments, std::vector<std::string>> split_at_id(const Arguments &args)
{
    size_t index = 1;
    while (index < args.size()) {
        const std::string &arg = args[index];
        if (arg == "--") {
            Arguments flags(args.begin(), args.begin() + static_cast<long>(index));
            return {flags, {args.begin() + static_cast<long>(index) + 1, args.end()}};
        }
        if (arg.size() < 2 || arg[0] != '-')
            break;
        index += flags_with_value.count(arg) ? 2 : 1;
    }
    index = std::min(index, args.size());
    return {{args.begin(), args.begin() + static_cast<long>(index)},
            {args.begin() + static_cast<long>(index), args.end()}};
}

std::string images_dir(const cxxopts::ParseResult &flags)
{
    if (flags.count("images"))
        return flags["images"].as<std::string>();
    const char *from_env = std::getenv("CRUN_LITE_IMAGES");
    return from_env && *from_env ? from_env : "images";
}

// An image is one directory of the images directory: a name never climbs out of it, and never
// names the layer store or another hidden entry.
Result<std::string> image_dir(const std::string &images, const std::string &name)
{
    if (name.empty() || name.find('/') != std::string::npos || name[0] == '.')
        return Error::message("image: expected a name in `" + images +
                              "`, without `/` or a leading `.`, got `" + name + "`");
    std::error_code error;
    auto dir = std::filesystem::canonical(std::filesystem::absolute(images) / name, error);
    // The images directory by its absolute path: a relative default depends on where the
    // command ran, which is the usual reason an image is not found.
    if (error || !std::filesystem::is_directory(dir))
        return Error::message(
            "image `" + name + "`: no such image in `" +
            std::filesystem::absolute(images).lexically_normal().string() +
            "` (choose the images directory with --images DIR or $CRUN_LITE_IMAGES)");
    return dir.string();
}

Result<spec::ContainerConfigOptions> config_options(const cxxopts::ParseResult &flags,
                                                    const std::string &id,
                                                    const std::string &image,
                                                    std::vector<std::string> command,
                                                    const std::string &working_dir)
{
    spec::ContainerConfigOptions options;
    options.image_dir = TRY(image_dir(images_dir(flags), image));
    options.layered = spec::is_layered_image(options.image_dir);
    if (options.layered)
        options.image = TRY(spec::read_layered_image(options.image_dir)).defaults;
    options.command = std::move(command);
    if (flags.count("env"))
        options.env = flags["env"].as<std::vector<std::string>>();
    if (flags.count("cwd"))
        options.cwd = flags["cwd"].as<std::string>();
    options.hostname = flags.count("hostname") ? flags["hostname"].as<std::string>() : id;
    if (flags.count("user")) {
        auto [uid, gid] = TRY(spec::parse_user_request(flags["user"].as<std::string>()));
        options.uid = uid;
        options.gid = gid;
    }
    options.readonly = flags.count("read-only") > 0;
    options.terminal = flags.count("tty") > 0;
    if (flags.count("mount"))
        for (const auto &text : flags["mount"].as<std::vector<std::string>>())
            options.mounts.push_back(TRY(spec::parse_bind_request(text, working_dir)));
    return options;
}

Result<int> run_quick_container(const GlobalOptions &global, const cxxopts::ParseResult &flags,
                                const std::string &id, const std::string &image,
                                std::vector<std::string> command)
{
    // The bundle directory the state names, and what relative mount sources start from.
    std::string working_dir = std::filesystem::current_path().string();
    auto options = TRY(config_options(flags, id, image, std::move(command), working_dir));
    auto config = TRY(spec::container_config(options));

    spec::ValidateOptions validate;
    validate.process_required = true;
    spec::Bundle bundle = TRY(spec::bundle_from_text(working_dir, config.dump(2), validate));
    for (const auto &warning : bundle.warnings)
        log::warning("container `" + id + "`: " + warning);

    runtime::RunOptions run;
    run.create.id = id;
    run.create.state_root = global.state_root;
    run.create.data_root = global.data_root;
    run.create.systemd_cgroup = global.systemd_cgroup;
    return runtime::run_container(bundle, run);
}

} // namespace

int container_command(const GlobalOptions &global, const Arguments &args)
{
    cxxopts::Options options("crun-lite container",
                             "Run CMD in an image in the foreground, with a config made on the "
                             "fly; everything made goes when it ends.");
    options.custom_help("[options] ID IMAGE [CMD...]");
    options.add_options()
        ("images", "images directory (default: $CRUN_LITE_IMAGES, else ./images)", cxxopts::value<std::string>())
        ("e,env", "set K=V in the environment (repeatable)", cxxopts::value<std::vector<std::string>>())
        ("cwd", "working directory in the container", cxxopts::value<std::string>())
        ("hostname", "hostname (default: the id)", cxxopts::value<std::string>())
        ("u,user", "UID[:GID] to run as", cxxopts::value<std::string>())
        ("read-only", "make the container's root read-only")
        ("v,mount", "bind SRC:DST[:ro|rw] from the host (repeatable)", cxxopts::value<std::vector<std::string>>())
        ("t,tty", "give the command a terminal");

    auto [flag_args, rest] = split_at_id(args);
    std::vector<std::string> positional;
    int exit_status = 0;
    auto flags = parse_flags(options, flag_args, "container", positional, exit_status);
    if (!flags)
        return exit_status;
    if (rest.size() < 2)
        return report_usage("container", "expected an id and an image");
    std::vector<std::string> command(rest.begin() + 2, rest.end());
    auto status = run_quick_container(global, *flags, rest[0], rest[1], std::move(command));
    if (!status)
        return report_failure("container", rest[0], status.error());
    return *status;
}

} // namespace crunlite::cli
