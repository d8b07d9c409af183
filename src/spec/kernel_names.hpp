// The kernel's names for capabilities and resource limits, as process.capabilities and
// process.rlimits spell them (`CAP_KILL`, `RLIMIT_NOFILE`), and the numbers behind them.
//
// The tables hold every name some Linux kernel defines, so that a misspelt name is an error
// everywhere; whether the running kernel knows a capability is a separate question
// (kernel_last_capability), answered at run time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crunlite::spec {

// The capability's number (CAP_KILL is 5), or nothing when no kernel defines the name.
std::optional<int> capability_from_name(std::string_view name);

// "CAP_KILL" for 5; "" for a number no kernel defines.
std::string_view capability_name(int number);

// Every name in the table, in number order.
std::vector<std::string> capability_names();

// The highest capability number the running kernel knows, as /proc/sys/kernel/cap_last_cap
// tells it.
int kernel_last_capability();

// The RLIMIT_* resource number, or nothing when Linux has no such limit.
std::optional<int> rlimit_from_name(std::string_view name);

} // namespace crunlite::spec
