#include "spec/kernel_names.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <array>
#include <utility>

namespace crunlite::spec {
namespace {

// Built from the kernel headers' own constants, so a number cannot drift from its name.
#define NAMED(constant) std::pair<int, std::string_view>{constant, #constant}

constexpr std::array capabilities = {
    NAMED(CAP_CHOWN),           NAMED(CAP_DAC_OVERRIDE),    NAMED(CAP_DAC_READ_SEARCH),
    NAMED(CAP_FOWNER),          NAMED(CAP_FSETID),          NAMED(CAP_KILL),
    NAMED(CAP_SETGID),          NAMED(CAP_SETUID),          NAMED(CAP_SETPCAP),
    NAMED(CAP_LINUX_IMMUTABLE), NAMED(CAP_NET_BIND_SERVICE), NAMED(CAP_NET_BROADCAST),
    NAMED(CAP_NET_ADMIN),       NAMED(CAP_NET_RAW),         NAMED(CAP_IPC_LOCK),
    NAMED(CAP_IPC_OWNER),       NAMED(CAP_SYS_MODULE),      NAMED(CAP_SYS_RAWIO),
    NAMED(CAP_SYS_CHROOT),      NAMED(CAP_SYS_PTRACE),      NAMED(CAP_SYS_PACCT),
    NAMED(CAP_SYS_ADMIN),       NAMED(CAP_SYS_BOOT),        NAMED(CAP_SYS_NICE),
    NAMED(CAP_SYS_RESOURCE),    NAMED(CAP_SYS_TIME),        NAMED(CAP_SYS_TTY_CONFIG),
    NAMED(CAP_MKNOD),           NAMED(CAP_LEASE),           NAMED(CAP_AUDIT_WRITE),
    NAMED(CAP_AUDIT_CONTROL),   NAMED(CAP_SETFCAP),         NAMED(CAP_MAC_OVERRIDE),
    NAMED(CAP_MAC_ADMIN),       NAMED(CAP_SYSLOG),          NAMED(CAP_WAKE_ALARM),
    NAMED(CAP_BLOCK_SUSPEND),   NAMED(CAP_AUDIT_READ),      NAMED(CAP_PERFMON),
    NAMED(CAP_BPF),             NAMED(CAP_CHECKPOINT_RESTORE),
};

constexpr std::array rlimits = {
    NAMED(RLIMIT_CPU),     NAMED(RLIMIT_FSIZE),   NAMED(RLIMIT_DATA),       NAMED(RLIMIT_STACK),
    NAMED(RLIMIT_CORE),    NAMED(RLIMIT_RSS),     NAMED(RLIMIT_NPROC),      NAMED(RLIMIT_NOFILE),
    NAMED(RLIMIT_MEMLOCK), NAMED(RLIMIT_AS),      NAMED(RLIMIT_LOCKS),      NAMED(RLIMIT_SIGPENDING),
    NAMED(RLIMIT_MSGQUEUE), NAMED(RLIMIT_NICE),   NAMED(RLIMIT_RTPRIO),     NAMED(RLIMIT_RTTIME),
};

#undef NAMED

// capability_name indexes the table by number.
static_assert([] {
    for (size_t i = 0; i < capabilities.size(); ++i)
        if (capabilities[i].first != static_cast<int>(i))
            return false;
    return true;
}());
static_assert(rlimits.size() == RLIM_NLIMITS);

template <typename Table>
std::optional<int> find_number(const Table &table, std::string_view name)
{
    for (const auto &[number, known] : table)
        if (known == name)
            return number;
    return std::nullopt;
}

} // namespace

std::optional<int> capability_from_name(std::string_view name)
{
    return find_number(capabilities, name);
}

std::string_view capability_name(int number)
{
    if (number < 0 || static_cast<size_t>(number) >= capabilities.size())
        return {};
    return capabilities[number].second;
}

std::vector<std::string> capability_names()
{
    std::vector<std::string> names;
    for (const auto &[number, name] : capabilities)
        names.emplace_back(name);
    return names;
}

int kernel_last_capability()
{
    // The bounding set can be read for every capability the kernel has, and no other. Unlike
    // /proc/sys/kernel/cap_last_cap, which says the same, this works inside a container without
    // /proc, and no file in the image can pose as it.
    // Known up to `last`, unknown from `beyond` on: a binary search, six reads rather than
    // one per capability.
    int last = 0, beyond = 64;
    while (beyond - last > 1) {
        int middle = (last + beyond) / 2;
        if (::prctl(PR_CAPBSET_READ, middle, 0, 0, 0) >= 0)
            last = middle;
        else
            beyond = middle;
    }
    return last;
}

std::optional<int> rlimit_from_name(std::string_view name)
{
    return find_number(rlimits, name);
}

} // namespace crunlite::spec
