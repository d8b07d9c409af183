// parse: config.json text -> spec::Config, plus every problem found on the way.
//
// Two passes. nlohmann::json builds the document while a callback watches for what it would
// accept silently (a repeated key, absurd nesting); then a decoder walks the fields crun-lite
// knows, checking each type. Nothing here looks at the host.
#include "spec/parse.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

namespace crunlite::spec {
namespace {

// ordered_json keeps members in document order, so problems among annotations are reported in
// the order the user wrote them.
using Json = nlohmann::ordered_json;

// Real configs nest five or six levels; the cap keeps a hostile file from costing memory and
// time in a runtime that runs as root.
constexpr size_t max_depth = 64;

// Thrown from the parser callback: stopping at once is cheaper than parsing the rest.
struct TooDeep {};

std::string child_path(const std::string &parent, const std::string &key)
{
    return parent.empty() ? key : parent + "." + key;
}

std::string element_path(const std::string &parent, size_t index)
{
    return parent + "[" + std::to_string(index) + "]";
}

// Watches parser events for the two things the DOM cannot show afterwards: a key given twice in
// one object (the DOM keeps only the last) and nesting deeper than max_depth.
class EventWatcher {
public:
    explicit EventWatcher(std::vector<std::string> &problems) : problems_(problems) {}

    bool on_event(Json::parse_event_t event, const Json &parsed)
    {
        using Event = Json::parse_event_t;
        switch (event) {
        case Event::object_start:
        case Event::array_start:
            enter_element();
            if (frames_.size() >= max_depth)
                throw TooDeep{};
            frames_.push_back(Frame{event == Event::object_start, {}, {}, 0, false});
            break;
        case Event::object_end:
        case Event::array_end:
            frames_.pop_back();
            break;
        case Event::key:
            on_key(parsed.get<std::string>());
            break;
        case Event::value:
            enter_element();
            break;
        }
        return true;
    }

private:
    struct Frame {
        bool is_object;
        std::set<std::string> keys;
        std::string key; // the member being parsed, in an object
        size_t index;    // the element being parsed, in an array
        bool started;    // whether index names an element yet
    };

    // A value starts; inside an array that moves the element index on.
    void enter_element()
    {
        if (frames_.empty() || frames_.back().is_object)
            return;
        Frame &array = frames_.back();
        if (array.started)
            ++array.index;
        array.started = true;
    }

    void on_key(const std::string &key)
    {
        Frame &object = frames_.back();
        if (!object.keys.insert(key).second)
            problems_.push_back(child_path(path_of_innermost(), key) + ": duplicate key");
        object.key = key;
    }

    // The JSON path of the container being parsed right now.
    std::string path_of_innermost() const
    {
        std::string path;
        for (size_t i = 0; i + 1 < frames_.size(); ++i) {
            const Frame &frame = frames_[i];
            path = frame.is_object ? child_path(path, frame.key) : element_path(path, frame.index);
        }
        return path;
    }

    std::vector<std::string> &problems_;
    std::vector<Frame> frames_;
};

// The line and column of byte `offset`: the last byte the parser read (1-based), so the end of
// the offending token. Computed here rather than taken from the exception text, whose column is
// 0 when that byte is a newline.
std::string position_of(std::string_view text, size_t offset)
{
    size_t index = std::min(offset > 0 ? offset - 1 : 0, text.size());
    size_t line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < index; ++i) {
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(index - line_start + 1);
}

// nlohmann's text is "[json.exception.parse_error.101] parse error at line 1, column 9: syntax
// error while parsing object key - unexpected '}'; expected string literal". Keep what follows
// " - ", and drop "; last read: '...'": it echoes raw input, which may be invalid UTF-8.
std::string short_reason(const std::string &what)
{
    std::string reason = what;
    if (auto dash = reason.find(" - "); dash != std::string::npos)
        reason = reason.substr(dash + 3);
    else if (auto bracket = reason.find("] "); bracket != std::string::npos)
        reason = reason.substr(bracket + 2);
    if (auto echo = reason.find("; last read:"); echo != std::string::npos)
        reason.resize(echo);
    return reason;
}

// Parses the text into `document`; on failure adds one problem and returns false.
bool parse_document(std::string_view text, const std::string &what, Json &document,
                    std::vector<std::string> &problems)
{
    EventWatcher watcher(problems);
    auto callback = [&watcher](int, Json::parse_event_t event, Json &parsed) {
        return watcher.on_event(event, parsed);
    };
    try {
        document = Json::parse(text.begin(), text.end(), callback);
        return true;
    } catch (const TooDeep &) {
        problems.push_back(what + ": nesting deeper than " + std::to_string(max_depth) +
                           " levels");
    } catch (const Json::parse_error &error) {
        problems.push_back(what + ": " + position_of(text, error.byte) +
                           ": syntax error: " + short_reason(error.what()));
    } catch (const Json::exception &error) {
        // A number too large for a double lands here, without a position.
        problems.push_back(what + ": syntax error: " + short_reason(error.what()));
    }
    return false;
}

// "an object", "a string"...: the noun for what a value is, for "expected X, got Y".
std::string describe(const Json &value)
{
    switch (value.type()) {
    case Json::value_t::object:
        return "an object";
    case Json::value_t::array:
        return "an array";
    case Json::value_t::string:
        return "a string";
    case Json::value_t::boolean:
        return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
        return "a number";
    case Json::value_t::null:
        return "null";
    default:
        return "an unexpected value";
    }
}

// Whether a present field asks crun-lite to do something. Defaults (false, "", [], {}) do not,
// so a config that spells them out still runs.
bool asks_for_something(const Json &value)
{
    if (value.is_null())
        return false;
    if (value.is_boolean())
        return value.get<bool>();
    if (value.is_string())
        return !value.get_ref<const std::string &>().empty();
    if (value.is_array() || value.is_object())
        return !value.empty();
    return true; // numbers: even 0 sets something
}

// Spec fields crun-lite does not implement yet, by the object that holds them.
constexpr std::initializer_list<const char *> unsupported_linux_fields = {
    "intelRdt",
};
constexpr std::initializer_list<const char *> unsupported_resources_fields = {
    "rdma",
};

// Walks a parsed document into a Config. Every reader takes the JSON path of what it reads, so
// each problem can name it. A member that is null counts as absent, as in Go's encoding/json,
// which the reference runtime uses.
class Decoder {
public:
    Decoder(Config &config, std::vector<std::string> &problems)
        : config_(config), problems_(problems)
    {
    }

