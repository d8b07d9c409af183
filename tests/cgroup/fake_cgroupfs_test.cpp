// What this hybrid host cannot exercise, run against a fake cgroupfs: a temporary directory laid
// out as a v2-only host's /sys/fs/cgroup, found through a made-up mountinfo (Host::from_texts is
// the seam; production reads the real /proc files). The files the kernel would show once the
// parent enables the controllers are made beforehand; io.max and io.weight, which take one line
// per write, are FIFOs, so that every write shows, in order.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cgroup/manager.hpp"
#include "cgroup/oom.hpp"
#include "cgroup/path.hpp"

using namespace crunlite;
using namespace crunlite::cgroup;

namespace {

const char *const v2_only_proc_cgroups = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
                                         "cpuset\t0\t1\t1\ncpu\t0\t1\t1\nio\t0\t1\t1\n"
                                         "memory\t0\t1\t1\nhugetlb\t0\t1\t1\npids\t0\t1\t1\n";

// The plain files a leaf cgroup shows with cpuset, cpu, io, memory, hugetlb and pids enabled.
const char *const leaf_files[] = {
    "cgroup.procs", "memory.max",  "memory.swap.max", "memory.low",  "memory.high",
    "cpu.max",      "cpu.weight",  "cpu.idle",        "cpuset.cpus", "cpuset.mems",
    "pids.max",     "hugetlb.2MB.max", "hugetlb.1GB.max", "memory.events",
};

class FakeCgroupfs {
public:
    FakeCgroupfs()
    {
        char pattern[] = "/tmp/crun-lite-fake-cgroupfs-XXXXXX";
        REQUIRE(::mkdtemp(pattern) != nullptr);
        root_ = pattern;
        make_file(root_ + "/cgroup.subtree_control");
        std::filesystem::create_directories(leaf());
        make_file(root_ + "/crun-lite/cgroup.subtree_control");
        for (const char *file : leaf_files)
            make_file(leaf() + "/" + file);
        for (const char *file : {"io.max", "io.weight"}) {
            std::string path = leaf() + "/" + file;
            REQUIRE(::mkfifo(path.c_str(), 0644) == 0);
            // Held open for reading, so that the writer's open does not wait.
            readers_.emplace_back(file, ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
        }
    }
    ~FakeCgroupfs()
    {
        for (auto &[name, fd] : readers_)
            ::close(fd);
        std::filesystem::remove_all(root_);
    }

    Host host() const
    {
        return Host::from_texts("41 23 0:38 / " + root_ + " rw,nosuid - cgroup2 cgroup2 rw\n",
                                v2_only_proc_cgroups, "0::/\n",
                                "cpuset cpu io memory hugetlb pids\n");
    }
    std::string leaf() const { return root_ + "/crun-lite/c1"; }
    std::string root() const { return root_; }

    std::string content(const std::string &path) const
    {
        for (const auto &[name, fd] : readers_)
            if (leaf() + "/" + name == path) {
                std::string text;
                char buffer[4096];
                for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) > 0;)
                    text.append(buffer, static_cast<size_t>(got));
                return text;
            }
        std::ifstream file(path);
        return std::string(std::istreambuf_iterator<char>(file), {});
    }

private:
    static void make_file(const std::string &path) { std::ofstream{path}; }

    std::string root_;
    std::vector<std::pair<std::string, int>> readers_;
};

spec::Resources full_resources()
{
    spec::Resources resources;
    auto &memory = resources.memory.emplace();
    memory.limit = 64 << 20;
    memory.reservation = 32 << 20;
    memory.swap = 96 << 20;
    auto &cpu = resources.cpu.emplace();
    cpu.shares = 1024;
    cpu.quota = 50000;
    cpu.period = 200000;
    cpu.idle = 1;
    cpu.cpus = "0-1";
    cpu.mems = "0";
    resources.pids_limit = 30;
    auto &io = resources.block_io.emplace();
    io.weight = 500;
    io.weight_devices = {{8, 0, 100, std::nullopt}};
    io.throttle_read_bps = {{8, 0, 1048576}};
    io.throttle_write_iops = {{8, 16, 100}};
    resources.hugepage_limits = {{"2MB", 4194304}, {"1GB", 0}};
    resources.devices = {{false, "c", 1, 3, "rwm"}};
    resources.unified = {{"memory.high", "50331648"}};
    return resources;
}

} // namespace

