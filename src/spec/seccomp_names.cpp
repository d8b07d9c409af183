#include "spec/seccomp_names.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>

#include <algorithm>
#include <iterator>

namespace crunlite::spec {
namespace {

// Architectures added to libseccomp after 2.5 (Debian 12 has 2.5.4): recognised, refused.
#ifdef SCMP_ARCH_LOONGARCH64
constexpr SeccompName loongarch64 = {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64};
#else
constexpr SeccompName loongarch64 = {"SCMP_ARCH_LOONGARCH64", 0, false};
#endif
#ifdef SCMP_ARCH_M68K
constexpr SeccompName m68k = {"SCMP_ARCH_M68K", SCMP_ARCH_M68K};
#else
constexpr SeccompName m68k = {"SCMP_ARCH_M68K", 0, false};
#endif
#ifdef SCMP_ARCH_SH
constexpr SeccompName sh = {"SCMP_ARCH_SH", SCMP_ARCH_SH};
constexpr SeccompName sheb = {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB};
#else
constexpr SeccompName sh = {"SCMP_ARCH_SH", 0, false};
constexpr SeccompName sheb = {"SCMP_ARCH_SHEB", 0, false};
#endif

const SeccompName actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    // A listener (listenerPath) would receive the notifications; crun-lite has none yet.
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false},
};

const SeccompName operators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

const SeccompName architectures[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
    loongarch64,
    m68k,
    sh,
    sheb,
};

const SeccompName flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    // The kernel takes it only together with a notification listener.
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, false},
};

} // namespace

std::span<const SeccompName> seccomp_actions()
{
    return actions;
}

std::span<const SeccompName> seccomp_operators()
{
    return operators;
}

std::span<const SeccompName> seccomp_architectures()
{
    return architectures;
}

std::span<const SeccompName> seccomp_flags()
{
    return flags;
}

const SeccompName *find_seccomp_name(std::span<const SeccompName> table, std::string_view name)
{
    auto found = std::find_if(table.begin(), table.end(),
                              [&](const SeccompName &entry) { return entry.name == name; });
    return found == table.end() ? nullptr : &*found;
}

std::vector<std::string> supported_seccomp_names(std::span<const SeccompName> table)
{
    std::vector<std::string> names;
    for (const auto &entry : table)
        if (entry.supported)
            names.emplace_back(entry.name);
    return names;
}

bool seccomp_action_takes_errno(std::string_view action)
{
    return action == "SCMP_ACT_ERRNO" || action == "SCMP_ACT_TRACE";
}

uint32_t seccomp_max_errno_ret(std::string_view action)
{
    // MAX_ERRNO in the kernel: larger values do not read as errors to libc.
    return action == "SCMP_ACT_ERRNO" ? 4095 : 0xffff;
}

} // namespace crunlite::spec