    void decode(const Json &document)
    {
        if (auto *version = required(document, "ociVersion", ""))
            read_string(*version, "ociVersion", config_.oci_version);
        decode_process(document);
        if (auto *root = required(document, "root", ""); root && expect_object(*root, "root"))
            decode_root(*root);
        read_string_member(document, "hostname", "", config_.hostname);
        read_string_member(document, "domainname", "", config_.domainname);
        decode_mounts(document);
        decode_hooks(document);
        decode_linux(document);
        decode_annotations(document);
    }

    // A process.json document: the object that config.json holds under `process`.
    void decode_process_document(const Json &process) { decode_process(Json{{"process", process}}); }

    // An `update --resources` document: the object config.json holds under linux.resources.
    void decode_resources_document(const Json &resources)
    {
        decode_resources(resources, config_.linux.resources.emplace());
    }

private:
    void problem(const std::string &path, const std::string &what)
    {
        problems_.push_back(path + ": " + what);
    }

    void wrong_type(const std::string &path, const char *expected, const Json &value)
    {
        problem(path, std::string("expected ") + expected + ", got " + describe(value));
    }

    // The member `key` of `object`, or nullptr when it is absent or null.
    static const Json *member(const Json &object, const char *key)
    {
        auto found = object.find(key);
        if (found == object.end() || found->is_null())
            return nullptr;
        return &*found;
    }

    const Json *required(const Json &object, const char *key, const std::string &parent)
    {
        const Json *value = member(object, key);
        if (!value)
            problem(child_path(parent, key), "required");
        return value;
    }

    bool expect_object(const Json &value, const std::string &path)
    {
        if (!value.is_object())
            wrong_type(path, "an object", value);
        return value.is_object();
    }

    bool expect_array(const Json &value, const std::string &path)
    {
        if (!value.is_array())
            wrong_type(path, "an array", value);
        return value.is_array();
    }

    void read_string(const Json &value, const std::string &path, std::string &out)
    {
        if (!value.is_string()) {
            wrong_type(path, "a string", value);
            return;
        }
        out = value.get<std::string>();
        // JSON allows \u0000, but the kernel takes C strings: the rest would be cut off unseen.
        if (out.find('\0') != std::string::npos)
            problem(path, "must not contain a NUL character");
    }

    void read_bool(const Json &value, const std::string &path, bool &out)
    {
        if (value.is_boolean())
            out = value.get<bool>();
        else
            wrong_type(path, "a boolean", value);
    }

    // JSON numbers that are non-negative integers parse as number_unsigned; -1 and 1.5 do not.
    void read_u32(const Json &value, const std::string &path, uint32_t &out)
    {
        if (value.is_number_unsigned() &&
            value.get<uint64_t>() <= std::numeric_limits<uint32_t>::max()) {
            out = static_cast<uint32_t>(value.get<uint64_t>());
            return;
        }
        std::string got = value.is_number() ? value.dump() : describe(value);
        problem(path, "expected an unsigned 32-bit integer, got " + got);
    }

    // RLIM_INFINITY is 2^64-1, which JSON carries as a plain number.
    void read_u64(const Json &value, const std::string &path, uint64_t &out)
    {
        if (value.is_number_unsigned()) {
            out = value.get<uint64_t>();
            return;
        }
        std::string got = value.is_number() ? value.dump() : describe(value);
        problem(path, "expected an unsigned 64-bit integer, got " + got);
    }

