// generate: GenerateOptions -> the config.json that `crun-lite spec` writes.
//
// The result only uses fields that crun-lite implements, so it passes validation unchanged;
// bundles/*/config.json are this output with their own args and hostname.
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

// The filesystems a Linux program expects to find. /dev is a small tmpfs rather than the
// host's /dev; the runtime fills in the standard device nodes itself.
json default_mounts(bool rootless)
{
    return json::array({
        make_mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
        make_mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        make_mount("/dev/pts", "devpts", "devpts",
                   {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}),
        make_mount("/dev/shm", "tmpfs", "shm",
                   {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        make_mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
        rootless ? make_mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"})
                 : make_mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
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

json rootless_linux(const GenerateOptions &options)
{
    return {
        {"namespaces", default_namespaces(true)},
        {"uidMappings", single_mapping(options.uid)},
        {"gidMappings", single_mapping(options.gid)},
    };
}

} // namespace

json generate_config(const GenerateOptions &options)
{
    json env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
    json process = {
        {"terminal", false},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", options.args},
        {"env", env},
        {"cwd", "/"},
    };

    json config = {
        {"ociVersion", "1.2.0"},
        {"root", {{"path", options.root_path}, {"readonly", false}}},
        {"process", process},
        {"hostname", options.hostname},
        {"mounts", default_mounts(options.rootless)},
        {"linux", options.rootless ? rootless_linux(options)
                                   : json{{"namespaces", default_namespaces(false)}}},
    };

    if (options.overlay)
        config["annotations"] = {{rootfs_mode_annotation, rootfs_mode_overlay}};

    return config;
}

} // namespace crunlite::spec
