#include "runtime/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#include "runtime/command_lookup.hpp"
#include "runtime/user_namespace.hpp"
#include "spec/kernel_names.hpp"
#include "spec/linux_names.hpp"

namespace crunlite::runtime {
namespace {

// process.capabilities as bit masks (bit N: capability N), without the capabilities the
// running kernel lacks.
struct CapabilityMasks {
    uint64_t bounding = 0;
    uint64_t effective = 0;
    uint64_t permitted = 0;
    uint64_t inheritable = 0;
    uint64_t ambient = 0;
};

uint64_t mask_of(const std::vector<std::string> &names, int last_capability)
{
    uint64_t mask = 0;
    for (const auto &name : names) {
        auto number = spec::capability_from_name(name);
        if (number && *number <= last_capability)
            mask |= uint64_t{1} << *number;
    }
    return mask;
}

CapabilityMasks capability_masks(const spec::Capabilities &caps, int last_capability)
{
    CapabilityMasks masks;
    masks.bounding = mask_of(caps.bounding, last_capability);
    masks.effective = mask_of(caps.effective, last_capability);
    masks.permitted = mask_of(caps.permitted, last_capability);
    masks.inheritable = mask_of(caps.inheritable, last_capability);
    // Validation warned about the others; the kernel would refuse to raise them.
    masks.ambient = mask_of(caps.ambient, last_capability) & masks.permitted & masks.inheritable;
    return masks;
}

std::string capability_label(int number)
{
    return "`" + std::string(spec::capability_name(number)) + "`";
}

// The first capability in `mask`, by name.
std::string first_capability(uint64_t mask)
{
    int number = 0;
    while (!(mask & (uint64_t{1} << number)))
        ++number;
    return capability_label(number);
}

Status drop_bounding_set(uint64_t keep, int last_capability)
{
    for (int number = 0; number <= last_capability; ++number) {
        if (keep & (uint64_t{1} << number))
            continue;
        if (::prctl(PR_CAPBSET_DROP, number, 0, 0, 0) != 0)
            return Error::from_errno("drop " + capability_label(number) + " from the bounding set");
    }
    return Ok{};
}

// capget/capset through the raw system calls: version 3 splits each 64-bit set into two
// 32-bit words, low word first.
Status read_capabilities(CapabilityMasks &masks)
{
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (::syscall(SYS_capget, &header, data) != 0)
        return Error::from_errno("read the runtime's capabilities");
    masks.effective = data[0].effective | uint64_t{data[1].effective} << 32;
    masks.permitted = data[0].permitted | uint64_t{data[1].permitted} << 32;
    masks.inheritable = data[0].inheritable | uint64_t{data[1].inheritable} << 32;
    return Ok{};
}

Status write_capabilities(const CapabilityMasks &masks)
{
    // capset cannot add to the permitted set; name what is missing rather than say EPERM.
    CapabilityMasks current;
    TRY(read_capabilities(current));
    if (uint64_t missing = masks.permitted & ~current.permitted)
        return Error::message("keep " + first_capability(missing) +
                              " permitted: the runtime does not have it");

    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    for (int word = 0; word < _LINUX_CAPABILITY_U32S_3; ++word) {
        data[word].effective = static_cast<uint32_t>(masks.effective >> (32 * word));
        data[word].permitted = static_cast<uint32_t>(masks.permitted >> (32 * word));
        data[word].inheritable = static_cast<uint32_t>(masks.inheritable >> (32 * word));
    }
    if (::syscall(SYS_capset, &header, data) != 0)
        return Error::from_errno("set the effective, permitted and inheritable capabilities");
    return Ok{};
}

// Ambient capabilities are what a process that is not root keeps across execve.
Status raise_ambient(uint64_t ambient, int last_capability)
{
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
        return Error::from_errno("clear the ambient capabilities");
    for (int number = 0; number <= last_capability; ++number) {
        if (!(ambient & (uint64_t{1} << number)))
            continue;
        if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, number, 0, 0) != 0)
            return Error::from_errno("raise ambient capability " + capability_label(number));
    }
    return Ok{};
}

Status set_additional_groups(const spec::User &user)
{
    // A rootless container with a single gid mapping has setgroups denied for good; with no
    // groups asked for there is nothing to set, as with runc.
    if (user.additional_gids.empty() && setgroups_denied())
        return Ok{};
    std::vector<gid_t> groups(user.additional_gids.begin(), user.additional_gids.end());
    if (::setgroups(groups.size(), groups.data()) != 0)
        return Error::from_errno("set additional groups");
    return Ok{};
}

