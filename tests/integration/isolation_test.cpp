// Namespaces: what the container sees of processes, names, network and mounts.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>

#include "integration/harness.hpp"

using namespace harness;

TEST_CASE("isolation: ps inside shows only the container's processes, the command as PID 1")
{
    Bundle bundle("ps -o pid,comm; exit 0");
    auto outcome = crun_lite({"run", bundle.dir()});
    REQUIRE(outcome.status == 0);
    // Header, sh as PID 1, and ps itself: nothing of the host's.
    CHECK(outcome.out.find("    1 sh\n") != std::string::npos);
    CHECK(std::count(outcome.out.begin(), outcome.out.end(), '\n') == 3);
}

TEST_CASE("isolation: the pid namespace is a new one")
{
    Bundle bundle("readlink /proc/self/ns/pid");
    auto outcome = crun_lite({"run", bundle.dir()});
    REQUIRE(outcome.status == 0);
    CHECK(outcome.out.find("pid:[") == 0);
    char host[256] = {};
    REQUIRE(readlink("/proc/self/ns/pid", host, sizeof host - 1) > 0);
    CHECK(outcome.out != std::string(host) + "\n");
}

TEST_CASE("isolation: hostname is the config's, and the host's is untouched")
{
    char host_before[256] = {};
    gethostname(host_before, sizeof host_before);
    Bundle bundle("hostname");
    bundle.config["hostname"] = "inside-host";
    bundle.write();

    auto outcome = crun_lite({"run", bundle.dir()});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "inside-host\n");
    char host_after[256] = {};
    gethostname(host_after, sizeof host_after);
    CHECK(std::string(host_before) == std::string(host_after));
}

TEST_CASE("isolation: a new network namespace has only `lo`, and it is up")
{
    Bundle bundle("ls /sys/class/net; cat /sys/class/net/lo/flags");
    auto outcome = crun_lite({"run", bundle.dir()});
    CHECK(outcome.status == 0);
    // 0x9: IFF_UP | IFF_LOOPBACK.
    CHECK(outcome.out == "lo\n0x9\n");
}

TEST_CASE("isolation: a mount made inside the container never reaches the host")
{
    Bundle bundle("mount -t tmpfs inside /mnt && grep -c ' /mnt ' /proc/self/mountinfo");
    nlohmann::json mount_capability = {"CAP_SYS_ADMIN"};
    bundle.config["process"]["capabilities"] = {
        {"bounding", mount_capability}, {"effective", mount_capability}, {"permitted", mount_capability}};
    bundle.write();
    auto before = HostSnapshot::take();
    auto outcome = crun_lite({"run", bundle.dir()});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "1\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("isolation: the default /dev holds the standard devices and links")
{
    Bundle bundle("ls /dev; echo x > /dev/null && head -c 4 /dev/zero | wc -c");
    auto outcome = crun_lite({"run", bundle.dir()});
    REQUIRE(outcome.status == 0);
    for (const char *name : {"null\n", "zero\n", "full\n", "random\n", "urandom\n", "tty\n",
                             "ptmx\n", "pts\n", "shm\n", "fd\n", "stdin\n", "stdout\n",
                             "stderr\n", "mqueue\n"})
        CHECK_MESSAGE(outcome.out.find(name) != std::string::npos, name);
    CHECK(outcome.out.find("\n4\n") != std::string::npos);
}
