// generate: GenerateOptions -> the config.json that `crun-lite spec` writes.
//
// runc's default config (`runc spec`), but for what crun-lite cannot do yet, the overlay
// annotation and a writable overlay root. The result only uses fields that crun-lite
// implements, so it passes validation unchanged; bundles/*/config.json are this output with
// their own args, hostname and terminal.
#include "spec/generate.hpp"

#include "spec/config.hpp"

namespace crunlite::spec {
namespace {

using nlohmann::json;

json make_mount(const char *destination, const char *type, const char *source,
                std::initializer_list<const char *> options)
{
    json mount = {{"destination", destination}, {"type", type}, {"source", source}};
    mount["options"] = json::array();
    for (const char *option : options)
        mount["options"].push_back(option);
    return mount;
}

// The filesystems a Linux program expects to find, as runc's default config has them. /dev is a
// small tmpfs rather than the host's /dev; the runtime fills in the standard device nodes.
// Rootless: no devpts gid (group 5 is not mapped) and the host's /sys bound, as runc writes it.
json default_mounts(bool rootless)
{
    json devpts = make_mount("/dev/pts", "devpts", "devpts",
                             {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"});
    if (!rootless)
        devpts["options"].push_back("gid=5");
    return json::array({
        {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
        make_mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        devpts,
        make_mount("/dev/shm", "tmpfs", "shm",
                   {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        make_mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
        rootless ? make_mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"})
                 : make_mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
        make_mount("/sys/fs/cgroup", "cgroup", "cgroup",
                   {"nosuid", "noexec", "nodev", "relatime", "ro"}),
    });
}

// No cgroup namespace: the default config mounts no cgroup filesystem, so one would isolate
// nothing the container can see.
json default_namespaces(bool rootless)
{
    json namespaces = json::array();
    for (auto type : {NamespaceType::pid, NamespaceType::network, NamespaceType::ipc,
                      NamespaceType::uts, NamespaceType::mount, NamespaceType::user}) {
        if ((type == NamespaceType::network && rootless) ||
            (type == NamespaceType::user && !rootless))
            continue;
        namespaces.push_back({{"type", namespace_type_name(type)}});
    }
    return namespaces;
}

json single_mapping(uint32_t id)
{
    return json::array({{{"containerID", 0}, {"hostID", id}, {"size", 1}}});
}

// runc's short list. Not ambient, unlike runc's default: without the inheritable set the kernel
// would not keep them, and crun-lite warns about each.
json default_capabilities()
{
    json names = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    return {{"bounding", names}, {"effective", names}, {"permitted", names}};
}

// What /proc and /sys would tell about the host or let a container change in it.
json default_masked_paths()
{
    return {"/proc/acpi",       "/proc/asound",   "/proc/kcore",       "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
            "/sys/firmware",    "/proc/scsi"};
}

json default_readonly_paths()
{
    return {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
}

} // namespace

json generate_config(const GenerateOptions &options)
{
    json env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
    json process = {
        {"terminal", options.terminal},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", options.args},
        {"env", env},
        {"cwd", "/"},
        {"capabilities", default_capabilities()},
        {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
        {"noNewPrivileges", true},
    };

    json linux_section = {
        {"namespaces", default_namespaces(options.rootless)},
        {"maskedPaths", default_masked_paths()},
        {"readonlyPaths", default_readonly_paths()},
    };
    if (options.rootless) {
        linux_section["uidMappings"] = single_mapping(options.uid);
        linux_section["gidMappings"] = single_mapping(options.gid);
    } else {
        // runc's: no device of the host's beyond the default nodes the runtime allows itself.
        linux_section["resources"] = {{"devices", {{{"allow", false}, {"access", "rwm"}}}}};
    }

    // runc's root is read-only; an overlay root stays writable, since each container writes
    // only to a layer of its own that goes with it.
    json config = {
        {"ociVersion", "1.2.0"},
        {"root", {{"path", options.root_path}, {"readonly", !options.overlay}}},
        {"process", process},
        {"hostname", options.hostname},
        {"mounts", default_mounts(options.rootless)},
        {"linux", linux_section},
    };

    if (options.overlay)
        config["annotations"] = {{rootfs_mode_annotation, rootfs_mode_overlay}};

    return config;
}

} // namespace crunlite::spec
