// cgroups: every container gets a cgroup in each hierarchy of the host (v1 controllers and the
// v2 hierarchy of a hybrid host), made at create with the limits of linux.resources, holding
// its first process and every exec'd one, and removed at delete or when create fails.
//
// Ids end in this test process's pid, so that two runs of the suite never share a cgroup, and
// every check looks only at the test's own cgroup directories.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

#include "cgroup/device_program.hpp"
#include "integration/harness.hpp"

using namespace harness;
using namespace crunlite;
using nlohmann::json;

namespace {

const std::string cgroup_root = "/sys/fs/cgroup";

std::string unique_id(const std::string &name)
{
    return "cg-" + name + "-" + std::to_string(::getpid());
}

// The container's directory in one hierarchy, for the default cgroupsPath.
std::string cgroup_dir(const std::string &hierarchy, const std::string &id)
{
    return cgroup_root + "/" + hierarchy + "/crun-lite/" + id;
}

std::string trimmed(const std::string &path)
{
    std::string text = read_text(path);
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    return text;
}

// Deletes the container with --force however the test ends.
struct Detached {
    explicit Detached(const std::string &id, const Bundle &bundle, std::vector<std::string> flags = {})
        : id_(id), flags_(flags)
    {
        std::vector<std::string> args = flags;
        args.insert(args.end(), {"run", "--detach", "--bundle", bundle.dir(), id});
        auto outcome = crun_lite_leaving_container(args);
        INFO(outcome.err);
        REQUIRE(outcome.status == 0);
    }
    ~Detached()
    {
        std::vector<std::string> args = flags_;
        args.insert(args.end(), {"delete", "--force", id_});
        crun_lite(args);
    }
    std::string id_;
    std::vector<std::string> flags_;
};

pid_t first_pid(const std::string &id)
{
    auto state = crun_lite({"state", id});
    REQUIRE(state.status == 0);
    return json::parse(state.out)["pid"].get<pid_t>();
}

const char *const hierarchies[] = {"memory", "pids", "cpu", "cpuset", "freezer", "devices",
                                   "unified"};

} // namespace

TEST_CASE("cgroups: the container's cgroup and its limit files match the config")
{
    std::string id = unique_id("limits");
    Bundle bundle("sleep 300");
    bundle.config["linux"]["resources"] = {
        {"memory", {{"limit", 64 << 20}}},
        {"pids", {{"limit", 30}}},
        {"cpu", {{"shares", 512}, {"quota", 50000}, {"period", 100000}, {"cpus", "0"}}},
    };
    bundle.write();
    {
        Detached container(id, bundle);
        CHECK(trimmed(cgroup_dir("memory", id) + "/memory.limit_in_bytes") == "67108864");
        CHECK(trimmed(cgroup_dir("pids", id) + "/pids.max") == "30");
        CHECK(trimmed(cgroup_dir("cpu", id) + "/cpu.shares") == "512");
        CHECK(trimmed(cgroup_dir("cpu", id) + "/cpu.cfs_quota_us") == "50000");
        CHECK(trimmed(cgroup_dir("cpuset", id) + "/cpuset.cpus") == "0");

        // The first process and an exec'd one see the container's cgroup in every hierarchy.
        std::string first = read_text("/proc/" + std::to_string(first_pid(id)) + "/cgroup");
        auto exec = crun_lite({"exec", id, "cat", "/proc/self/cgroup"});
        CHECK(exec.status == 0);
        CHECK(exec.out == first);
        CHECK(first.find("memory:/crun-lite/" + id + "\n") != std::string::npos);
        CHECK(first.find("0::/crun-lite/" + id + "\n") != std::string::npos);
    }
    for (const char *hierarchy : hierarchies)
        CHECK_FALSE(exists(cgroup_dir(hierarchy, id)));
}

TEST_CASE("cgroups: a memory limit kills a container that allocates beyond it")
{
    std::string id = unique_id("oom");
    // dd's one 100 MiB buffer cannot fit in 32 MiB, with no swap to spill into.
    Bundle bundle("exec dd if=/dev/zero of=/dev/null bs=100M count=1");
    bundle.config["linux"]["resources"] = {
        {"memory", {{"limit", 32 << 20}, {"swap", 32 << 20}}}};
    bundle.write();
    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), id});
    CHECK(outcome.status == 128 + SIGKILL);
    CHECK_FALSE(exists(cgroup_dir("memory", id)));
}

