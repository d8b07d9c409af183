#include "spec/image.hpp"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "sys/paths.hpp"

namespace crunlite::spec {
namespace {

using nlohmann::json;

constexpr size_t max_manifest_size = 1024 * 1024;

bool is_sha256_digest(const std::string &digest)
{
    constexpr std::string_view prefix = "sha256:";
    if (digest.size() != prefix.size() + 64 || !digest.starts_with(prefix))
        return false;
    for (char c : digest.substr(prefix.size()))
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

std::string parent_of(const std::string &dir)
{
    size_t slash = dir.find_last_of('/');
    return slash == 0 ? "/" : dir.substr(0, slash);
}

// lstat, so that a symlink planted for the store or a layer is refused, not followed.
Status require_real_directory(const std::string &path)
{
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0)
        return Error::from_errno("layer store `" + path + "`");
    if (!S_ISDIR(info.st_mode))
        return Error::message("layer store `" + path + "`: not a directory");
    return Ok{};
}

Result<std::vector<std::string>> layer_dirs(const json &layers, const std::string &image_dir)
{
    if (!layers.is_array() || layers.empty())
        return Error::message("layers: expected a non-empty array of digests");
    if (layers.size() > max_image_layers)
        return Error::message("layers: " + std::to_string(layers.size()) +
                              " layers, crun-lite mounts at most " +
                              std::to_string(max_image_layers));
    std::string store = parent_of(image_dir) + "/.layers";
    TRY(require_real_directory(store));
    TRY(require_real_directory(store + "/sha256"));

    std::vector<std::string> dirs;
    for (size_t i = 0; i < layers.size(); ++i) {
        std::string where = "layers[" + std::to_string(i) + "]";
        if (!layers[i].is_string() || !is_sha256_digest(layers[i].get<std::string>()))
            return Error::message(where + ": expected a digest `sha256:<64 hex digits>`");
        std::string dir = store + "/sha256/" + layers[i].get<std::string>().substr(7);
        TRY_CONTEXT(require_real_directory(dir), where);
        dirs.push_back(dir);
    }
    return dirs;
}

Result<std::vector<std::string>> string_list(const json &process, const char *key)
{
    if (!process.contains(key) || process[key].is_null())
        return std::vector<std::string>{};
    const json &value = process[key];
    std::vector<std::string> list;
    bool strings = value.is_array();
    for (size_t i = 0; strings && i < value.size(); ++i) {
        strings = value[i].is_string();
        if (strings)
            list.push_back(value[i].get<std::string>());
    }
    if (!strings)
        return Error::message(std::string("process.") + key + ": expected an array of strings");
    return list;
}

Result<std::optional<uint32_t>> optional_id(const json &user, const char *key)
{
    if (!user.contains(key))
        return std::optional<uint32_t>{};
    if (!user[key].is_number_unsigned() || user[key].get<uint64_t>() > UINT32_MAX)
        return Error::message(std::string("process.user.") + key + ": expected an id");
    return std::optional<uint32_t>{user[key].get<uint32_t>()};
}

// `process` is the tool's digest of the image config, already in OCI terms.
Result<ImageDefaults> image_defaults(const json &manifest)
{
    ImageDefaults defaults;
    if (!manifest.contains("process"))
        return defaults;
    const json &process = manifest["process"];
    if (!process.is_object())
        return Error::message("process: expected an object");
    defaults.entrypoint = TRY(string_list(process, "entrypoint"));
    defaults.cmd = TRY(string_list(process, "cmd"));
    defaults.env = TRY(string_list(process, "env"));
    if (process.contains("cwd")) {
        if (!process["cwd"].is_string())
            return Error::message("process.cwd: expected a string");
        defaults.cwd = process["cwd"].get<std::string>();
    }
    if (process.contains("user")) {
        if (!process["user"].is_object())
            return Error::message("process.user: expected an object");
        defaults.uid = TRY(optional_id(process["user"], "uid"));
        defaults.gid = TRY(optional_id(process["user"], "gid"));
    }
    return defaults;
}

} // namespace

bool is_layered_image(const std::string &dir)
{
    struct stat info {};
    return ::lstat((dir + "/" + image_manifest_name).c_str(), &info) == 0 &&
           S_ISREG(info.st_mode);
}

Result<LayeredImage> read_layered_image(const std::string &dir)
{
    auto read = [&]() -> Result<LayeredImage> {
        std::string text =
            TRY(sys::read_file(dir + "/" + image_manifest_name, max_manifest_size));
        json manifest = json::parse(text, nullptr, false);
        if (manifest.is_discarded() || !manifest.is_object())
            return Error::message(std::string(image_manifest_name) + ": not a JSON object");
        LayeredImage image;
        image.layer_dirs = TRY_CONTEXT(layer_dirs(manifest.value("layers", json()), dir),
                                       image_manifest_name);
        image.defaults = TRY_CONTEXT(image_defaults(manifest), image_manifest_name);
        return image;
    };
    return TRY_CONTEXT(read(), "image `" + dir + "`");
}

} // namespace crunlite::spec
