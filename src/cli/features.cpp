// `crun-lite features`: what this build really does, as the runtime-spec's features document
// describes it (features.md). Anything it lists as enabled has a test behind it.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "runtime/mount_options.hpp"
#include "spec/config.hpp"
#include "spec/kernel_names.hpp"
#include "spec/seccomp_names.hpp"

namespace crunlite::cli {
namespace {

std::vector<std::string> known_names(std::span<const spec::SeccompName> table)
{
    std::vector<std::string> names;
    for (const auto &entry : table)
        names.emplace_back(entry.name);
    return names;
}

} // namespace

int features_command(const GlobalOptions &, const Arguments &args)
{
    cxxopts::Options options("crun-lite features", "Print the features document as JSON.");
    std::vector<std::string> positional;
    int exit_status = 0;
    if (!parse_flags(options, args, "features", positional, exit_status))
        return exit_status;

    auto hook_names = [] {
        nlohmann::json names = nlohmann::json::array();
        for (const auto &kind : spec::hook_kinds)
            names.push_back(kind.name);
        return names;
    };
    nlohmann::json disabled = {{"enabled", false}};
    nlohmann::json features = {
        {"ociVersionMin", "1.0.0"},
        {"ociVersionMax", "1.2.0"},
        {"hooks", hook_names()},
        {"mountOptions", runtime::known_mount_options()},
        {"linux",
         {{"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "uts"}},
          {"capabilities", spec::capability_names()},
          // systemd: the slice:prefix:name form, placed where systemd would put the unit;
          // crun-lite talks to no systemd (cgroup/path.hpp).
          {"cgroup",
           {{"v1", true},
            {"v2", true},
            {"systemd", true},
            {"systemdUser", false},
            {"rdma", false}}},
          {"seccomp",
           {{"enabled", true},
            {"actions", spec::supported_seccomp_names(spec::seccomp_actions())},
            {"operators", spec::supported_seccomp_names(spec::seccomp_operators())},
            {"archs", spec::supported_seccomp_names(spec::seccomp_architectures())},
            {"knownFlags", known_names(spec::seccomp_flags())},
            {"supportedFlags", spec::supported_seccomp_names(spec::seccomp_flags())}}},
          {"apparmor", disabled},
          {"selinux", disabled},
          {"intelRdt", disabled},
          {"mountExtensions", {{"idmap", disabled}}}}},
        {"annotations", {{spec::rootfs_mode_annotation, spec::rootfs_mode_overlay}}},
    };
    std::cout << features.dump(2) << "\n";
    return 0;
}

} // namespace crunlite::cli