TEST_CASE("cgroups: a pids limit stops a fork bomb")
{
    std::string id = unique_id("pids");
    Bundle bundle("while true; do sleep 1000 & done 2>/dev/null");
    bundle.config["linux"]["resources"] = {{"pids", {{"limit", 20}}}};
    bundle.write();
    Detached container(id, bundle);
    std::string dir = cgroup_dir("pids", id);
    CHECK(eventually([&] { return trimmed(dir + "/pids.events") != "max 0"; }));
    CHECK(std::stoi(trimmed(dir + "/pids.current")) <= 20);
}

TEST_CASE("cgroups: create refuses a cgroupsPath whose cgroup, or one below it, holds processes")
{
    std::string victim = unique_id("victim");
    Detached running(victim, Bundle("sleep 300"));
    for (const std::string &path : {"/crun-lite/" + victim, std::string("/crun-lite")}) {
        CAPTURE(path);
        std::string intruder = unique_id("intruder");
        Bundle bundle("sleep 300");
        bundle.config["linux"]["cgroupsPath"] = path;
        bundle.write();
        auto before = HostSnapshot::take();
        auto outcome = crun_lite({"create", "--bundle", bundle.dir(), intruder});
        CHECK(outcome.status == 1);
        std::string expected_start =
            "crun-lite: create `" + intruder + "`: linux.cgroupsPath: cgroup `/sys/fs/cgroup/";
        std::string expected_end = path + "` already holds processes; a container needs one of "
                                          "its own\n";
        CHECK(outcome.err.starts_with(expected_start));
        CHECK(outcome.err.ends_with(expected_end));
        CHECK(differences(before, HostSnapshot::take()) == "");
        CHECK(crun_lite({"state", intruder}).status == 1);
        // Had it joined, its forced delete would have killed the victim.
        crun_lite({"delete", "--force", intruder});
    }
    auto state = crun_lite({"state", victim});
    REQUIRE(state.status == 0);
    CHECK(json::parse(state.out)["status"] == "running");
}

TEST_CASE("cgroups: delete removes every cgroup directory create made")
{
    std::string id = unique_id("delete");
    Bundle bundle("sleep 300");
    bundle.config["linux"]["cgroupsPath"] = "/crun-lite-test-" + id + "/nested";
    bundle.write();
    {
        Detached container(id, bundle);
        for (const char *hierarchy : hierarchies)
            CHECK(exists(cgroup_root + "/" + hierarchy + "/crun-lite-test-" + id + "/nested"));
    }
    for (const char *hierarchy : hierarchies)
        CHECK_FALSE(exists(cgroup_root + "/" + hierarchy + "/crun-lite-test-" + id));
}

TEST_CASE("cgroups: the last container to go takes crun-lite's default parent cgroup along")
{
    std::string first = unique_id("parent-a"), second = unique_id("parent-b");
    Bundle bundle("sleep 300");
    {
        // The first one made the parent; it goes first, while the second still lives there.
        auto a = std::make_unique<Detached>(first, bundle);
        Detached b(second, bundle);
        a.reset();
        for (const char *hierarchy : hierarchies)
            CHECK(exists(cgroup_root + "/" + hierarchy + "/crun-lite/" + second));
    }
    // Gone, unless someone else's container (another test run) still lives in it.
    for (const char *hierarchy : hierarchies) {
        std::string parent = cgroup_root + "/" + hierarchy + "/crun-lite";
        bool has_children = false;
        if (exists(parent))
            for (const auto &entry : std::filesystem::directory_iterator(parent))
                has_children = has_children || entry.is_directory();
        bool left_empty = exists(parent) && !has_children;
        CHECK_MESSAGE(!left_empty, parent, " is left empty");
    }
}

TEST_CASE("cgroups: a failed create leaves no cgroup directory")
{
    std::string id = unique_id("failed");
    Bundle bundle("true");
    bundle.config["process"]["args"] = {"no-such-command"};
    bundle.write();
    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), id});
    CHECK(outcome.status == 127);
    for (const char *hierarchy : hierarchies)
        CHECK_FALSE(exists(cgroup_dir(hierarchy, id)));
}

