#include <doctest/doctest.h>

#include "state/container_id.hpp"

using crunlite::state::check_container_id;
using crunlite::state::generated_container_id;

TEST_CASE("container ids: letters, digits, underscore, dot and dash are accepted")
{
    for (const char *id : {"c1", "my_container.v2-final", "A", "0abc"})
        CHECK_MESSAGE(check_container_id(id).ok(), id);
    CHECK(check_container_id(std::string(128, 'a')).ok());
}

TEST_CASE("container ids that could be read as paths or options are refused")
{
    struct Case {
        std::string id;
        std::string message;
    };
    const Case cases[] = {
        {"", "container id must not be empty"},
        {"..", "container id `..`: must not start with `.` or `-`"},
        {".hidden", "container id `.hidden`: must not start with `.` or `-`"},
        {"-rf", "container id `-rf`: must not start with `.` or `-`"},
        {"a/b", "container id `a/b`: may hold only letters, digits, `_`, `.` and `-`"},
        {"/", "container id `/`: may hold only letters, digits, `_`, `.` and `-`"},
        {"a b", "container id `a b`: may hold only letters, digits, `_`, `.` and `-`"},
        {std::string(129, 'x'),
         "container id `" + std::string(40, 'x') + "...`: longer than 128 characters"},
    };
    for (const auto &c : cases) {
        auto status = check_container_id(c.id);
        REQUIRE_FALSE(status.ok());
        CHECK(status.error().render() == c.message);
    }
}

TEST_CASE("generated ids are valid, carry the bundle's name and differ between calls")
{
    std::string first = generated_container_id("/srv/bundles/web server/");
    std::string second = generated_container_id("/srv/bundles/web server/");
    CHECK(first.rfind("web_server-", 0) == 0);
    CHECK(first != second);
    CHECK(check_container_id(first).ok());
    CHECK(check_container_id(generated_container_id("/")).ok());
    CHECK(check_container_id(generated_container_id("...")).ok());
}
