#include "runtime/devices.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

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

Status make_device_links(int dev_fd)
{
    for (const auto &link : default_links) {
        if (::symlinkat(link.target, dev_fd, link.name) != 0 && errno != EEXIST)
            return Error::from_errno(std::string("create link `/dev/") + link.name + "`");
    }
    return Ok{};
}

bool is_bind_mount(const spec::Mount &mount)
{
    return mount.type == "bind" || mount.type == "rbind" || parse_mount_options(mount.options).bind;
}

} // namespace

Status populate_dev(int root_fd, const spec::Config &config)
{
    const spec::Mount *dev_mount = mount_at(config, "/dev");

    // A bind of a host /dev brings its own nodes; creating ours would write to the host.
    if (dev_mount && is_bind_mount(*dev_mount)) {
        log::debug("/dev is a bind mount: no default devices made");
        return Ok{};
    }
    if (!dev_mount)
        TRY(mount_default(root_fd, "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME,
                          "mode=755,size=65536k"));

    auto dev = TRY(sys::open_in_root(root_fd, "/dev", O_DIRECTORY | O_RDONLY));
    if (config.creates_namespace(spec::NamespaceType::user))
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