TEST_CASE("cgroups: kill --all reaches a process that left the first process's tree")
{
    // Without a pid namespace an orphan is reparented outside the container: only the cgroup
    // still knows it belongs there.
    std::string id = unique_id("orphan");
    Bundle bundle("(sleep 7411 &); exec sleep 7412");
    auto &namespaces = bundle.config["linux"]["namespaces"];
    namespaces.erase(std::remove_if(namespaces.begin(), namespaces.end(),
                                    [](const json &ns) { return ns["type"] == "pid"; }),
                     namespaces.end());
    bundle.write();
    Detached container(id, bundle);
    std::string procs = cgroup_dir("memory", id) + "/cgroup.procs";
    auto count = [&] {
        std::string text = read_text(procs);
        return std::count(text.begin(), text.end(), '\n');
    };
    REQUIRE(eventually([&] { return count() == 2; }));
    auto ps = crun_lite({"ps", "--format", "json", id});
    CHECK(json::parse(ps.out).size() == 2);

    auto killed = crun_lite({"kill", "--all", id, "KILL"});
    CHECK(killed.status == 0);
    CHECK(killed.err == "");
    CHECK(eventually([&] { return read_text(procs).empty(); }));
}

TEST_CASE("cgroups: with --systemd-cgroup, slice:prefix:name is placed where systemd would")
{
    std::string id = unique_id("systemd");
    std::string slice = "crunlitetest-x" + std::to_string(::getpid()) + ".slice";
    Bundle bundle("sleep 300");
    bundle.config["linux"]["cgroupsPath"] = slice + ":pfx:" + id;
    bundle.write();
    std::string path = "/crunlitetest.slice/" + slice + "/pfx-" + id + ".scope";
    {
        Detached container(id, bundle, {"--systemd-cgroup"});
        std::string cgroup = read_text("/proc/" + std::to_string(first_pid(id)) + "/cgroup");
        CHECK(cgroup.find("memory:" + path + "\n") != std::string::npos);
    }
    for (const char *hierarchy : hierarchies)
        CHECK_FALSE(exists(cgroup_root + "/" + hierarchy + "/crunlitetest.slice/" + slice));
}

TEST_CASE("cgroups: in a cgroup namespace the container's cgroup is its root")
{
    std::string id = unique_id("cgroupns");
    Bundle bundle("cat /proc/self/cgroup");
    bundle.config["linux"]["namespaces"].push_back({{"type", "cgroup"}});
    bundle.write();
    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), id});
    CHECK(outcome.status == 0);
    CHECK(outcome.out.find("memory:/\n") != std::string::npos);
    CHECK(outcome.out.find("0::/\n") != std::string::npos);
    CHECK(outcome.out.find("crun-lite") == std::string::npos);
}

TEST_CASE("cgroups: a cgroup mount shows the container's own cgroups, read-only")
{
    for (bool own_namespace : {false, true}) {
        CAPTURE(own_namespace);
        std::string id = unique_id(own_namespace ? "mount-ns" : "mount");
        Bundle bundle("cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max;"
                      "ls /sys/fs/cgroup/unified/cgroup.procs;"
                      "mkdir /sys/fs/cgroup/memory/x 2>/dev/null || echo read-only");
        bundle.config["linux"]["resources"] = {{"memory", {{"limit", 48 << 20}}},
                                               {"pids", {{"limit", 33}}}};
        bundle.config["mounts"].push_back({{"destination", "/sys/fs/cgroup"},
                                           {"type", "cgroup"},
                                           {"source", "cgroup"},
                                           {"options", {"nosuid", "noexec", "nodev", "ro"}}});
        if (own_namespace)
            bundle.config["linux"]["namespaces"].push_back({{"type", "cgroup"}});
        bundle.write();
        auto outcome = crun_lite({"run", "--bundle", bundle.dir(), id});
        CHECK(outcome.err == "");
        CHECK(outcome.out == "50331648\n33\n/sys/fs/cgroup/unified/cgroup.procs\nread-only\n");
        CHECK(outcome.status == 0);
    }
}

