// A bundle: a directory with config.json. load_bundle reads, parses and validates it, and
// resolves the paths in it, so the runtime gets a config it can execute as it is.
#pragma once

#include <string>
#include <vector>

#include "spec/config.hpp"
#include "spec/validate.hpp"
#include "util/error.hpp"

namespace crunlite::spec {

// config.json is small; anything larger than this is not a config.
inline constexpr size_t max_config_size = 4 * 1024 * 1024;

struct Bundle {
    std::string dir;    // absolute, no trailing slash
    std::string rootfs; // root.path, resolved: absolute and free of symlinks and `..`
    // A layered image's layer directories, bottom first (annotation `layers`); empty otherwise.
    std::vector<std::string> image_layers;
    Config config;
    std::string config_text; // config.json as read, kept with the container's state
    std::vector<std::string> warnings; // from validation, for the caller to log
};

// On failure the Error holds one problem per line, each naming its JSON path.
Result<Bundle> load_bundle(const std::string &dir, const ValidateOptions &options);

// A bundle whose config is `config_text`, never written to disk (`crun-lite container`): `dir`
// is what relative paths in it are relative to.
Result<Bundle> bundle_from_text(const std::string &dir, std::string config_text,
                                const ValidateOptions &options);

} // namespace crunlite::spec
