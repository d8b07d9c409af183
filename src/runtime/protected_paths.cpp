#include "runtime/protected_paths.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sys/paths.hpp"
#include "util/log.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::runtime {
namespace {

// An O_PATH fd of `path` inside the root, or an empty fd when the image or kernel lacks it
// (podman's configs mask /proc/kcore, which not every kernel has).
Result<UniqueFd> open_if_present(int root_fd, const std::string &path, const char *what)
{
    auto opened = sys::open_in_root(root_fd, path, O_PATH);
    if (opened)
        return std::move(opened).value();
    int errnum = opened.error().errnum();
    if (errnum != ENOENT && errnum != ENOTDIR)
        return std::move(opened).error();
    log::debug(std::string(what) + " `" + path + "`: not in the container, skipped");
    return UniqueFd();
}

// Mounts the detached tree `tree` onto what `target` names.
Status attach_tree(int tree, int target, const std::string &what)
{
    if (::move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
        return Error::from_errno(what);
    return Ok{};
}

Status make_readonly(int root_fd, const std::string &path)
{
    auto target = TRY(open_if_present(root_fd, path, "read-only path"));
    if (!target)
        return Ok{};
    log::debug("read-only path `" + path + "`");

    // The copy is made read-only while still detached, so no process ever sees it writable;
    // mount_setattr changes that one flag and leaves nosuid, nodev and noexec as they were.
    UniqueFd tree(::open_tree(target.get(), "",
                              OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE));
    if (!tree)
        return Error::from_errno("bind read-only path `" + path + "`");
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0)
        return Error::from_errno("make `" + path + "` read-only");
    return attach_tree(tree.get(), target.get(), "mount read-only `" + path + "`");
}

// The host's /dev/null, checked to be the null device: the image has no say in this path.
Result<UniqueFd> open_null_device()
{
    UniqueFd null(::open("/dev/null", O_PATH | O_CLOEXEC));
    if (!null)
        return Error::from_errno("open `/dev/null` to mask files with");
    struct stat info {};
    if (::fstat(null.get(), &info) != 0)
        return Error::from_errno("stat `/dev/null`");
    if (!S_ISCHR(info.st_mode) || info.st_rdev != makedev(1, 3))
        return Error::message("mask files: `/dev/null` is not the null device");
    return null;
}

Status mask_directory(int target, const std::string &path)
{
    unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if (::mount("tmpfs", sys::fd_path(target).c_str(), "tmpfs", flags, "mode=0755") != 0)
        return Error::from_errno("mask directory `" + path + "` with an empty tmpfs");
    return Ok{};
}

Status mask_file(int target, int null_fd, const std::string &path)
{
    UniqueFd tree(::open_tree(null_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
    if (!tree)
        return Error::from_errno("clone a mount of `/dev/null` to mask `" + path + "`");
    return attach_tree(tree.get(), target, "mask `" + path + "` with `/dev/null`");
}

} // namespace

Status make_paths_readonly(int root_fd, const std::vector<std::string> &paths)
{
    for (const auto &path : paths)
        TRY_CONTEXT(make_readonly(root_fd, path), "linux.readonlyPaths");
    return Ok{};
}

Status mask_paths(int root_fd, const std::vector<std::string> &paths)
{
    UniqueFd null; // opened on the first file to mask
    for (const auto &path : paths) {
        auto target = TRY_CONTEXT(open_if_present(root_fd, path, "masked path"),
                                  "linux.maskedPaths");
        if (!target)
            continue;
        struct stat info {};
        if (::fstat(target.get(), &info) != 0)
            return Error::from_errno("stat masked path `" + path + "`").wrap("linux.maskedPaths");
        log::debug("mask `" + path + "`");

        if (S_ISDIR(info.st_mode)) {
            TRY_CONTEXT(mask_directory(target.get(), path), "linux.maskedPaths");
            continue;
        }
        if (!null)
            null = TRY_CONTEXT(open_null_device(), "linux.maskedPaths");
        TRY_CONTEXT(mask_file(target.get(), null.get(), path), "linux.maskedPaths");
    }
    return Ok{};
}

} // namespace crunlite::runtime
