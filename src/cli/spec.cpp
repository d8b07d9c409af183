// `crun-lite spec`: writes a default config.json into a bundle directory, never over one.
#include <fcntl.h>
#include <unistd.h>

#include <cxxopts.hpp>
#include <iostream>

#include "cli/commands.hpp"
#include "spec/generate.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::cli {
namespace {

Status write_new_file(const std::string &path, const std::string &content)
{
    // O_EXCL: an existing config is the user's work and is never replaced.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd && errno == EEXIST)
        return Error::message("`" + path + "` already exists");
    if (!fd)
        return Error::from_errno("create `" + path + "`");
    if (::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size()))
        return Error::from_errno("write `" + path + "`");
    return Ok{};
}

} // namespace

int spec_command(const GlobalOptions &, const Arguments &args)
{
    cxxopts::Options options("crun-lite spec",
                             "Write a default config.json: `sh` in the image at ./rootfs, which "
                             "is never written (the overlay annotation).");
    options.add_options()
        ("b,bundle", "bundle directory to write config.json into", cxxopts::value<std::string>()->default_value("."))
        ("rootless", "a config for a user who is not root: a user namespace mapping your uid and gid to root, no network namespace")
        ("h,help", "show this help");

    cxxopts::ParseResult flags;
    try {
        ArgvView view(args);
        flags = options.parse(view.argc(), view.argv());
    } catch (const cxxopts::exceptions::exception &problem) {
        return report_usage("spec", problem.what());
    }
    if (flags.count("help")) {
        std::cout << options.help();
        return 0;
    }
    if (!flags.unmatched().empty())
        return report_usage("spec", "unexpected argument `" + flags.unmatched()[0] + "`");

    std::string path = flags["bundle"].as<std::string>() + "/config.json";
    spec::GenerateOptions generate;
    generate.rootless = flags.count("rootless") > 0;
    generate.uid = ::geteuid();
    generate.gid = ::getegid();
    auto config = spec::generate_config(generate);
    if (auto written = write_new_file(path, config.dump(2) + "\n"); !written)
        return report_failure("spec", path, written.error());
    return 0;
}

} // namespace crunlite::cli