TEST_CASE("cgroups: features reports cgroup v1, v2 and the systemd path form")
{
    auto outcome = crun_lite({"features"});
    REQUIRE(outcome.status == 0);
    auto cgroup = json::parse(outcome.out)["linux"]["cgroup"];
    CHECK(cgroup["v1"] == true);
    CHECK(cgroup["v2"] == true);
    CHECK(cgroup["systemd"] == true);
    CHECK(cgroup["systemdUser"] == false);
}

TEST_CASE("cgroups: pause freezes the container, state says paused, resume thaws it")
{
    std::string id = unique_id("pause");
    Bundle bundle("sleep 300");
    Detached container(id, bundle);
    auto status = [&] { return json::parse(crun_lite({"state", id}).out)["status"]; };

    auto paused = crun_lite({"pause", id});
    CHECK(paused.status == 0);
    CHECK(paused.err == "");
    CHECK(status() == "paused");
    CHECK(trimmed(cgroup_dir("freezer", id) + "/freezer.state") == "FROZEN");
    auto again = crun_lite({"pause", id});
    CHECK(again.status == 1);
    CHECK(again.err == "crun-lite: pause `" + id + "`: container already paused\n");
    auto exec = crun_lite({"exec", id, "true"});
    CHECK(exec.status == 1);
    CHECK(exec.err == "crun-lite: exec `" + id +
                          "`: container is paused; resume it first (or exec --ignore-paused)\n");

    // With --ignore-paused the process joins the frozen cgroup and runs once resumed.
    std::thread waiting_exec([&] {
        auto late = crun_lite({"exec", "--ignore-paused", id, "echo", "ran after resume"});
        CHECK(late.err == "");
        CHECK(late.out == "ran after resume\n");
    });
    CHECK(eventually([&] { return crun_lite({"ps", id}).out.find("echo") != std::string::npos; }));
    CHECK(status() == "paused");
    auto resumed = crun_lite({"resume", id});
    waiting_exec.join();
    CHECK(resumed.status == 0);
    CHECK(status() == "running");
    CHECK(trimmed(cgroup_dir("freezer", id) + "/freezer.state") == "THAWED");

    // Another signal leaves a paused container paused (kill --all too); SIGKILL stops it.
    REQUIRE(crun_lite({"pause", id}).status == 0);
    CHECK(crun_lite({"kill", "--all", id, "USR1"}).status == 0);
    CHECK(status() == "paused");
    CHECK(crun_lite({"kill", id, "KILL"}).status == 0);
    CHECK(eventually([&] { return status() == "stopped"; }));
}

TEST_CASE("cgroups: exec --cgroup runs in a sub-cgroup, which kill --all and delete reach")
{
    std::string id = unique_id("exec-sub");
    Bundle bundle("sleep 300");
    Detached container(id, bundle);
    for (const char *hierarchy : {"memory", "pids", "freezer"})
        std::filesystem::create_directory(cgroup_dir(hierarchy, id) + "/sub");

    // One flag naming two controllers (a comma inside a value stays whole) and one each.
    using Flags = std::vector<std::string>;
    for (auto flags : {Flags{"--cgroup", "memory,pids:sub"},
                       Flags{"--cgroup", "pids:sub", "--cgroup", "memory:sub"}}) {
        std::vector<std::string> args = {"exec"};
        args.insert(args.end(), flags.begin(), flags.end());
        args.insert(args.end(), {id, "sh", "-c",
                                 "grep -E ':(memory|pids):' /proc/self/cgroup | cut -d: -f2- | sort"});
        auto placed = crun_lite(args);
        CHECK(placed.err == "");
        CHECK(placed.out ==
              "memory:/crun-lite/" + id + "/sub\n" + "pids:/crun-lite/" + id + "/sub\n");
    }
    auto missing = crun_lite({"exec", "--cgroup", "sub", id, "true"});
    CHECK(missing.status == 1);
    CHECK(missing.err.starts_with("crun-lite: exec `" + id + "`: --cgroup `sub`: no cgroup `"));
    // A controller no hierarchy of the container holds is refused, not taken for the v2 one.
    auto unknown = crun_lite({"exec", "--cgroup", "bogus:sub", id, "true"});
    CHECK(unknown.err ==
          "crun-lite: exec `" + id + "`: --cgroup `bogus:sub`: the container has no `bogus` cgroup\n");
    auto climbing = crun_lite({"exec", "--cgroup", "memory:../x", id, "true"});
    CHECK(climbing.err == "crun-lite: exec `" + id + "`: --cgroup `memory:../x`: expected a path "
                                                       "below the container's cgroup, relative "
                                                       "and without `..`\n");

    // A process left in the sub-cgroup is the container's: ps lists it, delete ends it (even
    // with the sub-cgroup frozen on its own) and removes the sub-cgroup with the container's.
    auto detached = crun_lite_leaving_container(
        {"exec", "--detach", "--cgroup", "memory,pids,freezer:sub", id, "sleep", "4343"});
    CHECK(detached.status == 0);
    CHECK(crun_lite({"ps", id}).out.find("sleep 4343") != std::string::npos);
    write_text(cgroup_dir("freezer", id) + "/sub/freezer.state", "FROZEN");
    auto deleted = crun_lite({"delete", "--force", id});
    CHECK(deleted.err == "");
    CHECK(processes_matching("sleep 4343").empty());
    CHECK_FALSE(std::filesystem::exists(cgroup_dir("memory", id)));
    CHECK_FALSE(std::filesystem::exists(cgroup_dir("pids", id)));
}

