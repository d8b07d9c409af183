#include "cgroup/manager.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "cgroup/device_program.hpp"
#include "sys/paths.hpp"
#include "util/log.hpp"

namespace crunlite::cgroup {
namespace {

// How often a step that races with the kernel or another container is tried again.
constexpr int retries = 100;

void pause_briefly()
{
    timespec interval{0, 10 * 1000 * 1000};
    ::nanosleep(&interval, nullptr);
}

std::string read_trimmed(const std::string &path)
{
    auto text = sys::read_file(path, 65536);
    if (!text)
        return "";
    std::string value = *text;
    while (!value.empty() && (value.back() == '\n' || value.back() == ' '))
        value.pop_back();
    return value;
}

std::string parent_of(const std::string &dir) { return dir.substr(0, dir.rfind('/')); }

// `dir` and every cgroup below it (made by `exec --cgroup` users, or by the container's own
// programs when it is delegated), parents before their children; none when `dir` is gone.
std::vector<std::string> subtree_of(const std::string &dir)
{
    std::vector<std::string> subtree;
    if (::access(dir.c_str(), F_OK) != 0)
        return subtree;
    subtree.push_back(dir);
    std::error_code unreadable_is_empty;
    for (size_t next = 0; next < subtree.size(); ++next)
        for (const auto &entry :
             std::filesystem::directory_iterator(subtree[next], unreadable_is_empty))
            if (entry.is_directory(unreadable_is_empty))
                subtree.push_back(entry.path());
    return subtree;
}

// Whether `dir` or a cgroup below it holds a process (false when `dir` does not exist).
bool subtree_holds_processes(const std::string &dir)
{
    for (const auto &cgroup : subtree_of(dir))
        if (!read_trimmed(cgroup + "/cgroup.procs").empty())
            return true;
    return false;
}

// A new v1 cpuset starts with no cpus and no mems, and takes no process until it has some.
Status inherit_cpuset(const std::string &dir)
{
    for (const char *file : {"cpuset.cpus", "cpuset.mems"}) {
        std::string own = dir + "/" + file;
        if (read_trimmed(own).empty())
            TRY(write_value(own, read_trimmed(parent_of(dir) + "/" + file)));
    }
    return Ok{};
}

// Each directory from the hierarchy's root down to `dir`, parents first.
std::vector<std::string> chain_of(const Hierarchy &hierarchy, const std::string &dir)
{
    std::vector<std::string> chain;
    for (size_t slash = dir.find('/', hierarchy.mount_point.size() + 1);;
         slash = dir.find('/', slash + 1)) {
        chain.push_back(dir.substr(0, slash));
        if (slash == std::string::npos)
            return chain;
    }
}

// crun-lite's own parent of default cgroups counts as made by every container in it: each
// delete tries to remove it, so the last one does.
bool is_shared_parent(const Hierarchy &hierarchy, const std::string &dir)
{
    return dir == hierarchy.mount_point + default_parent;
}

// mkdir of each missing component below the hierarchy's root. A parent that a concurrent
// delete removes between two steps is made again.
Status make_chain(const Hierarchy &hierarchy, const std::string &dir, Cgroups &cgroups)
{
    for (int attempt = 0; attempt < retries; ++attempt) {
        bool vanished = false;
        for (const auto &current : chain_of(hierarchy, dir)) {
            bool made = ::mkdir(current.c_str(), 0755) == 0;
            if (!made && errno == ENOENT) {
                vanished = true;
                break;
            }
            if (!made && errno != EEXIST)
                return Error::from_errno("create cgroup `" + current + "`");
            if (made || is_shared_parent(hierarchy, current))
                cgroups.made.push_back(current);
            // Also when it existed: a concurrent create may have made it and not filled it yet.
            // (v2 needs nothing: an empty cpuset.cpus there means the parent's.)
            if (!hierarchy.unified && hierarchy.carries("cpuset")) {
                auto inherited = inherit_cpuset(current);
                if (!inherited && inherited.error().errnum() == ENOENT) {
                    vanished = true;
                    break;
                }
                TRY(std::move(inherited));
            }
        }
        if (!vanished)
            return Ok{};
    }
    return Error::message("create cgroup `" + dir + "`: its parent keeps disappearing");
}

// v2 gives a child only the controllers its parent lists in cgroup.subtree_control.
Status enable_controllers(const Hierarchy &hierarchy, const std::string &dir,
                          const std::vector<std::string> &controllers)
{
    if (controllers.empty())
        return Ok{};
    std::string request;
    for (const auto &name : controllers)
        request += (request.empty() ? "+" : " +") + name;
    for (std::string parent = hierarchy.mount_point; parent.size() < dir.size();) {
        TRY(write_value(parent + "/cgroup.subtree_control", request));
        size_t next = dir.find('/', parent.size() + 1);
        parent = dir.substr(0, next);
    }
    return Ok{};
}

// Replaces the program of an earlier create or update: the kernel runs every attached one.
Status apply_device_program(const Cgroups &cgroups, const WritePlan &plan)
{
    if (!plan.device_program)
        return Ok{};
    std::string dir = cgroups.dir_of("");
    if (dir.empty()) {
        if (!plan.device_program_field.empty())
            log::warning(plan.device_program_field + ": the container has no cgroup v2 "
                                                     "directory for the eBPF device program; "
                                                     "not applied");
        return Ok{};
    }
    return attach_device_program(dir, *plan.device_program, true);
}

// A killed process leaves its cgroup a moment after it is reaped: EBUSY is tried again.
Status remove_when_empty(const std::string &dir)
{
    for (int attempt = 0; ::rmdir(dir.c_str()) != 0; ++attempt) {
        if (errno == ENOENT)
            break;
        if (errno != EBUSY || attempt + 1 >= retries)
            return Error::from_errno("remove cgroup `" + dir + "`");
        pause_briefly();
    }
    return Ok{};
}

// A sub-cgroup frozen on its own stays frozen when the container's cgroup thaws: a thaw (before
// the kill of a delete too) reaches every one, or a process there could never die.
Status thaw_below(const std::string &dir, const char *file, const char *thawed, bool freezing)
{
    if (freezing)
        return Ok{};
    auto subtree = subtree_of(dir);
    for (size_t i = 1; i < subtree.size(); ++i)
        TRY(write_value(subtree[i] + "/" + file, thawed));
    return Ok{};
}

} // namespace

Status write_value(const std::string &path, const std::string &value)
{
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd)
        return Error::from_errno("open `" + path + "`");
    if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
        return Error::from_errno("write `" + value + "` to `" + path + "`");
    return Ok{};
}

