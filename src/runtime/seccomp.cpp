#include "runtime/seccomp.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <set>

#include "spec/seccomp_names.hpp"
#include "util/log.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::runtime {
namespace {

struct ContextRelease {
    void operator()(void *context) const { seccomp_release(context); }
};
using FilterContext = std::unique_ptr<void, ContextRelease>;

// libseccomp reports failure as a negative errno.
Status check(int result, const std::string &what)
{
    if (result < 0)
        return Error::system(-result, what);
    return Ok{};
}

// Validation refused unknown names already; this guards a caller that skipped it.
Result<uint32_t> value_of(std::span<const spec::SeccompName> table, const std::string &name)
{
    const spec::SeccompName *entry = spec::find_seccomp_name(table, name);
    if (!entry || !entry->supported)
        return Error::message("seccomp: `" + name + "` is not supported");
    return entry->value;
}

// The libseccomp action, with errnoRet in its data for ERRNO and TRACE (EPERM when absent, as
// the spec says).
Result<uint32_t> action_of(const std::string &action, const std::optional<uint32_t> &errno_ret)
{
    uint32_t value = TRY(value_of(spec::seccomp_actions(), action));
    if (spec::seccomp_action_takes_errno(action))
        value |= errno_ret.value_or(EPERM);
    return value;
}

Result<std::vector<scmp_arg_cmp>> conditions_of(const std::vector<spec::SeccompArg> &args)
{
    std::vector<scmp_arg_cmp> conditions;
    for (const auto &arg : args) {
        uint32_t op = TRY(value_of(spec::seccomp_operators(), arg.op));
        conditions.push_back({arg.index, static_cast<scmp_compare>(op), arg.value, arg.value_two});
    }
    return conditions;
}

// Conditions on different arguments must all hold (one rule). libseccomp takes one condition
// per argument in a rule, so several on the same argument become one rule each, any of which
// matches: how runc reads such a profile too.
bool conditions_share_an_argument(const std::vector<scmp_arg_cmp> &conditions)
{
    std::set<unsigned int> seen;
    for (const auto &condition : conditions)
        if (!seen.insert(condition.arg).second)
            return true;
    return false;
}

Status add_syscall(scmp_filter_ctx context, uint32_t action, int number,
                   const std::vector<scmp_arg_cmp> &conditions, const std::string &what)
{
    if (!conditions_share_an_argument(conditions))
        return check(seccomp_rule_add_array(context, action, number, conditions.size(),
                                            conditions.data()),
                     what);
    for (const auto &condition : conditions)
        TRY(check(seccomp_rule_add_array(context, action, number, 1, &condition), what));
    return Ok{};
}

Status add_rule(scmp_filter_ctx context, const spec::SeccompRule &rule, uint32_t default_action,
                const std::string &path)
{
    uint32_t action = TRY(action_of(rule.action, rule.errno_ret));
    // libseccomp refuses a rule that changes nothing.
    if (action == default_action) {
        log::debug("seccomp: " + path + " has the default action, skipped");
        return Ok{};
    }
    auto conditions = TRY(conditions_of(rule.args));
    for (const auto &name : rule.names) {
        int number = seccomp_syscall_resolve_name(name.c_str());
        if (number == __NR_SCMP_ERROR) {
            log::debug("seccomp: " + path + ": unknown syscall `" + name + "`, skipped");
            continue;
        }
        TRY(add_syscall(context, action, number, conditions,
                        "seccomp: " + path + ": add the rule for `" + name + "`"));
    }
    return Ok{};
}

Status add_architectures(scmp_filter_ctx context, const std::vector<std::string> &names)
{
    for (const auto &name : names) {
        uint32_t token = TRY(value_of(spec::seccomp_architectures(), name));
        int result = seccomp_arch_add(context, token);
        // The native architecture is in every new context already.
        if (result != -EEXIST)
            TRY(check(result, "seccomp: add architecture `" + name + "`"));
    }
    return Ok{};
}

// Exports the filter as classic BPF, through a memfd: libseccomp 2.5 writes only to an fd.
Result<std::vector<sock_filter>> export_program(scmp_filter_ctx context)
{
    UniqueFd memory(::memfd_create("crun-lite-seccomp", MFD_CLOEXEC));
    if (!memory)
        return Error::from_errno("seccomp: create a memfd for the filter");
    TRY(check(seccomp_export_bpf(context, memory.get()), "seccomp: export the filter"));
    struct stat info {};
    if (::fstat(memory.get(), &info) != 0)
        return Error::from_errno("seccomp: size the exported filter");

    std::vector<sock_filter> instructions(info.st_size / sizeof(sock_filter));
    size_t bytes = instructions.size() * sizeof(sock_filter);
    if (::pread(memory.get(), instructions.data(), bytes, 0) != static_cast<ssize_t>(bytes))
        return Error::from_errno("seccomp: read the exported filter");
    // The kernel's limit (BPF_MAXINSNS): better said now than as EINVAL at load.
    if (instructions.size() > BPF_MAXINSNS)
        return Error::message("seccomp: the filter has " + std::to_string(instructions.size()) +
                              " instructions, the kernel takes at most " +
                              std::to_string(BPF_MAXINSNS));
    return instructions;
}

Status load(const SeccompProgram &program)
{
    sock_fprog filter = {static_cast<unsigned short>(program.instructions.size()),
                         const_cast<sock_filter *>(program.instructions.data())};
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, program.flags, &filter) != 0)
        return Error::from_errno("load the seccomp filter");
    return Ok{};
}

