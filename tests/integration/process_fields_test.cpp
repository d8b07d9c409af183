// process.scheduler, ioPriority, execCPUAffinity, the security labels, and linux.personality,
// timeOffsets (with a time namespace) and memoryPolicy, each seen from inside the container
// (/proc/self, uname, ionice) and, for the refusals, by their exact message.
#include <doctest/doctest.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "integration/harness.hpp"

using namespace harness;
using nlohmann::json;

namespace {

// Runs a bundle with `process` merged into its process and `linux_fields` into its linux.
Outcome run_with(const std::string &id, const std::string &script, const json &process,
                 const json &linux_fields = json::object())
{
    Bundle bundle(script);
    bundle.config["process"].update(process);
    bundle.config["linux"].update(linux_fields);
    bundle.write();
    return crun_lite({"run", "--bundle", bundle.dir(), id});
}

bool host_has(const char *path)
{
    return ::access(path, F_OK) == 0;
}

// Fields 18 (priority), 19 (nice) and 41 (policy) of the reading process's /proc stat.
const char *show_scheduling = "cut -d' ' -f18,19,41 /proc/self/stat";

} // namespace

TEST_CASE("process fields: scheduler SCHED_BATCH with a nice value")
{
    auto outcome = run_with("sched-batch", show_scheduling,
                            {{"scheduler", {{"policy", "SCHED_BATCH"}, {"nice", 7}}}});
    CHECK(outcome.status == 0);
    CHECK(outcome.err == "");
    // Priority 20 + nice for a normal policy; SCHED_BATCH is 3.
    CHECK(outcome.out == "27 7 3\n");
}

TEST_CASE("process fields: scheduler SCHED_IDLE and a negative nice")
{
    auto idle = run_with("sched-idle", show_scheduling, {{"scheduler", {{"policy", "SCHED_IDLE"}}}});
    CHECK(idle.status == 0);
    CHECK(idle.out == "20 0 5\n");

    auto other = run_with("sched-nice", show_scheduling,
                          {{"scheduler", {{"policy", "SCHED_OTHER"}, {"nice", -4}}}});
    CHECK(other.status == 0);
    CHECK(other.out == "16 -4 0\n");
}

TEST_CASE("process fields: SCHED_FIFO applies, or the kernel's refusal names the field")
{
    auto outcome = run_with("sched-fifo", show_scheduling,
                            {{"scheduler", {{"policy", "SCHED_FIFO"}, {"priority", 10}}}});
    if (outcome.status == 0) {
        CHECK(outcome.out == "-11 0 1\n"); // -1 - priority for a real-time policy
    } else {
        MESSAGE("the kernel refused SCHED_FIFO here: " << outcome.err);
        CHECK(outcome.err.rfind("crun-lite: run `sched-fifo`: process.scheduler: set policy "
                                "`SCHED_FIFO`", 0) == 0);
    }
}

TEST_CASE("process fields: ioPriority is the program's I/O class")
{
    auto outcome = run_with("ioprio", "ionice",
                            {{"ioPriority", {{"class", "IOPRIO_CLASS_BE"}, {"priority", 6}}}});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "best-effort: prio 6\n");

    auto idle = run_with("ioprio-idle", "ionice", {{"ioPriority", {{"class", "IOPRIO_CLASS_IDLE"}}}});
    CHECK(idle.status == 0);
    CHECK(idle.out == "idle\n");
}

// Whether this test process may run on CPUs 0 and 1, which the affinity tests tell apart.
bool runs_on_two_cpus()
{
    cpu_set_t own;
    REQUIRE(sched_getaffinity(0, sizeof own, &own) == 0);
    return CPU_ISSET(0, &own) && CPU_ISSET(1, &own);
}

TEST_CASE("process fields: execCPUAffinity final is the program's CPU list")
{
    if (!runs_on_two_cpus()) {
        MESSAGE("skipped: needs CPUs 0 and 1 to tell the initial list from the final one");
        return;
    }
    auto outcome = run_with("affinity", "grep Cpus_allowed_list /proc/self/status",
                            {{"execCPUAffinity", {{"initial", "1"}, {"final", "0"}}}});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "Cpus_allowed_list:\t0\n");
}

