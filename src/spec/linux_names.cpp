#include "spec/linux_names.hpp"

#include <linux/ioprio.h>
#include <linux/mempolicy.h>
#include <linux/personality.h>
#include <linux/sched.h>

#include <array>
#include <charconv>
#include <utility>

namespace crunlite::spec {
namespace {

#define NAMED(constant) std::pair<int, std::string_view>{constant, #constant}

// The spec calls SCHED_NORMAL by its POSIX name, SCHED_OTHER; both are 0.
constexpr std::array scheduler_policies = {
    std::pair<int, std::string_view>{SCHED_NORMAL, "SCHED_OTHER"},
    NAMED(SCHED_FIFO), NAMED(SCHED_RR), NAMED(SCHED_BATCH), NAMED(SCHED_IDLE),
    NAMED(SCHED_DEADLINE),
};

constexpr std::array scheduler_flags = {
    NAMED(SCHED_FLAG_RESET_ON_FORK), NAMED(SCHED_FLAG_RECLAIM),
    NAMED(SCHED_FLAG_DL_OVERRUN),    NAMED(SCHED_FLAG_KEEP_POLICY),
    NAMED(SCHED_FLAG_KEEP_PARAMS),   NAMED(SCHED_FLAG_UTIL_CLAMP_MIN),
    NAMED(SCHED_FLAG_UTIL_CLAMP_MAX),
};

constexpr std::array io_priority_classes = {
    NAMED(IOPRIO_CLASS_RT),
    NAMED(IOPRIO_CLASS_BE),
    NAMED(IOPRIO_CLASS_IDLE),
};

// The spec names the domain without the PER_ prefix.
constexpr std::array personality_domains = {
    std::pair<int, std::string_view>{PER_LINUX, "LINUX"},
    std::pair<int, std::string_view>{PER_LINUX32, "LINUX32"},
};

// MPOL_WEIGHTED_INTERLEAVE is newer than these headers: its number is fixed by the kernel ABI.
constexpr int mpol_weighted_interleave = MPOL_PREFERRED_MANY + 1;
constexpr std::array memory_policy_modes = {
    NAMED(MPOL_DEFAULT), NAMED(MPOL_PREFERRED),       NAMED(MPOL_BIND),
    NAMED(MPOL_INTERLEAVE), NAMED(MPOL_LOCAL),        NAMED(MPOL_PREFERRED_MANY),
    std::pair<int, std::string_view>{mpol_weighted_interleave, "MPOL_WEIGHTED_INTERLEAVE"},
};

constexpr std::array memory_policy_flags = {
    NAMED(MPOL_F_STATIC_NODES),
    NAMED(MPOL_F_RELATIVE_NODES),
    NAMED(MPOL_F_NUMA_BALANCING),
};

#undef NAMED

template <size_t N>
std::optional<int> find_name(const std::array<std::pair<int, std::string_view>, N> &table,
                             std::string_view name)
{
    for (const auto &[number, known] : table)
        if (known == name)
            return number;
    return std::nullopt;
}

std::optional<unsigned> parse_number(std::string_view text)
{
    unsigned value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

} // namespace

std::optional<int> scheduler_policy_from_name(std::string_view name)
{
    return find_name(scheduler_policies, name);
}

std::optional<int> scheduler_flag_from_name(std::string_view name)
{
    return find_name(scheduler_flags, name);
}

std::optional<int> io_priority_class_from_name(std::string_view name)
{
    return find_name(io_priority_classes, name);
}

std::optional<int> personality_domain_from_name(std::string_view name)
{
    return find_name(personality_domains, name);
}

std::optional<int> memory_policy_mode_from_name(std::string_view name)
{
    return find_name(memory_policy_modes, name);
}

std::optional<int> memory_policy_flag_from_name(std::string_view name)
{
    return find_name(memory_policy_flags, name);
}

std::optional<std::vector<unsigned>> parse_number_list(std::string_view list, unsigned limit)
{
    std::vector<unsigned> numbers;
    while (!list.empty()) {
        size_t comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        if (comma != std::string_view::npos && list.empty())
            return std::nullopt; // a trailing comma

        size_t dash = item.find('-');
        auto first = parse_number(item.substr(0, dash));
        auto last = dash == std::string_view::npos ? first : parse_number(item.substr(dash + 1));
        if (!first || !last || *first > *last || *last >= limit)
            return std::nullopt;
        for (unsigned number = *first; number <= *last; ++number)
            numbers.push_back(number);
    }
    return numbers;
}

} // namespace crunlite::spec