std::string Cgroups::dir_of(const std::string &controller) const
{
    if (controller.empty()) {
        auto unified = dirs.find("unified");
        return unified != dirs.end() ? unified->second : "";
    }
    for (const auto &[key, dir] : dirs) {
        std::istringstream names(key);
        for (std::string name; std::getline(names, name, ',');)
            if (name == controller)
                return dir;
    }
    return dir_of("");
}

Locator locator_for(const Host &host)
{
    return [&host](const std::string &controller) {
        const Hierarchy *found = controller.empty() ? host.unified() : host.find(controller);
        if (!found)
            return Version::none;
        return found->unified ? Version::v2 : Version::v1;
    };
}

Cgroups plan_directories(const Host &host, const CgroupPath &path)
{
    Cgroups cgroups;
    for (const auto &hierarchy : host.hierarchies())
        cgroups.dirs[hierarchy.key] = directory_in(hierarchy, path);
    return cgroups;
}

std::string occupied_directory(const Cgroups &cgroups)
{
    for (const auto &[key, dir] : cgroups.dirs)
        if (subtree_holds_processes(dir))
            return dir;
    return "";
}

std::vector<std::string> directories_to_make(const Host &host, const Cgroups &cgroups)
{
    std::vector<std::string> missing;
    for (const auto &hierarchy : host.hierarchies()) {
        auto dir = cgroups.dirs.find(hierarchy.key);
        if (dir == cgroups.dirs.end())
            continue;
        for (const auto &current : chain_of(hierarchy, dir->second))
            if (is_shared_parent(hierarchy, current) || ::access(current.c_str(), F_OK) != 0)
                missing.push_back(current);
    }
    return missing;
}

Status make_directories(const Host &host, Cgroups &cgroups,
                        const std::vector<std::string> &v2_controllers)
{
    for (const auto &hierarchy : host.hierarchies()) {
        std::string dir = cgroups.dirs[hierarchy.key];
        auto made = make_chain(hierarchy, dir, cgroups);
        // A rootless container on a host that delegates no cgroups to its user goes without,
        // as with runc: only a limit the config asks for is worth a warning (apply gives it).
        if (!made && made.error().errnum() == EACCES && ::geteuid() != 0) {
            log::debug("no cgroup in `" + hierarchy.key + "`: " + made.error().render());
            cgroups.dirs.erase(hierarchy.key);
            continue;
        }
        TRY(std::move(made));
        if (hierarchy.unified)
            TRY(enable_controllers(hierarchy, dir, v2_controllers));
    }
    return Ok{};
}

