// generate: the default config.json that `crun-lite spec` writes and crun-lite's own bundles use.
//
// Output is OCI runtime-spec 1.x JSON that crun-lite runs as it is, with runc's defaults: args
// `sh` on a terminal, three capabilities, RLIMIT_NOFILE 1024, noNewPrivileges, the standard
// mounts (/proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys), masked and read-only paths of
// /proc and /sys, new pid, network, ipc, uts and mount namespaces; and the overlay annotation
// (spec::rootfs_mode_annotation), so that the image at root.path is never written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace crunlite::spec {

struct GenerateOptions {
    std::string root_path = "rootfs";
    std::vector<std::string> args = {"sh"};
    bool overlay = true; // declare root.path an image (the overlay annotation)
    std::string hostname = "crun-lite";
    // For a user who is not root, as `runc spec --rootless` writes it: a user namespace mapping
    // only these ids to root, no network namespace (a rootless user cannot plug one in), and
    // the host's /sys bound, since sysfs mounts only with a network namespace of one's own.
    bool rootless = false;
    uint32_t uid = 0; // the user's, mapped to root inside
    uint32_t gid = 0;
    bool terminal = true;
};

nlohmann::json generate_config(const GenerateOptions &options);

} // namespace crunlite::spec
