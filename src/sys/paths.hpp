// File and path helpers over raw system calls, including resolution inside a container root.
//
// Paths inside a container root are resolved with openat2(RESOLVE_IN_ROOT): `..` and absolute
// symlinks stop at the root fd, exactly as they would inside the container after pivot_root, so
// an image full of hostile symlinks cannot send a mount or mkdir to the host.
#pragma once

#include <sys/types.h>

#include <string>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::sys {

// mkdir -p; existing directories are fine.
Status make_directories(const std::string &path, mode_t mode);

// Writes `content` to a temporary file beside `path` and renames it into place, so a reader
// sees the old content or the new, never part of it.
Status write_file_atomic(const std::string &path, const std::string &content, mode_t mode);

// Reads a whole file of at most `max_bytes`.
Result<std::string> read_file(const std::string &path, size_t max_bytes);

// Removes a directory tree; quiet when it is already gone. Returns false if anything is left.
bool remove_tree(const std::string &path);

// Opens `path` (absolute or relative, taken from the root either way) below `root_fd` as the
// container would see it. `flags` are open(2) flags; O_CLOEXEC is always added.
Result<UniqueFd> open_in_root(int root_fd, const std::string &path, int flags);

// Makes every missing directory of `path` below `root_fd`, each resolved in the root, and
// returns an O_PATH fd of the last one.
Result<UniqueFd> make_directories_in_root(int root_fd, const std::string &path, mode_t mode);

// Makes an empty regular file at `path` below `root_fd` (and its missing parents) unless
// something is there already; returns an O_PATH fd of what is there.
Result<UniqueFd> make_file_in_root(int root_fd, const std::string &path, mode_t mode);

// "/proc/self/fd/N": a path that names exactly what fd N is, for calls that take no fd (mount).
std::string fd_path(int fd);

} // namespace crunlite::sys
