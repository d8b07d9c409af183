// image: crun-lite's layered images, as tools/image writes them, read for the runtime and for
// `crun-lite container`.
//
// A layered image is a directory holding image.json and nothing else. Its layers live in a
// content-addressed store beside it, `<images>/.layers/sha256/<hex>`: each a layer's tar
// unpacked once, its whiteouts already in overlayfs's form, shared by every image that has it.
// image.json names layers only by digest, so it cannot point the overlay anywhere but into the
// store, and each layer directory is checked to be a real directory, no symlink on the way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace crunlite::spec {

inline constexpr const char *image_manifest_name = "image.json";
// /proc/self/fd/N per layer keeps the overlay's options below a page up to about 200 layers;
// overlayfs itself takes at most 500.
inline constexpr size_t max_image_layers = 128;

// What the image's config (Entrypoint, Cmd, Env, WorkingDir, User) says a process runs with.
struct ImageDefaults {
    std::vector<std::string> entrypoint;
    std::vector<std::string> cmd;
    std::vector<std::string> env;
    std::string cwd;
    std::optional<uint32_t> uid; // User, resolved to ids against the image's files by the tool
    std::optional<uint32_t> gid;
};

struct LayeredImage {
    std::vector<std::string> layer_dirs; // bottom first, absolute
    ImageDefaults defaults;
};

// Whether `dir` is a layered image (holds image.json), not a root filesystem.
bool is_layered_image(const std::string &dir);

// Reads `dir`/image.json; `dir` must be absolute and free of symlinks. Every problem with the
// file or a layer is an error naming it.
Result<LayeredImage> read_layered_image(const std::string &dir);

} // namespace crunlite::spec
