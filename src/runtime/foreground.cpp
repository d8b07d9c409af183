#include "runtime/foreground.hpp"

#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "sys/process.hpp"
#include "util/log.hpp"

namespace crunlite::runtime {
namespace {

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
} // namespace

Result<int> relay_until_exit(const SignalRelay &relay, pid_t pid, int pidfd, bool subreaper,
                             TerminalRelay *terminal)
{
    int wait_status = 0;
    for (;;) {
        if (reap_children(pid, subreaper, wait_status))
            return wait_status;
        if (terminal)
            TRY(terminal->pump_until_readable(relay.fd()));
        signalfd_siginfo info{};
        ssize_t n = ::read(relay.fd(), &info, sizeof info);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != static_cast<ssize_t>(sizeof info))
            return Error::from_errno("read signalfd");
        int signal_number = static_cast<int>(info.ssi_signo);
        if (signal_number == SIGCHLD)
            continue;
        // The kernel signals the container's foreground process group once the size changes.
        if (signal_number == SIGWINCH && terminal) {
            terminal->follow_window_size();
            continue;
        }
        log::debug("forward signal " + std::to_string(signal_number) + " to the container");
        if (sys::signal_pidfd(pidfd, signal_number) != 0 && errno != ESRCH)
            log::warning("forward signal " + std::to_string(signal_number) + ": " +
                         strerror(errno));
    }
}

// TODO: kill through the container's cgroup once crun-lite makes one (cgroup support); this
// misses a process that escaped with setsid and a double fork before its parent was killed.
void kill_leftover_processes()
{
    for (int round = 0; round < 100; ++round) {
        auto children = sys::children_of(::getpid());
        if (children.empty())
            return;
        for (pid_t child : children)
            ::kill(child, SIGKILL);
        while (::waitpid(-1, nullptr, 0) > 0) {
        }
    }
}

} // namespace crunlite::runtime
