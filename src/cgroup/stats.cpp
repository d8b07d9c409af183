#include "cgroup/stats.hpp"

#include <unistd.h>

#include <optional>
#include <sstream>

#include "sys/paths.hpp"

namespace crunlite::cgroup {
namespace {

using nlohmann::json;

// Stat files are small; a bound keeps a strange cgroupfs from costing memory.
constexpr size_t max_stat_file = 64 * 1024;

std::optional<std::string> read_text(const std::string &path)
{
    auto text = sys::read_file(path, max_stat_file);
    if (!text)
        return std::nullopt;
    return *text;
}

// A single number; "max" (cgroup2's "no limit") reads as 0, as runc reports it.
std::optional<uint64_t> read_number(const std::string &path)
{
    auto text = read_text(path);
    if (!text)
        return std::nullopt;
    if (text->starts_with("max"))
        return 0;
    try {
        return std::stoull(*text);
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

// "key value" lines (memory.stat, cpu.stat, cpuacct.stat).
std::map<std::string, uint64_t> read_keyed(const std::string &path)
{
    std::map<std::string, uint64_t> values;
    std::istringstream lines(read_text(path).value_or(""));
    std::string key;
    uint64_t value = 0;
    while (lines >> key >> value)
        values[key] = value;
    return values;
}

void put(json &object, const char *key, std::optional<uint64_t> value)
{
    if (value)
        object[key] = *value;
}

json cpu_stats(const Cgroups &cgroups)
{
    json usage = json::object();
    std::string v1 = cgroups.dir_of("cpuacct");
    if (auto total = read_number(v1 + "/cpuacct.usage")) {
        usage["total"] = *total;
        std::istringstream percpu(read_text(v1 + "/cpuacct.usage_percpu").value_or(""));
        usage["percpu"] = json::array();
        for (uint64_t value = 0; percpu >> value;)
            usage["percpu"].push_back(value);
        // cpuacct.stat counts clock ticks.
        uint64_t tick_ns = 1000000000 / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
        auto ticks = read_keyed(v1 + "/cpuacct.stat");
        usage["user"] = ticks["user"] * tick_ns;
        usage["kernel"] = ticks["system"] * tick_ns;
        return {{"usage", usage}};
    }
    auto stat = read_keyed(cgroups.dir_of("") + "/cpu.stat");
    if (stat.count("usage_usec")) {
        usage["total"] = stat["usage_usec"] * 1000;
        usage["user"] = stat["user_usec"] * 1000;
        usage["kernel"] = stat["system_usec"] * 1000;
    }
    return {{"usage", usage}};
}

json memory_stats(const Cgroups &cgroups)
{
    json usage = json::object();
    std::string dir = cgroups.dir_of("memory");
    if (auto current = read_number(dir + "/memory.usage_in_bytes")) {
        usage["usage"] = *current;
        put(usage, "max", read_number(dir + "/memory.max_usage_in_bytes"));
        put(usage, "limit", read_number(dir + "/memory.limit_in_bytes"));
        put(usage, "failcnt", read_number(dir + "/memory.failcnt"));
    } else if (auto current = read_number(dir + "/memory.current")) {
        usage["usage"] = *current;
        put(usage, "max", read_number(dir + "/memory.peak"));
        put(usage, "limit", read_number(dir + "/memory.max"));
        put(usage, "failcnt", read_keyed(dir + "/memory.events")["max"]);
    }
    json raw = json::object();
    for (const auto &[key, value] : read_keyed(dir + "/memory.stat"))
        raw[key] = value;
    return {{"usage", usage}, {"raw", raw}};
}

json pids_stats(const Cgroups &cgroups)
{
    json pids = json::object();
    std::string dir = cgroups.dir_of("pids");
    put(pids, "current", read_number(dir + "/pids.current"));
    put(pids, "limit", read_number(dir + "/pids.max"));
    return pids;
}

} // namespace

json read_stats(const Cgroups &cgroups)
{
    return {{"cpu", cpu_stats(cgroups)},
            {"memory", memory_stats(cgroups)},
            {"pids", pids_stats(cgroups)}};
}

} // namespace crunlite::cgroup
