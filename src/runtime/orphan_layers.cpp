#include "runtime/orphan_layers.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <filesystem>
#include <optional>

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

constexpr const char *owner_file = "state-root";

// Whether the orphan is this state root's to remove; an error says whose it is otherwise.
Status check_owner(const std::string &dir, const std::string &state_root)
{
    std::optional<std::string> owner;
    char target[PATH_MAX];
    ssize_t length = ::readlink((dir + "/" + owner_file).c_str(), target, sizeof target);
    if (length >= 0)
        owner.emplace(target, static_cast<size_t>(length));
    if (owner && *owner == state_root)
        return Ok{};
    if (owner)
        return Error::message("`" + dir + "` belongs to a container of the state root `" +
                              *owner + "`: not removed");
    std::error_code error;
    if (std::filesystem::is_empty(dir, error))
        return Ok{};
    return Error::message("`" + dir + "` records no state root (made by an older crun-lite?): "
                          "not removed; remove it by hand once no container uses it");
}

} // namespace

// A symlink, only ever read, never followed: its target lives in the inode, so it is made even
// when the data root's disk is full, and a container beside a full one still starts.
Status record_layers_owner(const std::string &layers_dir, const std::string &state_root)
{
    std::string link = layers_dir + "/" + owner_file;
    if (::symlink(state_root.c_str(), link.c_str()) != 0)
        return Error::from_errno("record the state root in `" + link + "`");
    return Ok{};
}

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
    TRY(check_owner(dir, store.root()));
    TRY(check_no_mounts(dir));
    log::warning("delete `" + id + "`: no state names `" + dir + "`; removing it");
    if (!sys::remove_tree(dir))
        return Error::message("remove `" + dir + "`: not everything could be removed");
    return Ok{};
}

} // namespace crunlite::runtime
