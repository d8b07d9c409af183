// generate: the default config.json that `crun-lite spec` writes and crun-lite's own bundles use.
//
// Output is OCI runtime-spec 1.x JSON that crun-lite runs as it is, with runc's defaults: args
// `sh` on a terminal, three capabilities, RLIMIT_NOFILE 1024, noNewPrivileges, the standard
// mounts (/proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys), masked and read-only paths of
// /proc and /sys, new pid, network, ipc, uts and mount namespaces; and the overlay annotation
// (spec::rootfs_mode_annotation), so that the image at root.path is never written.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace crunlite::spec {

struct GenerateOptions {
    std::string root_path = "rootfs";
    std::vector<std::string> args = {"sh"};
    bool overlay = true; // declare root.path an image (the overlay annotation)
    std::string hostname = "crun-lite";
    bool terminal = true;
};

nlohmann::json generate_config(const GenerateOptions &options);

} // namespace crunlite::spec