Status switch_ids(const spec::User &user)
{
    TRY(set_additional_groups(user));
    if (::setresgid(user.gid, user.gid, user.gid) != 0)
        return Error::from_errno("set gid " + std::to_string(user.gid));
    if (::setresuid(user.uid, user.uid, user.uid) != 0)
        return Error::from_errno("set uid " + std::to_string(user.uid));
    return Ok{};
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

Status set_oom_score_adj(const spec::Process &process)
{
    if (!process.oom_score_adj)
        return Ok{};
    std::string value = std::to_string(*process.oom_score_adj);
    UniqueFd file(::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC));
    if (!file)
        return Error::from_errno("open `/proc/self/oom_score_adj`");
    if (::write(file.get(), value.data(), value.size()) == static_cast<ssize_t>(value.size()))
        return Ok{};
    int errnum = errno;
    if (errnum == EACCES)
        return Error::system(errnum, "set oom_score_adj to " + value +
                                         " (below the runtime's own needs CAP_SYS_RESOURCE)");
    return Error::system(errnum, "set oom_score_adj to " + value);
}

Status apply_rlimits(const spec::Process &process)
{
    for (const auto &rlimit : process.rlimits) {
        auto resource = spec::rlimit_from_name(rlimit.type);
        if (!resource)
            return Error::message("unknown rlimit `" + rlimit.type + "`");
        struct rlimit value = {rlimit.soft, rlimit.hard};
        if (::setrlimit(static_cast<__rlimit_resource>(*resource), &value) == 0)
            continue;
        int errnum = errno;
        std::string what = "set `" + rlimit.type + "` to soft " + std::to_string(rlimit.soft) +
                           ", hard " + std::to_string(rlimit.hard);
        if (errnum == EPERM)
            what += " (a hard limit above the runtime's own needs CAP_SYS_RESOURCE)";
        return Error::system(errnum, what);
    }
    return Ok{};
}

Status enter_identity(const spec::Process &process)
{
    int last_capability = spec::kernel_last_capability();
    CapabilityMasks masks = capability_masks(process.capabilities, last_capability);
    TRY(drop_bounding_set(masks.bounding, last_capability));
    // Without it, leaving uid 0 would empty the permitted set, and capset could not put back
    // what the config asks for. execve clears the flag again.
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
        return Error::from_errno("keep capabilities across the uid switch");
    TRY(switch_ids(process.user));
    TRY(write_capabilities(masks));
    TRY(raise_ambient(masks.ambient, last_capability));
    return Ok{};
}

Status set_personality(const spec::Linux &linux_config)
{
    if (!linux_config.personality)
        return Ok{};
    const std::string &domain = linux_config.personality->domain;
    auto persona = spec::personality_domain_from_name(domain);
    if (!persona)
        return Error::message("linux.personality.domain: unknown domain `" + domain + "`");
    if (::syscall(SYS_personality, static_cast<unsigned long>(*persona)) < 0)
        return Error::from_errno("linux.personality: set domain `" + domain + "`");
    return Ok{};
}

Status forbid_new_privileges(const spec::Process &process)
{
    if (process.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return Error::from_errno("set no_new_privs");
    return Ok{};
}

Result<std::string> prepare_command(const spec::Process &process, int &failure_status)
{
    failure_status = 1;
    if (::chdir(process.cwd.c_str()) != 0)
        return Error::from_errno("chdir to cwd `" + process.cwd + "`");
    return find_command(process.args[0], process.env, failure_status);
}

std::vector<char *> c_strings(const std::vector<std::string> &strings)
{
    std::vector<char *> pointers;
    for (const auto &text : strings)
        pointers.push_back(const_cast<char *>(text.c_str()));
    pointers.push_back(nullptr);
    return pointers;
}

void reset_signals()
{
    for (int signal_number = 1; signal_number < NSIG; ++signal_number)
        ::signal(signal_number, SIG_DFL);
    sigset_t empty;
    sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
}

Error exec_command(const std::string &path, const spec::Process &process,
                   const std::vector<int> &passed_fds,
                   const std::optional<SeccompProgram> &seccomp)
{
    ::umask(process.user.umask.value_or(022));
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    for (int fd : passed_fds)
        ::fcntl(fd, F_SETFD, 0);
    reset_signals();

    auto argv = c_strings(process.args);
    auto envp = c_strings(process.env);
    // Last, so that only execve itself must pass the filter.
    if (auto loaded = load_seccomp_at(SeccompLoadPoint::before_exec, seccomp, process); !loaded)
        return std::move(loaded).error();
    ::execve(path.c_str(), argv.data(), envp.data());
    return Error::from_errno("exec `" + process.args[0] + "`")
        .with_exit_status(errno == ENOENT ? 127 : 126);
}

} // namespace crunlite::runtime
