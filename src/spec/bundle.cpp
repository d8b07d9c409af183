#include "spec/bundle.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "spec/image.hpp"
#include "spec/parse.hpp"
#include "sys/paths.hpp"
#include "util/path.hpp"

namespace crunlite::spec {
namespace {

std::string join_lines(const std::vector<std::string> &lines)
{
    std::string text;
    for (const auto &line : lines) {
        if (!text.empty())
            text += "\n";
        text += line;
    }
    return text;
}

Result<std::string> absolute_bundle_dir(const std::string &dir)
{
    char *resolved = ::realpath(dir.c_str(), nullptr);
    if (!resolved)
        return Error::from_errno("bundle `" + dir + "`");
    std::string absolute(resolved);
    free(resolved);

    struct stat info {};
    if (::stat(absolute.c_str(), &info) != 0)
        return Error::from_errno("bundle `" + dir + "`");
    if (!S_ISDIR(info.st_mode))
        return Error::system(ENOTDIR, "bundle `" + dir + "`");
    return absolute;
}

} // namespace

Result<Bundle> load_bundle(const std::string &dir, const ValidateOptions &options)
{
    std::string absolute = TRY(absolute_bundle_dir(dir));
    std::string config_path = absolute + "/config.json";
    auto text = sys::read_file(config_path, max_config_size);
    if (!text)
        return std::move(text).error().wrap("bundle `" + dir + "`");
    return bundle_from_text(absolute, std::move(*text), options);
}

Result<Bundle> bundle_from_text(const std::string &dir, std::string config_text,
                                const ValidateOptions &options)
{
    Bundle bundle;
    bundle.dir = dir;
    auto parsed = parse_config(config_text);
    if (!parsed.ok())
        return Error::message(join_lines(parsed.problems));

    ValidateOptions resolved = options;
    resolved.bundle_dir = bundle.dir;
    auto findings = validate_config(parsed.config, resolved);
    if (!findings.ok())
        return Error::message(join_lines(findings.errors));

    // Resolved once, here, so the directory the runtime mounts is the very one validation
    // checked, however root.path mixes symlinks and `..`.
    std::error_code error;
    auto rootfs = std::filesystem::canonical(join_path(bundle.dir, parsed.config.root.path), error);
    if (error)
        return Error::system(error.value(), "root.path: resolve `" + parsed.config.root.path + "`");
    if (rootfs == "/")
        return Error::message("root.path: must not be the host's root directory");
    if (parsed.config.wants_layers())
        bundle.image_layers = TRY_CONTEXT(read_layered_image(rootfs), "root.path").layer_dirs;

    bundle.config = std::move(parsed.config);
    bundle.config_text = std::move(config_text);
    bundle.rootfs = rootfs;
    bundle.warnings = std::move(findings.warnings);
    return bundle;
}

} // namespace crunlite::spec
