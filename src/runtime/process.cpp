#include "runtime/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/command_lookup.hpp"

namespace crunlite::runtime {
namespace {

std::vector<char *> c_strings(const std::vector<std::string> &strings)
{
    std::vector<char *> pointers;
    for (const auto &text : strings)
        pointers.push_back(const_cast<char *>(text.c_str()));
    pointers.push_back(nullptr);
    return pointers;
}

// Dispositions set to "ignore" and a blocked mask survive execve; the program gets neither.
void reset_signals()
{
    for (int signal_number = 1; signal_number < NSIG; ++signal_number)
        ::signal(signal_number, SIG_DFL);
    sigset_t empty;
    sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
}

} // namespace

void die_with_runtime(int runtime_pidfd)
{
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // A pidfd polls readable once its process has exited; unlike a signal, this works from the
    // container's own pid namespace, where the runtime has no pid.
    pollfd runtime = {runtime_pidfd, POLLIN, 0};
    if (::poll(&runtime, 1, 0) != 0)
        _exit(1);
}

Status enter_identity(const spec::User &user)
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

Result<std::string> prepare_command(const spec::Process &process, int &failure_status)
{
    failure_status = 1;
    if (::chdir(process.cwd.c_str()) != 0)
        return Error::from_errno("chdir to cwd `" + process.cwd + "`");
    return find_command(process.args[0], process.env, failure_status);
}

void exec_command(const std::string &path, const spec::Process &process,
                  const std::vector<int> &passed_fds)
{
    ::umask(process.user.umask.value_or(022));
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    for (int fd : passed_fds)
        ::fcntl(fd, F_SETFD, 0);
    reset_signals();

    auto argv = c_strings(process.args);
    auto envp = c_strings(process.env);
    ::execve(path.c_str(), argv.data(), envp.data());
}

} // namespace crunlite::runtime
