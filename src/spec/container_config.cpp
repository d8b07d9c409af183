#include "spec/container_config.hpp"

#include <charconv>

#include "spec/config.hpp"
#include "spec/generate.hpp"
#include "util/path.hpp"

namespace crunlite::spec {
namespace {

using nlohmann::json;

std::string env_key(const std::string &entry)
{
    return entry.substr(0, entry.find('='));
}

// Later entries replace earlier ones with the same key, in place.
void merge_env(json &env, const std::vector<std::string> &entries)
{
    for (const auto &entry : entries) {
        auto same_key = [&](const json &existing) {
            return env_key(existing.get<std::string>()) == env_key(entry);
        };
        auto found = std::find_if(env.begin(), env.end(), same_key);
        if (found != env.end())
            *found = entry;
        else
            env.push_back(entry);
    }
}

Result<std::vector<std::string>> command_line(const ContainerConfigOptions &options)
{
    std::vector<std::string> args = options.image.entrypoint;
    const auto &rest = options.command.empty() ? options.image.cmd : options.command;
    args.insert(args.end(), rest.begin(), rest.end());
    if (args.empty())
        return Error::message("no command given, and the image names none");
    return args;
}

json bind_mount(const BindRequest &bind)
{
    return {{"destination", bind.destination},
            {"type", "bind"},
            {"source", bind.source},
            {"options", {"rbind", bind.readonly ? "ro" : "rw"}}};
}

Result<uint32_t> parse_id(const std::string &text, const std::string &what)
{
    uint32_t id = 0;
    auto [end, problem] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (text.empty() || problem != std::errc() || end != text.data() + text.size())
        return Error::message(what + ": expected a number, got `" + text + "`");
    return id;
}

} // namespace

Result<json> container_config(const ContainerConfigOptions &options)
{
    GenerateOptions generate;
    generate.root_path = options.image_dir;
    generate.args = TRY(command_line(options));
    generate.hostname = options.hostname;
    generate.terminal = options.terminal;
    json config = generate_config(generate);

    json &process = config["process"];
    merge_env(process["env"], options.image.env);
    merge_env(process["env"], options.env);
    process["cwd"] = options.cwd.value_or(options.image.cwd.empty() ? "/" : options.image.cwd);
    process["user"]["uid"] = options.uid.value_or(options.image.uid.value_or(0));
    process["user"]["gid"] = options.gid.value_or(options.image.gid.value_or(0));
    config["root"]["readonly"] = options.readonly;
    for (const auto &bind : options.mounts)
        config["mounts"].push_back(bind_mount(bind));
    if (options.layered)
        config["annotations"][rootfs_mode_annotation] = rootfs_mode_layers;
    return config;
}

Result<BindRequest> parse_bind_request(const std::string &text, const std::string &base_dir)
{
    std::vector<std::string> parts;
    for (size_t start = 0;;) {
        size_t colon = text.find(':', start);
        parts.push_back(text.substr(start, colon - start));
        if (colon == std::string::npos)
            break;
        start = colon + 1;
    }
    bool mode_given = parts.size() == 3;
    if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty() ||
        (mode_given && parts[2] != "ro" && parts[2] != "rw"))
        return Error::message("--mount: expected SRC:DST[:ro|rw], got `" + text + "`");
    return BindRequest{join_path(base_dir, parts[0]), parts[1], mode_given && parts[2] == "ro"};
}

Result<std::pair<uint32_t, std::optional<uint32_t>>> parse_user_request(const std::string &text)
{
    size_t colon = text.find(':');
    uint32_t uid = TRY(parse_id(text.substr(0, colon), "--user"));
    if (colon == std::string::npos)
        return std::pair<uint32_t, std::optional<uint32_t>>{uid, std::nullopt};
    uint32_t gid = TRY(parse_id(text.substr(colon + 1), "--user"));
    return std::pair<uint32_t, std::optional<uint32_t>>{uid, gid};
}

} // namespace crunlite::spec