    void read_i64(const Json &value, const std::string &path, int64_t &out)
    {
        bool fits = value.is_number_integer() &&
                    (!value.is_number_unsigned() ||
                     value.get<uint64_t>() <= uint64_t(std::numeric_limits<int64_t>::max()));
        if (fits) {
            out = value.get<int64_t>();
            return;
        }
        std::string got = value.is_number() ? value.dump() : describe(value);
        problem(path, "expected a 64-bit integer, got " + got);
    }

    void read_u16(const Json &value, const std::string &path, uint16_t &out)
    {
        uint32_t wide = 0;
        if (value.is_number_unsigned() && value.get<uint64_t>() <= 65535) {
            read_u32(value, path, wide);
            out = static_cast<uint16_t>(wide);
            return;
        }
        std::string got = value.is_number() ? value.dump() : describe(value);
        problem(path, "expected an unsigned 16-bit integer, got " + got);
    }

    void read_i32(const Json &value, const std::string &path, int &out)
    {
        bool fits = value.is_number_unsigned()
                        ? value.get<uint64_t>() <= uint64_t(std::numeric_limits<int32_t>::max())
                        : value.is_number_integer() &&
                              value.get<int64_t>() >= std::numeric_limits<int32_t>::min() &&
                              value.get<int64_t>() <= std::numeric_limits<int32_t>::max();
        if (fits) {
            out = static_cast<int>(value.get<int64_t>());
            return;
        }
        std::string got = value.is_number() ? value.dump() : describe(value);
        problem(path, "expected a 32-bit integer, got " + got);
    }

    void read_string_member(const Json &object, const char *key, const std::string &parent,
                            std::string &out)
    {
        if (auto *value = member(object, key))
            read_string(*value, child_path(parent, key), out);
    }

    void read_string_array(const Json &value, const std::string &path,
                           std::vector<std::string> &out)
    {
        if (!expect_array(value, path))
            return;
        for (size_t i = 0; i < value.size(); ++i)
            read_string(value[i], element_path(path, i), out.emplace_back());
    }

    // Calls decode(element, element_path) for each element of the array member `key` of
    // `parent` (at `path`) that is an object; other types are reported.
    template <typename Decode>
    void for_each_object(const Json &parent, const char *key, const std::string &path,
                         Decode decode)
    {
        const Json *array = member(parent, key);
        if (!array || !expect_array(*array, path))
            return;
        for (size_t i = 0; i < array->size(); ++i) {
            std::string element = element_path(path, i);
            if (expect_object((*array)[i], element))
                decode((*array)[i], element);
        }
    }

    void note_unsupported(const Json &object, std::initializer_list<const char *> keys,
                          const std::string &parent)
    {
        for (const char *key : keys) {
            auto found = object.find(key);
            if (found != object.end() && asks_for_something(*found))
                config_.unsupported.push_back(child_path(parent, key));
        }
    }

    void decode_root(const Json &root)
    {
        if (auto *path = required(root, "path", "root"))
            read_string(*path, "root.path", config_.root.path);
        if (auto *readonly = member(root, "readonly"))
            read_bool(*readonly, "root.readonly", config_.root.readonly);
    }

    void decode_process(const Json &document)
    {
        const Json *json = member(document, "process");
        if (!json || !expect_object(*json, "process"))
            return;
        Process &process = config_.process.emplace();

        if (auto *terminal = member(*json, "terminal"))
            read_bool(*terminal, "process.terminal", process.terminal);
        decode_console_size(*json, process);
        if (auto *user = member(*json, "user"); user && expect_object(*user, "process.user"))
            decode_user(*user, process.user);
        if (auto *args = required(*json, "args", "process"))
            read_string_array(*args, "process.args", process.args);
        if (auto *env = member(*json, "env"))
            read_string_array(*env, "process.env", process.env);
        if (auto *cwd = required(*json, "cwd", "process"))
            read_string(*cwd, "process.cwd", process.cwd);
        decode_capabilities(*json, process);
        decode_rlimits(*json, process);
        if (auto *no_new_privileges = member(*json, "noNewPrivileges"))
            read_bool(*no_new_privileges, "process.noNewPrivileges", process.no_new_privileges);
        if (auto *oom_score_adj = member(*json, "oomScoreAdj"))
            read_i32(*oom_score_adj, "process.oomScoreAdj", process.oom_score_adj.emplace());
        read_string_member(*json, "apparmorProfile", "process", process.apparmor_profile);
        read_string_member(*json, "selinuxLabel", "process", process.selinux_label);
        decode_scheduler(*json, process);
        decode_io_priority(*json, process);
        decode_cpu_affinity(*json, process);
    }

    // Names are kept as written; validate tells a misspelt one from one this kernel lacks.
    void decode_capabilities(const Json &json, Process &process)
    {
        const Json *sets = member(json, "capabilities");
        if (!sets || !expect_object(*sets, "process.capabilities"))
            return;
        Capabilities &capabilities = process.capabilities;
        const std::pair<const char *, std::vector<std::string> *> named_sets[] = {
            {"bounding", &capabilities.bounding},       {"effective", &capabilities.effective},
            {"inheritable", &capabilities.inheritable}, {"permitted", &capabilities.permitted},
            {"ambient", &capabilities.ambient},
        };
        for (const auto &[key, names] : named_sets)
            if (auto *set = member(*sets, key))
                read_string_array(*set, child_path("process.capabilities", key), *names);
    }