TEST_CASE("cgroups: update changes a running container's limits, by flag or resources file")
{
    std::string id = unique_id("update");
    Bundle bundle("sleep 300");
    bundle.config["linux"]["resources"] = {{"pids", {{"limit", 30}}}};
    bundle.write();
    Detached container(id, bundle);

    auto updated = crun_lite({"update", "--memory", "50331648", "--pids-limit", "40",
                              "--cpu-shares", "256", id});
    CHECK(updated.err == "");
    CHECK(updated.status == 0);
    CHECK(trimmed(cgroup_dir("memory", id) + "/memory.limit_in_bytes") == "50331648");
    CHECK(trimmed(cgroup_dir("pids", id) + "/pids.max") == "40");
    CHECK(trimmed(cgroup_dir("cpu", id) + "/cpu.shares") == "256");

    // runc's spellings: --cpu-share, byte counts with binary suffixes, the cpuset lists.
    auto runc_style = crun_lite({"update", "--cpu-share", "512", "--memory", "64m",
                                 "--memory-reservation", "32MiB", "--cpuset-cpus", "0", id});
    CHECK(runc_style.err == "");
    CHECK(trimmed(cgroup_dir("cpu", id) + "/cpu.shares") == "512");
    CHECK(trimmed(cgroup_dir("memory", id) + "/memory.limit_in_bytes") == "67108864");
    CHECK(trimmed(cgroup_dir("memory", id) + "/memory.soft_limit_in_bytes") == "33554432");
    CHECK(trimmed(cgroup_dir("cpuset", id) + "/cpuset.cpus") == "0");
    auto bad_suffix = crun_lite({"update", "--memory", "12x", id});
    CHECK(bad_suffix.status == 1);
    CHECK(bad_suffix.err ==
          "crun-lite: update `" + id + "`: --memory: expected a byte count, got `12x`\n");
    auto wrapping = crun_lite({"update", "--blkio-weight", "70000", id});
    CHECK(wrapping.err ==
          "crun-lite: update `" + id + "`: --blkio-weight: must be at most 65535, got 70000\n");

    TempDir dir;
    write_text(dir.path() + "/resources.json", R"({"pids": {"limit": 50}})");
    CHECK(crun_lite({"update", "--resources", dir.path() + "/resources.json", id}).status == 0);
    CHECK(trimmed(cgroup_dir("pids", id) + "/pids.max") == "50");

    write_text(dir.path() + "/bad.json", R"({"cpu": {"shares": 1}})");
    auto refused = crun_lite({"update", "--resources", dir.path() + "/bad.json", id});
    CHECK(refused.status == 1);
    CHECK(refused.err == "crun-lite: update `" + id +
                             "`: linux.resources.cpu.shares: must be between 2 and 262144, got 1\n");

    // Flags are checked as a config's values are, not left to the kernel to clamp; a 0 leaves
    // the limit as it is, as with runc.
    auto one_share = crun_lite({"update", "--cpu-shares", "1", id});
    CHECK(one_share.status == 1);
    CHECK(one_share.err == "crun-lite: update `" + id +
                               "`: --cpu-shares: must be between 2 and 262144, got 1\n");
    auto zeros = crun_lite({"update", "--cpu-share", "0", "--pids-limit", "0", id});
    CHECK(zeros.err == "");
    CHECK(trimmed(cgroup_dir("cpu", id) + "/cpu.shares") == "512");
    CHECK(trimmed(cgroup_dir("pids", id) + "/pids.max") == "50");
}

