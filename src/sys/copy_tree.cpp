#include "sys/copy_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "util/unique_fd.hpp"

namespace crunlite::sys {
namespace {

// Deeper trees than this are not what a tmpfs mount point holds; the limit keeps the
// recursion (and its open fds) bounded whatever the image holds.
constexpr int max_depth = 64;

Result<std::vector<std::string>> entry_names(int dir)
{
    int copy = ::fcntl(dir, F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
        return Error::from_errno("dup a directory fd");
    DIR *stream = ::fdopendir(copy);
    if (!stream) {
        ::close(copy);
        return Error::from_errno("read a directory");
    }
    ::rewinddir(stream);
    std::vector<std::string> names;
    while (dirent *entry = ::readdir(stream)) {
        std::string name = entry->d_name;
        if (name != "." && name != "..")
            names.push_back(name);
    }
    ::closedir(stream);
    return names;
}

Status copy_file_content(int from, int to, const std::string &name, const struct stat &info)
{
    UniqueFd source(::openat(from, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!source)
        return Error::from_errno("open `" + name + "`");
    UniqueFd target(::openat(to, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                             info.st_mode & 07777));
    if (!target)
        return Error::from_errno("create `" + name + "`");
    for (off_t left = info.st_size; left > 0;) {
        ssize_t sent = ::sendfile(target.get(), source.get(), nullptr, static_cast<size_t>(left));
        if (sent < 0)
            return Error::from_errno("copy `" + name + "`");
        if (sent == 0)
            break; // the file shrank meanwhile
        left -= sent;
    }
    return Ok{};
}

// Owner, then mode (a chown clears set-id bits), then times, of `name` in `to`.
Status copy_attributes(int to, const std::string &name, const struct stat &info)
{
    if (::fchownat(to, name.c_str(), info.st_uid, info.st_gid, AT_SYMLINK_NOFOLLOW) != 0)
        return Error::from_errno("chown `" + name + "`");
    if (!S_ISLNK(info.st_mode) && ::fchmodat(to, name.c_str(), info.st_mode & 07777, 0) != 0)
        return Error::from_errno("chmod `" + name + "`");
    const timespec times[2] = {info.st_atim, info.st_mtim};
    if (::utimensat(to, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
        return Error::from_errno("set the times of `" + name + "`");
    return Ok{};
}

Status copy_entries(int from, int to, int depth);

Status copy_directory(int from, int to, const std::string &name, int depth)
{
    if (depth >= max_depth)
        return Error::message("`" + name + "`: more than " + std::to_string(max_depth) +
                              " directories deep");
    if (::mkdirat(to, name.c_str(), 0700) != 0)
        return Error::from_errno("mkdir `" + name + "`");
    UniqueFd source(::openat(from, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    UniqueFd target(::openat(to, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!source || !target)
        return Error::from_errno("open `" + name + "`");
    TRY_CONTEXT(copy_entries(source.get(), target.get(), depth + 1), "`" + name + "`");
    return Ok{};
}

Status copy_entry(int from, int to, const std::string &name, int depth)
{
    struct stat info {};
    if (::fstatat(from, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0)
        return Error::from_errno("stat `" + name + "`");
    if (S_ISDIR(info.st_mode)) {
        TRY(copy_directory(from, to, name, depth));
    } else if (S_ISREG(info.st_mode)) {
        TRY(copy_file_content(from, to, name, info));
    } else if (S_ISLNK(info.st_mode)) {
        std::string target(static_cast<size_t>(info.st_size) + 1, '\0');
        ssize_t length = ::readlinkat(from, name.c_str(), target.data(), target.size());
        if (length < 0 || static_cast<size_t>(length) >= target.size())
            return Error::from_errno("readlink `" + name + "`");
        target.resize(static_cast<size_t>(length));
        if (::symlinkat(target.c_str(), to, name.c_str()) != 0)
            return Error::from_errno("symlink `" + name + "`");
    } else if (::mknodat(to, name.c_str(), info.st_mode, info.st_rdev) != 0) {
        return Error::from_errno("mknod `" + name + "`");
    }
    return copy_attributes(to, name, info);
}

Status copy_entries(int from, int to, int depth)
{
    for (const auto &name : TRY(entry_names(from)))
        TRY(copy_entry(from, to, name, depth));
    return Ok{};
}

} // namespace

Status copy_tree(int from, int to) { return copy_entries(from, to, 0); }

} // namespace crunlite::sys
