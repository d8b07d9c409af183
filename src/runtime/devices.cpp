#include "runtime/devices.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <string_view>

#include "runtime/mount_options.hpp"
#include "spec/validate.hpp"
#include "sys/paths.hpp"
#include "util/log.hpp"

namespace crunlite::runtime {
namespace {

struct DefaultDevice {
    const char *name;
    unsigned major;
    unsigned minor;
};

constexpr DefaultDevice default_devices[] = {
    {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

struct DefaultLink {
    const char *name;
    const char *target;
};

constexpr DefaultLink default_links[] = {
    {"fd", "/proc/self/fd"},
    {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"},
    {"ptmx", "pts/ptmx"},
};

// The config's mount whose destination is `path`, or nullptr.
const spec::Mount *mount_at(const spec::Config &config, std::string_view path)
{
    for (const auto &mount : config.mounts) {
        std::string normalized;
        if (spec::normalize_container_path(mount.destination, normalized) && normalized == path)
            return &mount;
    }
    return nullptr;
}

Status mount_default(int root_fd, const char *path, const char *type, unsigned long flags,
                     const char *data)
{
    auto target = TRY(sys::make_directories_in_root(root_fd, path, 0755));
    if (::mount(type, sys::fd_path(target.get()).c_str(), type, flags, data) != 0)
        return Error::from_errno(std::string("mount `") + type + "` on `" + path + "`");
    return Ok{};
}

Status make_device_nodes(int dev_fd)
{
    for (const auto &device : default_devices) {
        dev_t number = makedev(device.major, device.minor);
        if (::mknodat(dev_fd, device.name, S_IFCHR | 0666, number) != 0) {
            if (errno == EEXIST)
                continue; // left as it is: never chmod through what might be a symlink
            return Error::from_errno(std::string("create device `/dev/") + device.name + "`");
        }
        // mknod obeys the umask; the spec wants these open to everyone.
        if (::fchmodat(dev_fd, device.name, 0666, 0) != 0)
            return Error::from_errno(std::string("chmod `/dev/") + device.name + "`");
    }
    return Ok{};
}

// A user namespace may not mknod: each device is the host's node, bound onto an empty file.
Status bind_host_devices(int root_fd)
{
    for (const auto &device : default_devices) {
        std::string path = std::string("/dev/") + device.name;
        auto target = TRY(sys::make_file_in_root(root_fd, path, 0666));
        if (::mount(path.c_str(), sys::fd_path(target.get()).c_str(), nullptr, MS_BIND,
                    nullptr) != 0)
            return Error::from_errno("bind the host's `" + path + "`");
    }
    return Ok{};
}

Status make_device_link(int dev_fd, const DefaultLink &link)
{
    if (::symlinkat(link.target, dev_fd, link.name) != 0 && errno != EEXIST)
        return Error::from_errno(std::string("create link `/dev/") + link.name + "`");
    return Ok{};
}

Status make_device_links(int dev_fd)
{
    for (const auto &link : default_links)
        TRY(make_device_link(dev_fd, link));
    // Only where the kernel has it (runtime-linux.md lists it as optional); the host's /proc,
    // since the container's may not be mounted yet.
    if (::access("/proc/kcore", F_OK) == 0)
        TRY(make_device_link(dev_fd, {"core", "/proc/kcore"}));
    return Ok{};
}

bool is_bind_mount(const spec::Mount &mount)
{
    return mount.type == "bind" || mount.type == "rbind" || parse_mount_options(mount.options).bind;
}

mode_t node_type(const std::string &type)
{
    if (type == "b")
        return S_IFBLK;
    if (type == "p")
        return S_IFIFO;
    return S_IFCHR; // "c" and "u": an unbuffered device is a character device to the kernel
}

// The type and numbers a config device asks for.
struct DeviceIdentity {
    mode_t type;
    dev_t number;
};

DeviceIdentity identity_of(const spec::Device &device)
{
    mode_t type = node_type(device.type);
    dev_t number = type == S_IFIFO ? 0
                                   : makedev(static_cast<unsigned>(device.major.value_or(0)),
                                             static_cast<unsigned>(device.minor.value_or(0)));
    return {type, number};
}

bool is_device(const struct stat &info, const DeviceIdentity &wanted)
{
    return (info.st_mode & S_IFMT) == wanted.type &&
           (wanted.type == S_IFIFO || info.st_rdev == wanted.number);
}

// Something at the device's path already: fine only if it is that very device (an image may
// ship its nodes); anything else is refused, since the spec forbids a silent mismatch.
Status check_existing_node(int parent_fd, const std::string &name, const DeviceIdentity &wanted,
                           const std::string &label)
{
    struct stat info {};
    if (::fstatat(parent_fd, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0)
        return Error::from_errno("stat " + label);
    if (!is_device(info, wanted))
        return Error::message(label + " exists already and is not the device asked for");
    return Ok{};
}

// Owner and mode through an O_PATH fd of the node itself: never through a symlink put in its
// place, and never opening the device.
Status set_owner_and_mode(int parent_fd, const std::string &name, const spec::Device &device,
                          mode_t mode, const std::string &label)
{
    UniqueFd node(::openat(parent_fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!node)
        return Error::from_errno("open " + label);
    if (::fchownat(node.get(), "", device.uid.value_or(0), device.gid.value_or(0),
                   AT_EMPTY_PATH) != 0)
        return Error::from_errno("chown " + label);
    if (::chmod(sys::fd_path(node.get()).c_str(), mode) != 0)
        return Error::from_errno("chmod " + label);
    return Ok{};
}

Status make_config_device(int root_fd, const spec::Device &device, size_t index)
{
    std::string path;
    spec::normalize_container_path(device.path, path); // validated: inside the root, not `/`
    std::string label = "linux.devices[" + std::to_string(index) + "]: `" + path + "`";
    auto slash = path.rfind('/');
    std::string name = path.substr(slash + 1);
    // The parent is resolved inside the root and the node made relative to it, so a symlink in
    // the image cannot send it out of the root.
    auto parent = TRY(sys::make_directories_in_root(root_fd, path.substr(0, slash), 0755));

    auto wanted = identity_of(device);
    // Only the permission bits: some generators put the file type into fileMode as well.
    mode_t mode = device.file_mode.value_or(0666) & 07777;
    if (::mknodat(parent.get(), name.c_str(), wanted.type | mode, wanted.number) != 0) {
        if (errno != EEXIST)
            return Error::from_errno("create " + label);
        TRY(check_existing_node(parent.get(), name, wanted, label));
    }
    return set_owner_and_mode(parent.get(), name, device, mode, label);
}

// The bound node is the host's: changing its owner or mode would change it for the host too, so
// what the config asks for that differs is said, not done.
void warn_unapplied(const spec::Device &device, const struct stat &host, const std::string &label)
{
    char mode_text[16];
    if (device.file_mode && (*device.file_mode & 07777) != (host.st_mode & 07777)) {
        snprintf(mode_text, sizeof mode_text, "%04o", host.st_mode & 07777);
        log::warning(label + ": fileMode not applied: in a user namespace the host's node is "
                     "bound, and it keeps its mode " + mode_text);
    }
    if ((device.uid && *device.uid != host.st_uid) || (device.gid && *device.gid != host.st_gid))
        log::warning(label + ": uid and gid not applied: in a user namespace the host's node is "
                     "bound, and it keeps its owner " + std::to_string(host.st_uid) + ":" +
                     std::to_string(host.st_gid));
}

// linux.devices before the default ones, so that a config's /dev/null (say) wins. None in a
// /dev bound from elsewhere: it would be made there, on the host (validate warned).
// A user namespace may not mknod: the host's node at the same path is bound in, as runc does,
// once it is checked to be the device the config names, so that no other host file gets in.
Status bind_host_device(int root_fd, const spec::Device &device, const std::string &path,
                        size_t index)
{
    std::string label = "linux.devices[" + std::to_string(index) + "]";
    UniqueFd host(::open(path.c_str(), O_PATH | O_CLOEXEC));
    if (!host)
        return Error::from_errno(label + ": open the host's `" + path + "`");
    struct stat info {};
    if (::fstat(host.get(), &info) != 0)
        return Error::from_errno(label + ": stat the host's `" + path + "`");
    if (!is_device(info, identity_of(device)))
        return Error::message(label + ": the host's `" + path +
                              "` is not the device asked for, and a user namespace can only "
                              "bind the host's node");
    warn_unapplied(device, info, label);

    auto target = TRY_CONTEXT(sys::make_file_in_root(root_fd, path, 0666), label);
    if (::mount(sys::fd_path(host.get()).c_str(), sys::fd_path(target.get()).c_str(), nullptr,
                MS_BIND, nullptr) != 0)
        return Error::from_errno(label + ": bind the host's `" + path + "`");
    return Ok{};
}

Status make_config_devices(int root_fd, const std::vector<spec::Device> &devices, bool dev_bound,
                           bool in_user_namespace)
{
    for (size_t i = 0; i < devices.size(); ++i) {
        std::string path;
        spec::normalize_container_path(devices[i].path, path);
        if (dev_bound && path.starts_with("/dev/"))
            continue;
        if (in_user_namespace)
            TRY(bind_host_device(root_fd, devices[i], path, i));
        else
            TRY(make_config_device(root_fd, devices[i], i));
    }
    return Ok{};
}

} // namespace

Status populate_dev(int root_fd, const spec::Config &config)
{
    const spec::Mount *dev_mount = mount_at(config, "/dev");
    bool dev_bound = dev_mount && is_bind_mount(*dev_mount);
    if (!dev_mount)
        TRY(mount_default(root_fd, "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME,
                          "mode=755,size=65536k"));
    bool in_user_namespace = config.creates_namespace(spec::NamespaceType::user);
    TRY(make_config_devices(root_fd, config.linux.devices, dev_bound, in_user_namespace));

    // A bind of a host /dev brings its own nodes; creating ours would write to the host.
    if (dev_bound) {
        log::debug("/dev is a bind mount: no default devices made");
        return Ok{};
    }

    auto dev = TRY(sys::open_in_root(root_fd, "/dev", O_DIRECTORY | O_RDONLY));
    if (in_user_namespace)
        TRY(bind_host_devices(root_fd));
    else
        TRY(make_device_nodes(dev.get()));
    TRY(make_device_links(dev.get()));

    if (!mount_at(config, "/dev/pts"))
        TRY(mount_default(root_fd, "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                          "newinstance,ptmxmode=0666,mode=0620"));
    if (!mount_at(config, "/dev/shm"))
        TRY(mount_default(root_fd, "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          "mode=1777,size=65536k"));
    return Ok{};
}

} // namespace crunlite::runtime
