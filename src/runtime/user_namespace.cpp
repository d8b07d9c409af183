#include "runtime/user_namespace.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/paths.hpp"
#include "sys/process.hpp"
#include "util/log.hpp"

extern char **environ;

namespace crunlite::runtime {
namespace {

std::string proc_path(pid_t pid, const char *name)
{
    return "/proc/" + std::to_string(pid) + "/" + name;
}

// The kernel takes a map in one write(2) only.
Status write_proc_file(pid_t pid, const char *name, const std::string &text)
{
    std::string path = proc_path(pid, name);
    UniqueFd file(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!file)
        return Error::from_errno("open `" + path + "`");
    if (::write(file.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        return Error::from_errno("write `" + path + "`");
    return Ok{};
}

// newuidmap PID containerID hostID size ...: the setuid tool checks the ranges against
// /etc/subuid (/etc/subgid for newgidmap) and writes the map for us.
Status run_map_tool(const char *tool, pid_t pid, const std::vector<spec::IdMapping> &mappings)
{
    std::vector<std::string> args = {tool, std::to_string(pid)};
    for (const auto &mapping : mappings)
        for (uint32_t value : {mapping.container_id, mapping.host_id, mapping.size})
            args.push_back(std::to_string(value));
    std::vector<char *> argv;
    for (auto &arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);

    // The runtime blocks signals around clone; the tool gets the default mask.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigmask(&attributes, &empty);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    pid_t child = 0;
    int spawned = posix_spawnp(&child, tool, nullptr, &attributes, argv.data(), environ);
    posix_spawnattr_destroy(&attributes);
    if (spawned == ENOENT)
        return Error::message(std::string("`") + tool +
                              "` not found: a rootless container with more than a single "
                              "mapping of your own id needs it (Debian package uidmap) and "
                              "your ranges in /etc/subuid and /etc/subgid");
    if (spawned != 0)
        return Error::system(spawned, std::string("run `") + tool + "`");

    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return Error::message(std::string("`") + tool + "` failed (exit status " +
                              std::to_string(sys::shell_exit_status(status)) +
                              "): are the ranges yours in /etc/subuid and /etc/subgid?");
    return Ok{};
}

Status write_map(pid_t pid, bool is_gid, const std::vector<spec::IdMapping> &mappings)
{
    uint32_t own_id = is_gid ? ::getegid() : ::geteuid();
    const char *name = is_gid ? "gid_map" : "uid_map";
    log::debug(std::string("write ") + name + " of " + std::to_string(pid) + ": " +
               format_id_map(mappings));
    if (map_writer_for(mappings, ::geteuid(), own_id) == MapWriter::setuid_tool)
        return run_map_tool(is_gid ? "newgidmap" : "newuidmap", pid, mappings);
    // Unprivileged, the kernel takes a gid map only once setgroups is denied for good.
    if (is_gid && ::geteuid() != 0)
        TRY(write_proc_file(pid, "setgroups", "deny"));
    return write_proc_file(pid, name, format_id_map(mappings));
}

} // namespace

std::string format_id_map(const std::vector<spec::IdMapping> &mappings)
{
    std::string text;
    for (const auto &mapping : mappings)
        text += std::to_string(mapping.container_id) + " " + std::to_string(mapping.host_id) +
                " " + std::to_string(mapping.size) + "\n";
    return text;
}

std::optional<uint32_t> host_id_of(const std::vector<spec::IdMapping> &mappings, uint32_t id)
{
    for (const auto &mapping : mappings)
        if (id >= mapping.container_id && id - mapping.container_id < mapping.size)
            return mapping.host_id + (id - mapping.container_id);
    return std::nullopt;
}

bool maps_host_id(const std::vector<spec::IdMapping> &mappings, uint32_t id)
{
    for (const auto &mapping : mappings)
        if (id >= mapping.host_id && id - mapping.host_id < mapping.size)
            return true;
    return false;
}

MapWriter map_writer_for(const std::vector<spec::IdMapping> &mappings, uid_t euid,
                         uint32_t own_id)
{
    if (euid == 0)
        return MapWriter::kernel;
    bool own_id_only =
        mappings.size() == 1 && mappings[0].size == 1 && mappings[0].host_id == own_id;
    return own_id_only ? MapWriter::kernel : MapWriter::setuid_tool;
}

Status write_id_maps(pid_t pid, const spec::Linux &linux_config)
{
    TRY_CONTEXT(write_map(pid, false, linux_config.uid_mappings), "map the container's uids");
    TRY_CONTEXT(write_map(pid, true, linux_config.gid_mappings), "map the container's gids");
    return Ok{};
}

Result<UniqueFd> make_mapping_namespace(const std::vector<spec::IdMapping> &uid_mappings,
                                        const std::vector<spec::IdMapping> &gid_mappings)
{
    int hold[2];
    if (::pipe2(hold, O_CLOEXEC) != 0)
        return Error::from_errno("make a pipe");
    UniqueFd read_end(hold[0]);
    UniqueFd write_end(hold[1]);

    // The process only holds its namespace until the fd is open, then ends with the pipe.
    UniqueFd pidfd;
    pid_t pid = TRY(sys::clone_with_flags(CLONE_NEWUSER, &pidfd));
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        write_end.reset();
        char byte;
        (void)!::read(read_end.get(), &byte, 1);
        _exit(0);
    }
    read_end.reset();

    spec::Linux maps;
    maps.uid_mappings = uid_mappings;
    maps.gid_mappings = gid_mappings;
    Status written = write_id_maps(pid, maps);
    UniqueFd user_namespace(::open(proc_path(pid, "ns/user").c_str(), O_RDONLY | O_CLOEXEC));
    int open_errno = errno;
    write_end.reset();
    ::waitpid(pid, nullptr, 0);
    TRY(std::move(written));
    if (!user_namespace)
        return Error::system(open_errno, "open the user namespace of a mapping");
    return user_namespace;
}

Result<UniqueFd> make_idmapped_tree(const std::string &source, int userns_fd, bool copy_submounts,
                                    bool map_submounts)
{
    unsigned open_flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (copy_submounts ? AT_RECURSIVE : 0);
    UniqueFd tree(static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, source.c_str(), open_flags)));
    if (!tree)
        return Error::from_errno("copy the mount tree at `" + source + "`");

    mount_attr attributes{};
    attributes.attr_set = MOUNT_ATTR_IDMAP;
    attributes.userns_fd = static_cast<uint64_t>(userns_fd);
    unsigned set_flags = AT_EMPTY_PATH | (map_submounts ? AT_RECURSIVE : 0);
    if (::syscall(SYS_mount_setattr, tree.get(), "", set_flags, &attributes, sizeof attributes) != 0)
        return Error::from_errno("make an idmapped mount of `" + source + "`");
    return tree;
}

bool setgroups_denied()
{
    auto text = sys::read_file("/proc/self/setgroups", 64);
    return text && text->starts_with("deny");
}

Status become_namespace_root()
{
    if (!setgroups_denied() && ::setgroups(0, nullptr) != 0)
        return Error::from_errno("drop the host's additional groups");
    if (::setresgid(0, 0, 0) != 0)
        return Error::from_errno("become gid 0 of the user namespace");
    if (::setresuid(0, 0, 0) != 0)
        return Error::from_errno("become uid 0 of the user namespace");
    return Ok{};
}

} // namespace crunlite::runtime
