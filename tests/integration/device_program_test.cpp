// The cgroup v2 eBPF device program, enforced for real: this hybrid host's cgroup2 hierarchy
// (/sys/fs/cgroup/unified) runs BPF_CGROUP_DEVICE programs for the processes in it, whatever
// the v1 devices controller says. Each test makes its own cgroup there and removes it.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cgroup/device_program.hpp"
#include "integration/harness.hpp"

using namespace harness;
using namespace crunlite;
using nlohmann::json;

namespace {

const std::string unified_root = "/sys/fs/cgroup/unified";

spec::DeviceRule rule(bool allow, const char *type, std::optional<int64_t> major,
                      std::optional<int64_t> minor, const char *access)
{
    return {allow, type, major, minor, access};
}

// A cgroup of the test's own on the cgroup2 hierarchy, removed however the test ends.
struct OwnCgroup {
    explicit OwnCgroup(const std::string &name)
        : dir(unified_root + "/crun-lite-test-" + name + "-" + std::to_string(::getpid()))
    {
        REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
    }
    ~OwnCgroup()
    {
        eventually([&] { return ::rmdir(dir.c_str()) == 0 || errno == ENOENT; });
    }
    std::string dir;
};

// What a child placed in `cgroup` gets when it opens each node with `flags` or makes one:
// "ok" or the errno's name, one per probe, joined by spaces.
struct Probe {
    std::string path;
    int flags; // -1: mknod `path` as a block node 7:0 instead of opening it
};

std::string probe_in_cgroup(const std::string &cgroup, const std::vector<Probe> &probes)
{
    int report[2];
    REQUIRE(::pipe(report) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(report[0]);
        int procs = ::open((cgroup + "/cgroup.procs").c_str(), O_WRONLY);
        if (procs < 0 || ::write(procs, "0", 1) != 1)
            ::_exit(2);
        for (const auto &probe : probes) {
            int result = probe.flags < 0
                             ? ::mknod(probe.path.c_str(), S_IFBLK | 0600, ::makedev(7, 0))
                             : ::open(probe.path.c_str(), probe.flags);
            const char *word = result >= 0 ? "ok " : errno == EPERM ? "EPERM " : "other ";
            if (::write(report[1], word, std::strlen(word)) < 0)
                ::_exit(3);
        }
        ::_exit(0);
    }
    ::close(report[1]);
    std::string text;
    char buffer[256];
    for (ssize_t got; (got = ::read(report[0], buffer, sizeof buffer)) > 0;)
        text.append(buffer, static_cast<size_t>(got));
    ::close(report[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    if (!text.empty())
        text.pop_back();
    return text;
}

// Char nodes with the numbers of /dev/null, zero, full and random, in a directory of the test's.
struct Nodes {
    Nodes()
    {
        for (auto [name, minor] : {std::pair{"null", 3}, {"zero", 5}, {"full", 7}, {"random", 8}})
            REQUIRE(::mknod((dir.path() + "/" + name).c_str(), S_IFCHR | 0666,
                            ::makedev(1, minor)) == 0);
    }
    std::string operator()(const char *name) const { return dir.path() + "/" + name; }
    TempDir dir;
};

} // namespace

TEST_CASE("device program: a cgroup v2 process may open only the nodes its rules allow")
{
    Nodes node;
    OwnCgroup cgroup("devprog");
    std::vector<spec::DeviceRule> rules = {
        rule(false, "a", {}, {}, "rwm"), // deny-all first, as the runtime's list starts
        rule(true, "c", 1, 5, "rwm"),    // zero: everything
        rule(true, "c", 1, 7, "r"),      // full: read, and no later rule names its writes
        rule(true, "c", 1, -1, "r"),     // any 1:* may be read: random too
        rule(false, "c", 1, 3, "rwm"),   // null: a later deny wins over 1:*
        rule(true, "b", -1, -1, "m"),    // mknod of any block node
    };
    REQUIRE(cgroup::attach_device_program(cgroup.dir, rules).ok());
    CHECK(cgroup::attached_device_programs(cgroup.dir)->size() == 1);

    std::string results = probe_in_cgroup(
        cgroup.dir, {{node("null"), O_RDONLY},
                     {node("zero"), O_RDWR},
                     {node("full"), O_RDONLY},
                     {node("full"), O_WRONLY},
                     {node("random"), O_RDONLY},
                     {node("random"), O_RDWR},
                     {node.dir.path() + "/loop", -1}});
    CHECK(results == "EPERM ok ok EPERM ok EPERM ok");

    // Outside the cgroup nothing is denied.
    int null_fd = ::open(node("null").c_str(), O_RDWR);
    CHECK(null_fd >= 0);
    ::close(null_fd);
}

TEST_CASE("device program: a replacing program detaches the one before")
{
    Nodes node;
    OwnCgroup cgroup("devprog-replace");
    std::vector<spec::DeviceRule> only_null = {rule(false, "a", {}, {}, "rwm"),
                                               rule(true, "c", 1, 3, "rwm")};
    std::vector<spec::DeviceRule> only_zero = {rule(false, "a", {}, {}, "rwm"),
                                               rule(true, "c", 1, 5, "rwm")};
    REQUIRE(cgroup::attach_device_program(cgroup.dir, only_null).ok());
    CHECK(probe_in_cgroup(cgroup.dir, {{node("null"), O_RDONLY}, {node("zero"), O_RDONLY}}) ==
          "ok EPERM");

    REQUIRE(cgroup::attach_device_program(cgroup.dir, only_zero, true).ok());
    CHECK(cgroup::attached_device_programs(cgroup.dir)->size() == 1);
    CHECK(probe_in_cgroup(cgroup.dir, {{node("null"), O_RDONLY}, {node("zero"), O_RDONLY}}) ==
          "EPERM ok");
}

TEST_CASE("device program: allow-all as the last rule allows everything; no rule denies all")
{
    Nodes node;
    OwnCgroup cgroup("devprog-edges");
    REQUIRE(cgroup::attach_device_program(cgroup.dir, {rule(false, "c", 1, 3, "rwm"),
                                                       rule(true, "a", {}, {}, "rwm")})
                .ok());
    CHECK(probe_in_cgroup(cgroup.dir, {{node("null"), O_RDWR}}) == "ok");

    OwnCgroup empty("devprog-empty");
    REQUIRE(cgroup::attach_device_program(empty.dir, {}).ok());
    CHECK(probe_in_cgroup(empty.dir, {{node("zero"), O_RDONLY}}) == "EPERM");
}
