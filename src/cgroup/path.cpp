#include "cgroup/path.hpp"

#include "util/path.hpp"

namespace crunlite::cgroup {
namespace {

// Joins the components of `path` with single slashes; `..` is refused, so that no config can
// name a directory outside the hierarchy or above the runtime's cgroup.
Result<std::string> clean(const std::string &path)
{
    std::string cleaned;
    for (const auto &part : path_components(path)) {
        if (part == "..")
            return Error::message("linux.cgroupsPath: must not contain `..`");
        cleaned += "/" + part;
    }
    return cleaned;
}

Result<CgroupPath> systemd_path(const std::string &spec, const std::string &id)
{
    std::string text = spec.empty() ? "system.slice:crun-lite:" + id : spec;
    auto first = text.find(':');
    auto second = first == std::string::npos ? first : text.find(':', first + 1);
    if (second == std::string::npos || text.find(':', second + 1) != std::string::npos)
        return Error::message("linux.cgroupsPath: expected `slice:prefix:name` with "
                              "--systemd-cgroup, got `" + text + "`");
    std::string slice = text.substr(0, first);
    std::string prefix = text.substr(first + 1, second - first - 1);
    std::string name = text.substr(second + 1);
    if (name.empty() || name.find('/') != std::string::npos)
        return Error::message("linux.cgroupsPath: the unit name must be non-empty, without `/`");

    std::string parent = TRY(expand_slice(slice.empty() ? "system.slice" : slice));
    std::string unit = name.ends_with(".slice") ? name
                       : prefix.empty()         ? name + ".scope"
                                                : prefix + "-" + name + ".scope";
    return CgroupPath{parent + "/" + unit, false};
}

} // namespace

Result<std::string> expand_slice(const std::string &slice)
{
    const std::string suffix = ".slice";
    auto invalid = [&slice] {
        return Error::message("linux.cgroupsPath: `" + slice + "` is not a valid slice name");
    };
    if (!slice.ends_with(suffix) || slice.find('/') != std::string::npos)
        return invalid();
    if (slice == "-.slice")
        return std::string();
    std::string stem = slice.substr(0, slice.size() - suffix.size());
    if (stem.empty() || stem.front() == '-' || stem.back() == '-' ||
        stem.find("--") != std::string::npos)
        return invalid();

    std::string expanded;
    for (size_t dash = stem.find('-'); dash != std::string::npos; dash = stem.find('-', dash + 1))
        expanded += "/" + stem.substr(0, dash) + suffix;
    return expanded + "/" + slice;
}

Result<CgroupPath> resolve_cgroups_path(const std::string &cgroups_path, const std::string &id,
                                        bool systemd)
{
    if (systemd)
        return systemd_path(cgroups_path, id);
    if (cgroups_path.empty())
        return CgroupPath{std::string(default_parent) + "/" + id, false};
    std::string cleaned = TRY(clean(cgroups_path));
    if (cleaned.empty())
        return Error::message("linux.cgroupsPath: must name a cgroup below the root");
    return CgroupPath{cleaned, cgroups_path.front() != '/'};
}

std::string directory_in(const Hierarchy &hierarchy, const CgroupPath &path)
{
    std::string base = hierarchy.mount_point;
    if (path.relative && hierarchy.own_path != "/")
        base += hierarchy.own_path;
    return base + path.path;
}

} // namespace crunlite::cgroup
