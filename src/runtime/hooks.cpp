#include "runtime/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <utility>

#include "runtime/process.hpp"
#include "sys/process.hpp"
#include "util/log.hpp"
#include "util/unique_fd.hpp"

extern char **environ;

namespace crunlite::runtime {
namespace {

// A memfd rather than a pipe: the state can be larger than a pipe's buffer, and a hook that
// never reads its stdin must not block the runtime.
Result<UniqueFd> state_file(const std::string &state_json)
{
    UniqueFd fd(::memfd_create("crun-lite-hook-state", MFD_CLOEXEC));
    if (!fd)
        return Error::from_errno("create the hook's state file");
    if (::write(fd.get(), state_json.data(), state_json.size()) !=
            static_cast<ssize_t>(state_json.size()) ||
        ::lseek(fd.get(), 0, SEEK_SET) != 0)
        return Error::from_errno("write the hook's state file");
    return fd;
}

// In the forked hook process: stdio in place, every other fd closed on exec, the runtime's
// blocked signals unblocked. On exec failure, errno goes back through `exec_error_fd`.
[[noreturn]] void exec_hook(const char *path, char *const argv[], char *const envp[],
                            int state_fd, int exec_error_fd)
{
    if (::dup2(state_fd, STDIN_FILENO) < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
        _exit(127);
    ::fcntl(STDIN_FILENO, F_SETFD, 0); // dup2 onto itself (state_fd 0) keeps close-on-exec
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    reset_signals();
    // A group of its own, so that a timeout can kill what the hook started along with it.
    ::setpgid(0, 0);
    ::execve(path, argv, envp);
    int errnum = errno;
    (void)!::write(exec_error_fd, &errnum, sizeof errnum);
    _exit(127);
}

// Stops `root` and every descendant, walking again until a walk finds no new one (so none can
// fork behind the walk), then kills them all.
void kill_tree(pid_t root)
{
    std::set<pid_t> stopped;
    for (bool grew = true; grew;) {
        grew = false;
        for (pid_t member : sys::descendants_of(root))
            if (stopped.insert(member).second) {
                ::kill(member, SIGSTOP);
                grew = true;
            }
    }
    for (pid_t member : stopped)
        ::kill(member, SIGKILL);
}

// What a hook leaves running when it fails or times out. While hooks run, the runtime is the
// subreaper of what they start, so a double fork's orphan comes back to it instead of escaping
// to the host's init; a failed hook's strays are then the runtime's children that were not
// there before the hook, and they are killed with their descendants.
//
// A hook that succeeds may leave a process running on purpose (a helper that lives as long as
// the container, say): as with runc and crun, that one is kept. It stays the runtime's child
// until the runtime exits, then passes to the runtime's own reaper, as it would have.
class StrayCatcher {
public:
    static Result<StrayCatcher> start()
    {
        StrayCatcher catcher;
        int was_subreaper = 0;
        if (::prctl(PR_GET_CHILD_SUBREAPER, &was_subreaper) != 0)
            return Error::from_errno("read whether the runtime is a subreaper");
        catcher.restore_subreaper_ = was_subreaper == 0;
        if (catcher.restore_subreaper_ && ::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
            return Error::from_errno("become the subreaper of the hook's processes");
        catcher.proc_is_own_view_ = proc_shows_own_pids();
        if (catcher.proc_is_own_view_)
            catcher.before_ = sys::children_of(::getpid());
        return catcher;
    }

    StrayCatcher(StrayCatcher &&other) noexcept
        : before_(std::move(other.before_)), proc_is_own_view_(other.proc_is_own_view_),
          restore_subreaper_(std::exchange(other.restore_subreaper_, false))
    {
    }

    ~StrayCatcher()
    {
        if (restore_subreaper_)
            ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    }

    // Whether /proc's pids are the runtime's: false in a container's first process that runs
    // createContainer hooks in a new pid namespace with the host's /proc still mounted.
    bool proc_is_own_view() const { return proc_is_own_view_; }

    // Kills and reaps every child of the runtime that came after start(), with its descendants,
    // until none is left; a killed parent's children come back as children, hence the rounds.
    void kill_strays()
    {
        if (!proc_is_own_view_) {
            kill_strays_as_namespace_init();
            return;
        }
        for (int round = 0; round < 100; ++round) {
            auto strays = new_children();
            if (strays.empty())
                return;
            for (pid_t stray : strays)
                kill_tree(stray);
            for (pid_t stray : strays)
                while (::waitpid(stray, nullptr, 0) < 0 && errno == EINTR) {
                }
        }
    }

private:
    StrayCatcher() = default;

    static bool proc_shows_own_pids()
    {
        char link[32] = {};
        if (::readlink("/proc/self", link, sizeof link - 1) <= 0)
            return false;
        return strtol(link, nullptr, 10) == ::getpid();
    }

    std::vector<pid_t> new_children() const
    {
        std::vector<pid_t> found;
        for (pid_t child : sys::children_of(::getpid()))
            if (std::find(before_.begin(), before_.end(), child) == before_.end())
                found.push_back(child);
        return found;
    }

    // Without a /proc of its own namespace, the runtime cannot tell its processes apart; as the
    // first process of a new pid namespace it has no others yet, so every other process in the
    // namespace came from the hook. Elsewhere, strays are left (logged).
    static void kill_strays_as_namespace_init()
    {
        if (::getpid() != 1) {
            log::debug("no /proc of the runtime's pid namespace: a failed hook's strays stay");
            return;
        }
        ::kill(-1, SIGKILL);
        while (::waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
        }
    }

    std::vector<pid_t> before_;
    bool proc_is_own_view_ = false;
    bool restore_subreaper_ = false;
};

// Kills a hook that ran past its timeout and everything it started: its process group, and
// every descendant, which setsid may have taken out of the group. A process that left the tree
// (a double fork's orphan) is the StrayCatcher's.
void kill_hook_tree(pid_t pid, int pidfd, bool walk_descendants)
{
    ::kill(-pid, SIGSTOP);
    if (walk_descendants)
        kill_tree(pid);
    ::kill(-pid, SIGKILL);
    sys::signal_pidfd(pidfd, SIGKILL);
}

// Waits for the hook; past its timeout, kills it and its process group. Returns the wait
// status, or nullopt on timeout.
Result<std::optional<int>> wait_for_hook(pid_t pid, int pidfd, const spec::Hook &hook,
                                         const StrayCatcher &strays)
{
    bool timed_out = false;
    if (hook.timeout) {
        pollfd entry = {pidfd, POLLIN, 0};
        int ready;
        do {
            ready = ::poll(&entry, 1, *hook.timeout * 1000);
        } while (ready < 0 && errno == EINTR);
        if (ready == 0) {
            kill_hook_tree(pid, pidfd, strays.proc_is_own_view());
            timed_out = true;
        }
    }
    int wait_status = 0;
    while (::waitpid(pid, &wait_status, 0) < 0)
        if (errno != EINTR)
            return Error::from_errno("wait for the hook");
    if (timed_out)
        return std::optional<int>();
    return std::optional<int>(wait_status);
}

std::string describe_failure(const spec::Hook &hook, std::optional<int> wait_status)
{
    std::string program = "`" + hook.path + "`";
    if (!wait_status)
        return program + " ran past its timeout of " + std::to_string(*hook.timeout) +
               " s and was killed";
    if (WIFSIGNALED(*wait_status))
        return program + " was killed by signal " + std::to_string(WTERMSIG(*wait_status));
    return program + " exited with status " + std::to_string(WEXITSTATUS(*wait_status));
}

Status run_hook(const spec::Hook &hook, const std::string &state_json)
{
    // Everything exec needs is made before the fork: the child only moves fds and execs.
    std::vector<std::string> args = hook.args.empty() ? std::vector{hook.path} : hook.args;
    auto argv = c_strings(args);
    auto env = hook.env ? c_strings(*hook.env) : std::vector<char *>();
    char *const *envp = hook.env ? env.data() : environ;
    UniqueFd state = TRY(state_file(state_json));
    int error_pipe[2];
    if (::pipe2(error_pipe, O_CLOEXEC) != 0)
        return Error::from_errno("create a pipe for the hook");
    UniqueFd error_reader(error_pipe[0]);
    UniqueFd error_writer(error_pipe[1]);

    auto strays = TRY(StrayCatcher::start());
    UniqueFd pidfd;
    pid_t pid = TRY_CONTEXT(sys::clone_with_flags(0, &pidfd), "start `" + hook.path + "`");
    if (pid == 0)
        exec_hook(hook.path.c_str(), argv.data(), envp, state.get(), error_writer.get());
    error_writer.reset();

    int exec_errno = 0;
    ssize_t got;
    do {
        got = ::read(error_reader.get(), &exec_errno, sizeof exec_errno);
    } while (got < 0 && errno == EINTR);
    auto wait_status = TRY(wait_for_hook(pid, pidfd.get(), hook, strays));
    if (got == sizeof exec_errno)
        return Error::system(exec_errno, "exec `" + hook.path + "`");
    if (wait_status && WIFEXITED(*wait_status) && WEXITSTATUS(*wait_status) == 0)
        return Ok{};
    strays.kill_strays();
    return Error::message(describe_failure(hook, wait_status));
}

std::string hook_name(const char *kind, size_t index)
{
    return std::string("hooks.") + kind + "[" + std::to_string(index) + "]";
}

} // namespace

Status run_hooks(const char *kind, const std::vector<spec::Hook> &hooks,
                 const std::string &state_json)
{
    for (size_t i = 0; i < hooks.size(); ++i) {
        log::debug("run " + hook_name(kind, i) + " `" + hooks[i].path + "`");
        TRY_CONTEXT(run_hook(hooks[i], state_json), hook_name(kind, i));
    }
    return Ok{};
}

void run_hooks_warning_on_failure(const char *kind, const std::vector<spec::Hook> &hooks,
                                  const std::string &state_json)
{
    for (size_t i = 0; i < hooks.size(); ++i) {
        log::debug("run " + hook_name(kind, i) + " `" + hooks[i].path + "`");
        if (auto status = run_hook(hooks[i], state_json); !status)
            log::warning(hook_name(kind, i) + ": " + status.error().render());
    }
}

} // namespace crunlite::runtime
