// `crun-lite update [--resources FILE|-] [--memory N] [--memory-swap N] [--cpu-quota N]
// [--cpu-period N] [--cpu-shares N] [--pids-limit N] <id>`: new cgroup limits for a living
// container, with runc's flag names. The file holds a linux.resources object; flags override it.
#include <cstring>
#include <iostream>
#include <iterator>
#include <type_traits>

#include "cli/commands.hpp"
#include "runtime/lifecycle.hpp"
#include "spec/parse.hpp"
#include "spec/validate.hpp"
#include "sys/paths.hpp"

namespace crunlite::cli {
namespace {

constexpr size_t max_resources_file = 1024 * 1024;

// The config field each flag sets, so that a refusal names the flag the user typed.
constexpr std::pair<const char *, const char *> flag_fields[] = {
    {"memory", "linux.resources.memory.limit"},  {"memory-swap", "linux.resources.memory.swap"},
    {"cpu-quota", "linux.resources.cpu.quota"},  {"cpu-period", "linux.resources.cpu.period"},
    {"cpu-shares", "linux.resources.cpu.shares"}, {"pids-limit", "linux.resources.pids.limit"},
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
        for (const auto &[flag, field] : flag_fields)
            if (flags.count(flag) && problem.starts_with(std::string(field) + ":"))
                problem = "--" + std::string(flag) + problem.substr(std::strlen(field));
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

// Numbers are taken as strings: cxxopts' integer parsing trips a GCC 12 warning.
template <typename T>
Result<T> number_flag(const cxxopts::ParseResult &flags, const std::string &name)
{
    std::string text = flags[name].as<std::string>();
    size_t used = 0;
    try {
        long long value = std::stoll(text, &used);
        if (used == text.size() && (std::is_signed_v<T> || value >= 0))
            return static_cast<T>(value);
    } catch (const std::exception &) {
    }
    return Error::message("--" + name + ": expected a number, got `" + text + "`");
}

Result<spec::Resources> resources_from(const cxxopts::ParseResult &flags)
{
    spec::Resources resources;
    if (flags.count("resources"))
        resources = TRY(parse_resources(TRY(read_resources_text(flags["resources"].as<std::string>())),
                                        flags["resources"].as<std::string>()));
    if (flags.count("memory") || flags.count("memory-swap")) {
        auto &memory = resources.memory ? *resources.memory : resources.memory.emplace();
        if (flags.count("memory"))
            memory.limit = TRY(number_flag<int64_t>(flags, "memory"));
        if (flags.count("memory-swap"))
            memory.swap = TRY(number_flag<int64_t>(flags, "memory-swap"));
    }
    if (flags.count("cpu-quota") || flags.count("cpu-period") || flags.count("cpu-shares")) {
        auto &cpu = resources.cpu ? *resources.cpu : resources.cpu.emplace();
        if (flags.count("cpu-quota"))
            cpu.quota = TRY(number_flag<int64_t>(flags, "cpu-quota"));
        if (flags.count("cpu-period"))
            cpu.period = TRY(number_flag<uint64_t>(flags, "cpu-period"));
        if (flags.count("cpu-shares"))
            cpu.shares = TRY(number_flag<uint64_t>(flags, "cpu-shares"));
    }
    if (flags.count("pids-limit"))
        resources.pids_limit = TRY(number_flag<int64_t>(flags, "pids-limit"));
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
         cxxopts::value<std::string>())
        ("memory", "memory limit in bytes", cxxopts::value<std::string>())
        ("memory-swap", "memory plus swap limit in bytes (-1: unlimited)",
         cxxopts::value<std::string>())
        ("cpu-quota", "CPU CFS quota in microseconds", cxxopts::value<std::string>())
        ("cpu-period", "CPU CFS period in microseconds", cxxopts::value<std::string>())
        ("cpu-shares", "CPU shares (relative weight)", cxxopts::value<std::string>())
        ("pids-limit", "maximum number of processes", cxxopts::value<std::string>());
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
