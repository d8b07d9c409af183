// init: the container's first process, from clone to exec.
//
// Input: the LaunchPlan (a copy of the parent's memory) and the child's end of the sync channel.
// Order: enter joined namespaces, build the root in the new mount namespace, pivot_root, set
// hostname, network loopback, identity, cwd, resolve the command, report ready, wait for start,
// exec. Any failure is sent to the parent as one message and the process ends with _exit: it
// never unwinds into the parent's code, whose stack it shares a copy of.
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "runtime/command_lookup.hpp"
#include "runtime/devices.hpp"
#include "runtime/launch.hpp"
#include "runtime/rootfs.hpp"
#include "runtime/sync.hpp"
#include "sys/paths.hpp"
#include "util/log.hpp"

namespace crunlite::runtime {
namespace {

Status join_namespaces(const LaunchPlan &plan)
{
    for (const auto &join : plan.joins) {
        if (::setns(join.fd.get(), join.clone_flag) != 0)
            return Error::from_errno(std::string("join the ") +
                                     spec::namespace_type_name(join.type) + " namespace");
    }
    return Ok{};
}

Status build_root(const LaunchPlan &plan)
{
    TRY(isolate_mount_propagation());
    auto root = TRY(mount_root(plan));
    TRY(mount_config_mounts(root.get(), *plan.bundle));
    TRY(populate_dev(root.get(), plan.bundle->config));
    if (plan.no_pivot)
        TRY(move_root_into(root.get()));
    else
        TRY(pivot_into(root.get()));
    if (plan.bundle->config.root.readonly)
        TRY(make_root_readonly());
    return Ok{};
}

Status set_names(const spec::Config &config)
{
    const auto &hostname = config.hostname;
    if (!hostname.empty() && ::sethostname(hostname.data(), hostname.size()) != 0)
        return Error::from_errno("set hostname `" + hostname + "`");
    const auto &domain = config.domainname;
    if (!domain.empty() && ::setdomainname(domain.data(), domain.size()) != 0)
        return Error::from_errno("set domainname `" + domain + "`");
    return Ok{};
}

// A new network namespace starts with `lo` down; programs expect localhost to work.
Status bring_up_loopback()
{
    UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock)
        return Error::from_errno("open a socket to configure `lo`");
    ifreq request{};
    strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) != 0)
        return Error::from_errno("read flags of `lo`");
    request.ifr_flags |= IFF_UP;
    if (::ioctl(sock.get(), SIOCSIFFLAGS, &request) != 0)
        return Error::from_errno("bring up `lo`");
    return Ok{};
}

Status set_identity(const spec::User &user)
{
    std::vector<gid_t> groups(user.additional_gids.begin(), user.additional_gids.end());
    if (::setgroups(groups.size(), groups.data()) != 0)
        return Error::from_errno("set additional groups");
    if (::setresgid(user.gid, user.gid, user.gid) != 0)
        return Error::from_errno("set gid " + std::to_string(user.gid));
    if (::setresuid(user.uid, user.uid, user.uid) != 0)
        return Error::from_errno("set uid " + std::to_string(user.uid));
    return Ok{};
}

// A missing cwd is made, as root and before the switch to the user's identity, as runc does.
// After pivot_root plain paths resolve inside the container, so mkdir -p is safe here.
Status make_cwd(const std::string &cwd)
{
    TRY_CONTEXT(sys::make_directories(cwd, 0755), "create cwd `" + cwd + "`");
    return Ok{};
}

Status set_up(const LaunchPlan &plan)
{
    const spec::Config &config = plan.bundle->config;
    TRY(join_namespaces(plan));
    TRY(build_root(plan));
    TRY(set_names(config));
    if (plan.clone_flags & CLONE_NEWNET)
        TRY(bring_up_loopback());
    if (config.process)
        TRY(make_cwd(config.process->cwd));
    return Ok{};
}


// Reports a failure to the runtime and ends. After `create` has returned nobody is listening on
// the channel, so the message goes to the container's stderr instead.
[[noreturn]] void fail(SyncChannel &channel, const Error &error, int exit_status)
{
    SyncMessage message{SyncKind::error, exit_status, error.render()};
    if (!channel.send(message)) {
        std::string line = "crun-lite: " + message.text + "\n";
        (void)!::write(STDERR_FILENO, line.data(), line.size());
    }
    _exit(exit_status);
}

// Blocks until start writes a byte into the exec fifo. The process holds the fifo open for
// reading and writing, so the read never sees end-of-file: only a byte ends the wait.
void wait_for_start(int fifo_fd)
{
    char byte;
    ssize_t n;
    do {
        n = ::read(fifo_fd, &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1)
        _exit(1);
    ::close(fifo_fd);
}

// A config without a process (the spec allows one) makes a container that only holds its
// namespaces: ready, then waiting until it is deleted; start refuses it.
[[noreturn]] void hold_namespaces(const LaunchPlan &plan, SyncChannel &channel)
{
    if (auto sent = channel.send({SyncKind::ready, 0, {}}); !sent)
        _exit(1);
    wait_for_start(plan.exec_fifo_fd);
    _exit(0);
}

void reset_signals(const sigset_t &empty)
{
    for (int signal_number = 1; signal_number < NSIG; ++signal_number)
        ::signal(signal_number, SIG_DFL);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
}

std::vector<char *> c_strings(const std::vector<std::string> &strings)
{
    std::vector<char *> pointers;
    for (const auto &text : strings)
        pointers.push_back(const_cast<char *>(text.c_str()));
    pointers.push_back(nullptr);
    return pointers;
}

} // namespace

void container_init(const LaunchPlan &plan, SyncChannel &channel)
{
    // The state directory's lock above all: flock belongs to the open file, which the child
    // shares until it closes its copy, and the lock must go when the runtime is done.
    for (int fd : plan.parent_only_fds)
        ::close(fd);
    if (plan.die_with_runtime)
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // Device nodes and mount points get exactly the modes asked for.
    ::umask(0);

    if (auto status = set_up(plan); !status)
        fail(channel, status.error(), 1);
    if (!plan.bundle->config.process)
        hold_namespaces(plan, channel);

    const spec::Process &process = *plan.bundle->config.process;
    if (auto status = set_identity(process.user); !status)
        fail(channel, status.error(), 1);
    // chdir after the switch, so a cwd the user may not enter fails here and not later.
    if (::chdir(process.cwd.c_str()) != 0)
        fail(channel, Error::from_errno("chdir to cwd `" + process.cwd + "`"), 1);

    // The command is found before the user's program could run, so "not found" comes early.
    int not_runnable_status = 1;
    auto command = find_command(process.args[0], process.env, not_runnable_status);
    if (!command)
        fail(channel, command.error(), not_runnable_status);

    ::umask(process.user.umask.value_or(022));

    if (auto sent = channel.send({SyncKind::ready, 0, {}}); !sent)
        _exit(1);
    wait_for_start(plan.exec_fifo_fd);

    // Only stdio and the fds asked for survive into the container: every other fd is closed on
    // exec, the sync channel included, which tells the parent the exec went through.
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    for (int fd : plan.passed_fds)
        ::fcntl(fd, F_SETFD, 0);
    sigset_t empty;
    sigemptyset(&empty);
    reset_signals(empty);

    auto argv = c_strings(process.args);
    auto envp = c_strings(process.env);
    ::execve(command->c_str(), argv.data(), envp.data());

    Error error = Error::from_errno("exec `" + process.args[0] + "`");
    fail(channel, error, errno == ENOENT ? 127 : 126);
}

} // namespace crunlite::runtime
