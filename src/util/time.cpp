#include "util/time.hpp"

#include <cstdio>
#include <stdexcept>
#include <ctime>
#include <utility>

namespace crunlite {

std::string rfc3339_now()
{
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    tm utc{};
    gmtime_r(&now.tv_sec, &utc);
    char text[64];
    size_t length = strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    snprintf(text + length, sizeof text - length, ".%09ldZ", now.tv_nsec);
    return text;
}

std::optional<std::chrono::nanoseconds> parse_go_duration(const std::string &text)
{
    static const std::pair<const char *, double> units[] = {
        {"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
    };
    double total = 0;
    size_t at = 0;
    while (at < text.size()) {
        size_t number_end = text.find_first_not_of("0123456789.", at);
        if (number_end == at || number_end == std::string::npos)
            return std::nullopt;
        double value = 0;
        try {
            size_t used = 0;
            value = std::stod(text.substr(at, number_end - at), &used);
            if (used != number_end - at)
                return std::nullopt;
        } catch (const std::exception &) {
            return std::nullopt;
        }
        size_t unit_end = text.find_first_of("0123456789.", number_end);
        std::string unit = text.substr(number_end, unit_end - number_end);
        bool known = false;
        for (const auto &[name, nanoseconds] : units)
            if (unit == name) {
                total += value * nanoseconds;
                known = true;
            }
        if (!known)
            return std::nullopt;
        at = unit_end == std::string::npos ? text.size() : unit_end;
    }
    if (!(total >= 1) || total > 1e18)
        return std::nullopt;
    return std::chrono::nanoseconds(static_cast<int64_t>(total));
}

} // namespace crunlite