    void decode_rlimits(const Json &json, Process &process)
    {
        for_each_object(json, "rlimits", "process.rlimits",
                        [&](const Json &element, const std::string &path) {
            Rlimit &rlimit = process.rlimits.emplace_back();
            if (auto *type = required(element, "type", path))
                read_string(*type, child_path(path, "type"), rlimit.type);
            if (auto *soft = required(element, "soft", path))
                read_u64(*soft, child_path(path, "soft"), rlimit.soft);
            if (auto *hard = required(element, "hard", path))
                read_u64(*hard, child_path(path, "hard"), rlimit.hard);
        });
    }

    void decode_scheduler(const Json &json, Process &process)
    {
        const Json *object = member(json, "scheduler");
        if (!object || !expect_object(*object, "process.scheduler"))
            return;
        Scheduler &scheduler = process.scheduler.emplace();
        const std::string path = "process.scheduler";
        if (auto *policy = required(*object, "policy", path))
            read_string(*policy, child_path(path, "policy"), scheduler.policy);
        if (auto *nice = member(*object, "nice"))
            read_i32(*nice, child_path(path, "nice"), scheduler.nice);
        if (auto *priority = member(*object, "priority"))
            read_i32(*priority, child_path(path, "priority"), scheduler.priority);
        if (auto *flags = member(*object, "flags"))
            read_string_array(*flags, child_path(path, "flags"), scheduler.flags);
        const std::pair<const char *, uint64_t *> durations[] = {
            {"runtime", &scheduler.runtime},
            {"deadline", &scheduler.deadline},
            {"period", &scheduler.period},
        };
        for (const auto &[key, out] : durations)
            if (auto *value = member(*object, key))
                read_u64(*value, child_path(path, key), *out);
    }

    void decode_io_priority(const Json &json, Process &process)
    {
        const Json *object = member(json, "ioPriority");
        if (!object || !expect_object(*object, "process.ioPriority"))
            return;
        IoPriority &io_priority = process.io_priority.emplace();
        if (auto *io_class = required(*object, "class", "process.ioPriority"))
            read_string(*io_class, "process.ioPriority.class", io_priority.io_class);
        if (auto *priority = member(*object, "priority"))
            read_i32(*priority, "process.ioPriority.priority", io_priority.priority);
    }

    void decode_cpu_affinity(const Json &json, Process &process)
    {
        const Json *object = member(json, "execCPUAffinity");
        if (!object || !expect_object(*object, "process.execCPUAffinity"))
            return;
        CpuAffinity &affinity = process.exec_cpu_affinity.emplace();
        read_string_member(*object, "initial", "process.execCPUAffinity", affinity.initial);
        read_string_member(*object, "final", "process.execCPUAffinity", affinity.final);
    }

    // Read even without a terminal, where it means nothing, so a malformed one is still reported.
    void decode_console_size(const Json &json, Process &process)
    {
        const Json *size = member(json, "consoleSize");
        if (!size || !expect_object(*size, "process.consoleSize"))
            return;
        ConsoleSize &console = process.console_size.emplace();
        if (auto *height = required(*size, "height", "process.consoleSize"))
            read_u32(*height, "process.consoleSize.height", console.height);
        if (auto *width = required(*size, "width", "process.consoleSize"))
            read_u32(*width, "process.consoleSize.width", console.width);
    }

    void decode_user(const Json &json, User &user)
    {
        if (auto *uid = member(json, "uid"))
            read_u32(*uid, "process.user.uid", user.uid);
        if (auto *gid = member(json, "gid"))
            read_u32(*gid, "process.user.gid", user.gid);
        if (auto *umask = member(json, "umask"))
            read_u32(*umask, "process.user.umask", user.umask.emplace());
        // username is Windows-only in the spec; checked, never used.
        std::string username;
        read_string_member(json, "username", "process.user", username);

        const Json *gids = member(json, "additionalGids");
        if (!gids || !expect_array(*gids, "process.user.additionalGids"))
            return;
        for (size_t i = 0; i < gids->size(); ++i)
            read_u32((*gids)[i], element_path("process.user.additionalGids", i),
                     user.additional_gids.emplace_back());
    }

    void decode_mounts(const Json &document)
    {
        for_each_object(document, "mounts", "mounts",
                        [&](const Json &mount, const std::string &path) { decode_mount(mount, path); });
    }

    void decode_mount(const Json &json, const std::string &path)
    {
        Mount &mount = config_.mounts.emplace_back();
        if (auto *destination = required(json, "destination", path))
            read_string(*destination, child_path(path, "destination"), mount.destination);
        read_string_member(json, "type", path, mount.type);
        read_string_member(json, "source", path, mount.source);
        if (auto *options = member(json, "options"))
            read_string_array(*options, child_path(path, "options"), mount.options);
        decode_id_mappings(json, "uidMappings", path, mount.uid_mappings);
        decode_id_mappings(json, "gidMappings", path, mount.gid_mappings);
    }

