// Copying a directory tree between two directory fds, for a tmpfs mounted with `tmpcopyup`:
// the new tmpfs gets what the directory it covers held in the image.
#pragma once

#include "util/error.hpp"

namespace crunlite::sys {

// Copies everything below directory `from` into directory `to`: directories, regular files,
// symlinks, fifos and device nodes, each with its mode, owner and times. Symlinks are copied as
// links, never followed, so an image cannot point the copy elsewhere; hard links become
// separate files and extended attributes are not copied.
Status copy_tree(int from, int to);

} // namespace crunlite::sys