TEST_CASE("cgroups: update refuses rdma by name and names its --resources source in errors")
{
    std::string id = unique_id("update-refusals");
    Bundle bundle("sleep 300");
    bundle.write();
    Detached container(id, bundle);

    TempDir dir;
    write_text(dir.path() + "/rdma.json", R"({"rdma": {"mlx5_0": {"hcaHandles": 3}}})");
    auto rdma = crun_lite({"update", "--resources", dir.path() + "/rdma.json", id});
    CHECK(rdma.status == 1);
    CHECK(rdma.err == "crun-lite: update `" + id + "`: linux.resources.rdma: not supported yet\n");

    // stdin is empty here: not JSON, and said of what the user gave, not of a config.json.
    auto empty = crun_lite({"update", "--resources", "-", id});
    CHECK(empty.status == 1);
    CHECK(empty.err.starts_with("crun-lite: update `" + id + "`: --resources `-`: "));
    write_text(dir.path() + "/list.json", "[]");
    auto list = crun_lite({"update", "--resources", dir.path() + "/list.json", id});
    CHECK(list.err == "crun-lite: update `" + id + "`: --resources `" + dir.path() +
                          "/list.json`: expected an object, got an array\n");
}

TEST_CASE("cgroups: update with a swap limit alone keeps the memory limit in force")
{
    std::string id = unique_id("update-swap");
    Bundle bundle("sleep 300");
    bundle.config["linux"]["resources"] = {{"memory", {{"limit", 64 << 20}}}};
    bundle.write();
    Detached container(id, bundle);
    std::string memory = cgroup_dir("memory", id);

    TempDir dir;
    write_text(dir.path() + "/swap.json", R"({"memory": {"swap": 134217728}})");
    auto by_file = crun_lite({"update", "--resources", dir.path() + "/swap.json", id});
    CHECK(by_file.err == "");
    CHECK(by_file.status == 0);
    CHECK(trimmed(memory + "/memory.limit_in_bytes") == "67108864");
    if (exists(memory + "/memory.memsw.limit_in_bytes"))
        CHECK(trimmed(memory + "/memory.memsw.limit_in_bytes") == "134217728");

    // Below the limit in force it is refused, naming the flag.
    auto too_small = crun_lite({"update", "--memory-swap", "1048576", id});
    CHECK(too_small.status == 1);
    CHECK(too_small.err == "crun-lite: update `" + id + "`: --memory-swap: must be at least the "
                                                        "memory limit: it counts memory plus swap\n");
}

TEST_CASE("cgroups: events --stats reports the container's memory, CPU and pids")
{
    std::string id = unique_id("events");
    // Three processes and some CPU time before the figures are read.
    Bundle bundle("sleep 300 & sleep 300 & i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; "
                  "echo busy > /tmp/done; wait");
    bundle.config["linux"]["resources"] = {{"memory", {{"limit", 67108864}}},
                                           {"pids", {{"limit", 25}}}};
    bundle.write();
    Detached container(id, bundle);
    std::string pids_file = cgroup_dir("pids", id) + "/pids.current";
    REQUIRE(eventually([&] { return trimmed(pids_file) == "3"; }));

    auto events = crun_lite({"events", "--stats", id});
    REQUIRE(events.status == 0);
    CHECK(events.err == "");
    auto event = json::parse(events.out);
    CHECK(event["type"] == "stats");
    CHECK(event["id"] == id);
    const auto &data = event["data"];
    CHECK(data["pids"] == json{{"current", 3}, {"limit", 25}});
    CHECK(data["memory"]["usage"]["limit"] == 67108864);
    CHECK(data["memory"]["usage"]["usage"].get<uint64_t>() > 0);
    CHECK(data["memory"]["raw"].contains("rss"));
    CHECK(data["cpu"]["usage"]["total"].get<uint64_t>() > 0);
    CHECK(data["cpu"]["usage"]["percpu"].size() == static_cast<size_t>(sysconf(_SC_NPROCESSORS_CONF)));
}

