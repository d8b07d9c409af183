// The cgroup rules that need no host: hierarchy discovery from /proc texts, cgroupsPath forms,
// v1-to-v2 value conversion, the files each resource becomes, and their validation; and, on a
// scratch directory standing for a hierarchy, which directories create records before it makes
// them.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "cgroup/hierarchy.hpp"
#include "cgroup/manager.hpp"
#include "cgroup/path.hpp"
#include "cgroup/resources.hpp"
#include "spec/parse.hpp"
#include "spec/validate.hpp"

using namespace crunlite;
using namespace crunlite::cgroup;

namespace {

// This machine's layout: v1 controllers, hugetlb on the cgroup2 side, net_cls unmounted.
const char *hybrid_mountinfo =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
    "36 31 0:32 /sub /mnt/memory-view rw,relatime - cgroup cgroup rw,memory\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
const char *proc_cgroups = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
                           "cpu\t1\t1\t1\ncpuacct\t1\t1\t1\nmemory\t4\t24\t1\n"
                           "net_cls\t0\t1\t1\nhugetlb\t0\t1\t1\n";
const char *self_cgroup = "9:name=systemd:/\n4:memory:/outer/job\n1:cpu,cpuacct:/\n0::/\n";

Host hybrid() { return Host::from_texts(hybrid_mountinfo, proc_cgroups, self_cgroup, "hugetlb\n"); }

std::string file_for(const WritePlan &plan, const std::string &file)
{
    for (const auto &write : plan.writes)
        if (write.file == file)
            return write.value;
    return "<none>";
}

Locator all(Version version)
{
    return [version](const std::string &controller) {
        return controller.empty() ? Version::v2 : version;
    };
}

} // namespace

TEST_CASE("cgroup: a hybrid host's controllers are found on v1 first, then on cgroup2")
{
    Host host = hybrid();
    REQUIRE(host.hierarchies().size() == 4);
    CHECK(host.find("memory")->mount_point == "/sys/fs/cgroup/memory");
    CHECK(host.find("memory")->own_path == "/outer/job");
    CHECK(host.find("cpuacct")->key == "cpu,cpuacct");
    CHECK(host.find("hugetlb")->unified);
    CHECK(host.find("net_cls") == nullptr);
    CHECK(host.unified()->mount_point == "/sys/fs/cgroup/unified");
}

TEST_CASE("cgroup: cgroupsPath forms: default, absolute, relative, and `..` refused")
{
    Host host = hybrid();
    auto absent = resolve_cgroups_path("", "c1", false);
    CHECK(directory_in(*host.find("memory"), *absent) == "/sys/fs/cgroup/memory/crun-lite/c1");
    auto absolute = resolve_cgroups_path("/a//b/", "c1", false);
    CHECK(directory_in(*host.find("memory"), *absolute) == "/sys/fs/cgroup/memory/a/b");
    auto relative = resolve_cgroups_path("a/b", "c1", false);
    CHECK(directory_in(*host.find("memory"), *relative) ==
          "/sys/fs/cgroup/memory/outer/job/a/b");
    CHECK(directory_in(*host.find("cpu"), *relative) == "/sys/fs/cgroup/cpu,cpuacct/a/b");
    CHECK(resolve_cgroups_path("/a/../../b", "c1", false).error().render() ==
          "linux.cgroupsPath: must not contain `..`");
}

TEST_CASE("cgroup: systemd form expands slices as systemd names them")
{
    CHECK(resolve_cgroups_path("", "c1", true)->path == "/system.slice/crun-lite-c1.scope");
    CHECK(resolve_cgroups_path("a-b.slice:pod:c1", "c1", true)->path ==
          "/a.slice/a-b.slice/pod-c1.scope");
    CHECK(resolve_cgroups_path(":pod:c1", "c1", true)->path == "/system.slice/pod-c1.scope");
    CHECK(resolve_cgroups_path("-.slice::c1", "c1", true)->path == "/c1.scope");
    CHECK(resolve_cgroups_path("user.slice:x:inner.slice", "c1", true)->path ==
          "/user.slice/inner.slice");
    CHECK_FALSE(resolve_cgroups_path("/plain/path", "c1", true));
    CHECK_FALSE(resolve_cgroups_path("a--b.slice:p:c1", "c1", true));
    CHECK_FALSE(resolve_cgroups_path("nota-slice:p:c1", "c1", true));
}