Status apply(const Cgroups &cgroups, const WritePlan &plan)
{
    for (const auto &warning : plan.warnings)
        log::warning(warning);
    std::set<std::string> warned; // one warning per field, however many files it writes
    for (const auto &write : plan.writes) {
        std::string dir = cgroups.dir_of(write.controller);
        if (dir.empty()) {
            if (!write.field.empty() && warned.insert(write.field).second)
                log::warning(write.field + ": no cgroup of the container holds `" + write.file +
                             "`; not applied");
            continue;
        }
        std::string path = dir + "/" + write.file;
        log::debug("cgroup: write `" + write.value + "` to `" + path + "`");
        auto written = write_value(path, write.value);
        int errnum = written ? 0 : written.error().errnum();
        if (!written && write.optional &&
            (errnum == ENOENT || errnum == EOPNOTSUPP || errnum == EINVAL)) {
            log::warning(write.field + ": " + written.error().render() + "; not applied");
            continue;
        }
        TRY_CONTEXT(std::move(written),
                    write.field.empty() ? "cgroup `" + write.controller + "`" : write.field);
    }
    return apply_device_program(cgroups, plan);
}

Status place(const Cgroups &cgroups, pid_t pid)
{
    for (const auto &[key, dir] : cgroups.dirs)
        TRY(write_value(dir + "/cgroup.procs", std::to_string(pid)));
    return Ok{};
}

std::vector<pid_t> processes(const Cgroups &cgroups)
{
    std::vector<pid_t> pids;
    if (cgroups.empty())
        return pids;
    // Each process sits once in every hierarchy, somewhere in the container's subtree there.
    for (const auto &cgroup : subtree_of(cgroups.dirs.begin()->second)) {
        auto text = sys::read_file(cgroup + "/cgroup.procs", 16 * 1024 * 1024);
        if (!text)
            continue;
        std::istringstream stream(*text);
        for (pid_t pid; stream >> pid;)
            pids.push_back(pid);
    }
    return pids;
}

Result<bool> set_frozen(const Cgroups &cgroups, bool frozen)
{
    std::string v1 = cgroups.dir_of("freezer");
    std::string file, wanted;
    if (!v1.empty() && v1 != cgroups.dir_of("")) {
        // Removed with the last process (by a delete killed before it finished): none to stop.
        if (::access(v1.c_str(), F_OK) != 0)
            return false;
        file = v1 + "/freezer.state";
        wanted = frozen ? "FROZEN" : "THAWED";
        TRY(write_value(file, wanted));
        TRY(thaw_below(v1, "freezer.state", "THAWED", frozen));
    } else if (std::string v2 = cgroups.dir_of("");
               !v2.empty() && ::access((v2 + "/cgroup.freeze").c_str(), F_OK) == 0) {
        TRY(write_value(v2 + "/cgroup.freeze", frozen ? "1" : "0"));
        TRY(thaw_below(v2, "cgroup.freeze", "0", frozen));
        file = v2 + "/cgroup.events";
        wanted = frozen ? "frozen 1" : "frozen 0";
    } else {
        return false;
    }
    // Freezing takes effect task by task; the state says when every one has stopped.
    for (int attempt = 0; attempt < retries * 10; ++attempt) {
        if (read_trimmed(file).find(wanted) != std::string::npos)
            return true;
        pause_briefly();
    }
    return Error::message("cgroup `" + file + "` did not reach `" + wanted + "`");
}

bool is_frozen(const Cgroups &cgroups)
{
    std::string v1 = cgroups.dir_of("freezer");
    if (!v1.empty() && v1 != cgroups.dir_of(""))
        return read_trimmed(v1 + "/freezer.state") == "FROZEN";
    std::string v2 = cgroups.dir_of("");
    return !v2.empty() && read_trimmed(v2 + "/cgroup.freeze") == "1";
}

Status remove(const Cgroups &cgroups)
{
    for (auto made = cgroups.made.rbegin(); made != cgroups.made.rend(); ++made) {
        bool leaf = std::any_of(cgroups.dirs.begin(), cgroups.dirs.end(),
                                [&](const auto &entry) { return entry.second == *made; });
        if (!leaf) {
            // A parent is shared: other containers may still live in it, or (rootless) it may
            // belong to root, so removing it is only ever best effort.
            (void)::rmdir(made->c_str());
            continue;
        }
        // The container's own cgroup goes with whatever was made below it, deepest first.
        auto subtree = subtree_of(*made);
        for (auto cgroup = subtree.rbegin(); cgroup != subtree.rend(); ++cgroup)
            TRY(remove_when_empty(*cgroup));
    }
    return Ok{};
}

} // namespace crunlite::cgroup
