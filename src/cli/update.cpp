// `crun-lite update [--resources FILE|-] [--memory N] [--cpu-share N] ... <id>`: new cgroup
// limits for a living container, with runc's flag names (resource_flags below). The file holds
// a linux.resources object; flags override it.
#include <cstring>
#include <iostream>
#include <iterator>
#include <cctype>
#include <string_view>

#include "cli/commands.hpp"
#include "runtime/lifecycle.hpp"
#include "spec/parse.hpp"
#include "spec/validate.hpp"
#include "sys/paths.hpp"

namespace crunlite::cli {
namespace {

constexpr size_t max_resources_file = 1024 * 1024;

// How a flag's text is read: an integer, a byte count that may carry runc's binary suffixes
// (`64m`, `1g`), or a cpuset list kept as written.
enum class FlagUnit { integer, bytes, text };

struct FlagValue {
    std::string text;
    int64_t number = 0;
};

spec::MemoryResources &memory_of(spec::Resources &resources)
{
    return resources.memory ? *resources.memory : resources.memory.emplace();
}

spec::CpuResources &cpu_of(spec::Resources &resources)
{
    return resources.cpu ? *resources.cpu : resources.cpu.emplace();
}

// One flag of runc's `update`: the config field it sets, so that a refusal names the flag the
// user typed, and the largest value its field holds (a larger one would wrap, not be refused).
struct ResourceFlag {
    const char *name;
    const char *help;
    const char *field;
    FlagUnit unit;
    bool may_be_negative;
    int64_t largest;
    void (*set)(spec::Resources &, const FlagValue &);
};

constexpr int64_t no_bound = INT64_MAX;

const ResourceFlag resource_flags[] = {
    {"memory", "memory limit in bytes (suffixes k, m, g, t)", "linux.resources.memory.limit",
     FlagUnit::bytes, true, no_bound,
     [](spec::Resources &r, const FlagValue &v) { memory_of(r).limit = v.number; }},
    {"memory-reservation", "memory soft limit in bytes", "linux.resources.memory.reservation",
     FlagUnit::bytes, true, no_bound,
     [](spec::Resources &r, const FlagValue &v) { memory_of(r).reservation = v.number; }},
    {"memory-swap", "memory plus swap limit in bytes (-1: unlimited)",
     "linux.resources.memory.swap", FlagUnit::bytes, true, no_bound,
     [](spec::Resources &r, const FlagValue &v) { memory_of(r).swap = v.number; }},
    {"kernel-memory", "kernel memory limit in bytes (cgroup v1 only)",
     "linux.resources.memory.kernel", FlagUnit::bytes, true, no_bound,
     [](spec::Resources &r, const FlagValue &v) { memory_of(r).kernel = v.number; }},
    {"kernel-memory-tcp", "kernel TCP buffer limit in bytes (cgroup v1 only)",
     "linux.resources.memory.kernelTCP", FlagUnit::bytes, true, no_bound,
     [](spec::Resources &r, const FlagValue &v) { memory_of(r).kernel_tcp = v.number; }},
    {"cpu-share", "CPU shares (relative weight)", "linux.resources.cpu.shares", FlagUnit::integer,
     false, no_bound,
     [](spec::Resources &r, const FlagValue &v) { cpu_of(r).shares = v.number; }},
    // crun-lite's first spelling, kept so that scripts written for it go on working.
    {"cpu-shares", "the same as --cpu-share", "linux.resources.cpu.shares", FlagUnit::integer,
     false, no_bound,
     [](spec::Resources &r, const FlagValue &v) { cpu_of(r).shares = v.number; }},
    {"cpu-quota", "CPU CFS quota in microseconds", "linux.resources.cpu.quota", FlagUnit::integer,
     true, no_bound,
     [](spec::Resources &r, const FlagValue &v) { cpu_of(r).quota = v.number; }},
    {"cpu-period", "CPU CFS period in microseconds", "linux.resources.cpu.period",
     FlagUnit::integer, false, no_bound,
     [](spec::Resources &r, const FlagValue &v) { cpu_of(r).period = v.number; }},
    {"cpu-rt-runtime", "real-time budget in microseconds per period",
     "linux.resources.cpu.realtimeRuntime", FlagUnit::integer, true, no_bound,
     [](spec::Resources &r, const FlagValue &v) { cpu_of(r).realtime_runtime = v.number; }},
    {"cpu-rt-period", "real-time period in microseconds", "linux.resources.cpu.realtimePeriod",
     FlagUnit::integer, false, no_bound,
     [](spec::Resources &r, const FlagValue &v) { cpu_of(r).realtime_period = v.number; }},
    {"cpu-idle", "1: the cgroup runs only when the CPU is otherwise idle",
     "linux.resources.cpu.idle", FlagUnit::integer, true, no_bound,
     [](spec::Resources &r, const FlagValue &v) { cpu_of(r).idle = v.number; }},
    {"cpuset-cpus", "CPUs the container may use (\"0-2,4\")", "linux.resources.cpu.cpus",
     FlagUnit::text, false, no_bound,
     [](spec::Resources &r, const FlagValue &v) { cpu_of(r).cpus = v.text; }},
    {"cpuset-mems", "memory nodes the container may use", "linux.resources.cpu.mems",
     FlagUnit::text, false, no_bound,
     [](spec::Resources &r, const FlagValue &v) { cpu_of(r).mems = v.text; }},
    {"blkio-weight", "block IO weight", "linux.resources.blockIO.weight", FlagUnit::integer,
     false, UINT16_MAX,
     [](spec::Resources &r, const FlagValue &v) {
         auto &block_io = r.block_io ? *r.block_io : r.block_io.emplace();
         block_io.weight = static_cast<uint16_t>(v.number);
     }},
    {"pids-limit", "maximum number of processes", "linux.resources.pids.limit", FlagUnit::integer,
     true, no_bound,
     [](spec::Resources &r, const FlagValue &v) { r.pids_limit = v.number; }},
};

Status refuse(const std::vector<std::string> &problems)
{
    std::string refused;
    for (const auto &problem : problems)
        refused.append(refused.empty() ? "" : "\n").append(problem);
    if (!refused.empty())
        return Error::message(refused);
    return Ok{};
}

// Read as config.json's linux.resources is; a field crun-lite does not do (rdma) is refused.
Result<spec::Resources> parse_resources(const std::string &text, const std::string &source)
{
    auto parsed = spec::parse_resources(text, "--resources `" + source + "`");
    for (const auto &field : parsed.config.unsupported)
        parsed.problems.push_back(field + ": not supported yet");
    TRY(refuse(parsed.problems));
    return parsed.config.linux.resources.value_or(spec::Resources{});
}

// The limits, from the file and the flags together, checked as a config's would be; a problem
// with a value a flag gave names the flag.
Status check_resources(const spec::Resources &resources, const cxxopts::ParseResult &flags)
{
    spec::Config config;
    config.oci_version = "1.0.0";
    config.root.path = "/";
    config.linux.resources = resources;
    std::vector<std::string> problems;
    for (std::string problem : spec::validate_config(config, {}).errors) {
        if (!problem.starts_with("linux.resources"))
            continue;
        for (const auto &flag : resource_flags)
            if (flags.count(flag.name) && problem.starts_with(std::string(flag.field) + ":")) {
                problem = "--" + std::string(flag.name) + problem.substr(std::strlen(flag.field));
                break;
            }
        problems.push_back(problem);
    }
    return refuse(problems);
}

Result<std::string> read_resources_text(const std::string &file)
{
    if (file != "-")
        return sys::read_file(file, max_resources_file);
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
}

// The power of two a byte suffix stands for, as runc reads `--memory 64m` (k, m, g, t, p, in
// either case, with an optional `b` or `ib`); -1 for none or a lone `b`, 0 for text that is not
// one.
int suffix_shift(std::string_view suffix)
{
    if (suffix.empty())
        return -1;
    if (suffix.ends_with("b") || suffix.ends_with("B"))
        suffix.remove_suffix(suffix.size() >= 3 && (suffix[1] == 'i' || suffix[1] == 'I') ? 2 : 1);
    if (suffix.empty())
        return -1;
    if (suffix.size() != 1)
        return 0;
    constexpr std::string_view letters = "kmgtp";
    size_t index = letters.find(static_cast<char>(std::tolower(suffix[0])));
    return index == std::string_view::npos ? 0 : 10 * static_cast<int>(index + 1);
}

// Numbers are taken as strings: cxxopts' integer parsing trips a GCC 12 warning.
Result<FlagValue> flag_value(const ResourceFlag &flag, const std::string &text)
{
    if (flag.unit == FlagUnit::text)
        return FlagValue{text, 0};
    auto refused = [&] {
        return Error::message("--" + std::string(flag.name) + ": expected " +
                              (flag.unit == FlagUnit::bytes ? "a byte count" : "a number") +
                              ", got `" + text + "`");
    };
    size_t used = 0;
    long long value = 0;
    try {
        value = std::stoll(text, &used);
    } catch (const std::exception &) {
        return refused();
    }
    int shift = flag.unit == FlagUnit::bytes ? suffix_shift(std::string_view(text).substr(used))
                                             : (used == text.size() ? -1 : 0);
    if (shift == 0 || (value < 0 && !flag.may_be_negative))
        return refused();
    bool too_large = shift > 0 && value > (flag.largest >> shift);
    if (shift > 0 && !too_large)
        value <<= shift;
    if (too_large || value > flag.largest)
        return Error::message("--" + std::string(flag.name) + ": must be at most " +
                              std::to_string(flag.largest) + ", got " + text);
    return FlagValue{text, value};
}

Result<spec::Resources> resources_from(const cxxopts::ParseResult &flags)
{
    spec::Resources resources;
    if (flags.count("resources")) {
        const auto &file = flags["resources"].as<std::string>();
        resources = TRY(parse_resources(TRY(read_resources_text(file)), file));
    }
    for (const auto &flag : resource_flags) {
        if (!flags.count(flag.name))
            continue;
        FlagValue value = TRY(flag_value(flag, flags[flag.name].as<std::string>()));
        // As runc's update reads its flags: a number 0 leaves that limit as it is.
        if (flag.unit != FlagUnit::text && value.number == 0)
            continue;
        flag.set(resources, value);
    }
    return resources;
}

// A swap limit alone keeps the memory limit in force, as runc's update does: the swap limit is
// judged against it (v1 counts memory plus swap; v2's swap limit is the difference).
Status keep_memory_limit(state::StateStore &store, const std::string &id,
                         spec::Resources &resources)
{
    if (!resources.memory || !resources.memory->swap || resources.memory->limit)
        return Ok{};
    auto stats = TRY(runtime::container_stats(store, id));
    int64_t limit = stats.value(nlohmann::json::json_pointer("/memory/usage/limit"), int64_t{0});
    // No limit reads as 0, or as v1's page-rounded "unlimited" near INT64_MAX.
    if (limit > 0 && limit < (int64_t{1} << 62))
        resources.memory->limit = limit;
    return Ok{};
}

} // namespace

int update_command(const GlobalOptions &global, const Arguments &args)
{
    cxxopts::Options options("crun-lite update [options] <id>",
                             "Change the cgroup limits of a living container.");
    options.add_options()
        ("r,resources", "a linux.resources JSON object from FILE, or - for stdin",
         cxxopts::value<std::string>());
    for (const auto &flag : resource_flags)
        options.add_options()(flag.name, flag.help, cxxopts::value<std::string>());
    std::vector<std::string> positional;
    int exit_status = 0;
    auto flags = parse_flags(options, args, "update", positional, exit_status);
    if (!flags)
        return exit_status;
    auto id = single_id(positional, "update", exit_status);
    if (!id)
        return exit_status;

    auto resources = resources_from(*flags);
    if (!resources)
        return report_failure("update", *id, resources.error());
    state::StateStore store(global.state_root);
    if (auto filled = keep_memory_limit(store, *id, *resources); !filled)
        return report_failure("update", *id, filled.error());
    if (auto checked = check_resources(*resources, *flags); !checked)
        return report_failure("update", *id, checked.error());
    if (auto updated = runtime::update_resources(store, *id, *resources); !updated)
        return report_failure("update", *id, updated.error());
    return 0;
}

} // namespace crunlite::cli
