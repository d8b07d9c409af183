#include <doctest/doctest.h>
#include <sys/mount.h>

#include "runtime/mount_options.hpp"

using crunlite::runtime::parse_mount_options;

TEST_CASE("mount options: flag words become MS_ flags, the later word winning")
{
    auto options = parse_mount_options({"nosuid", "noexec", "nodev", "ro"});
    CHECK(options.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY));
    CHECK(options.data.empty());

    CHECK(parse_mount_options({"ro", "rw"}).flags == 0);
    CHECK(parse_mount_options({"noatime", "atime"}).flags == 0);
    CHECK(parse_mount_options({"strictatime"}).flags == MS_STRICTATIME);
}

TEST_CASE("mount options: bind and rbind mark a bind mount")
{
    auto bind = parse_mount_options({"bind", "ro"});
    CHECK(bind.bind);
    CHECK_FALSE(bind.recursive);
    CHECK(bind.flags == MS_RDONLY);

    auto rbind = parse_mount_options({"rbind"});
    CHECK(rbind.bind);
    CHECK(rbind.recursive);
}

TEST_CASE("mount options: propagation words are kept apart from the mount flags")
{
    auto options = parse_mount_options({"rbind", "rprivate"});
    CHECK(options.flags == 0);
    CHECK(options.propagation == (MS_PRIVATE | MS_REC));
    CHECK(parse_mount_options({"slave"}).propagation == MS_SLAVE);
}

TEST_CASE("mount options: filesystem options pass through as the data string, in order")
{
    auto options = parse_mount_options({"nosuid", "newinstance", "ptmxmode=0666", "mode=0620"});
    CHECK(options.flags == MS_NOSUID);
    CHECK(options.data == "newinstance,ptmxmode=0666,mode=0620");
}