// What a trial process under the filter does: exit at once, or first try an execve that can
// only fail (an empty path), reporting its errno as the exit status.
enum class Trial { exit, execve };

// The exit status of a process forked to load the filter and run `trial`, or nothing when no
// trial could be made (the filter may forbid the fork itself).
std::optional<int> run_trial(const SeccompProgram &program, Trial trial)
{
    pid_t pid = ::fork();
    if (pid < 0) {
        log::debug("seccomp: no trial of the filter: fork: " + std::string(strerror(errno)));
        return std::nullopt;
    }
    if (pid == 0) {
        // When the filter denies both exits, _exit ends in a fault (glibc's last resort): it
        // must kill the trial whatever handler the runtime has (the sanitizer build's reports
        // the fault, then cannot exit either, and tries again for ever).
        ::signal(SIGSEGV, SIG_DFL);
        // no_new_privs lets a process without CAP_SYS_ADMIN load the filter.
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || !load(program))
            _exit(255);
        if (trial == Trial::execve) {
            char *none[] = {nullptr};
            ::syscall(SYS_execve, "", none, none);
            _exit(errno == ENOENT ? 0 : errno);
        }
        _exit(0);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return std::nullopt;
    return status;
}

std::string signal_text(int status)
{
    int signal_number = WTERMSIG(status);
    return "signal " + std::to_string(signal_number) + " (" + ::strsignal(signal_number) + ")";
}

} // namespace

Status check_seccomp_lets_program_run(const std::optional<SeccompProgram> &program)
{
    if (!program)
        return Ok{};
    // Exit first: the execve trial reports through its exit status.
    auto exited = run_trial(*program, Trial::exit);
    if (exited && WIFSIGNALED(*exited))
        return Error::message("linux.seccomp: the profile lets no process exit: a trial process "
                              "calling exit_group was ended by " + signal_text(*exited));
    auto executed = run_trial(*program, Trial::execve);
    if (executed && WIFSIGNALED(*executed))
        return Error::message("linux.seccomp: the profile kills any process calling execve: "
                              "a trial process was ended by " + signal_text(*executed));
    if (executed && WIFEXITED(*executed) && WEXITSTATUS(*executed) != 0 &&
        WEXITSTATUS(*executed) != 255)
        return Error::system(WEXITSTATUS(*executed),
                             "linux.seccomp: the profile denies execve, so the program could "
                             "never start");
    return Ok{};
}

Result<SeccompProgram> compile_seccomp(const spec::Seccomp &seccomp)
{
    uint32_t default_action = TRY(action_of(seccomp.default_action, seccomp.default_errno_ret));
    FilterContext context(seccomp_init(default_action));
    if (!context)
        return Error::message("seccomp: libseccomp refused default action `" +
                              seccomp.default_action + "`");
    TRY(add_architectures(context.get(), seccomp.architectures));
    for (size_t i = 0; i < seccomp.syscalls.size(); ++i)
        TRY(add_rule(context.get(), seccomp.syscalls[i], default_action,
                     "linux.seccomp.syscalls[" + std::to_string(i) + "]"));

    SeccompProgram program;
    for (const auto &flag : seccomp.flags)
        program.flags |= TRY(value_of(spec::seccomp_flags(), flag));
    program.instructions = TRY(export_program(context.get()));
    log::debug("seccomp: filter of " + std::to_string(program.instructions.size()) +
               " instructions, flags " + std::to_string(program.flags));
    return program;
}

Status load_seccomp_at(SeccompLoadPoint point, const std::optional<SeccompProgram> &program,
                       const spec::Process &process)
{
    auto wanted = process.no_new_privileges ? SeccompLoadPoint::before_exec
                                            : SeccompLoadPoint::before_identity;
    if (!program || point != wanted)
        return Ok{};
    return load(*program);
}

} // namespace crunlite::runtime
