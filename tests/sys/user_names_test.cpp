// sys::user_name_in: the host user names `list` shows as a container's owner.
#include <doctest/doctest.h>

#include "sys/user_names.hpp"

using crunlite::sys::user_name_in;

TEST_CASE("user names: the first passwd entry with the uid names it")
{
    const char *passwd = "root:x:0:0:root:/root:/bin/bash\n"
                         "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                         "first:x:1000:1000::/home/first:/bin/sh\n"
                         "second:x:1000:1000::/home/second:/bin/sh";
    CHECK(user_name_in(passwd, 0) == "root");
    CHECK(user_name_in(passwd, 1) == "daemon");
    CHECK(user_name_in(passwd, 1000) == "first");
    CHECK_FALSE(user_name_in(passwd, 2).has_value());
}

TEST_CASE("user names: malformed lines name nobody")
{
    const char *passwd = "\n"
                         "short:x\n"
                         ":x:5:5::/:/bin/sh\n"
                         "signed:x:-6:6::/:/bin/sh\n"
                         "spaced:x: 7:7::/:/bin/sh\n"
                         "trailing:x:8x:8::/:/bin/sh\n"
                         "good:x:9:9::/:/bin/sh\n";
    for (uid_t uid : {5u, 6u, 7u, 8u})
        CHECK_FALSE(user_name_in(passwd, uid).has_value());
    CHECK(user_name_in(passwd, 9) == "good");
}
