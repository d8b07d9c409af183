// Container ids name a directory under the state root and the data root, so they are checked
// before any file is touched: no `/`, no `..`, nothing a shell or a path could misread.
#pragma once

#include <string>
#include <string_view>

#include "util/error.hpp"

namespace crunlite::state {

inline constexpr size_t max_container_id_length = 128;

// Letters, digits, `_`, `.` and `-`; not starting with `.` or `-`; 1 to 128 characters.
Status check_container_id(std::string_view id);

// An id for `run <bundle-dir>`: the bundle's name (reduced to id characters) and random hex, so
// one bundle can run many times at once.
std::string generated_container_id(std::string_view bundle_dir);

} // namespace crunlite::state
