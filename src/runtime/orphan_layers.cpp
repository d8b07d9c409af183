#include "runtime/orphan_layers.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "sys/paths.hpp"
#include "util/log.hpp"
#include "util/scope_exit.hpp"

namespace crunlite::runtime {
namespace {

bool is_mount_root(const std::string &path)
{
    struct statx info {};
    return ::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &info) == 0 &&
           (info.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
           (info.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

// Removing files below a mount would remove them from whatever is mounted there (an overlay's
// layers, a host directory bound in): the tree is checked first. Symlinks are not followed.
Status check_no_mounts(const std::string &dir)
{
    if (is_mount_root(dir))
        return Error::message("`" + dir + "` is a mount point: not removed");
    std::error_code error;
    for (std::filesystem::recursive_directory_iterator it(dir, error), end; !error && it != end;
         it.increment(error))
        if (it->is_directory(error) && !it->is_symlink(error) && is_mount_root(it->path()))
            return Error::message("`" + it->path().string() + "` is a mount point: `" + dir +
                                  "` not removed");
    if (error)
        return Error::system(error.value(), "read `" + dir + "`");
    return Ok{};
}

// The directory as create makes it: a directory of its own, never a symlink to one elsewhere.
// False when there is nothing there.
Result<bool> orphan_dir_exists(const std::string &dir)
{
    struct stat info {};
    if (::lstat(dir.c_str(), &info) != 0)
        return errno == ENOENT ? Result<bool>(false) : Error::from_errno("stat `" + dir + "`");
    if (!S_ISDIR(info.st_mode))
        return Error::message("`" + dir + "` is not a directory crun-lite made: not removed");
    return true;
}

} // namespace

Status remove_orphan_layers(state::StateStore &store, const std::string &data_root,
                            const std::string &id)
{
    std::string dir = data_root + "/" + id;
    if (!TRY(orphan_dir_exists(dir)) || ::access(store.container_dir(id).c_str(), F_OK) == 0)
        return Ok{};

    auto claim = TRY(store.claim(id));
    ScopeExit unclaim([&] { store.release(id); });
    if (!TRY(orphan_dir_exists(dir)))
        return Ok{};
    TRY(check_no_mounts(dir));
    log::warning("delete `" + id + "`: no state names `" + dir + "`; removing it");
    if (!sys::remove_tree(dir))
        return Error::message("remove `" + dir + "`: not everything could be removed");
    return Ok{};
}

} // namespace crunlite::runtime
