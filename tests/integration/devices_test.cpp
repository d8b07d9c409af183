// linux.devices and the default /dev, seen from inside the container with ls and stat.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "integration/harness.hpp"

using namespace harness;
using nlohmann::json;

namespace {

Outcome run_with_devices(const std::string &id, const std::string &script, const json &devices)
{
    Bundle bundle(script);
    bundle.config["linux"]["devices"] = devices;
    bundle.write();
    return crun_lite({"run", "--bundle", bundle.dir(), id});
}

// Type and mode, owner, and numbers, as busybox's stat prints them.
const char *describe = "stat -c '%n %A %u:%g %t,%T' ";

} // namespace

TEST_CASE("devices: each linux.devices node is made with its numbers, owner and mode")
{
    json devices = {
        {{"path", "/dev/fuse"}, {"type", "c"}, {"major", 10}, {"minor", 229},
         {"fileMode", 0640}, {"uid", 5}, {"gid", 6}},
        {{"path", "/dev/loop9"}, {"type", "b"}, {"major", 7}, {"minor", 9}},
        {{"path", "/dev/fifo"}, {"type", "p"}, {"fileMode", 0600}},
        {{"path", "/run/extra/null"}, {"type", "u"}, {"major", 1}, {"minor", 3}},
    };
    auto outcome = run_with_devices(
        "devices", std::string(describe) + "/dev/fuse /dev/loop9 /dev/fifo /run/extra/null; "
                                           "echo x > /run/extra/null && echo wrote",
        devices);
    CHECK(outcome.status == 0);
    CHECK(outcome.err == "");
    CHECK(outcome.out == "/dev/fuse crw-r----- 5:6 a,e5\n"
                         "/dev/loop9 brw-rw-rw- 0:0 7,9\n"
                         "/dev/fifo prw------- 0:0 0,0\n"
                         "/run/extra/null crw-rw-rw- 0:0 1,3\n"
                         "wrote\n");
}

TEST_CASE("devices: a config device replaces a default one")
{
    auto outcome = run_with_devices(
        "devices-null", std::string(describe) + "/dev/null",
        {{{"path", "/dev/null"}, {"type", "c"}, {"major", 1}, {"minor", 3}, {"fileMode", 0600}}});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "/dev/null crw------- 0:0 1,3\n");
}

TEST_CASE("devices: a path that exists as something else is refused")
{
    Bundle bundle("true");
    use_private_rootfs(bundle);
    bundle.config["linux"]["devices"] = {
        {{"path", "/etc/passwd"}, {"type", "c"}, {"major", 1}, {"minor", 3}}};
    bundle.write();
    std::string before_passwd = read_text(bundle.dir() + "/rootfs/etc/passwd");
    auto before = HostSnapshot::take();
    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "devices-clash"});
    CHECK(outcome.status == 1);
    CHECK(outcome.err == "crun-lite: run `devices-clash`: linux.devices[0]: `/etc/passwd` exists "
                         "already and is not the device asked for\n");
    CHECK(read_text(bundle.dir() + "/rootfs/etc/passwd") == before_passwd);
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("devices: a symlink in the image cannot send a device out of the root")
{
    Bundle bundle("true");
    use_private_rootfs(bundle);
    TempDir outside;
    std::filesystem::create_directory_symlink(outside.path(), bundle.dir() + "/rootfs/escape");
    bundle.config["linux"]["devices"] = {
        {{"path", "/escape/null"}, {"type", "c"}, {"major", 1}, {"minor", 3}}};
    bundle.write();
    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "devices-escape"});
    CHECK(outcome.status == 0);
    CHECK(!exists(outside.path() + "/null"));
    // Resolved inside the root, the link's absolute target is a directory of the root.
    struct stat made {};
    CHECK(::stat((bundle.dir() + "/rootfs" + outside.path() + "/null").c_str(), &made) == 0);
    CHECK(S_ISCHR(made.st_mode));
}

TEST_CASE("devices: the default /dev has its nodes and links")
{
    Bundle bundle("ls /dev | tr '\\n' ' '; echo; "
                  "for link in fd stdin stdout stderr ptmx; do readlink /dev/$link; done");
    bundle.write();
    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "devices-default"});
    CHECK(outcome.status == 0);
    std::string core = ::access("/proc/kcore", F_OK) == 0 ? "core " : "";
    CHECK(outcome.out == core + "fd full mqueue null ptmx pts random shm stderr stdin stdout tty "
                                "urandom zero \n/proc/self/fd\n/proc/self/fd/0\n/proc/self/fd/1\n"
                                "/proc/self/fd/2\npts/ptmx\n");
}

TEST_CASE("devices: bad devices are refused by field")
{
    auto outcome = run_with_devices("devices-bad", "true",
                                    {{{"path", "/dev/x"}, {"type", "c"}, {"minor", 1}},
                                     {{"path", "dev/y"}, {"type", "z"}}});
    CHECK(outcome.status == 1);
    CHECK(outcome.err == "crun-lite: run `devices-bad`: linux.devices[0].major: required unless "
                         "type is p\n"
                         "crun-lite: run `devices-bad`: linux.devices[1].path: must be an "
                         "absolute path, got `dev/y`\n"
                         "crun-lite: run `devices-bad`: linux.devices[1].type: unknown device "
                         "type `z`, expected c, b, u or p\n");
}