    void decode_id_mappings(const Json &object, const char *key, const std::string &parent,
                            std::vector<IdMapping> &out)
    {
        const Json *mappings = member(object, key);
        std::string path = child_path(parent, key);
        if (!mappings || !expect_array(*mappings, path))
            return;
        for (size_t i = 0; i < mappings->size(); ++i) {
            std::string element = element_path(path, i);
            if (!expect_object((*mappings)[i], element))
                continue;
            IdMapping &mapping = out.emplace_back();
            const std::pair<const char *, uint32_t *> fields[] = {
                {"containerID", &mapping.container_id},
                {"hostID", &mapping.host_id},
                {"size", &mapping.size},
            };
            for (const auto &[name, value] : fields)
                if (auto *number = required((*mappings)[i], name, element))
                    read_u32(*number, child_path(element, name), *value);
        }
    }

    void decode_hooks(const Json &document)
    {
        const Json *hooks = member(document, "hooks");
        if (!hooks || !expect_object(*hooks, "hooks"))
            return;
        for (const auto &kind : hook_kinds) {
            std::string path = child_path("hooks", kind.name);
            const Json *list = member(*hooks, kind.name);
            if (!list || !expect_array(*list, path))
                continue;
            for (size_t i = 0; i < list->size(); ++i)
                decode_hook((*list)[i], element_path(path, i), config_.hooks.*kind.list);
        }
    }

    void decode_hook(const Json &json, const std::string &path, std::vector<Hook> &hooks)
    {
        if (!expect_object(json, path))
            return;
        Hook &hook = hooks.emplace_back();
        if (auto *program = required(json, "path", path))
            read_string(*program, child_path(path, "path"), hook.path);
        if (auto *args = member(json, "args"))
            read_string_array(*args, child_path(path, "args"), hook.args);
        if (auto *env = member(json, "env"))
            read_string_array(*env, child_path(path, "env"), hook.env.emplace());
        if (auto *timeout = member(json, "timeout"))
            read_i32(*timeout, child_path(path, "timeout"), hook.timeout.emplace());
    }

    void decode_linux(const Json &document)
    {
        // Not named `linux`: GNU dialects predefine that as a macro.
        const Json *section = member(document, "linux");
        if (!section || !expect_object(*section, "linux"))
            return;
        const Json *namespaces = member(*section, "namespaces");
        if (namespaces && expect_array(*namespaces, "linux.namespaces")) {
            for (size_t i = 0; i < namespaces->size(); ++i)
                decode_namespace((*namespaces)[i], element_path("linux.namespaces", i));
        }
        Linux &linux_config = config_.linux;
        decode_id_mappings(*section, "uidMappings", "linux", linux_config.uid_mappings);
        decode_id_mappings(*section, "gidMappings", "linux", linux_config.gid_mappings);
        if (auto *masked = member(*section, "maskedPaths"))
            read_string_array(*masked, "linux.maskedPaths", linux_config.masked_paths);
        if (auto *readonly = member(*section, "readonlyPaths"))
            read_string_array(*readonly, "linux.readonlyPaths", linux_config.readonly_paths);
        decode_sysctl(*section);
        read_string_member(*section, "rootfsPropagation", "linux",
                           linux_config.rootfs_propagation);
        decode_devices(*section);
        decode_personality(*section);
        decode_time_offsets(*section);
        decode_memory_policy(*section);
        read_string_member(*section, "mountLabel", "linux", linux_config.mount_label);
        decode_seccomp(*section);
        decode_net_devices(*section);
        read_string_member(*section, "cgroupsPath", "linux", linux_config.cgroups_path);
        if (auto *resources = member(*section, "resources");
            resources && expect_object(*resources, "linux.resources"))
            decode_resources(*resources, linux_config.resources.emplace());
        note_unsupported(*section, unsupported_linux_fields, "linux");
    }

    // Names are kept as written: validate reports unknown actions, architectures, operators
    // and flags, with the rest of what is wrong.
    void decode_seccomp(const Json &section)
    {
        const Json *json = member(section, "seccomp");
        if (!json || !expect_object(*json, "linux.seccomp"))
            return;
        const std::string path = "linux.seccomp";
        Seccomp &seccomp = config_.linux.seccomp.emplace();
        if (auto *action = required(*json, "defaultAction", path))
            read_string(*action, path + ".defaultAction", seccomp.default_action);
        if (auto *errno_ret = member(*json, "defaultErrnoRet"))
            read_u32(*errno_ret, path + ".defaultErrnoRet", seccomp.default_errno_ret.emplace());
        if (auto *architectures = member(*json, "architectures"))
            read_string_array(*architectures, path + ".architectures", seccomp.architectures);
        if (auto *flags = member(*json, "flags"))
            read_string_array(*flags, path + ".flags", seccomp.flags);
        read_string_member(*json, "listenerPath", path, seccomp.listener_path);
        read_string_member(*json, "listenerMetadata", path, seccomp.listener_metadata);

        for_each_object(*json, "syscalls", path + ".syscalls",
                        [&](const Json &rule, const std::string &rule_path) {
                            decode_seccomp_rule(rule, rule_path, seccomp.syscalls.emplace_back());
                        });
    }

