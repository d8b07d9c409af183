// Finding process.args[0] inside the container, as execvp would but before anything runs, so
// that a missing command is reported with a clear message and the shell's exit status.
#pragma once

#include <string>
#include <vector>

#include "util/error.hpp"

namespace crunlite::runtime {

// PATH when the config's env has none.
inline constexpr const char *default_path =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The path to exec for `name`: as it is when it holds a `/`, otherwise the first executable
// regular file named `name` in the PATH of `env`. On failure sets `failure_status` to 127 (not
// found) or 126 (found, but not executable).
Result<std::string> find_command(const std::string &name, const std::vector<std::string> &env,
                                 int &failure_status);

} // namespace crunlite::runtime