TEST_CASE("cgroup: v1 values convert to v2 as runc documents")
{
    CHECK(shares_to_weight(2) == 1);
    CHECK(shares_to_weight(1024) == 39);
    CHECK(shares_to_weight(262144) == 10000);
    CHECK(blkio_weight_to_io_weight(10) == 1);
    CHECK(blkio_weight_to_io_weight(500) == 4950);
    CHECK(blkio_weight_to_io_weight(1000) == 10000);
}

TEST_CASE("cgroup: resources become v1 files, or their v2 equivalents")
{
    spec::Resources resources;
    resources.memory = spec::MemoryResources{};
    resources.memory->limit = 1 << 20;
    resources.memory->swap = 3 << 20;
    resources.cpu = spec::CpuResources{};
    resources.cpu->shares = 1024;
    resources.cpu->quota = 50000;
    resources.pids_limit = -1;
    resources.hugepage_limits = {{"2MB", 4096}};

    auto v1 = plan_writes(resources, all(Version::v1));
    CHECK(file_for(*v1, "memory.limit_in_bytes") == "1048576");
    CHECK(file_for(*v1, "memory.memsw.limit_in_bytes") == "3145728");
    CHECK(file_for(*v1, "cpu.shares") == "1024");
    CHECK(file_for(*v1, "cpu.cfs_quota_us") == "50000");
    CHECK(file_for(*v1, "pids.max") == "max");
    CHECK(file_for(*v1, "hugetlb.2MB.limit_in_bytes") == "4096");
    CHECK(file_for(*v1, "devices.deny") == "a");

    auto v2 = plan_writes(resources, all(Version::v2));
    CHECK(file_for(*v2, "memory.max") == "1048576");
    CHECK(file_for(*v2, "memory.swap.max") == "2097152");
    CHECK(file_for(*v2, "cpu.weight") == "39");
    CHECK(file_for(*v2, "cpu.max") == "50000 100000");
    CHECK(file_for(*v2, "hugetlb.2MB.max") == "4096");
    CHECK(file_for(*v2, "devices.deny") == "<none>");
}

TEST_CASE("cgroup: a controller the host lacks is warned about; unified needs cgroup v2")
{
    spec::Resources resources;
    resources.network = spec::NetworkResources{};
    resources.network->class_id = 7;
    auto plan = plan_writes(resources, [](const std::string &) { return Version::none; });
    REQUIRE(plan);
    CHECK(plan->writes.empty());
    CHECK(plan->warnings == std::vector<std::string>{
                                "linux.resources.network.classID: no `net_cls` cgroup controller "
                                "on this host; not applied"});

    resources.unified = {{"memory.high", "1000000"}};
    auto refused = plan_writes(resources, [](const std::string &) { return Version::v1; });
    CHECK(refused.error().render() == "linux.resources.unified: this host has no cgroup v2 "
                                      "hierarchy");
}

