#pragma once

#include <string>

namespace crunlite {

// The current time in RFC 3339 with nanoseconds, UTC: "2026-12-04T17:02:03.123456789Z".
std::string rfc3339_now();

} // namespace crunlite