    void decode_seccomp_rule(const Json &json, const std::string &path, SeccompRule &rule)
    {
        if (auto *names = required(json, "names", path))
            read_string_array(*names, child_path(path, "names"), rule.names);
        if (auto *action = required(json, "action", path))
            read_string(*action, child_path(path, "action"), rule.action);
        if (auto *errno_ret = member(json, "errnoRet"))
            read_u32(*errno_ret, child_path(path, "errnoRet"), rule.errno_ret.emplace());

        for_each_object(json, "args", child_path(path, "args"),
                        [&](const Json &element, const std::string &arg_path) {
            SeccompArg &arg = rule.args.emplace_back();
            if (auto *index = required(element, "index", arg_path))
                read_u32(*index, child_path(arg_path, "index"), arg.index);
            if (auto *value = required(element, "value", arg_path))
                read_u64(*value, child_path(arg_path, "value"), arg.value);
            if (auto *value_two = member(element, "valueTwo"))
                read_u64(*value_two, child_path(arg_path, "valueTwo"), arg.value_two);
            if (auto *op = required(element, "op", arg_path))
                read_string(*op, child_path(arg_path, "op"), arg.op);
        });
    }

    void decode_devices(const Json &section)
    {
        const Json *devices = member(section, "devices");
        if (!devices || !expect_array(*devices, "linux.devices"))
            return;
        for (size_t i = 0; i < devices->size(); ++i) {
            std::string path = element_path("linux.devices", i);
            if (expect_object((*devices)[i], path))
                decode_device((*devices)[i], path);
        }
    }

    void decode_device(const Json &json, const std::string &path)
    {
        Device &device = config_.linux.devices.emplace_back();
        if (auto *device_path = required(json, "path", path))
            read_string(*device_path, child_path(path, "path"), device.path);
        if (auto *type = required(json, "type", path))
            read_string(*type, child_path(path, "type"), device.type);
        if (auto *major = member(json, "major"))
            read_i64(*major, child_path(path, "major"), device.major.emplace());
        if (auto *minor = member(json, "minor"))
            read_i64(*minor, child_path(path, "minor"), device.minor.emplace());
        if (auto *mode = member(json, "fileMode"))
            read_u32(*mode, child_path(path, "fileMode"), device.file_mode.emplace());
        if (auto *uid = member(json, "uid"))
            read_u32(*uid, child_path(path, "uid"), device.uid.emplace());
        if (auto *gid = member(json, "gid"))
            read_u32(*gid, child_path(path, "gid"), device.gid.emplace());
    }

    void decode_personality(const Json &section)
    {
        const Json *object = member(section, "personality");
        if (!object || !expect_object(*object, "linux.personality"))
            return;
        Personality &personality = config_.linux.personality.emplace();
        if (auto *domain = required(*object, "domain", "linux.personality"))
            read_string(*domain, "linux.personality.domain", personality.domain);
        if (auto *flags = member(*object, "flags"))
            read_string_array(*flags, "linux.personality.flags", personality.flags);
    }

    void decode_time_offsets(const Json &section)
    {
        const Json *offsets = member(section, "timeOffsets");
        if (!offsets || !expect_object(*offsets, "linux.timeOffsets"))
            return;
        for (const auto &[clock, value] : offsets->items()) {
            std::string path = child_path("linux.timeOffsets", clock);
            if (!expect_object(value, path))
                continue;
            TimeOffset &offset = config_.linux.time_offsets[clock];
            if (auto *secs = member(value, "secs"))
                read_i64(*secs, child_path(path, "secs"), offset.secs);
            if (auto *nanosecs = member(value, "nanosecs"))
                read_u32(*nanosecs, child_path(path, "nanosecs"), offset.nanosecs);
        }
    }

    void decode_net_devices(const Json &section)
    {
        const Json *devices = member(section, "netDevices");
        if (!devices || !expect_object(*devices, "linux.netDevices"))
            return;
        for (const auto &[host_name, value] : devices->items()) {
            std::string path = child_path("linux.netDevices", host_name);
            if (expect_object(value, path))
                read_string_member(value, "name", path, config_.linux.net_devices[host_name]);
        }
    }

    void decode_memory_policy(const Json &section)
    {
        const Json *object = member(section, "memoryPolicy");
        if (!object || !expect_object(*object, "linux.memoryPolicy"))
            return;
        MemoryPolicy &policy = config_.linux.memory_policy.emplace();
        if (auto *mode = required(*object, "mode", "linux.memoryPolicy"))
            read_string(*mode, "linux.memoryPolicy.mode", policy.mode);
        read_string_member(*object, "nodes", "linux.memoryPolicy", policy.nodes);
        if (auto *flags = member(*object, "flags"))
            read_string_array(*flags, "linux.memoryPolicy.flags", policy.flags);
    }

