#include "cgroup/hierarchy.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "sys/paths.hpp"

namespace crunlite::cgroup {
namespace {

constexpr size_t max_proc_file = 1024 * 1024;

std::vector<std::string> split(const std::string &text, char separator)
{
    std::vector<std::string> parts;
    std::string part;
    std::istringstream stream(text);
    while (std::getline(stream, part, separator))
        if (!part.empty())
            parts.push_back(part);
    return parts;
}

// mountinfo writes space, tab, newline and backslash in paths as \ooo.
std::string unescape_octal(const std::string &text)
{
    std::string plain;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 3 < text.size()) {
            int value = 0;
            bool octal = true;
            for (size_t k = 1; k <= 3; ++k) {
                char digit = text[i + k];
                octal = octal && digit >= '0' && digit <= '7';
                value = value * 8 + (digit - '0');
            }
            if (octal) {
                plain += static_cast<char>(value);
                i += 3;
                continue;
            }
        }
        plain += text[i];
    }
    return plain;
}

// Enabled controllers of /proc/cgroups ("#subsys_name hierarchy num_cgroups enabled").
std::set<std::string> enabled_controllers(const std::string &proc_cgroups)
{
    std::set<std::string> enabled;
    std::istringstream lines(proc_cgroups);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        std::istringstream fields(line);
        std::string name;
        int hierarchy = 0, count = 0, on = 0;
        if (fields >> name >> hierarchy >> count >> on && on)
            enabled.insert(name);
    }
    return enabled;
}

// This process's cgroup per hierarchy, keyed as Hierarchy::key ("unified" for the `0::` line).
std::map<std::string, std::string> own_paths(const std::string &self_cgroup)
{
    std::map<std::string, std::string> paths;
    std::istringstream lines(self_cgroup);
    std::string line;
    while (std::getline(lines, line)) {
        auto first = line.find(':');
        auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos)
            continue;
        std::string key = line.substr(first + 1, second - first - 1);
        paths[key.empty() ? "unified" : key] = line.substr(second + 1);
    }
    return paths;
}

struct CgroupMount {
    std::string root;
    std::string mount_point;
    std::string type;
    std::string super_options;
};

std::vector<CgroupMount> cgroup_mounts(const std::string &mountinfo)
{
    std::vector<CgroupMount> mounts;
    std::istringstream lines(mountinfo);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string id, parent, device, root, mount_point, options, field;
        fields >> id >> parent >> device >> root >> mount_point >> options;
        while (fields >> field && field != "-") {
        }
        CgroupMount mount{unescape_octal(root), unescape_octal(mount_point), "", ""};
        std::string source;
        fields >> mount.type >> source >> mount.super_options;
        if (mount.type == "cgroup" || mount.type == "cgroup2")
            mounts.push_back(std::move(mount));
    }
    return mounts;
}

} // namespace

bool Hierarchy::carries(const std::string &controller) const
{
    return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

Host Host::from_texts(const std::string &mountinfo, const std::string &proc_cgroups,
                      const std::string &self_cgroup, const std::string &v2_controllers)
{
    Host host;
    std::set<std::string> enabled = enabled_controllers(proc_cgroups);
    auto own = own_paths(self_cgroup);
    std::set<std::string> seen;
    for (const auto &mount : cgroup_mounts(mountinfo)) {
        // A hierarchy mounted twice, or a subtree of it bound elsewhere: the first full view wins.
        Hierarchy hierarchy;
        hierarchy.unified = mount.type == "cgroup2";
        if (hierarchy.unified) {
            hierarchy.key = "unified";
            std::istringstream names(v2_controllers);
            for (std::string name; names >> name;)
                hierarchy.controllers.push_back(name);
        } else {
            for (const auto &option : split(mount.super_options, ','))
                if (enabled.count(option) || option.starts_with("name="))
                    hierarchy.controllers.push_back(option);
            for (const auto &name : hierarchy.controllers)
                hierarchy.key += (hierarchy.key.empty() ? "" : ",") + name;
        }
        if (hierarchy.controllers.empty() && !hierarchy.unified)
            continue;
        if (mount.root != "/" || !seen.insert(hierarchy.key).second)
            continue;
        hierarchy.mount_point = mount.mount_point;
        auto path = own.find(hierarchy.key);
        hierarchy.own_path = path != own.end() ? path->second : "/";
        host.hierarchies_.push_back(std::move(hierarchy));
    }
    return host;
}

Result<Host> Host::discover()
{
    std::string mountinfo = TRY(sys::read_file("/proc/self/mountinfo", max_proc_file));
    std::string proc_cgroups = TRY(sys::read_file("/proc/cgroups", max_proc_file));
    std::string self_cgroup = TRY(sys::read_file("/proc/self/cgroup", max_proc_file));
    std::string v2_controllers;
    for (const auto &mount : cgroup_mounts(mountinfo))
        if (mount.type == "cgroup2" && mount.root == "/") {
            auto text = sys::read_file(mount.mount_point + "/cgroup.controllers", 4096);
            v2_controllers = text ? *text : "";
            break;
        }
    return from_texts(mountinfo, proc_cgroups, self_cgroup, v2_controllers);
}

const Hierarchy *Host::find(const std::string &controller) const
{
    for (const auto &hierarchy : hierarchies_)
        if (!hierarchy.unified && hierarchy.carries(controller))
            return &hierarchy;
    const Hierarchy *v2 = unified();
    return v2 && v2->carries(controller) ? v2 : nullptr;
}

const Hierarchy *Host::unified() const
{
    for (const auto &hierarchy : hierarchies_)
        if (hierarchy.unified)
            return &hierarchy;
    return nullptr;
}

bool Host::has_v1() const
{
    return std::any_of(hierarchies_.begin(), hierarchies_.end(),
                       [](const Hierarchy &hierarchy) { return !hierarchy.unified; });
}

} // namespace crunlite::cgroup