TEST_CASE("cgroups: events prints a stats event every --interval until the container stops")
{
    std::string id = unique_id("events-interval");
    Bundle bundle("sleep 300");
    bundle.config["linux"]["resources"] = {{"pids", {{"limit", 25}}}};
    bundle.write();
    Detached container(id, bundle);

    auto events = start_crun_lite({"events", "--interval", "100ms", id});
    for (int i = 0; i < 3; ++i) {
        auto event = json::parse(events.read_line());
        CHECK(event["type"] == "stats");
        CHECK(event["id"] == id);
        CHECK(event["data"]["pids"]["limit"] == 25);
    }
    REQUIRE(crun_lite({"kill", id, "KILL"}).status == 0);
    auto ended = events.wait();
    CHECK(ended.err == "");
    CHECK(ended.status == 0);

    auto bad = crun_lite({"events", "--interval", "5 parsecs", id});
    CHECK(bad.status == 1);
    CHECK(bad.err == "crun-lite: events `" + id + "`: --interval: expected a positive duration "
                                                  "such as `5s` or `500ms`, got `5 parsecs`\n");
}

TEST_CASE("cgroups: events reports an oom event when the container is OOM-killed, then exits")
{
    std::string id = unique_id("events-oom");
    // It waits for the test's word, so that events watches before the OOM kill.
    Bundle bundle("while [ ! -e /tmp/go ]; do sleep 0.1; done; "
                  "exec dd if=/dev/zero of=/dev/null bs=100M count=1");
    bundle.config["linux"]["resources"] = {
        {"memory", {{"limit", 32 << 20}, {"swap", 32 << 20}}}};
    bundle.write();
    Detached container(id, bundle);

    auto events = start_crun_lite({"events", "--interval", "1s", id});
    // The first stats event says the OOM watch is in place: it is set up before the loop.
    REQUIRE(json::parse(events.read_line())["type"] == "stats");
    REQUIRE(crun_lite({"exec", id, "touch", "/tmp/go"}).status == 0);
    auto ended = events.wait();
    CHECK(ended.err == "");
    CHECK(ended.status == 0);
    CHECK(ended.out.find(R"({"id":")" + id + R"(","type":"oom"})") != std::string::npos);
}

TEST_CASE("cgroups: with the cgroup2-device-program annotation the eBPF program enforces too")
{
    // Char 240:0 has no driver: opening it fails with ENXIO once the device rules let it pass,
    // EPERM when they do not. The test opens the v1 devices cgroup up, so that only the eBPF
    // program on the container's cgroup2 directory can still deny.
    for (bool annotated : {false, true}) {
        CAPTURE(annotated);
        std::string id = unique_id(annotated ? "devprog-on" : "devprog-off");
        Bundle bundle("sleep 300");
        bundle.config["linux"]["devices"] = {
            {{"path", "/dev/probe"}, {"type", "c"}, {"major", 240}, {"minor", 0}}};
        if (annotated)
            bundle.config["annotations"]["io.crun-lite.cgroup2-device-program"] = "true";
        bundle.write();
        Detached container(id, bundle);
        write_text(cgroup_dir("devices", id) + "/devices.allow", "a");
        CHECK(cgroup::attached_device_programs(cgroup_dir("unified", id))->size() ==
              (annotated ? 1u : 0u));

        auto opened = crun_lite({"exec", id, "cat", "/dev/probe"});
        CHECK(opened.status == 1);
        CHECK(opened.err.find(annotated ? "Operation not permitted" : "No such device or address") !=
              std::string::npos);
        if (!annotated)
            continue;

        // update with device rules replaces the program: now it lets 240:0 through.
        TempDir dir;
        write_text(dir.path() + "/resources.json",
                   R"({"devices": [{"allow": true, "type": "c", "major": 240, "access": "rw"}]})");
        auto updated = crun_lite({"update", "--resources", dir.path() + "/resources.json", id});
        CHECK(updated.err == "");
        write_text(cgroup_dir("devices", id) + "/devices.allow", "a");
        CHECK(cgroup::attached_device_programs(cgroup_dir("unified", id))->size() == 1);
        auto reopened = crun_lite({"exec", id, "cat", "/dev/probe"});
        CHECK(reopened.err.find("No such device or address") != std::string::npos);
    }
}