    // linux.resources: cgroup limits. Ranges are validate's business; here only types.
    template <typename T, typename Reader>
    void read_optional(const Json &object, const char *key, const std::string &parent,
                       std::optional<T> &out, Reader reader)
    {
        if (auto *value = member(object, key))
            (this->*reader)(*value, child_path(parent, key), out.emplace());
    }

    void decode_resources(const Json &json, Resources &resources)
    {
        const std::string path = "linux.resources";
        if (auto *memory = member(json, "memory"); memory && expect_object(*memory, path + ".memory"))
            decode_memory(*memory, resources.memory.emplace());
        if (auto *cpu = member(json, "cpu"); cpu && expect_object(*cpu, path + ".cpu"))
            decode_cpu(*cpu, resources.cpu.emplace());
        if (auto *pids = member(json, "pids"); pids && expect_object(*pids, path + ".pids"))
            read_optional(*pids, "limit", path + ".pids", resources.pids_limit, &Decoder::read_i64);
        if (auto *io = member(json, "blockIO"); io && expect_object(*io, path + ".blockIO"))
            decode_block_io(*io, resources.block_io.emplace());
        decode_hugepage_limits(json, resources);
        decode_device_rules(json, resources);
        if (auto *net = member(json, "network"); net && expect_object(*net, path + ".network"))
            decode_network(*net, resources.network.emplace());
        if (auto *unified = member(json, "unified");
            unified && expect_object(*unified, path + ".unified"))
            for (const auto &[key, value] : unified->items())
                read_string(value, child_path(path + ".unified", key), resources.unified[key]);
        note_unsupported(json, unsupported_resources_fields, path);
    }

    void decode_memory(const Json &json, MemoryResources &memory)
    {
        const std::string path = "linux.resources.memory";
        read_optional(json, "limit", path, memory.limit, &Decoder::read_i64);
        read_optional(json, "reservation", path, memory.reservation, &Decoder::read_i64);
        read_optional(json, "swap", path, memory.swap, &Decoder::read_i64);
        read_optional(json, "kernel", path, memory.kernel, &Decoder::read_i64);
        read_optional(json, "kernelTCP", path, memory.kernel_tcp, &Decoder::read_i64);
        read_optional(json, "swappiness", path, memory.swappiness, &Decoder::read_u64);
        read_optional(json, "disableOOMKiller", path, memory.disable_oom_killer,
                      &Decoder::read_bool);
    }

    void decode_cpu(const Json &json, CpuResources &cpu)
    {
        const std::string path = "linux.resources.cpu";
        read_optional(json, "shares", path, cpu.shares, &Decoder::read_u64);
        read_optional(json, "quota", path, cpu.quota, &Decoder::read_i64);
        read_optional(json, "period", path, cpu.period, &Decoder::read_u64);
        read_optional(json, "realtimeRuntime", path, cpu.realtime_runtime, &Decoder::read_i64);
        read_optional(json, "realtimePeriod", path, cpu.realtime_period, &Decoder::read_u64);
        read_string_member(json, "cpus", path, cpu.cpus);
        read_string_member(json, "mems", path, cpu.mems);
        read_optional(json, "idle", path, cpu.idle, &Decoder::read_i64);
    }

    void read_device_number(const Json &json, const std::string &path, int64_t &major,
                            int64_t &minor)
    {
        if (auto *value = required(json, "major", path))
            read_i64(*value, child_path(path, "major"), major);
        if (auto *value = required(json, "minor", path))
            read_i64(*value, child_path(path, "minor"), minor);
    }

    void decode_throttle(const Json &json, const char *key, std::vector<ThrottleDevice> &out)
    {
        for_each_object(json, key, child_path("linux.resources.blockIO", key),
                        [&](const Json &element, const std::string &path) {
                            ThrottleDevice &device = out.emplace_back();
                            read_device_number(element, path, device.major, device.minor);
                            if (auto *rate = required(element, "rate", path))
                                read_u64(*rate, child_path(path, "rate"), device.rate);
                        });
    }

    void decode_block_io(const Json &json, BlockIoResources &io)
    {
        const std::string path = "linux.resources.blockIO";
        read_optional(json, "weight", path, io.weight, &Decoder::read_u16);
        read_optional(json, "leafWeight", path, io.leaf_weight, &Decoder::read_u16);
        for_each_object(json, "weightDevice", path + ".weightDevice",
                        [&](const Json &element, const std::string &device_path) {
                            WeightDevice &device = io.weight_devices.emplace_back();
                            read_device_number(element, device_path, device.major, device.minor);
                            read_optional(element, "weight", device_path, device.weight,
                                          &Decoder::read_u16);
                            read_optional(element, "leafWeight", device_path, device.leaf_weight,
                                          &Decoder::read_u16);
                        });
        decode_throttle(json, "throttleReadBpsDevice", io.throttle_read_bps);
        decode_throttle(json, "throttleWriteBpsDevice", io.throttle_write_bps);
        decode_throttle(json, "throttleReadIOPSDevice", io.throttle_read_iops);
        decode_throttle(json, "throttleWriteIOPSDevice", io.throttle_write_iops);
    }

