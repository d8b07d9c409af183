#include "runtime/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

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

// Kills a hook that ran past its timeout and everything it started: its process group, and
// every descendant, which setsid may have taken out of the group. Each found is stopped first,
// so that it cannot fork behind the walk, until a walk finds nothing new; then all are killed.
// A process that left the tree before (a double fork's orphan) is not found.
void kill_hook_tree(pid_t pid, int pidfd)
{
    ::kill(-pid, SIGSTOP);
    std::set<pid_t> stopped;
    for (bool grew = true; grew;) {
        grew = false;
        for (pid_t member : sys::descendants_of(pid))
            if (stopped.insert(member).second) {
                ::kill(member, SIGSTOP);
                grew = true;
            }
    }
    for (pid_t member : stopped)
        if (member != pid)
            ::kill(member, SIGKILL);
    ::kill(-pid, SIGKILL);
    sys::signal_pidfd(pidfd, SIGKILL);
}

// Waits for the hook; past its timeout, kills it and its process group. Returns the wait status, or nullopt on timeout.
Result<std::optional<int>> wait_for_hook(pid_t pid, int pidfd, const spec::Hook &hook)
{
    bool timed_out = false;
    if (hook.timeout) {
        pollfd entry = {pidfd, POLLIN, 0};
        int ready;
        do {
            ready = ::poll(&entry, 1, *hook.timeout * 1000);
        } while (ready < 0 && errno == EINTR);
        if (ready == 0) {
            kill_hook_tree(pid, pidfd);
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
    auto wait_status = TRY(wait_for_hook(pid, pidfd.get(), hook));
    if (got == sizeof exec_errno)
        return Error::system(exec_errno, "exec `" + hook.path + "`");
    if (wait_status && WIFEXITED(*wait_status) && WEXITSTATUS(*wait_status) == 0)
        return Ok{};
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
