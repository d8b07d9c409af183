// `crun-lite list [--format table|json] [--quiet]`: every container in the state root.
#include <sys/stat.h>

#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "state/state.hpp"

namespace crunlite::cli {

int list_command(const GlobalOptions &global, const Arguments &args)
{
    cxxopts::Options options("crun-lite list", "List containers.");
    options.add_options()
        ("f,format", "table or json", cxxopts::value<std::string>()->default_value("table"))
        ("q,quiet", "print the ids only");
    std::vector<std::string> positional;
    int exit_status = 0;
    auto flags = parse_flags(options, args, "list", positional, exit_status);
    if (!flags)
        return exit_status;
    std::string format = (*flags)["format"].as<std::string>();
    if (format != "table" && format != "json")
        return report_usage("list", "--format: expected `table` or `json`, got `" + format + "`");
    if (!positional.empty())
        return report_usage("list", "unexpected argument `" + positional[0] + "`");

    // A root that does not exist yet holds no containers; one that is not a directory is wrong.
    struct stat root {};
    if (::stat(global.state_root.c_str(), &root) == 0 && !S_ISDIR(root.st_mode))
        return report_failure("list", global.state_root,
                              Error::system(ENOTDIR, "--root: the state root"));
    state::StateStore store(global.state_root);
    auto documents = nlohmann::json::array();
    std::ostringstream table;
    table << std::left << std::setw(24) << "ID" << std::setw(8) << "PID" << std::setw(10)
          << "STATUS" << std::setw(40) << "BUNDLE" << std::setw(32) << "CREATED" << "OWNER\n";
    for (const auto &id : store.ids()) {
        auto loaded = store.load(id);
        if (!loaded)
            continue; // deleted while listing
        std::string status = state::live_status(store, *loaded);
        if (flags->count("quiet")) {
            std::cout << id << "\n";
            continue;
        }
        auto document = nlohmann::json::parse(state::oci_state_json(*loaded, status));
        documents.push_back(document);
        table << std::setw(24) << id << std::setw(8) << document["pid"].get<int>()
              << std::setw(10) << status << std::setw(40) << loaded->bundle << std::setw(32)
              << loaded->created << (loaded->owner == 0 ? "root" : std::to_string(loaded->owner))
              << "\n";
    }
    if (flags->count("quiet"))
        return 0;
    std::cout << (format == "json" ? documents.dump() + "\n" : table.str());
    return 0;
}

} // namespace crunlite::cli
