// Signal names as `kill` takes them: `TERM`, `SIGTERM`, `sigterm`, `15`, `SIGRTMIN+3`, `RTMAX-1`;
// `0` sends nothing and checks that the process lives.
#pragma once

#include <optional>
#include <string_view>

namespace crunlite::sys {

// The signal number, or nullopt for anything that names no signal.
std::optional<int> parse_signal(std::string_view text);

} // namespace crunlite::sys
