// container_config: the config.json of `crun-lite container ID IMAGE CMD...`, the quick form.
//
// The generator's default config (generate.hpp) on the image, then what the image's config and
// the command line ask for, in that order of precedence: a flag beats the image, the image
// beats the default. As with docker, a CMD replaces the image's Cmd and keeps its Entrypoint.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spec/image.hpp"
#include "util/error.hpp"

namespace crunlite::spec {

// --mount SRC:DST[:ro|rw]: a bind of a host path.
struct BindRequest {
    std::string source; // absolute
    std::string destination;
    bool readonly = false;
};

struct ContainerConfigOptions {
    std::string image_dir; // absolute
    bool layered = false;  // image_dir is a layered image (image.hpp)
    ImageDefaults image;   // from a layered image's config; empty for a root filesystem
    std::vector<std::string> command; // CMD...; empty: the image's Cmd
    std::vector<std::string> env;     // K=V, over the image's
    std::optional<std::string> cwd;
    std::string hostname;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
    bool readonly = false;
    bool terminal = false;
    std::vector<BindRequest> mounts;
};

Result<nlohmann::json> container_config(const ContainerConfigOptions &options);

// Reads `SRC:DST[:ro|rw]`; a relative SRC is taken from `base_dir`.
Result<BindRequest> parse_bind_request(const std::string &text, const std::string &base_dir);

// Reads `UID[:GID]`, numbers only (a name would need the image's /etc/passwd).
Result<std::pair<uint32_t, std::optional<uint32_t>>> parse_user_request(const std::string &text);

} // namespace crunlite::spec
