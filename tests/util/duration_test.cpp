// Go-style durations, as `events --interval` takes them from runc's users.
#include <doctest/doctest.h>

#include "util/time.hpp"

using namespace crunlite;
using namespace std::chrono_literals;

TEST_CASE("duration: Go's forms are read; anything else, zero and negatives are refused")
{
    CHECK(parse_go_duration("5s") == 5s);
    CHECK(parse_go_duration("1m30s") == 90s);
    CHECK(parse_go_duration("1.5s") == 1500ms);
    CHECK(parse_go_duration("250ms") == 250ms);
    CHECK(parse_go_duration("100us") == 100us);
    CHECK(parse_go_duration("2h") == 7200s);
    for (const char *bad : {"", "5", "s", "5 s", "5x", "-1s", "0s", "1..5s", "5s3"})
        CHECK_MESSAGE(!parse_go_duration(bad), bad);
}
