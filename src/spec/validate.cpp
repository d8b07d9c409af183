// validate: a parsed Config -> the errors that must stop a container and the warnings that
// should not.
//
// Config keeps no source positions, so checks run section by section in the order config.json
// files conventionally list them, as in the runtime-spec's example (ociVersion, process, root,
// hostname, mounts, hooks, linux, annotations). Looks at the host (stat, open) but never
// changes anything.
#include "spec/validate.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>

#include "spec/image.hpp"
#include "spec/hugepage_sizes.hpp"
#include "spec/kernel_names.hpp"
#include "spec/seccomp_names.hpp"
#include "spec/validate_fields.hpp"
#include "util/path.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::spec {
namespace {

std::string backticked(const std::string &text)
{
    return "`" + text + "`";
}

bool is_absolute(const std::string &path)
{
    return !path.empty() && path.front() == '/';
}

// root.path and bind sources are relative to the bundle, not to our working directory.
std::string resolve_in_bundle(const std::string &path, const std::string &bundle_dir)
{
    return bundle_dir.empty() ? path : join_path(bundle_dir, path);
}

// stat()s a host path; on failure says why, in the words the messages use.
std::optional<std::string> stat_problem(const std::string &path, struct stat &info)
{
    if (::stat(path.c_str(), &info) == 0)
        return std::nullopt;
    int errnum = errno;
    if (errnum == ENOENT || errnum == ENOTDIR)
        return backticked(path) + " does not exist";
    return "cannot access " + backticked(path) + ": " + std::strerror(errnum);
}

// The CLONE_NEW* flag that NS_GET_NSTYPE reports for a namespace of this type.
int clone_flag(NamespaceType type)
{
    switch (type) {
    case NamespaceType::pid:
        return CLONE_NEWPID;
    case NamespaceType::network:
        return CLONE_NEWNET;
    case NamespaceType::mount:
        return CLONE_NEWNS;
    case NamespaceType::ipc:
        return CLONE_NEWIPC;
    case NamespaceType::uts:
        return CLONE_NEWUTS;
    case NamespaceType::user:
        return CLONE_NEWUSER;
    case NamespaceType::cgroup:
        return CLONE_NEWCGROUP;
    case NamespaceType::time:
        return CLONE_NEWTIME;
    }
    return 0;
}

// A namespace to join must be one of the type the entry names: joining a net namespace where a
// pid one was meant would silently share the wrong thing with the host.
std::optional<std::string> namespace_path_problem(const Namespace &ns)
{
    if (!is_absolute(ns.path))
        return "must be an absolute path, got " + backticked(ns.path);

    // O_NONBLOCK: a FIFO planted at the path must not stall validation.
    UniqueFd fd(::open(ns.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        int errnum = errno;
        if (errnum == ENOENT || errnum == ENOTDIR)
            return backticked(ns.path) + " does not exist";
        return "cannot open " + backticked(ns.path) + ": " + std::strerror(errnum);
    }

    // Files that are not namespaces fail the ioctl (ENOTTY); same answer as a wrong type.
    int actual = ::ioctl(fd.get(), NS_GET_NSTYPE);
    if (actual != clone_flag(ns.type))
        return backticked(ns.path) + " is not a " + namespace_type_name(ns.type) + " namespace";
    return std::nullopt;
}

bool has_option(const Mount &mount, const char *option)
{
    for (const auto &candidate : mount.options)
        if (candidate == option)
            return true;
    return false;
}

bool is_bind_mount(const Mount &mount)
{
    return mount.type == "bind" || has_option(mount, "bind") || has_option(mount, "rbind");
}

// The kernel takes at most this many lines in a uid_map or gid_map (since Linux 4.15).
constexpr size_t max_id_map_lines = 340;

bool maps_container_id(const std::vector<IdMapping> &mappings, uint32_t id)
{
    for (const auto &mapping : mappings)
        if (id >= mapping.container_id && uint64_t{id} < uint64_t{mapping.container_id} + mapping.size)
            return true;
    return false;
}

bool ranges_overlap(uint32_t first, uint32_t second, uint32_t size, uint32_t other_size)
{
    return uint64_t{first} < uint64_t{second} + other_size &&
           uint64_t{second} < uint64_t{first} + size;
}

constexpr const char *rootfs_propagation_values[] = {
    "shared", "rshared", "slave", "rslave", "private", "rprivate", "unbindable", "runbindable",
};

// Dot-separated parts, none empty (so no `..`), no `/`: the key becomes a path below
// /proc/sys, and neither may lead out of it.
bool is_valid_sysctl_name(const std::string &key)
{
    if (key.empty() || key.front() == '.' || key.back() == '.')
        return false;
    return key.find('/') == std::string::npos && key.find("..") == std::string::npos &&
           key.find('\0') == std::string::npos;
}

class Validator {
public:
    Validator(const Config &config, const ValidateOptions &options)
        : config_(config), options_(options), reported_(config.unsupported.size(), false)
    {
    }

    Findings run()
    {
        check_version();
        check_process();
        check_root();
        check_uts_name("hostname", config_.hostname);
        check_uts_name("domainname", config_.domainname);
        for (size_t i = 0; i < config_.mounts.size(); ++i)
            check_mount(i);
        check_hooks();
        check_linux();
        check_annotations();
        report_unsupported_under("");
        return std::move(findings_);
    }

    Findings run_process_only()
    {
        check_process();
        return std::move(findings_);
    }

private:
    void error(const std::string &path, const std::string &what)
    {
        findings_.errors.push_back(path + ": " + what);
    }

    void warning(const std::string &path, const std::string &what)
    {
        findings_.warnings.push_back(path + ": " + what);
    }

    // Reports each unsupported field at or below `prefix` (every one left, for ""), so that a
    // refusal appears beside the other problems of its section.
    void report_unsupported_under(const std::string &prefix)
    {
        for (size_t i = 0; i < config_.unsupported.size(); ++i) {
            const std::string &path = config_.unsupported[i];
            bool below = path.compare(0, prefix.size(), prefix) == 0 &&
                         (path.size() == prefix.size() || prefix.empty() ||
                          path[prefix.size()] == '.' || path[prefix.size()] == '[');
            if (below && !reported_[i]) {
                error(path, "not supported yet");
                reported_[i] = true;
            }
        }
    }

    void check_version()
    {
        if (config_.oci_version.rfind("1.", 0) != 0)
            error("ociVersion",
                  "unsupported version " + backticked(config_.oci_version) + ", expected 1.x");
    }

    void check_root()
    {
        if (config_.root.path.empty()) {
            error("root.path", "must not be empty");
            return;
        }

        std::string resolved = resolve_in_bundle(config_.root.path, options_.bundle_dir);
        struct stat info {};
        if (auto problem = stat_problem(resolved, info)) {
            error("root.path", *problem);
            return;
        }
        if (!S_ISDIR(info.st_mode)) {
            error("root.path", backticked(resolved) + " is not a directory");
            return;
        }

        // pivot_root into the host's own root would leave the container on the host filesystem.
        std::error_code ignored;
        auto canonical = std::filesystem::canonical(resolved, ignored);
        if (canonical == "/")
            error("root.path", "must not be the host's root directory");
        if (config_.wants_layers())
            check_layered_image(canonical);
    }

    // The layers must all be there now: a missing one would otherwise fail only at mount.
    void check_layered_image(const std::string &image_dir)
    {
        if (!is_layered_image(image_dir)) {
            error("root.path", backticked(image_dir) + " holds no " + image_manifest_name +
                                   ", so it is not a layered image (annotations." +
                                   rootfs_mode_annotation + " is " +
                                   backticked(rootfs_mode_layers) + ")");
            return;
        }
        if (auto image = read_layered_image(image_dir); !image)
            error("root.path", image.error().render());
    }

    void check_process()
    {
        if (!config_.process) {
            if (options_.process_required)
                error("process", "required to run a container");
            return;
        }

        const Process &process = *config_.process;
        if (process.user.umask && *process.user.umask > 0777)
            error("process.user.umask", "must be at most 0777");
        check_ids(process.user);
        check_args(process.args);
        check_env(process.env);
        if (!is_absolute(process.cwd))
            error("process.cwd", "must be an absolute path, got " + backticked(process.cwd));
        check_capabilities(process.capabilities);
        check_rlimits(process.rlimits);
        auto oom_score_adj = process.oom_score_adj;
        if (oom_score_adj && (*oom_score_adj < -1000 || *oom_score_adj > 1000))
            error("process.oomScoreAdj",
                  "must be between -1000 and 1000, got " + std::to_string(*oom_score_adj));
        check_process_tuning(process, security(), findings_);
        report_unsupported_under("process");
    }

    // A name no kernel defines is a mistake; one only this kernel lacks is skipped, as runc does,
    // so that a config written for a newer kernel still runs.
    void check_capability_names(const std::string &set, const std::vector<std::string> &names)
    {
        for (size_t i = 0; i < names.size(); ++i) {
            std::string path = "process.capabilities." + set + "[" + std::to_string(i) + "]";
            auto number = capability_from_name(names[i]);
            if (!number)
                error(path, "unknown capability " + backticked(names[i]));
            else if (*number > last_capability())
                warning(path, backticked(names[i]) + " is unknown to the running kernel; skipped");
        }
    }

    static bool contains(const std::vector<std::string> &names, const std::string &name)
    {
        return std::find(names.begin(), names.end(), name) != names.end();
    }

    // Each known name of `set` that `superset` lacks: capset(2) would refuse it, and the
    // process could not start.
    void check_subset(const std::string &set, const std::vector<std::string> &names,
                      const std::vector<std::string> &superset, const std::string &superset_name)
    {
        for (size_t i = 0; i < names.size(); ++i)
            if (capability_from_name(names[i]) && !contains(superset, names[i]))
                error("process.capabilities." + set + "[" + std::to_string(i) + "]",
                      backticked(names[i]) + " is not in the " + superset_name + " set");
    }

    // The kernel keeps an ambient capability only while it is permitted and inheritable; runc
    // goes on without one that is not, and so does crun-lite.
    void check_ambient(const Capabilities &caps)
    {
        for (size_t i = 0; i < caps.ambient.size(); ++i) {
            const std::string &name = caps.ambient[i];
            if (capability_from_name(name) &&
                (!contains(caps.permitted, name) || !contains(caps.inheritable, name)))
                warning("process.capabilities.ambient[" + std::to_string(i) + "]",
                        backticked(name) + " is not both permitted and inheritable; not raised");
        }
    }

    void check_capabilities(const Capabilities &caps)
    {
        check_capability_names("bounding", caps.bounding);
        check_capability_names("effective", caps.effective);
        check_capability_names("inheritable", caps.inheritable);
        check_capability_names("permitted", caps.permitted);
        check_capability_names("ambient", caps.ambient);

        check_subset("effective", caps.effective, caps.permitted, "permitted");
        check_subset("inheritable", caps.inheritable, caps.bounding, "bounding");
        check_ambient(caps);
    }

    void check_rlimits(const std::vector<Rlimit> &rlimits)
    {
        std::set<std::string> seen;
        for (size_t i = 0; i < rlimits.size(); ++i) {
            const Rlimit &rlimit = rlimits[i];
            std::string path = "process.rlimits[" + std::to_string(i) + "]";
            if (!rlimit_from_name(rlimit.type))
                error(path + ".type", "unknown rlimit " + backticked(rlimit.type));
            else if (!seen.insert(rlimit.type).second)
                error(path + ".type", "duplicate " + backticked(rlimit.type));
            if (rlimit.soft > rlimit.hard)
                error(path, "soft limit " + std::to_string(rlimit.soft) +
                                " is above hard limit " + std::to_string(rlimit.hard));
        }
    }

    const HostSecurity &security()
    {
        if (!security_)
            security_ = options_.host_security ? *options_.host_security : host_security();
        return *security_;
    }

    int last_capability()
    {
        if (last_capability_ < 0)
            last_capability_ = options_.last_capability ? *options_.last_capability
                                                        : kernel_last_capability();
        return last_capability_;
    }

    // (uid_t)-1 tells setresuid and setgroups "leave this as it is": asked for, it would leave
    // the process root.
    void check_ids(const User &user)
    {
        constexpr uint32_t unchanged = UINT32_MAX;
        if (user.uid == unchanged)
            error("process.user.uid", "4294967295 is not a valid uid");
        if (user.gid == unchanged)
            error("process.user.gid", "4294967295 is not a valid gid");
        for (size_t i = 0; i < user.additional_gids.size(); ++i)
            if (user.additional_gids[i] == unchanged)
                error("process.user.additionalGids[" + std::to_string(i) + "]",
                      "4294967295 is not a valid gid");
    }

    void check_args(const std::vector<std::string> &args)
    {
        if (args.empty())
            error("process.args", "must not be empty");
        else if (args.front().empty())
            error("process.args[0]", "must not be empty");
    }

    // execve() takes any string, but an entry without a name cannot be looked up and is most
    // likely a mistake in the config.
    void check_env(const std::vector<std::string> &env, const std::string &path = "process.env")
    {
        for (size_t i = 0; i < env.size(); ++i) {
            auto equals = env[i].find('=');
            if (equals == std::string::npos || equals == 0)
                error(path + "[" + std::to_string(i) + "]",
                      "expected NAME=VALUE, got " + backticked(env[i]));
        }
    }

    // Setting a host or domain name in a namespace we join, or the host's, would change it for
    // everyone else in that namespace.
    void check_uts_name(const char *field, const std::string &value)
    {
        if (value.empty())
            return;
        // The kernel's limit for both names (HOST_NAME_MAX, and __NEW_UTS_LEN for domainname).
        if (value.size() > 64)
            error(field, "longer than 64 characters");
        for (const auto &ns : config_.linux.namespaces)
            if (ns.type == NamespaceType::uts && ns.path.empty())
                return;
        error(field, "requires a new uts namespace");
    }

    void check_mount(size_t index)
    {
        const Mount &mount = config_.mounts[index];
        std::string path = "mounts[" + std::to_string(index) + "]";

        check_mount_destination(mount.destination, path + ".destination");
        if (mount.type.empty() && !is_bind_mount(mount))
            error(path + ".type", "required unless options include bind or rbind");
        if (is_bind_mount(mount))
            check_bind_source(mount.source, path + ".source");
        check_mount_idmap(mount, path);
        // runc's extension: the new tmpfs starts with a copy of the directory it covers.
        if (has_option(mount, "tmpcopyup") && mount.type != "tmpfs")
            error(path + ".options", "`tmpcopyup` is for tmpfs mounts, not `" +
                                         (mount.type.empty() ? std::string("bind") : mount.type) +
                                         "`");
        report_unsupported_under(path);
    }

    // An idmapped mount shows the files of its source with the owners its mappings say. It is
    // made on a detached copy of a bind's source; other filesystems would need mounting twice.
    void check_mount_idmap(const Mount &mount, const std::string &path)
    {
        bool has_mappings = !mount.uid_mappings.empty() || !mount.gid_mappings.empty();
        bool idmap_option = has_option(mount, "idmap") || has_option(mount, "ridmap");
        if (!has_mappings && !idmap_option)
            return;
        if (!is_bind_mount(mount))
            error(path, "idmapped mounts are supported for bind mounts only");
        if (!has_mappings) {
            if (!config_.creates_namespace(NamespaceType::user))
                error(path + ".options", "`idmap` without uidMappings takes the container's "
                                         "mappings, but it has no user namespace of its own");
            return;
        }
        if (mount.uid_mappings.empty())
            error(path + ".uidMappings", "required with gidMappings");
        if (mount.gid_mappings.empty())
            error(path + ".gidMappings", "required with uidMappings");
        check_id_mappings(path + ".uidMappings", mount.uid_mappings);
        check_id_mappings(path + ".gidMappings", mount.gid_mappings);
    }

    void check_id_mappings(const std::string &field, const std::vector<IdMapping> &mappings)
    {
        if (mappings.size() > max_id_map_lines)
            error(field, std::to_string(mappings.size()) + " entries, more than the kernel's " +
                             std::to_string(max_id_map_lines));
        for (size_t i = 0; i < mappings.size(); ++i) {
            std::string path = field + "[" + std::to_string(i) + "]";
            const IdMapping &mapping = mappings[i];
            if (mapping.size == 0) {
                error(path + ".size", "must not be 0");
                continue;
            }
            // The last id a map can name is 4294967294: 4294967295 means "no id".
            if (uint64_t{mapping.container_id} + mapping.size > UINT32_MAX)
                error(path, "containerID + size goes past 32 bits");
            if (uint64_t{mapping.host_id} + mapping.size > UINT32_MAX)
                error(path, "hostID + size goes past 32 bits");
            for (size_t j = 0; j < i; ++j) {
                const IdMapping &earlier = mappings[j];
                std::string other = field + "[" + std::to_string(j) + "]";
                if (ranges_overlap(mapping.container_id, earlier.container_id, mapping.size,
                                   earlier.size))
                    error(path, "its containerID range overlaps " + other + "'s");
                if (ranges_overlap(mapping.host_id, earlier.host_id, mapping.size, earlier.size))
                    error(path, "its hostID range overlaps " + other + "'s");
            }
        }
    }

    // Mappings only mean something to a user namespace the container makes: one it joins has its
    // maps already, and without one there is nothing to map.
    void check_user_namespace()
    {
        const auto &linux_config = config_.linux;
        const auto &namespaces = linux_config.namespaces;
        auto user = std::find_if(namespaces.begin(), namespaces.end(), [](const Namespace &ns) {
            return ns.type == NamespaceType::user;
        });
        const std::pair<const char *, const std::vector<IdMapping> *> fields[] = {
            {"linux.uidMappings", &linux_config.uid_mappings},
            {"linux.gidMappings", &linux_config.gid_mappings},
        };
        for (const auto &[field, mappings] : fields) {
            if (user == namespaces.end() && !mappings->empty())
                error(field, "requires a `user` namespace in linux.namespaces");
            else if (user != namespaces.end() && !user->path.empty() && !mappings->empty())
                error(field, "must be empty when joining an existing user namespace");
            else if (user != namespaces.end() && user->path.empty() && mappings->empty())
                error(field, "required with a new user namespace");
            check_id_mappings(field, *mappings);
        }
        if (user == namespaces.end() || !user->path.empty())
            return;
        check_ids_mapped();
        check_joins_from_new_user_namespace();
    }

    // The container is set up as root of its user namespace, and then becomes process.user.
    void check_ids_mapped()
    {
        const auto &uids = config_.linux.uid_mappings;
        const auto &gids = config_.linux.gid_mappings;
        if (!uids.empty() && !maps_container_id(uids, 0))
            error("linux.uidMappings", "must map container uid 0: the container is set up as it");
        if (!gids.empty() && !maps_container_id(gids, 0))
            error("linux.gidMappings", "must map container gid 0: the container is set up as it");
        if (!config_.process)
            return;
        const User &user = config_.process->user;
        if (!uids.empty() && !maps_container_id(uids, user.uid))
            error("process.user.uid", std::to_string(user.uid) + " is not in linux.uidMappings");
        if (!gids.empty() && !maps_container_id(gids, user.gid))
            error("process.user.gid", std::to_string(user.gid) + " is not in linux.gidMappings");
        for (size_t i = 0; i < user.additional_gids.size(); ++i)
            if (!gids.empty() && !maps_container_id(gids, user.additional_gids[i]))
                error("process.user.additionalGids[" + std::to_string(i) + "]",
                      std::to_string(user.additional_gids[i]) + " is not in linux.gidMappings");
    }

    // The container's new namespaces belong to its new user namespace, from which one owned by
    // another user namespace (the host's, say) cannot be joined.
    // TODO: join named namespaces before making the user namespace, as runc does; until then
    // the combination is refused.
    void check_joins_from_new_user_namespace()
    {
        const auto &namespaces = config_.linux.namespaces;
        for (size_t i = 0; i < namespaces.size(); ++i)
            if (!namespaces[i].path.empty())
                error("linux.namespaces[" + std::to_string(i) + "].path",
                      "joining a namespace from a new user namespace is not supported yet");
    }

    void check_mount_destination(const std::string &destination, const std::string &path)
    {
        if (destination.empty()) {
            error(path, "must not be empty");
            return;
        }

        std::string normalized;
        if (!normalize_container_path(destination, normalized)) {
            error(path, backticked(destination) + " climbs out of the container root");
            return;
        }
        if (normalized == "/") {
            error(path, "must not be `/`");
            return;
        }
        // runtime-spec 1.2 and runc take a relative destination as relative to the root.
        if (!is_absolute(destination))
            warning(path, backticked(destination) + " is relative; taken as " +
                              backticked(normalized));
    }

    void check_bind_source(const std::string &source, const std::string &path)
    {
        if (source.empty()) {
            error(path, "required for a bind mount");
            return;
        }
        struct stat info {};
        if (auto problem = stat_problem(resolve_in_bundle(source, options_.bundle_dir), info))
            error(path, *problem);
    }

    void check_namespaces()
    {
        std::set<NamespaceType> seen;
        const auto &namespaces = config_.linux.namespaces;
        for (size_t i = 0; i < namespaces.size(); ++i) {
            std::string path = "linux.namespaces[" + std::to_string(i) + "]";
            const Namespace &ns = namespaces[i];
            if (!seen.insert(ns.type).second) {
                error(path, "duplicate " + backticked(namespace_type_name(ns.type)) + " namespace");
                continue;
            }
            check_namespace(ns, path);
        }

        // Without its own mount namespace the container's mounts would land on the host.
        if (!config_.has_namespace(NamespaceType::mount))
            error("linux.namespaces", "a mount namespace is required");
    }

    void check_linux()
    {
        check_namespaces();
        check_user_namespace();
        check_container_paths("linux.maskedPaths", config_.linux.masked_paths);
        check_container_paths("linux.readonlyPaths", config_.linux.readonly_paths);
        for (const auto &[key, value] : config_.linux.sysctl)
            check_sysctl(key);
        check_rootfs_propagation();
        if (config_.linux.seccomp)
            check_seccomp(*config_.linux.seccomp);
        check_linux_tuning(config_, security(), findings_);
        check_cgroups_path();
        if (config_.linux.resources)
            check_resources(*config_.linux.resources);
        report_unsupported_under("linux");
    }

    // A name of `table`, with `kind` ("action") for the messages: unknown and unsupported
    // names are refused. Returns whether the name can be used.
    bool check_seccomp_name(std::span<const SeccompName> table, const std::string &name,
                            const char *kind, const std::string &path)
    {
        const SeccompName *entry = find_seccomp_name(table, name);
        if (!entry)
            error(path, std::string("unknown ") + kind + " " + backticked(name));
        else if (!entry->supported)
            error(path, backticked(name) + " is not supported by crun-lite");
        return entry && entry->supported;
    }

    void check_seccomp(const Seccomp &seccomp)
    {
        const std::string path = "linux.seccomp";
        check_seccomp_action(seccomp.default_action, seccomp.default_errno_ret,
                             path + ".defaultAction", path + ".defaultErrnoRet");
        for (size_t i = 0; i < seccomp.architectures.size(); ++i)
            check_seccomp_name(seccomp_architectures(), seccomp.architectures[i],
                               "architecture", path + ".architectures[" + std::to_string(i) + "]");
        for (size_t i = 0; i < seccomp.flags.size(); ++i)
            check_seccomp_name(seccomp_flags(), seccomp.flags[i], "flag",
                               path + ".flags[" + std::to_string(i) + "]");
        if (!seccomp.listener_path.empty())
            error(path + ".listenerPath", "a seccomp listener is not supported by crun-lite");
        else if (!seccomp.listener_metadata.empty())
            error(path + ".listenerMetadata", "only allowed with listenerPath");
        for (size_t i = 0; i < seccomp.syscalls.size(); ++i)
            check_seccomp_rule(seccomp.syscalls[i], path + ".syscalls[" + std::to_string(i) + "]");
    }

    void check_seccomp_action(const std::string &action, const std::optional<uint32_t> &errno_ret,
                              const std::string &action_path, const std::string &errno_path)
    {
        if (action.empty()) {
            error(action_path, "must not be empty");
            return;
        }
        if (!check_seccomp_name(seccomp_actions(), action, "action", action_path) || !errno_ret)
            return;
        if (!seccomp_action_takes_errno(action))
            error(errno_path, backticked(action) +
                                  " returns no value; only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do");
        else if (*errno_ret > seccomp_max_errno_ret(action))
            error(errno_path, "must be at most " + std::to_string(seccomp_max_errno_ret(action)) +
                                  " for " + backticked(action) + ", got " +
                                  std::to_string(*errno_ret));
    }

    void check_seccomp_rule(const SeccompRule &rule, const std::string &path)
    {
        if (rule.names.empty())
            error(path + ".names", "must not be empty");
        for (size_t i = 0; i < rule.names.size(); ++i)
            if (rule.names[i].empty())
                error(path + ".names[" + std::to_string(i) + "]", "must not be empty");
        check_seccomp_action(rule.action, rule.errno_ret, path + ".action", path + ".errnoRet");
        for (size_t i = 0; i < rule.args.size(); ++i) {
            std::string arg_path = path + ".args[" + std::to_string(i) + "]";
            const SeccompArg &arg = rule.args[i];
            // A system call has six argument registers.
            if (arg.index > 5)
                error(arg_path + ".index", "must be 0 to 5, got " + std::to_string(arg.index));
            check_seccomp_name(seccomp_operators(), arg.op, "operator", arg_path + ".op");
        }
    }

    // Masked and read-only paths: resolved inside the root at run time, so `..` cannot leave
    // it; `/` itself is refused, since a mount over the root would hide it from pivot_root.
    void check_container_paths(const std::string &field, const std::vector<std::string> &paths)
    {
        for (size_t i = 0; i < paths.size(); ++i) {
            std::string path = field + "[" + std::to_string(i) + "]";
            std::string normalized;
            if (!is_absolute(paths[i]))
                error(path, "must be an absolute path, got " + backticked(paths[i]));
            else if (!normalize_container_path(paths[i], normalized))
                error(path, backticked(paths[i]) + " climbs out of the container root");
            else if (normalized == "/")
                error(path, "must not be `/`");
        }
    }

    // A sysctl is written from inside the container, but only the namespaced ones stay there:
    // any other would change the host for everyone.
    void check_sysctl(const std::string &key)
    {
        std::string path = "linux.sysctl." + key;
        if (!is_valid_sysctl_name(key)) {
            error(path, "not a valid sysctl name: dot-separated, no empty part, no `/`");
            return;
        }
        auto type = sysctl_namespace(key);
        if (!type) {
            error(path, "not a namespaced sysctl");
            return;
        }
        for (const auto &ns : config_.linux.namespaces)
            if (ns.type == *type && ns.path.empty())
                return;
        error(path, std::string("needs a new ") + namespace_type_name(*type) + " namespace");
    }

    void check_rootfs_propagation()
    {
        const std::string &value = config_.linux.rootfs_propagation;
        if (value.empty())
            return;
        for (const char *known : rootfs_propagation_values)
            if (value == known)
                return;
        error("linux.rootfsPropagation",
              "unknown propagation " + backticked(value) +
                  ", expected shared, slave, private or unbindable, or the same with an `r`");
    }

    void check_cgroups_path()
    {
        for (const auto &part : path_components(config_.linux.cgroups_path))
            if (part == "..") {
                error("linux.cgroupsPath", "must not contain `..`");
                return; // once, however many there are
            }
    }

    // Bounds the kernel enforces, checked here so that the error names the field.
    void check_range(const std::string &path, int64_t value, int64_t low, int64_t high)
    {
        if (value < low || value > high)
            error(path, "must be between " + std::to_string(low) + " and " +
                            std::to_string(high) + ", got " + std::to_string(value));
    }

    template <typename T>
    void check_optional(const std::string &path, const std::optional<T> &value, int64_t low,
                        int64_t high)
    {
        if (value)
            check_range(path, static_cast<int64_t>(*value), low, high);
    }

    void check_memory(const MemoryResources &memory)
    {
        const std::string path = "linux.resources.memory.";
        constexpr int64_t most = std::numeric_limits<int64_t>::max();
        check_optional(path + "limit", memory.limit, -1, most);
        check_optional(path + "reservation", memory.reservation, -1, most);
        check_optional(path + "swap", memory.swap, -1, most);
        check_optional(path + "kernel", memory.kernel, -1, most);
        check_optional(path + "kernelTCP", memory.kernel_tcp, -1, most);
        check_optional(path + "swappiness", memory.swappiness, 0, 100);
        // The v1 memsw limit cannot be below the memory limit, which must so be known.
        if (memory.swap && *memory.swap > 0 && !memory.limit)
            error(path + "swap", "needs memory.limit too: it counts memory plus swap");
        if (memory.limit && memory.swap && *memory.limit > 0 && *memory.swap >= 0 &&
            *memory.swap < *memory.limit)
            error(path + "swap", "must be at least the memory limit: it counts memory plus swap");
    }

    // "0-3,5": cpu or memory node lists as cpuset takes them.
    void check_cpu_list(const std::string &path, const std::string &list)
    {
        if (list.find_first_not_of("0123456789,-") != std::string::npos)
            error(path, "expected a list such as `0-3,5`, got " + backticked(list));
    }

    void check_cpu(const CpuResources &cpu)
    {
        const std::string path = "linux.resources.cpu.";
        check_optional(path + "shares", cpu.shares, 2, 262144);
        check_optional(path + "period", cpu.period, 1000, 1000000);
        if (cpu.quota && *cpu.quota != -1)
            check_range(path + "quota", *cpu.quota, 1000, std::numeric_limits<int64_t>::max());
        check_optional(path + "realtimePeriod", cpu.realtime_period, 1, 1000000 * 1000LL);
        check_optional(path + "realtimeRuntime", cpu.realtime_runtime, -1, 1000000 * 1000LL);
        check_optional(path + "idle", cpu.idle, 0, 1);
        check_cpu_list(path + "cpus", cpu.cpus);
        check_cpu_list(path + "mems", cpu.mems);
    }

    void check_block_io(const BlockIoResources &io)
    {
        const std::string path = "linux.resources.blockIO.";
        check_optional(path + "weight", io.weight, 10, 1000);
        check_optional(path + "leafWeight", io.leaf_weight, 10, 1000);
        for (size_t i = 0; i < io.weight_devices.size(); ++i) {
            std::string device = path + "weightDevice[" + std::to_string(i) + "].";
            check_optional(device + "weight", io.weight_devices[i].weight, 10, 1000);
            check_optional(device + "leafWeight", io.weight_devices[i].leaf_weight, 10, 1000);
        }
    }

    void check_hugepages(const std::vector<HugepageLimit> &limits)
    {
        std::set<std::string> seen;
        for (size_t i = 0; i < limits.size(); ++i) {
            std::string path = "linux.resources.hugepageLimits[" + std::to_string(i) + "]";
            const std::string &size = limits[i].page_size;
            size_t digits = size.find_first_not_of("0123456789");
            std::string unit = digits == std::string::npos ? "" : size.substr(digits);
            if (digits == 0 || (unit != "KB" && unit != "MB" && unit != "GB"))
                error(path + ".pageSize", "expected a size such as `2MB` or `1GB`, got " +
                                              backticked(size));
            else if (!seen.insert(size).second)
                error(path + ".pageSize", "duplicate " + backticked(size));
            else if (!kernel_offers_hugepages(size))
                error(path + ".pageSize", "the kernel offers no " + backticked(size) +
                                              " huge pages " + offered_hugepages());
        }
    }

    const std::vector<std::string> &hugepage_sizes()
    {
        if (!hugepage_sizes_)
            hugepage_sizes_ = options_.hugepage_sizes ? *options_.hugepage_sizes
                                                      : kernel_hugepage_sizes();
        return *hugepage_sizes_;
    }

    bool kernel_offers_hugepages(const std::string &size)
    {
        const auto &sizes = hugepage_sizes();
        return std::find(sizes.begin(), sizes.end(), size) != sizes.end();
    }

    std::string offered_hugepages()
    {
        std::string offered;
        for (const auto &size : hugepage_sizes())
            offered += (offered.empty() ? "" : ", ") + backticked(size);
        return offered.empty() ? "(it has none)" : "(it offers " + offered + ")";
    }

    void check_device_rules(const std::vector<DeviceRule> &rules)
    {
        for (size_t i = 0; i < rules.size(); ++i) {
            std::string path = "linux.resources.devices[" + std::to_string(i) + "]";
            const DeviceRule &rule = rules[i];
            if (rule.type != "a" && rule.type != "b" && rule.type != "c")
                error(path + ".type", "expected `a`, `b` or `c`, got " + backticked(rule.type));
            if (rule.access.empty() || rule.access.find_first_not_of("rwm") != std::string::npos)
                error(path + ".access", "expected letters of `rwm`, got " +
                                            backticked(rule.access));
            constexpr int64_t most = std::numeric_limits<uint32_t>::max();
            // -1, as runc writes it, is any number.
            check_optional(path + ".major", rule.major, -1, most);
            check_optional(path + ".minor", rule.minor, -1, most);
        }
    }

    void check_network(const NetworkResources &network)
    {
        for (size_t i = 0; i < network.priorities.size(); ++i) {
            const std::string &name = network.priorities[i].first;
            if (name.empty() || name.find_first_of(" /\n") != std::string::npos)
                error("linux.resources.network.priorities[" + std::to_string(i) + "].name",
                      "not an interface name: " + backticked(name));
        }
    }

    // A key names a file in the container's v2 cgroup directory, nothing else.
    void check_unified(const std::map<std::string, std::string> &keys)
    {
        for (const auto &[key, value] : keys) {
            auto dot = key.find('.');
            if (dot == 0 || dot == std::string::npos || key.find('/') != std::string::npos)
                error("linux.resources.unified." + key,
                      "expected a cgroup v2 file name such as `memory.high`");
        }
    }

    void check_resources(const Resources &resources)
    {
        if (resources.memory)
            check_memory(*resources.memory);
        if (resources.cpu)
            check_cpu(*resources.cpu);
        if (resources.block_io)
            check_block_io(*resources.block_io);
        check_hugepages(resources.hugepage_limits);
        check_device_rules(resources.devices);
        if (resources.network)
            check_network(*resources.network);
        check_unified(resources.unified);
    }

    void check_namespace(const Namespace &ns, const std::string &path)
    {
        if (ns.path.empty())
            return;
        // Namespaces the container makes would belong to the host's user namespace, where the
        // container's root could not use them.
        // TODO: make the other namespaces after joining, as runc does; until then refused.
        if (ns.type == NamespaceType::user) {
            error(path + ".path", "joining an existing user namespace is not supported yet");
            return;
        }
        // The root is built by pivot_root in the container's mount namespace; done in a joined
        // one, it would swap the root of every process there (the host's, for /proc/1/ns/mnt).
        if (ns.type == NamespaceType::mount) {
            error(path + ".path", "joining an existing mount namespace is not supported: the "
                                  "container needs a mount namespace of its own");
            return;
        }
        if (auto problem = namespace_path_problem(ns))
            error(path + ".path", *problem);
    }

    void check_hooks()
    {
        for (const auto &kind : hook_kinds) {
            const std::vector<Hook> &hooks = config_.hooks.*kind.list;
            for (size_t i = 0; i < hooks.size(); ++i)
                check_hook(hooks[i], "hooks." + std::string(kind.name) + "[" +
                                         std::to_string(i) + "]");
        }
    }

    // Where the path must exist depends on the kind (the host, or inside the container after
    // pivot_root for startContainer), so existence is left to the moment the hook runs.
    void check_hook(const Hook &hook, const std::string &path)
    {
        if (!is_absolute(hook.path))
            error(path + ".path", "must be absolute, got " + backticked(hook.path));
        if (hook.timeout && *hook.timeout <= 0)
            error(path + ".timeout",
                  "must be greater than zero, got " + std::to_string(*hook.timeout));
        if (hook.env)
            check_env(*hook.env, path + ".env");
    }

    void check_annotations()
    {
        auto program = config_.annotations.find(device_program_annotation);
        if (program != config_.annotations.end() && program->second != "true" &&
            program->second != "false")
            error(std::string("annotations.") + device_program_annotation,
                  "expected `true` or `false`, got " + backticked(program->second));
        auto mode = config_.annotations.find(rootfs_mode_annotation);
        if (mode == config_.annotations.end() || config_.wants_overlay())
            return;
        error(std::string("annotations.") + rootfs_mode_annotation,
              "unknown rootfs mode " + backticked(mode->second) + ", expected " +
                  backticked(rootfs_mode_overlay) + " or " + backticked(rootfs_mode_layers));
    }

    const Config &config_;
    const ValidateOptions &options_;
    std::vector<bool> reported_; // per Config::unsupported entry
    int last_capability_ = -1;   // asked of the kernel, when options_ do not say
    std::optional<HostSecurity> security_; // asked of /sys, when options_ do not say
    std::optional<std::vector<std::string>> hugepage_sizes_; // likewise
    Findings findings_;
};

} // namespace

Findings validate_config(const Config &config, const ValidateOptions &options)
{
    return Validator(config, options).run();
}

Findings validate_process(const Config &config, const ValidateOptions &options)
{
    return Validator(config, options).run_process_only();
}

bool normalize_container_path(const std::string &path, std::string &normalized)
{
    std::vector<std::string> parts;
    for (auto &part : path_components(path)) {
        if (part != "..") {
            parts.push_back(std::move(part));
            continue;
        }
        if (parts.empty())
            return false;
        parts.pop_back();
    }

    normalized = "/";
    for (size_t i = 0; i < parts.size(); ++i)
        normalized += (i == 0 ? "" : "/") + parts[i];
    return true;
}

std::optional<NamespaceType> sysctl_namespace(const std::string &key)
{
    auto starts_with = [&key](std::string_view prefix) { return key.starts_with(prefix); };
    if (starts_with("kernel.msg") || starts_with("kernel.shm") || key == "kernel.sem" ||
        starts_with("fs.mqueue."))
        return NamespaceType::ipc;
    if (starts_with("net."))
        return NamespaceType::network;
    if (key == "kernel.hostname" || key == "kernel.domainname")
        return NamespaceType::uts;
    return std::nullopt;
}

} // namespace crunlite::spec
