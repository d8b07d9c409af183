// Waiting on a process in the foreground, for `run` and `exec`: every signal the runtime gets
// is passed on to it, and its exit status is the command's.
#pragma once

#include <signal.h>
#include <sys/signalfd.h>
#include <sys/types.h>

#include "runtime/terminal_relay.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::runtime {

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

// Waits for the process `pid` (a child of the runtime), passing on every signal the runtime
// gets. With `reap_all`, other children (orphans, when the runtime is their subreaper) are
// reaped too. With a `terminal`, its data is copied meanwhile and SIGWINCH resizes it instead
// of being passed on. Returns the wait status.
Result<int> relay_until_exit(const SignalRelay &relay, pid_t pid, int pidfd, bool reap_all,
                             TerminalRelay *terminal = nullptr);

// Without a pid namespace, the container's other processes outlive its first one. The runtime
// is their subreaper, so each orphan becomes its child: kills and reaps until none is left.
void kill_leftover_processes();

} // namespace crunlite::runtime
