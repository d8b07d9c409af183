// The host's user names, read from /etc/passwd itself: crun-lite may be linked statically, where
// getpwuid(3) would need NSS modules it cannot load.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace crunlite::sys {

inline constexpr const char *host_passwd_file = "/etc/passwd";

// The name of the first entry of `passwd_text` (passwd(5) lines) with `uid`, if any.
std::optional<std::string> user_name_in(std::string_view passwd_text, uid_t uid);

// The host's name for `uid`, or `#uid` when /etc/passwd names none (as runc shows it).
std::string host_user_name(uid_t uid);

} // namespace crunlite::sys
