#include "util/time.hpp"

#include <cstdio>
#include <ctime>

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

} // namespace crunlite