TEST_CASE("cgroup: resource values out of range are refused by JSON path")
{
    auto parsed = spec::parse_config(R"({"ociVersion": "1.0.2", "root": {"path": "r"}, "linux": {
        "cgroupsPath": "a/../../b",
        "resources": {"memory": {"limit": 1000000, "swap": 10, "swappiness": 101},
                      "cpu": {"shares": 1, "cpus": "0-1;2"},
                      "blockIO": {"weight": 5},
                      "hugepageLimits": [{"pageSize": "2XB", "limit": 1}],
                      "devices": [{"allow": true, "type": "x", "access": "rwz"}],
                      "unified": {"memory/high": "1"}}}})");
    REQUIRE(parsed.problems.empty());
    auto findings = spec::validate_config(parsed.config, {});
    auto has = [&](const std::string &error) {
        return std::find(findings.errors.begin(), findings.errors.end(), error) !=
               findings.errors.end();
    };
    CHECK(has("linux.cgroupsPath: must not contain `..`"));
    CHECK(has("linux.resources.memory.swap: must be at least the memory limit: it counts memory "
              "plus swap"));
    CHECK(has("linux.resources.memory.swappiness: must be between 0 and 100, got 101"));
    CHECK(has("linux.resources.cpu.shares: must be between 2 and 262144, got 1"));
    CHECK(has("linux.resources.cpu.cpus: expected a list such as `0-3,5`, got `0-1;2`"));
    CHECK(has("linux.resources.blockIO.weight: must be between 10 and 1000, got 5"));
    CHECK(has("linux.resources.hugepageLimits[0].pageSize: expected a size such as `2MB` or "
              "`1GB`, got `2XB`"));
    CHECK(has("linux.resources.devices[0].type: expected `a`, `b` or `c`, got `x`"));
    CHECK(has("linux.resources.devices[0].access: expected letters of `rwm`, got `rwz`"));
    CHECK(has("linux.resources.unified.memory/high: expected a cgroup v2 file name such as "
              "`memory.high`"));
}

TEST_CASE("cgroup: a pure v2 host puts every controller on the cgroup2 hierarchy")
{
    Host host = Host::from_texts("41 23 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
                                 "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
                                 "memory\t0\t1\t1\npids\t0\t1\t1\n",
                                 "0::/user.slice\n", "cpu memory pids\n");
    REQUIRE(host.hierarchies().size() == 1);
    CHECK_FALSE(host.has_v1());
    CHECK(host.find("memory") == host.unified());
    CHECK(host.find("devices") == nullptr);
    auto relative = resolve_cgroups_path("c", "c1", false);
    CHECK(directory_in(*host.unified(), *relative) == "/sys/fs/cgroup/user.slice/c");
}

TEST_CASE("cgroup: resource fields of the wrong type are named by their JSON path")
{
    auto parsed = spec::parse_config(R"({"ociVersion": "1.0.2", "root": {"path": "r"}, "linux": {"resources": {
        "memory": {"limit": "1g"}, "pids": {"limit": 1.5}, "rdma": {"x": {}}}}})");
    CHECK(parsed.problems == std::vector<std::string>{
                                 "linux.resources.memory.limit: expected a 64-bit integer, got "
                                 "a string",
                                 "linux.resources.pids.limit: expected a 64-bit integer, got 1.5"});
    CHECK(parsed.config.unsupported == std::vector<std::string>{"linux.resources.rdma"});
}

TEST_CASE("cgroup: create records the directories it will make: those missing, the shared parent")
{
    char scratch[] = "/tmp/crun-lite-cgroup-test-XXXXXX";
    REQUIRE(mkdtemp(scratch) != nullptr);
    std::string root = scratch;
    Host host = Host::from_texts("41 23 0:38 / " + root + " rw - cgroup2 cgroup2 rw\n", "",
                                 "0::/\n", "");
    auto to_make = [&](const std::string &path) {
        return directories_to_make(host, plan_directories(host, CgroupPath{path, false}));
    };
    using Dirs = std::vector<std::string>;

    CHECK(to_make("/crun-lite/c1") == Dirs{root + "/crun-lite", root + "/crun-lite/c1"});
    CHECK(to_make("/a/b/c") == Dirs{root + "/a", root + "/a/b", root + "/a/b/c"});
    REQUIRE(mkdir((root + "/crun-lite").c_str(), 0755) == 0);
    REQUIRE(mkdir((root + "/a").c_str(), 0755) == 0);
    // Each delete tries to remove crun-lite's own parent, so every create counts it as made.
    CHECK(to_make("/crun-lite/c1") == Dirs{root + "/crun-lite", root + "/crun-lite/c1"});
    CHECK(to_make("/a/b/c") == Dirs{root + "/a/b", root + "/a/b/c"});
    std::filesystem::remove_all(root);
}