    void decode_hugepage_limits(const Json &json, Resources &resources)
    {
        for_each_object(json, "hugepageLimits", "linux.resources.hugepageLimits",
                        [&](const Json &element, const std::string &path) {
                            HugepageLimit &limit = resources.hugepage_limits.emplace_back();
                            if (auto *size = required(element, "pageSize", path))
                                read_string(*size, child_path(path, "pageSize"), limit.page_size);
                            if (auto *value = required(element, "limit", path))
                                read_u64(*value, child_path(path, "limit"), limit.limit);
                        });
    }

    void decode_device_rules(const Json &json, Resources &resources)
    {
        for_each_object(json, "devices", "linux.resources.devices",
                        [&](const Json &element, const std::string &path) {
                            DeviceRule &rule = resources.devices.emplace_back();
                            if (auto *allow = required(element, "allow", path))
                                read_bool(*allow, child_path(path, "allow"), rule.allow);
                            read_string_member(element, "type", path, rule.type);
                            read_optional(element, "major", path, rule.major, &Decoder::read_i64);
                            read_optional(element, "minor", path, rule.minor, &Decoder::read_i64);
                            read_string_member(element, "access", path, rule.access);
                        });
    }

    void decode_network(const Json &json, NetworkResources &network)
    {
        const std::string path = "linux.resources.network";
        read_optional(json, "classID", path, network.class_id, &Decoder::read_u32);
        for_each_object(json, "priorities", path + ".priorities",
                        [&](const Json &element, const std::string &priority_path) {
                            auto &[name, priority] = network.priorities.emplace_back();
                            if (auto *value = required(element, "name", priority_path))
                                read_string(*value, child_path(priority_path, "name"), name);
                            if (auto *value = required(element, "priority", priority_path))
                                read_u32(*value, child_path(priority_path, "priority"), priority);
                        });
    }

    void decode_sysctl(const Json &section)
    {
        const Json *sysctl = member(section, "sysctl");
        if (!sysctl || !expect_object(*sysctl, "linux.sysctl"))
            return;
        for (const auto &[key, value] : sysctl->items())
            read_string(value, child_path("linux.sysctl", key), config_.linux.sysctl[key]);
    }

    void decode_namespace(const Json &json, const std::string &path)
    {
        if (!expect_object(json, path))
            return;
        std::optional<NamespaceType> type = decode_namespace_type(json, path);
        std::string ns_path;
        read_string_member(json, "path", path, ns_path);
        if (type)
            config_.linux.namespaces.push_back(Namespace{*type, ns_path});
    }

    std::optional<NamespaceType> decode_namespace_type(const Json &json, const std::string &path)
    {
        const Json *type = required(json, "type", path);
        if (!type || !type->is_string()) {
            if (type)
                wrong_type(child_path(path, "type"), "a string", *type);
            return std::nullopt;
        }

        std::string name = type->get<std::string>();
        auto known = namespace_type_from_name(name);
        if (!known)
            problem(child_path(path, "type"), "unknown namespace type `" + name + "`");
        return known;
    }

    void decode_annotations(const Json &document)
    {
        const Json *annotations = member(document, "annotations");
        if (!annotations || !expect_object(*annotations, "annotations"))
            return;
        for (const auto &[key, value] : annotations->items())
            read_string(value, child_path("annotations", key), config_.annotations[key]);
    }

    Config &config_;
    std::vector<std::string> &problems_;
};

} // namespace

namespace {

// The document as JSON when it is one object; otherwise the problems say why, `what` naming it.
bool parse_object(std::string_view text, const char *what, Json &document,
                  std::vector<std::string> &problems)
{
    if (!parse_document(text, what, document, problems))
        return false;
    if (!document.is_object()) {
        problems.push_back(std::string(what) + ": expected an object, got " + describe(document));
        return false;
    }
    return true;
}

} // namespace

ParseResult parse_config(std::string_view json_text)
{
    ParseResult result;
    Json document;
    if (parse_object(json_text, "config.json", document, result.problems))
        Decoder(result.config, result.problems).decode(document);
    return result;
}

ParseResult parse_resources(std::string_view json_text, const std::string &what)
{
    ParseResult result;
    Json document;
    if (parse_object(json_text, what.c_str(), document, result.problems))
        Decoder(result.config, result.problems).decode_resources_document(document);
    return result;
}

ParseResult parse_process(std::string_view json_text)
{
    ParseResult result;
    Json document;
    if (parse_object(json_text, "process.json", document, result.problems))
        Decoder(result.config, result.problems).decode_process_document(document);
    return result;
}

} // namespace crunlite::spec
