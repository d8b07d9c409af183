// `crun-lite ps [--format table|json] <id>`: the container's processes, as host pids.
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "runtime/lifecycle.hpp"
#include "sys/paths.hpp"
#include "sys/process.hpp"

namespace crunlite::cli {
namespace {

std::string command_line(pid_t pid)
{
    auto text = sys::read_file("/proc/" + std::to_string(pid) + "/cmdline", 65536);
    if (!text)
        return "";
    std::string line = *text;
    for (char &c : line)
        if (c == '\0')
            c = ' ';
    while (!line.empty() && line.back() == ' ')
        line.pop_back();
    return line;
}

} // namespace

int ps_command(const GlobalOptions &global, const Arguments &args)
{
    cxxopts::Options options("crun-lite ps [--format table|json] <id>",
                             "List the processes of a container.");
    options.add_options()("f,format", "table or json",
                          cxxopts::value<std::string>()->default_value("table"));
    std::vector<std::string> positional;
    int exit_status = 0;
    auto flags = parse_flags(options, args, "ps", positional, exit_status);
    if (!flags)
        return exit_status;
    std::string format = (*flags)["format"].as<std::string>();
    if (format != "table" && format != "json")
        return report_usage("ps", "--format: expected `table` or `json`, got `" + format + "`");
    auto id = single_id(positional, "ps", exit_status);
    if (!id)
        return exit_status;

    state::StateStore store(global.state_root);
    auto loaded = store.load(*id);
    if (!loaded)
        return report_failure("ps", *id, loaded.error());
    auto pids = runtime::container_processes(*loaded);

    if (format == "json") {
        std::cout << nlohmann::json(pids).dump() << "\n";
        return 0;
    }
    std::cout << std::left << std::setw(10) << "PID" << std::setw(10) << "PPID" << "CMD\n";
    for (pid_t pid : pids) {
        auto stat = sys::read_process_stat(pid);
        std::cout << std::setw(10) << pid << std::setw(10) << (stat ? stat->parent : 0)
                  << command_line(pid) << "\n";
    }
    return 0;
}

} // namespace crunlite::cli
