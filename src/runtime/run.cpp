#include "runtime/run.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "runtime/container.hpp"
#include "runtime/lifecycle.hpp"
#include "sys/paths.hpp"
#include "sys/process.hpp"
#include "util/log.hpp"

namespace crunlite::runtime {
namespace {

// Blocks every signal the runtime could be sent and reads them from a signalfd instead, so none
// is lost between clone and the wait loop; restores the mask when it goes.
class SignalRelay {
public:
    Status install()
    {
        sigset_t all;
        sigfillset(&all);
        // Faults must stay deliverable, or a crash would turn into a hang.
        for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS})
            sigdelset(&all, fault);
        if (::sigprocmask(SIG_BLOCK, &all, &saved_) != 0)
            return Error::from_errno("block signals");
        installed_ = true;
        fd_.reset(::signalfd(-1, &all, SFD_CLOEXEC));
        if (!fd_)
            return Error::from_errno("create signalfd");
        return Ok{};
    }

    ~SignalRelay()
    {
        if (installed_)
            ::sigprocmask(SIG_SETMASK, &saved_, nullptr);
    }

    int fd() const { return fd_.get(); }

private:
    sigset_t saved_{};
    bool installed_ = false;
    UniqueFd fd_;
};

int send_signal(int pidfd, int signal_number)
{
    return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, signal_number, nullptr, 0));
}

// Reaps children without blocking; returns true once `pid` is reaped, with its status.
bool reap_children(pid_t pid, bool reap_all, int &wait_status)
{
    bool main_done = false;
    for (;;) {
        int status = 0;
        pid_t reaped = ::waitpid(reap_all ? -1 : pid, &status, WNOHANG);
        if (reaped <= 0)
            return main_done;
        if (reaped == pid) {
            wait_status = status;
            main_done = true;
        }
    }
}

// Waits for the container process, passing on every signal the runtime gets.
Result<int> relay_until_exit(const SignalRelay &relay, pid_t pid, int pidfd, bool subreaper)
{
    int wait_status = 0;
    for (;;) {
        if (reap_children(pid, subreaper, wait_status))
            return wait_status;
        signalfd_siginfo info{};
        ssize_t n = ::read(relay.fd(), &info, sizeof info);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != static_cast<ssize_t>(sizeof info))
            return Error::from_errno("read signalfd");
        int signal_number = static_cast<int>(info.ssi_signo);
        if (signal_number == SIGCHLD)
            continue;
        log::debug("forward signal " + std::to_string(signal_number) + " to the container");
        if (send_signal(pidfd, signal_number) != 0 && errno != ESRCH)
            log::warning("forward signal " + std::to_string(signal_number) + ": " +
                         strerror(errno));
    }
}

std::vector<pid_t> children_of(pid_t parent)
{
    std::vector<pid_t> children;
    DIR *proc = ::opendir("/proc");
    if (!proc)
        return children;
    while (dirent *entry = ::readdir(proc)) {
        pid_t pid = static_cast<pid_t>(atoi(entry->d_name));
        if (pid <= 0)
            continue;
        auto stat = sys::read_process_stat(pid);
        if (stat && stat->parent == parent)
            children.push_back(pid);
    }
    ::closedir(proc);
    return children;
}

// Without a pid namespace, the container's other processes outlive its first one. The runtime
// is their subreaper, so each orphan becomes its child: kill and reap until none is left.
// TODO: kill through the container's cgroup once crun-lite makes one (cgroup support); this
// misses a process that escaped with setsid and a double fork before its parent was killed.
void kill_leftover_processes()
{
    for (int round = 0; round < 100; ++round) {
        auto children = children_of(::getpid());
        if (children.empty())
            return;
        for (pid_t child : children)
            ::kill(child, SIGKILL);
        while (::waitpid(-1, nullptr, 0) > 0) {
        }
    }
}

// The first process execs once released; its end of the channel closes on exec, and a message
// instead means the exec failed.
Status check_exec(SyncChannel &channel)
{
    auto after_start = TRY(channel.receive());
    if (after_start && after_start->kind == SyncKind::error)
        return Error::message(after_start->text).with_exit_status(after_start->exit_status);
    return Ok{};
}

Result<int> run_detached(const spec::Bundle &bundle, const RunOptions &options)
{
    CreateOptions create = options.create;
    create.foreground = false;
    auto container = TRY(NewContainer::create(bundle, create));
    TRY(release_first_process(container->store(), container->state()));
    TRY(check_exec(container->channel()));
    TRY(write_pid_file(options.pid_file, container->pid()));
    container->keep();
    return 0;
}

} // namespace

Result<int> run_container(const spec::Bundle &bundle, const RunOptions &options)
{
    if (options.detach)
        return run_detached(bundle, options);

    // Signals are held from before the clone, so none sent meanwhile is lost.
    SignalRelay relay;
    TRY(relay.install());
    auto initial = initial_state(bundle, options.create.id);
    bool subreaper = !initial.own_pid_namespace;
    if (subreaper && ::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        return Error::from_errno("become the subreaper of the container's processes");

    CreateOptions create = options.create;
    create.foreground = true;
    auto container = TRY(NewContainer::create(bundle, create));
    TRY(release_first_process(container->store(), container->state()));
    TRY(check_exec(container->channel()));
    TRY(write_pid_file(options.pid_file, container->pid()));
    container->unlock();

    int wait_status = TRY(relay_until_exit(relay, container->pid(), container->pidfd(), subreaper));
    if (subreaper)
        kill_leftover_processes();
    log::debug("container process exited with wait status " + std::to_string(wait_status));
    // Leaving scope removes the container: its layers and its state directory.
    return sys::shell_exit_status(wait_status);
}

} // namespace crunlite::runtime
