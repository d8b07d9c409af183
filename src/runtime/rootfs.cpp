#include "runtime/rootfs.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/mount_options.hpp"
#include "spec/validate.hpp"
#include "sys/copy_tree.hpp"
#include "sys/paths.hpp"
#include "util/log.hpp"
#include "util/path.hpp"

namespace crunlite::runtime {
namespace {

// overlayfs reads `,` and `:` in its option string as separators; a backslash escapes them.
std::string escape_overlay_path(const std::string &path)
{
    std::string escaped;
    for (char c : path) {
        if (c == ',' || c == ':' || c == '\\')
            escaped += '\\';
        escaped += c;
    }
    return escaped;
}

bool is_bind(const spec::Mount &mount, const MountOptions &options)
{
    return options.bind || mount.type == "bind" || mount.type == "rbind";
}

std::string container_destination(const spec::Mount &mount)
{
    std::string normalized;
    // Validation already refused destinations that climb out of `/`.
    spec::normalize_container_path(mount.destination, normalized);
    return normalized;
}

// Makes the mount point: a file for a bind of a file, a directory for everything else.
Result<UniqueFd> make_mount_point(int root_fd, const std::string &destination,
                                  const std::string &bind_source)
{
    if (!bind_source.empty()) {
        struct stat info {};
        if (::stat(bind_source.c_str(), &info) != 0)
            return Error::from_errno("stat `" + bind_source + "`");
        if (!S_ISDIR(info.st_mode))
            return sys::make_file_in_root(root_fd, destination, 0644);
    }
    return sys::make_directories_in_root(root_fd, destination, 0755);
}

// What mounting one config mount needs besides the mount itself.
struct MountContext {
    int root_fd;
    const std::string &bundle_dir;
    bool user_namespace; // remounts must keep the flags the kernel locked on the source
    int idmapped_tree;   // a detached idmapped copy of the source to attach, or -1
};

// The per-mount flags a remount would otherwise clear.
unsigned long flags_to_keep(const struct statvfs &info)
{
    unsigned long keep = 0;
    if (info.f_flag & ST_NOSUID)
        keep |= MS_NOSUID;
    if (info.f_flag & ST_NODEV)
        keep |= MS_NODEV;
    if (info.f_flag & ST_NOEXEC)
        keep |= MS_NOEXEC;
    return keep;
}

// Binding a mount of the host's into a user namespace locks its flags: a remount that would
// clear nosuid, nodev, noexec or ro fails, so they are carried over, as runc does.
Result<unsigned long> locked_flags(int mounted_fd)
{
    struct statvfs info {};
    if (::fstatvfs(mounted_fd, &info) != 0)
        return Error::from_errno("statvfs");
    return flags_to_keep(info) | ((info.f_flag & ST_RDONLY) ? MS_RDONLY : 0);
}

Status attach_idmapped_tree(int tree_fd, int target_fd, const std::string &destination)
{
    if (::syscall(SYS_move_mount, tree_fd, "", target_fd, "",
                  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
        return Error::from_errno("attach the idmapped mount on `" + destination + "`");
    return Ok{};
}

Status bind_mount(const spec::Mount &mount, const MountOptions &options,
                  const MountContext &context, const std::string &source,
                  const std::string &destination)
{
    auto target = TRY(make_mount_point(context.root_fd, destination, source));
    unsigned long flags = MS_BIND | (options.recursive ? MS_REC : 0);
    if (context.idmapped_tree >= 0)
        TRY(attach_idmapped_tree(context.idmapped_tree, target.get(), destination));
    else if (::mount(source.c_str(), sys::fd_path(target.get()).c_str(), nullptr, flags,
                     nullptr) != 0)
        return Error::from_errno("bind `" + mount.source + "` to `" + destination + "`");

    // A bind mount ignores flags on the first call: they take a remount of the new mount, which
    // the destination now resolves to.
    if (options.flags == 0)
        return Ok{};
    auto mounted = TRY(sys::open_in_root(context.root_fd, destination, O_PATH));
    unsigned long remount = MS_BIND | MS_REMOUNT | options.flags;
    if (context.user_namespace)
        remount |= TRY_CONTEXT(locked_flags(mounted.get()), "read the flags of `" + destination + "`");
    if (::mount(nullptr, sys::fd_path(mounted.get()).c_str(), nullptr, remount, nullptr) != 0)
        return Error::from_errno("remount `" + destination + "` with its options");
    return Ok{};
}

// `tmpcopyup`: the new tmpfs gets a copy of what the directory it covers holds. A directory fd
// opened before the mount still reads the covered directory afterwards. A read-only tmpfs is
// made read-only once the copy is in.
Status copy_up(int covered_fd, const MountOptions &options, int root_fd,
               const std::string &destination)
{
    auto mounted = TRY(sys::open_in_root(root_fd, destination, O_RDONLY | O_DIRECTORY));
    TRY_CONTEXT(sys::copy_tree(covered_fd, mounted.get()),
                "copy `" + destination + "` into its tmpfs (tmpcopyup)");
    if (!(options.flags & MS_RDONLY))
        return Ok{};
    const char *data = options.data.empty() ? nullptr : options.data.c_str();
    if (::mount(nullptr, sys::fd_path(mounted.get()).c_str(), nullptr, MS_REMOUNT | options.flags,
                data) != 0)
        return Error::from_errno("remount `" + destination + "` read-only after its copy");
    return Ok{};
}

Status filesystem_mount(const spec::Mount &mount, const MountOptions &options, int root_fd,
                        const std::string &destination)
{
    auto target = TRY(sys::make_directories_in_root(root_fd, destination, 0755));
    UniqueFd covered;
    unsigned long flags = options.flags;
    if (options.copy_up) {
        covered.reset(::openat(target.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!covered)
            return Error::from_errno("open `" + destination + "` to copy it up");
        flags &= ~MS_RDONLY;
    }
    const char *data = options.data.empty() ? nullptr : options.data.c_str();
    if (::mount(mount.source.c_str(), sys::fd_path(target.get()).c_str(), mount.type.c_str(), flags,
                data) != 0)
        return Error::from_errno("mount `" + mount.type + "` on `" + destination + "`");
    if (covered)
        TRY(copy_up(covered.get(), options, root_fd, destination));
    return Ok{};
}

Status apply_propagation(const MountOptions &options, int root_fd, const std::string &destination)
{
    if (options.propagation == 0)
        return Ok{};
    auto mounted = TRY(sys::open_in_root(root_fd, destination, O_PATH));
    if (::mount(nullptr, sys::fd_path(mounted.get()).c_str(), nullptr, options.propagation,
                nullptr) != 0)
        return Error::from_errno("set propagation of `" + destination + "`");
    return Ok{};
}

Status mount_one(const spec::Mount &mount, const MountContext &context)
{
    MountOptions options = parse_mount_options(mount.options);
    std::string destination = container_destination(mount);
    log::debug("mount `" + mount.source + "` on `" + destination + "`, type `" +
               (mount.type.empty() ? std::string("bind") : mount.type) + "`, data `" +
               options.data + "`");

    if (is_bind(mount, options)) {
        MountOptions bind_options = options;
        bind_options.recursive = options.recursive || mount.type == "rbind";
        std::string source = join_path(context.bundle_dir, mount.source);
        TRY(bind_mount(mount, bind_options, context, source, destination));
    } else {
        TRY(filesystem_mount(mount, options, context.root_fd, destination));
    }
    return apply_propagation(options, context.root_fd, destination);
}

// Remounts what `fd` names with `flags` (a bind takes its flags only this way).
Status remount_with(int fd, unsigned long flags, const std::string &what)
{
    if (::mount(nullptr, sys::fd_path(fd).c_str(), nullptr, MS_REMOUNT | flags, nullptr) != 0)
        return Error::from_errno("remount `" + what + "` with its options");
    return Ok{};
}

// One hierarchy at `target`: mounted for real in the container's own cgroup namespace (its
// root is then the container's cgroup), otherwise a bind of the container's directory, so
// that the host's tree above it stays out of sight.
Status mount_hierarchy(const std::string &key, const std::string &dir, int root_fd,
                       unsigned long flags, const LaunchPlan &plan, const std::string &shown)
{
    auto target = TRY(sys::make_directories_in_root(root_fd, shown, 0755));
    std::string at = sys::fd_path(target.get());
    if (plan.new_cgroup_namespace) {
        bool v2 = key == "unified";
        if (::mount("cgroup", at.c_str(), v2 ? "cgroup2" : "cgroup", flags,
                    v2 ? nullptr : key.c_str()) != 0)
            return Error::from_errno("mount cgroup `" + key + "` on `" + shown + "`");
        return Ok{};
    }
    if (::mount(dir.c_str(), at.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
        return Error::from_errno("bind cgroup `" + dir + "` to `" + shown + "`");
    auto mounted = TRY(sys::open_in_root(root_fd, shown, O_PATH));
    return remount_with(mounted.get(), MS_BIND | flags, shown);
}

// A `cgroup` mount. With the v2 hierarchy alone, it is that hierarchy at the destination; with
// v1 ones, a tmpfs holding one directory per hierarchy (`unified` for the v2 one of a hybrid
// host), read-only unless the mount asks for rw, as runc builds it.
Status mount_cgroups(const spec::Mount &mount, int root_fd, const LaunchPlan &plan)
{
    MountOptions options = parse_mount_options(mount.options);
    std::string destination = container_destination(mount);
    const auto &dirs = plan.cgroup_dirs;
    if (dirs.size() == 1 && dirs.count("unified"))
        return mount_hierarchy("unified", dirs.begin()->second, root_fd, options.flags, plan,
                               destination);
    auto target = TRY(sys::make_directories_in_root(root_fd, destination, 0755));

    unsigned long tmpfs_flags = options.flags & ~MS_RDONLY;
    if (::mount("tmpfs", sys::fd_path(target.get()).c_str(), "tmpfs", tmpfs_flags,
                "mode=755") != 0)
        return Error::from_errno("mount tmpfs for cgroups on `" + destination + "`");
    for (const auto &[key, dir] : dirs) {
        std::string name = key.starts_with("name=") ? key.substr(5) : key;
        TRY(mount_hierarchy(key, dir, root_fd, options.flags, plan, destination + "/" + name));
    }
    if (!(options.flags & MS_RDONLY))
        return Ok{};
    auto mounted = TRY(sys::open_in_root(root_fd, destination, O_PATH));
    return remount_with(mounted.get(), options.flags, destination);
}

// The kernel copies mount options from at most one page.
constexpr size_t overlay_options_limit = 4096;

// overlayfs's `lowerdir`, top first. A layered image's layers go in as /proc/self/fd/N of
// directories opened here, without following a symlink, which keeps the option short and
// mounts exactly the directories validation checked. `held` keeps them open for the mount.
Result<std::string> lower_dirs_option(const LaunchPlan &plan, int layers_fd,
                                      std::vector<UniqueFd> &held)
{
    if (plan.idmapped_image) {
        // Under the overlay, on its own mount point: overlayfs takes no detached layer.
        auto target = TRY(sys::open_in_root(layers_fd, "rootfs", O_PATH));
        TRY(attach_idmapped_tree(plan.idmapped_image.get(), target.get(), "rootfs"));
        return escape_overlay_path(sys::fd_path(layers_fd) + "/rootfs");
    }
    if (plan.layers.lowers.empty())
        return escape_overlay_path(plan.layers.lower);

    std::string option;
    for (const auto &dir : plan.layers.lowers) {
        UniqueFd layer(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!layer)
            return Error::from_errno("open layer `" + dir + "`");
        option += (option.empty() ? "" : ":") + sys::fd_path(layer.get());
        held.push_back(std::move(layer));
    }
    return option;
}

} // namespace

Status isolate_mount_propagation()
{
    if (::mount(nullptr, "/", nullptr, MS_SLAVE | MS_REC, nullptr) != 0)
        return Error::from_errno("make the container's mounts slaves of the host's");
    return Ok{};
}

bool in_user_namespace(const LaunchPlan &plan)
{
    return plan.clone_flags & CLONE_NEWUSER;
}

Result<UniqueFd> mount_root(const LaunchPlan &plan, int layers_fd)
{
    if (!plan.overlay) {
        // pivot_root needs the new root to be a mount point of its own.
        if (::mount(plan.root_dir.c_str(), plan.root_dir.c_str(), nullptr, MS_BIND | MS_REC,
                    nullptr) != 0)
            return Error::from_errno("bind root `" + plan.root_dir + "` onto itself");
        UniqueFd root(::open(plan.root_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!root)
            return Error::from_errno("open root `" + plan.root_dir + "`");
        return root;
    }

    std::string layers = sys::fd_path(layers_fd);
    std::string mount_point = layers + "/rootfs";
    std::vector<UniqueFd> held_layers;
    std::string lower = TRY(lower_dirs_option(plan, layers_fd, held_layers));
    std::string data = "lowerdir=" + lower + ",upperdir=" + layers + "/upper,workdir=" + layers +
                       "/work";
    // In a user namespace overlayfs may keep its metadata only in user.* xattrs.
    if (in_user_namespace(plan))
        data += ",userxattr";
    log::debug("mount overlay on `" + plan.root_dir + "`: " + data);
    if (data.size() >= overlay_options_limit)
        return Error::message("image `" + plan.layers.lower + "`: its " +
                              std::to_string(plan.layers.lowers.size()) +
                              " layers do not fit in overlayfs's options (one page)");
    if (::mount("overlay", mount_point.c_str(), "overlay", 0, data.c_str()) != 0)
        return Error::from_errno("mount overlay of image `" + plan.layers.lower + "` on `" +
                                 plan.root_dir + "`");

    UniqueFd root(::open(mount_point.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        return Error::from_errno("open root `" + plan.root_dir + "`");
    return root;
}

Status mount_config_mounts(int root_fd, const LaunchPlan &plan)
{
    const auto &mounts = plan.bundle->config.mounts;
    for (size_t i = 0; i < mounts.size(); ++i) {
        std::string where = "mounts[" + std::to_string(i) + "]";
        if (mounts[i].type == "cgroup") {
            TRY_CONTEXT(mount_cgroups(mounts[i], root_fd, plan), where);
            continue;
        }
        int idmapped = i < plan.idmapped_mounts.size() ? plan.idmapped_mounts[i].get() : -1;
        MountContext context{root_fd, plan.bundle->dir, in_user_namespace(plan), idmapped};
        TRY_CONTEXT(mount_one(mounts[i], context), where);
    }
    return Ok{};
}

Status pivot_into(int root_fd)
{
    if (::fchdir(root_fd) != 0)
        return Error::from_errno("enter the container root");

    // With new and old root both ".", the old root ends up stacked on top of the new one;
    // detaching "." then removes it, and no old-root directory is ever needed.
    if (syscall(SYS_pivot_root, ".", ".") != 0)
        return Error::from_errno("pivot_root into the container root");
    if (::umount2(".", MNT_DETACH) != 0)
        return Error::from_errno("detach the old root");
    if (::chdir("/") != 0)
        return Error::from_errno("chdir to the new root");
    return Ok{};
}

Status move_root_into(int root_fd)
{
    if (::fchdir(root_fd) != 0)
        return Error::from_errno("enter the container root");
    if (::mount(".", "/", nullptr, MS_MOVE, nullptr) != 0)
        return Error::from_errno("move the container root onto `/`");
    if (::chroot(".") != 0)
        return Error::from_errno("chroot into the container root");
    if (::chdir("/") != 0)
        return Error::from_errno("chdir to the new root");
    return Ok{};
}

Status make_root_readonly()
{
    struct statvfs info {};
    if (::statvfs("/", &info) != 0)
        return Error::from_errno("statvfs `/`");

    // A remount replaces the per-mount flags, so the ones already set are carried over.
    unsigned long keep = flags_to_keep(info);
    if (::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, nullptr) != 0)
        return Error::from_errno("remount `/` read-only");
    return Ok{};
}

Status set_root_propagation(const std::string &propagation)
{
    // Validation accepted only the propagation words, which parse_mount_options knows.
    unsigned long flags = parse_mount_options({propagation}).propagation;
    log::debug("root propagation `" + propagation + "`");
    if (::mount(nullptr, "/", nullptr, flags, nullptr) != 0)
        return Error::from_errno("set propagation `" + propagation + "` on `/`");
    return Ok{};
}

} // namespace crunlite::runtime
