#pragma once

#include <string>
#include <vector>

namespace crunlite {

// The components of a `/`-separated path, without empty ones (from `//` or the leading `/`)
// and without `.`; `..` is kept for the caller to judge.
std::vector<std::string> path_components(const std::string &path);

// `path` when absolute, else `base`/`path`. Nothing is normalised: `a/link/..` must mean
// what the kernel makes of it, which lexical cleaning of `..` would change.
std::string join_path(const std::string &base, const std::string &path);

} // namespace crunlite
