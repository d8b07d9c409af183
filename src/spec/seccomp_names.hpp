// The names linux.seccomp speaks (config-linux.md, "Seccomp"): actions, argument operators,
// architectures and filter flags, each with the value libseccomp or seccomp(2) gives it.
//
// One table per kind serves validate (is the name known?), the runtime (its value) and the
// features command (what is recognised). The values come from <seccomp.h> and
// <linux/seccomp.h> as constants only; nothing here calls libseccomp.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace crunlite::spec {

struct SeccompName {
    std::string_view name;
    uint32_t value;
    // False for names the spec defines that this build cannot honour: an architecture its
    // libseccomp predates, SCMP_ACT_NOTIFY (no listener support), a notify-only flag.
    bool supported = true;
};

// SCMP_ACT_*; ERRNO and TRACE with no data (SCMP_ACT_ERRNO(0)), which errnoRet fills in.
std::span<const SeccompName> seccomp_actions();
// SCMP_CMP_*, as enum scmp_compare.
std::span<const SeccompName> seccomp_operators();
// SCMP_ARCH_*, as libseccomp's architecture tokens.
std::span<const SeccompName> seccomp_architectures();
// SECCOMP_FILTER_FLAG_*, as seccomp(2) takes them.
std::span<const SeccompName> seccomp_flags();

// The entry named `name` in `table`, or nullptr when the spec defines no such name.
const SeccompName *find_seccomp_name(std::span<const SeccompName> table, std::string_view name);

// The names in `table` that this build supports, in table order.
std::vector<std::string> supported_seccomp_names(std::span<const SeccompName> table);

// Whether the action returns a value that errnoRet (or defaultErrnoRet) may set.
bool seccomp_action_takes_errno(std::string_view action);

// The largest errnoRet an action takes: an errno for ERRNO, 16 bits of data for TRACE.
uint32_t seccomp_max_errno_ret(std::string_view action);

} // namespace crunlite::spec
