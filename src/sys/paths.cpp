#include "sys/paths.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <climits>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "util/path.hpp"

namespace crunlite::sys {
namespace {

int openat2_in_root(int root_fd, const std::string &path, int flags)
{
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    // Magic links (/proc/self/root and friends) could still lead out of the root.
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    size_t first = path.find_first_not_of('/');
    std::string relative = first == std::string::npos ? "." : path.substr(first);
    int fd;
    do {
        fd = static_cast<int>(syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how));
    } while (fd < 0 && errno == EAGAIN);
    return fd;
}

} // namespace

Status make_directories(const std::string &path, mode_t mode)
{
    // A relative path stays relative: each prefix is taken from the current directory.
    std::string prefix = !path.empty() && path.front() == '/' ? "" : ".";
    for (const auto &part : path_components(path)) {
        prefix += "/" + part;
        if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST)
            return Error::from_errno("create directory `" + prefix + "`");
    }
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0)
        return Error::from_errno("stat `" + path + "`");
    if (!S_ISDIR(info.st_mode))
        return Error::system(ENOTDIR, "create directory `" + path + "`");
    return Ok{};
}

Status write_file_atomic(const std::string &path, const std::string &content, mode_t mode)
{
    std::string temporary = path + ".tmp";
    UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!fd)
        return Error::from_errno("create `" + temporary + "`");

    size_t written = 0;
    while (written < content.size()) {
        ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;
            ::unlink(temporary.c_str());
            return Error::system(saved, "write `" + temporary + "`");
        }
        written += static_cast<size_t>(n);
    }
    // No fsync: the rename alone is what keeps readers from half a file. What is written here
    // (state, pid files) describes processes, which a power loss ends anyway, and an fsync cost
    // about 5 ms a file on this disk, the largest single item of a container's start.
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        int saved = errno;
        ::unlink(temporary.c_str());
        return Error::system(saved, "write `" + path + "`");
    }
    return Ok{};
}

Result<std::string> read_file(const std::string &path, size_t max_bytes)
{
    // O_NONBLOCK, then regular files only: a FIFO or device in the file's place must not hang.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd)
        return Error::from_errno("open `" + path + "`");
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0)
        return Error::from_errno("stat `" + path + "`");
    if (!S_ISREG(info.st_mode))
        return Error::message("read `" + path + "`: not a regular file");
    std::string content;
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return Error::from_errno("read `" + path + "`");
        if (n == 0)
            return content;
        content.append(buffer, static_cast<size_t>(n));
        if (content.size() > max_bytes)
            return Error::message("read `" + path + "`: larger than " +
                                  std::to_string(max_bytes) + " bytes");
    }
}

namespace {

// overlayfs leaves its work/work dir with mode 0: root removes it regardless, but a rootless
// runtime must first give its own directories back their search and write permission.
void open_own_directories(const std::string &path)
{
    std::error_code error;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, error);
    for (std::filesystem::recursive_directory_iterator it(path, error), end; !error && it != end;
         it.increment(error)) {
        if (it->is_directory(error) && !it->is_symlink(error))
            std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                         std::filesystem::perm_options::add, error);
        error.clear();
    }
}

} // namespace

bool remove_tree(const std::string &path)
{
    std::error_code error;
    std::filesystem::remove_all(path, error);
    if (error && ::geteuid() != 0) {
        open_own_directories(path);
        error.clear();
        std::filesystem::remove_all(path, error);
    }
    return !error;
}

Result<UniqueFd> open_in_root(int root_fd, const std::string &path, int flags)
{
    int fd = openat2_in_root(root_fd, path, flags);
    if (fd < 0)
        return Error::from_errno("open `" + path + "` in the container root");
    return UniqueFd(fd);
}

namespace {

// Symlinks followed while making directories, as the kernel's own limit (ELOOP past 40).
constexpr int max_symlink_depth = 40;

Result<UniqueFd> make_directories_in_root_at_depth(int root_fd, const std::string &path,
                                                   mode_t mode, int depth);

// `name` in `parent_fd` exists but did not resolve: if it is a symlink to a missing target,
// makes that target (read as the container would read it), so the path resolves after.
Status make_symlink_target(int root_fd, int parent_fd, const std::string &parent_path,
                           const std::string &name, mode_t mode, int depth)
{
    char target[PATH_MAX];
    ssize_t length = ::readlinkat(parent_fd, name.c_str(), target, sizeof target - 1);
    if (length < 0)
        return Ok{}; // not a symlink: the caller's open reports what it is
    if (depth >= max_symlink_depth)
        return Error::system(ELOOP, "create directory `" + parent_path + "/" + name + "`");
    std::string link(target, static_cast<size_t>(length));
    std::string resolved = link.front() == '/' ? link : parent_path + "/" + link;
    TRY(make_directories_in_root_at_depth(root_fd, resolved, mode, depth + 1));
    return Ok{};
}

Result<UniqueFd> make_directories_in_root_at_depth(int root_fd, const std::string &path,
                                                   mode_t mode, int depth)
{
    UniqueFd current(openat2_in_root(root_fd, "/", O_PATH | O_DIRECTORY));
    if (!current)
        return Error::from_errno("open the container root");

    std::string prefix;
    for (const auto &part : path_components(path)) {
        std::string parent = prefix;
        prefix += "/" + part;
        int fd = openat2_in_root(root_fd, prefix, O_PATH | O_DIRECTORY);
        if (fd < 0 && errno == ENOENT) {
            // Made relative to the resolved parent, so the new directory lands inside the root
            // even when an earlier component was a symlink.
            bool made = ::mkdirat(current.get(), part.c_str(), mode) == 0;
            if (!made && errno != EEXIST)
                return Error::from_errno("create directory `" + prefix + "`");
            if (!made)
                TRY(make_symlink_target(root_fd, current.get(), parent, part, mode, depth));
            fd = openat2_in_root(root_fd, prefix, O_PATH | O_DIRECTORY);
        }
        if (fd < 0)
            return Error::from_errno("open directory `" + prefix + "`");
        current.reset(fd);
    }
    return current;
}

} // namespace

Result<UniqueFd> make_directories_in_root(int root_fd, const std::string &path, mode_t mode)
{
    return make_directories_in_root_at_depth(root_fd, path, mode, 0);
}

Result<UniqueFd> make_file_in_root(int root_fd, const std::string &path, mode_t mode)
{
    int fd = openat2_in_root(root_fd, path, O_PATH);
    if (fd >= 0)
        return UniqueFd(fd);
    if (errno != ENOENT)
        return Error::from_errno("open `" + path + "`");

    std::filesystem::path target(path);
    std::string name = target.filename();
    auto parent = TRY(make_directories_in_root(root_fd, target.parent_path(), 0755));
    UniqueFd created(::openat(parent.get(), name.c_str(),
                              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (!created && errno != EEXIST)
        return Error::from_errno("create file `" + path + "`");
    return open_in_root(root_fd, path, O_PATH);
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

} // namespace crunlite::sys
