#include "runtime/mount_options.hpp"

#include <sys/mount.h>

#include <string_view>

namespace crunlite::runtime {
namespace {

struct FlagOption {
    std::string_view name;
    unsigned long set;
    unsigned long clear;
};

// Each flag option sets some MS_* bits and clears others: `rw` undoes `ro`, `atime` undoes
// `noatime`, and the later option wins, as with mount(8).
constexpr FlagOption flag_options[] = {
    {"ro", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},
    {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},
    {"nodev", MS_NODEV, 0},
    {"dev", 0, MS_NODEV},
    {"noexec", MS_NOEXEC, 0},
    {"exec", 0, MS_NOEXEC},
    {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS},
    {"dirsync", MS_DIRSYNC, 0},
    {"remount", MS_REMOUNT, 0},
    {"mand", MS_MANDLOCK, 0},
    {"nomand", 0, MS_MANDLOCK},
    {"atime", 0, MS_NOATIME},
    {"noatime", MS_NOATIME, 0},
    {"diratime", 0, MS_NODIRATIME},
    {"nodiratime", MS_NODIRATIME, 0},
    {"relatime", MS_RELATIME, 0},
    {"norelatime", 0, MS_RELATIME},
    {"strictatime", MS_STRICTATIME, 0},
    {"nostrictatime", 0, MS_STRICTATIME},
    {"lazytime", MS_LAZYTIME, 0},
    {"nolazytime", 0, MS_LAZYTIME},
    {"silent", MS_SILENT, 0},
    {"loud", 0, MS_SILENT},
    {"iversion", MS_I_VERSION, 0},
    {"noiversion", 0, MS_I_VERSION},
    {"nosymfollow", MS_NOSYMFOLLOW, 0},
};

struct PropagationOption {
    std::string_view name;
    unsigned long flags;
};

constexpr PropagationOption propagation_options[] = {
    {"private", MS_PRIVATE},
    {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},
    {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},
    {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE},
    {"runbindable", MS_UNBINDABLE | MS_REC},
};

bool apply_flag_option(std::string_view option, MountOptions &result)
{
    for (const auto &known : flag_options) {
        if (known.name == option) {
            result.flags = (result.flags | known.set) & ~known.clear;
            return true;
        }
    }
    return false;
}

bool apply_propagation_option(std::string_view option, MountOptions &result)
{
    for (const auto &known : propagation_options) {
        if (known.name == option) {
            result.propagation = known.flags;
            return true;
        }
    }
    return false;
}

} // namespace

MountOptions parse_mount_options(const std::vector<std::string> &options)
{
    MountOptions result;
    for (const auto &option : options) {
        if (option == "bind" || option == "rbind") {
            result.bind = true;
            result.recursive = result.recursive || option == "rbind";
            continue;
        }
        if (option == "idmap" || option == "ridmap") {
            result.idmap = true;
            result.recursive_idmap = result.recursive_idmap || option == "ridmap";
            continue;
        }
        if (option == "tmpcopyup") {
            result.copy_up = true;
            continue;
        }
        if (apply_flag_option(option, result) || apply_propagation_option(option, result))
            continue;
        if (!result.data.empty())
            result.data += ",";
        result.data += option;
    }
    return result;
}

std::vector<std::string> known_mount_options()
{
    std::vector<std::string> names = {"bind", "rbind", "idmap", "ridmap", "tmpcopyup"};
    for (const auto &known : flag_options)
        names.emplace_back(known.name);
    for (const auto &known : propagation_options)
        names.emplace_back(known.name);
    return names;
}

} // namespace crunlite::runtime
