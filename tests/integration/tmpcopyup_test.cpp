// `tmpcopyup` (runc's mount option, which podman puts on every tmpfs it asks for): the tmpfs
// starts with a copy of the directory it covers in the image, links, modes and owners kept.
#include <doctest/doctest.h>

#include "integration/harness.hpp"

using namespace harness;
using nlohmann::json;

namespace {

json tmpfs_with_copy(const std::string &destination, json options)
{
    options.push_back("tmpcopyup");
    return {{"destination", destination}, {"type", "tmpfs"}, {"source", "tmpfs"},
            {"options", options}};
}

} // namespace

TEST_CASE("tmpcopyup: a tmpfs starts with what it covers, and writes stay in it")
{
    Bundle bundle("grep -c ' /bin .* - tmpfs ' /proc/self/mountinfo; "
                  "stat -c '%a %u:%g %N' /bin/busybox /bin/sh /etc/passwd; head -1 /etc/passwd; "
                  "echo new > /etc/written && cat /etc/written");
    bundle.config["mounts"].push_back(tmpfs_with_copy("/bin", {"nosuid", "nodev"}));
    bundle.config["mounts"].push_back(tmpfs_with_copy("/etc", {"rw", "rprivate"}));
    bundle.write();
    auto before = HostSnapshot::take();

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK_MESSAGE(outcome.status == 0, outcome.err);
    CHECK(outcome.out == "1\n"
                         "755 0:0 /bin/busybox\n"
                         "777 0:0 '/bin/sh' -> 'busybox'\n"
                         "644 0:0 /etc/passwd\n"
                         "root:x:0:0:root:/root:/bin/sh\n"
                         "new\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("tmpcopyup: a read-only tmpfs holds the copy and refuses writes")
{
    Bundle bundle("cat /etc/group | head -1; touch /etc/x 2>/dev/null || echo read-only");
    bundle.config["mounts"].push_back(tmpfs_with_copy("/etc", {"ro", "size=1m"}));
    bundle.write();

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK_MESSAGE(outcome.status == 0, outcome.err);
    CHECK(outcome.out == "root:x:0:\nread-only\n");
}