TEST_CASE("process fields: without a final list the program gets every CPU back")
{
    if (!runs_on_two_cpus()) {
        MESSAGE("skipped: needs CPUs 0 and 1 to tell the initial list from all of them");
        return;
    }
    auto outcome = run_with("affinity-reset", "grep Cpus_allowed_list /proc/self/status",
                            {{"execCPUAffinity", {{"initial", "0"}}}});
    CHECK(outcome.status == 0);
    CHECK(outcome.out != "Cpus_allowed_list:\t0\n");
    CHECK(outcome.out.rfind("Cpus_allowed_list:\t0-", 0) == 0);
}

TEST_CASE("process fields: an exec'd process gets its scheduler and CPUs too")
{
    Bundle bundle("sleep 300");
    bundle.write();
    REQUIRE(crun_lite_leaving_container({"run", "--detach", "--bundle", bundle.dir(), "fields-exec"})
                .status == 0);
    TempDir scratch;
    json process = {{"args", {"sh", "-c", "cut -d' ' -f19,41 /proc/self/stat; ionice; "
                                          "grep Cpus_allowed_list /proc/self/status"}},
                    {"cwd", "/"},
                    {"scheduler", {{"policy", "SCHED_BATCH"}, {"nice", 3}}},
                    {"ioPriority", {{"class", "IOPRIO_CLASS_IDLE"}}},
                    {"execCPUAffinity", {{"final", "0"}}}};
    write_text(scratch.path() + "/process.json", process.dump());
    auto outcome = crun_lite({"exec", "--process", scratch.path() + "/process.json", "fields-exec"});
    crun_lite({"delete", "--force", "fields-exec"});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "3 3\nidle\nCpus_allowed_list:\t0\n");
}

TEST_CASE("process fields: personality LINUX32 makes uname say i686")
{
    auto outcome = run_with("personality", "uname -m", json::object(),
                            {{"personality", {{"domain", "LINUX32"}}}});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "i686\n");
}

TEST_CASE("process fields: a time namespace shows the boottime and monotonic offsets")
{
    Bundle bundle("cut -d' ' -f1 /proc/uptime");
    bundle.config["linux"]["namespaces"].push_back({{"type", "time"}});
    bundle.config["linux"]["timeOffsets"] = {{"boottime", {{"secs", 864000}, {"nanosecs", 0}}},
                                             {"monotonic", {{"secs", 1000}}}};
    bundle.write();
    double host_uptime = std::stod(read_text("/proc/uptime"));
    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "timens"});
    CHECK(outcome.status == 0);
    CHECK(outcome.err == "");
    // Ten days ahead of the host, whose uptime was read before: never behind it.
    double container_uptime = std::stod(outcome.out);
    CHECK(container_uptime >= host_uptime + 864000);
    CHECK(container_uptime < host_uptime + 864000 + 3600);
}

TEST_CASE("process fields: an exec'd process joins the container's time namespace")
{
    Bundle bundle("sleep 300");
    bundle.config["linux"]["namespaces"].push_back({{"type", "time"}});
    bundle.config["linux"]["timeOffsets"] = {{"boottime", {{"secs", 864000}}}};
    bundle.write();
    REQUIRE(crun_lite_leaving_container({"run", "--detach", "--bundle", bundle.dir(), "timens-exec"})
                .status == 0);
    double host_uptime = std::stod(read_text("/proc/uptime"));
    auto outcome = crun_lite({"exec", "timens-exec", "cut", "-d ", "-f1", "/proc/uptime"});
    crun_lite({"delete", "--force", "timens-exec"});
    CHECK(outcome.status == 0);
    CHECK(std::stod(outcome.out) >= host_uptime + 864000);
}

TEST_CASE("process fields: a time namespace joined by path")
{
    Bundle holder("sleep 300");
    holder.config["linux"]["namespaces"].push_back({{"type", "time"}});
    holder.config["linux"]["timeOffsets"] = {{"boottime", {{"secs", 864000}}}};
    holder.write();
    TempDir scratch;
    std::string pid_file = scratch.path() + "/pid";
    REQUIRE(crun_lite_leaving_container({"run", "--detach", "--pid-file", pid_file, "--bundle",
                                         holder.dir(), "timens-holder"})
                .status == 0);
    std::string pid = read_text(pid_file);

    double host_uptime = std::stod(read_text("/proc/uptime"));
    Bundle joiner("cut -d' ' -f1 /proc/uptime");
    joiner.config["linux"]["namespaces"].push_back(
        {{"type", "time"}, {"path", "/proc/" + pid + "/ns/time"}});
    joiner.write();
    auto outcome = crun_lite({"run", "--bundle", joiner.dir(), "timens-join"});
    crun_lite({"delete", "--force", "timens-holder"});
    CHECK(outcome.status == 0);
    CHECK(outcome.err == "");
    CHECK(std::stod(outcome.out) >= host_uptime + 864000);
}

