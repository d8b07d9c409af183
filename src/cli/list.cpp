// `crun-lite list [--format table|json] [--quiet]`: every container in the state root. A
// container whose state cannot be read is listed as `broken`, never hidden: `state` says why,
// and `delete --force` removes it.
#include <sys/stat.h>
#include <unistd.h>

#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "state/state.hpp"
#include "sys/user_names.hpp"
#include "util/log.hpp"

namespace crunlite::cli {
namespace {

// The state document with the live status and, as runc lists it, the owner's user name.
nlohmann::json listed_document(const state::StateStore &store, const state::ContainerState &state)
{
    auto document = state::oci_state_document(state, state::live_status(store, state));
    document["owner"] = sys::host_user_name(state.owner);
    return document;
}

// What list knows of a container whose state it cannot read: its id, and that it is broken.
nlohmann::json broken_document(const std::string &id)
{
    return {{"ociVersion", ""}, {"id", id},      {"status", "broken"}, {"pid", 0},
            {"bundle", ""},     {"rootfs", ""}, {"created", ""},      {"owner", ""},
            {"annotations", nlohmann::json::object()}};
}

// The container's document, or nothing when it is gone (deleted while listing) or a command
// holds it (a delete part way through its removal).
std::optional<nlohmann::json> document_of(const state::StateStore &store, const std::string &id)
{
    auto loaded = store.load(id);
    if (loaded)
        return listed_document(store, *loaded);
    if (::access(store.container_dir(id).c_str(), F_OK) != 0 || store.is_locked(id))
        return std::nullopt;
    log::warning("list: `" + id + "`: " + loaded.error().render());
    return broken_document(id);
}

} // namespace

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
        auto document = document_of(store, id);
        if (!document)
            continue;
        if (flags->count("quiet")) {
            std::cout << id << "\n";
            continue;
        }
        documents.push_back(*document);
        table << std::setw(24) << id << std::setw(8) << (*document)["pid"].get<int>()
              << std::setw(10) << (*document)["status"].get<std::string>() << std::setw(40)
              << (*document)["bundle"].get<std::string>() << std::setw(32)
              << (*document)["created"].get<std::string>()
              << (*document)["owner"].get<std::string>() << "\n";
    }
    if (flags->count("quiet"))
        return 0;
    std::cout << (format == "json" ? documents.dump() + "\n" : table.str());
    return 0;
}

} // namespace crunlite::cli