TEST_CASE("fake cgroupfs: a v2-only host gets every resource in its cgroup2 files")
{
    FakeCgroupfs fake;
    Host host = fake.host();
    REQUIRE(host.hierarchies().size() == 1);
    auto locate = locator_for(host);
    auto plan = plan_writes(full_resources(), locate);
    REQUIRE(plan);
    CHECK(plan->warnings.empty());

    Cgroups cgroups = plan_directories(host, resolve_cgroups_path("", "c1", false).value());
    CHECK(cgroups.dir_of("memory") == fake.leaf());
    REQUIRE(make_directories(host, cgroups, v2_controllers_needed(*plan, locate)).ok());
    // The eBPF device program needs a real cgroup (device_program_test); here only its rules.
    REQUIRE(plan->device_program);
    plan->device_program.reset();
    auto applied = apply(cgroups, *plan);
    INFO((applied ? std::string() : applied.error().render()));
    REQUIRE(applied.ok());

    std::string enabled = "+memory +cpu +cpuset +pids +io +hugetlb";
    CHECK(fake.content(fake.root() + "/cgroup.subtree_control") == enabled);
    CHECK(fake.content(fake.root() + "/crun-lite/cgroup.subtree_control") == enabled);
    auto leaf = [&](const std::string &file) { return fake.content(fake.leaf() + "/" + file); };
    CHECK(leaf("memory.max") == "67108864");
    CHECK(leaf("memory.low") == "33554432");
    CHECK(leaf("memory.swap.max") == "33554432"); // memory+swap less memory
    CHECK(leaf("memory.high") == "50331648");
    CHECK(leaf("cpu.weight") == "39");
    CHECK(leaf("cpu.max") == "50000 200000");
    CHECK(leaf("cpu.idle") == "1");
    CHECK(leaf("cpuset.cpus") == "0-1");
    CHECK(leaf("cpuset.mems") == "0");
    CHECK(leaf("pids.max") == "30");
    CHECK(leaf("io.weight") == "49508:0 910"); // "4950", then "8:0 910"
    CHECK(leaf("io.max") == "8:0 rbps=10485768:16 wiops=100");
    CHECK(leaf("hugetlb.2MB.max") == "4194304");
    CHECK(leaf("hugetlb.1GB.max") == "0");
    CHECK(leaf("cgroup.procs") == "");
}

TEST_CASE("fake cgroupfs: v2-only device rules become the eBPF program's list, not files")
{
    FakeCgroupfs fake;
    Host host = fake.host();
    auto locate = locator_for(host);
    auto plan = plan_writes(full_resources(), locate);
    REQUIRE(plan);
    REQUIRE(plan->device_program);
    const auto &rules = *plan->device_program;
    REQUIRE(rules.size() == 14);
    CHECK((!rules[0].allow && rules[0].type == "a")); // deny-all
    CHECK((!rules[1].allow && rules[1].type == "c" && rules[1].major == 1 && rules[1].minor == 3));
    CHECK((rules[2].allow && rules[2].type == "c" && !rules[2].major && rules[2].access == "m"));
    CHECK(plan->device_program_field == "linux.resources.devices");
    for (const auto &write : plan->writes)
        CHECK_FALSE(write.file.starts_with("devices."));
}

TEST_CASE("fake cgroupfs: a limit set to -1 writes `max`")
{
    FakeCgroupfs fake;
    Host host = fake.host();
    spec::Resources resources;
    resources.memory.emplace().limit = -1;
    resources.pids_limit = -1;
    auto &cpu = resources.cpu.emplace();
    cpu.quota = -1;
    auto plan = plan_writes(resources, locator_for(host));
    REQUIRE(plan);
    plan->device_program.reset();
    Cgroups cgroups = plan_directories(host, resolve_cgroups_path("", "c1", false).value());
    REQUIRE(make_directories(host, cgroups, v2_controllers_needed(*plan, locator_for(host)))
                .ok());
    REQUIRE(apply(cgroups, *plan).ok());
    CHECK(fake.content(fake.leaf() + "/memory.max") == "max");
    CHECK(fake.content(fake.leaf() + "/pids.max") == "max");
    CHECK(fake.content(fake.leaf() + "/cpu.max") == "max 100000");
}

// The kernel raises POLLPRI on memory.events when a count changes, which a tmpfs file cannot
// do; the test drives take() as the events loop does after each wake-up, and checks the watch
// asks for POLLPRI on that file.
TEST_CASE("fake cgroupfs: the v2 OOM watch reports each rise of memory.events' oom_kill")
{
    FakeCgroupfs fake;
    Cgroups cgroups = plan_directories(fake.host(), resolve_cgroups_path("", "c1", false).value());
    std::string events = fake.leaf() + "/memory.events";
    // Only oom_kill moves: a watch reading another line sees no change.
    auto write_kills = [&](int kills) {
        std::ofstream(events) << "low 0\nhigh 3\nmax 7\noom 9\noom_kill " << kills
                              << "\noom_group_kill 0\n";
    };
    write_kills(2); // kills from before the watch are not news

    auto watch = OomWatch::open(cgroups);
    INFO((watch ? std::string() : watch.error().render()));
    REQUIRE(watch.ok());
    CHECK(watch->poll_entry().fd >= 0);
    CHECK(watch->poll_entry().events == POLLPRI);
    CHECK_FALSE(watch->take());

    write_kills(3);
    CHECK(watch->take());
    CHECK_FALSE(watch->take()); // the same count again: nothing new

    write_kills(5); // two kills between wake-ups make one notice
    CHECK(watch->take());
    CHECK_FALSE(watch->take());
}

TEST_CASE("fake cgroupfs: a v2 cgroup without the memory controller has no OOM to watch")
{
    FakeCgroupfs fake;
    Cgroups cgroups = plan_directories(fake.host(), resolve_cgroups_path("", "c1", false).value());
    std::filesystem::remove(fake.leaf() + "/memory.events");

    auto watch = OomWatch::open(cgroups);
    REQUIRE(watch.ok());
    CHECK(watch->poll_entry().fd == -1);
    CHECK_FALSE(watch->take());
}
