#include "sys/process.hpp"

#include <dirent.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>

#include "sys/paths.hpp"

namespace crunlite::sys {

Result<pid_t> clone_with_flags(uint64_t clone_flags, UniqueFd *pidfd)
{
    clone_args args{};
    int pidfd_number = -1;
    args.flags = clone_flags;
    // With CLONE_PARENT, clone3 refuses an exit signal: the child gets the caller's own.
    args.exit_signal = (clone_flags & CLONE_PARENT) ? 0 : SIGCHLD;
    if (pidfd) {
        args.flags |= CLONE_PIDFD;
        args.pidfd = reinterpret_cast<uint64_t>(&pidfd_number);
    }

    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0)
        return Error::from_errno("clone the container process");
    if (pid > 0 && pidfd)
        pidfd->reset(pidfd_number);
    return static_cast<pid_t>(pid);
}

UniqueFd open_pidfd(pid_t pid)
{
    return UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
}

int signal_pidfd(int pidfd, int signal_number)
{
    return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, signal_number, nullptr, 0));
}

std::optional<ProcessStat> read_process_stat(pid_t pid)
{
    auto text = read_file("/proc/" + std::to_string(pid) + "/stat", 4096);
    if (!text)
        return std::nullopt;

    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    auto close = text->rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    ProcessStat stat;
    unsigned long long start_time = 0;
    unsigned flags = 0;
    int parent = 0;
    int matched = sscanf(text->c_str() + close + 1,
                         " %c %d %*d %*d %*d %*d %u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
                         "%*d %*d %llu",
                         &stat.state, &parent, &flags, &start_time);
    if (matched != 4)
        return std::nullopt;
    constexpr unsigned pf_exiting = 0x4; // include/linux/sched.h
    stat.parent = parent;
    stat.start_time = start_time;
    stat.exiting = flags & pf_exiting;
    return stat;
}

std::optional<uint64_t> process_start_time(pid_t pid)
{
    auto stat = read_process_stat(pid);
    if (!stat)
        return std::nullopt;
    return stat->start_time;
}

namespace {

std::vector<int> inherited_fds;

} // namespace

void record_inherited_fds()
{
    inherited_fds.clear();
    DIR *fds = ::opendir("/proc/self/fd");
    if (!fds)
        return;
    int own = ::dirfd(fds);
    while (dirent *entry = ::readdir(fds)) {
        int fd = atoi(entry->d_name);
        if (fd > STDERR_FILENO && fd != own)
            inherited_fds.push_back(fd);
    }
    ::closedir(fds);
}

std::vector<int> inherited_fds_in_range(int count)
{
    std::vector<int> in_range;
    for (int fd = 3; fd < 3 + count; ++fd)
        if (std::find(inherited_fds.begin(), inherited_fds.end(), fd) != inherited_fds.end())
            in_range.push_back(fd);
    return in_range;
}

int shell_exit_status(int wait_status)
{
    if (WIFEXITED(wait_status))
        return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status))
        return 128 + WTERMSIG(wait_status);
    return 255;
}

std::vector<pid_t> all_pids()
{
    std::vector<pid_t> pids;
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator("/proc", error)) {
        pid_t pid = static_cast<pid_t>(atoi(entry.path().filename().c_str()));
        if (pid > 0)
            pids.push_back(pid);
    }
    return pids;
}

std::vector<pid_t> descendants_of(pid_t root)
{
    std::map<pid_t, std::vector<pid_t>> children;
    for (pid_t pid : all_pids())
        if (auto stat = read_process_stat(pid))
            children[stat->parent].push_back(pid);

    std::vector<pid_t> found = {root};
    for (size_t next = 0; next < found.size(); ++next)
        for (pid_t child : children[found[next]])
            found.push_back(child);
    return found;
}

std::vector<pid_t> children_of(pid_t parent)
{
    std::vector<pid_t> children;
    for (pid_t pid : all_pids())
        if (auto stat = read_process_stat(pid); stat && stat->parent == parent)
            children.push_back(pid);
    return children;
}

} // namespace crunlite::sys
