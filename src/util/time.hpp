#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace crunlite {

// The current time in RFC 3339 with nanoseconds, UTC: "2026-12-04T17:02:03.123456789Z".
std::string rfc3339_now();

// A duration as Go writes it ("5s", "1m30s", "1.5s", "250ms", "100us"); nullopt when `text` is
// not one, or is not positive.
std::optional<std::chrono::nanoseconds> parse_go_duration(const std::string &text);

} // namespace crunlite
