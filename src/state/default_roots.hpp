// Where state and overlay layers go when --root and --data-root are not given. Root uses the
// system places; any other user places of their own, so that rootless containers never need a
// directory only root may write.
#pragma once

#include <sys/types.h>

#include <string>

#include "util/error.hpp"

namespace crunlite::state {

// Root: /run/crun-lite, whatever XDG_RUNTIME_DIR says. Others: $XDG_RUNTIME_DIR/crun-lite, or
// /tmp/crun-lite-<uid> (made 0700 here; one that is not the user's own 0700 directory is
// refused, since anyone may make it first in /tmp).
Result<std::string> state_root_for(uid_t euid, const char *xdg_runtime_dir);

// Root: /var/lib/crun-lite. Others: $XDG_DATA_HOME/crun-lite, else ~/.local/share/crun-lite.
inline constexpr const char *system_data_root = "/var/lib/crun-lite";

Result<std::string> data_root_for(uid_t euid, const char *xdg_data_home, const char *home);

// Makes `path` a directory of mode 0700, or accepts it as it is when it already is one owned
// by `owner` with that mode (a symlink is refused).
Status make_private_dir(const std::string &path, uid_t owner);

} // namespace crunlite::state
