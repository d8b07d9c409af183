#pragma once

#include <string>
#include <vector>

namespace crunlite {

// The components of a `/`-separated path, without empty ones (from `//` or the leading `/`)
// and without `.`; `..` is kept for the caller to judge.
std::vector<std::string> path_components(const std::string &path);

} // namespace crunlite
