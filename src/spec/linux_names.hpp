// The kernel's names for the process and linux fields that take constants (scheduler policies
// and flags, I/O priority classes, personality domains, memory policy modes and flags), as the
// spec spells them, and the CPU and node lists of cpuset(7) ("0-1,3").
//
// Shared by validate, which reports a name that is not here, and the runtime, which turns
// names into numbers: a number cannot drift from its name, both come from the kernel headers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crunlite::spec {

std::optional<int> scheduler_policy_from_name(std::string_view name);
std::optional<int> scheduler_flag_from_name(std::string_view name);
std::optional<int> io_priority_class_from_name(std::string_view name);
std::optional<int> personality_domain_from_name(std::string_view name);
std::optional<int> memory_policy_mode_from_name(std::string_view name);
std::optional<int> memory_policy_flag_from_name(std::string_view name);

// The numbers a cpuset-style list names ("0-2,7": 0, 1, 2, 7), each below `limit`; nothing when
// the list is malformed or names a number at or above `limit`. An empty list names nothing.
std::optional<std::vector<unsigned>> parse_number_list(std::string_view list, unsigned limit);

} // namespace crunlite::spec