TEST_CASE("process fields: memoryPolicy is the program's NUMA policy")
{
    auto outcome = run_with("mempolicy", "grep -m1 -o ' [a-z]*:0 stack' /proc/self/numa_maps",
                            json::object(),
                            {{"memoryPolicy", {{"mode", "MPOL_INTERLEAVE"}, {"nodes", "0"}}}});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == " interleave:0 stack\n");
}

TEST_CASE("process fields: an AppArmor profile is skipped with a warning on a host without")
{
    if (host_has("/sys/kernel/security/apparmor") ||
        host_has("/sys/module/apparmor/parameters/enabled")) {
        MESSAGE("skipped: this host has AppArmor");
        return;
    }
    auto outcome = run_with("apparmor", "echo ran", {{"apparmorProfile", "crun-lite-test"}});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "ran\n");
    CHECK(outcome.err == "crun-lite: warning: run `apparmor`: process.apparmorProfile: AppArmor "
                         "is not enabled on this host; the profile is not applied\n");
}

TEST_CASE("process fields: an SELinux label is refused, a mount label skipped, without SELinux")
{
    if (host_has("/sys/fs/selinux/enforce")) {
        MESSAGE("skipped: this host has SELinux");
        return;
    }
    auto before = HostSnapshot::take();
    auto refused = run_with("selinux", "true",
                            {{"selinuxLabel", "system_u:system_r:container_t:s0"}});
    CHECK(refused.status == 1);
    CHECK(refused.err == "crun-lite: run `selinux`: process.selinuxLabel: SELinux is not enabled "
                         "on this host\n");
    CHECK(differences(before, HostSnapshot::take()) == "");

    auto skipped = run_with("mountlabel", "echo ran", json::object(),
                            {{"mountLabel", "system_u:object_r:container_file_t:s0"}});
    CHECK(skipped.status == 0);
    CHECK(skipped.out == "ran\n");
    CHECK(skipped.err == "crun-lite: warning: run `mountlabel`: linux.mountLabel: SELinux is not "
                         "enabled on this host; the label is not applied\n");
}

TEST_CASE("process fields: a kernel refusal names the field and leaves nothing behind")
{
    auto before = HostSnapshot::take();
    // CPU 1023 exists on no machine this runs on: sched_setaffinity says EINVAL.
    auto outcome = run_with("affinity-bad", "true", {{"execCPUAffinity", {{"final", "1023"}}}});
    CHECK(outcome.status == 1);
    CHECK(outcome.err == "crun-lite: run `affinity-bad`: process.execCPUAffinity.final: run on "
                         "CPUs `1023`: Invalid argument\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("process fields: netDevices moves a host interface into the container, renamed")
{
    // A veth pair: this host has no dummy interfaces. Both ends go when the container's network
    // namespace does; deleted here too, in case they have not gone yet (the kernel tears a
    // namespace down in the background).
    const std::string host_name = "crlt-veth0";
    REQUIRE(std::system(("ip link add " + host_name + " type veth peer name crlt-veth1").c_str()) ==
            0);
    auto outcome = run_with("netdev", "ls /sys/class/net | tr '\\n' ' '", json::object(),
                            {{"netDevices", {{host_name, {{"name", "eth9"}}}}}});
    [[maybe_unused]] int deleted = std::system("ip link del crlt-veth1 2>/dev/null");
    CHECK(outcome.status == 0);
    CHECK(outcome.err == "");
    CHECK(outcome.out == "eth9 lo ");

    auto missing = run_with("netdev-missing", "true", json::object(),
                            {{"netDevices", {{"crlt-missing0", json::object()}}}});
    CHECK(missing.status == 1);
    CHECK(missing.err == "crun-lite: run `netdev-missing`: linux.netDevices.crlt-missing0: find "
                         "interface `crlt-missing0` on the host: No such device\n");
}
