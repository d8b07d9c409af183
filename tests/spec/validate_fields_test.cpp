// Tests for src/spec/validate_fields.cpp and the lists of src/spec/linux_names.cpp: each rule,
// with the exact text of its error or warning.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "spec/linux_names.hpp"
#include "spec/validate_fields.hpp"

using namespace crunlite::spec;

namespace {

std::string lines(const std::vector<std::string> &findings)
{
    std::string text;
    for (const auto &finding : findings)
        text += finding + "\n";
    return text;
}

Findings check_process(const Process &process, HostSecurity host = {})
{
    Findings findings;
    check_process_tuning(process, host, findings);
    return findings;
}

Config with_new_namespaces()
{
    Config config;
    config.linux.namespaces = {{NamespaceType::mount, ""}, {NamespaceType::time, ""}};
    return config;
}

Findings check_linux(const Config &config, HostSecurity host = {})
{
    Findings findings;
    check_linux_tuning(config, host, findings);
    return findings;
}

} // namespace

TEST_CASE("parse_number_list reads cpuset lists")
{
    CHECK(parse_number_list("0-2,7", 8) == std::vector<unsigned>{0, 1, 2, 7});
    CHECK(parse_number_list("", 8) == std::vector<unsigned>{});
    for (const char *bad : {"8", "2-1", "1,", ",1", "a", "1-", "-1", "1 ,2", "0x1"}) {
        CAPTURE(bad);
        CHECK(!parse_number_list(bad, 8));
    }
}

TEST_CASE("validate accepts a good scheduler, I/O priority and CPU affinity")
{
    Process process;
    process.scheduler = Scheduler{"SCHED_FIFO", -5, 10, {"SCHED_FLAG_RESET_ON_FORK"}, 0, 0, 0};
    process.io_priority = IoPriority{"IOPRIO_CLASS_BE", 4};
    process.exec_cpu_affinity = CpuAffinity{"0", "0-1,3"};
    auto findings = check_process(process);
    CHECK(lines(findings.errors) == "");
    CHECK(lines(findings.warnings) == "");

    process.scheduler = Scheduler{"SCHED_DEADLINE", 0, 0, {}, 1000000, 2000000, 3000000};
    CHECK(lines(check_process(process).errors) == "");
}

TEST_CASE("validate checks the scheduler by field")
{
    Process process;
    process.scheduler = Scheduler{"SCHED_FAST", 20, 0, {"SCHED_FLAG_NOPE"}, 0, 0, 0};
    CHECK(lines(check_process(process).errors) ==
          lines({"process.scheduler.policy: unknown policy `SCHED_FAST`",
                 "process.scheduler.nice: must be between -20 and 19, got 20",
                 "process.scheduler.flags[0]: unknown flag `SCHED_FLAG_NOPE`"}));

    process.scheduler = Scheduler{"SCHED_RR", 0, 0, {}, 0, 5, 0};
    CHECK(lines(check_process(process).errors) ==
          lines({"process.scheduler.priority: must be between 1 and 99, got 0",
                 "process.scheduler.deadline: only SCHED_DEADLINE takes it"}));

    process.scheduler = Scheduler{"SCHED_BATCH", 0, 3, {}, 0, 0, 0};
    CHECK(lines(check_process(process).errors) ==
          lines({"process.scheduler.priority: must be 0 for SCHED_BATCH"}));

    process.scheduler = Scheduler{"SCHED_DEADLINE", 0, 0, {}, 0, 5, 4};
    CHECK(lines(check_process(process).errors) ==
          lines({"process.scheduler.runtime: must be above 0 and at most the deadline",
                 "process.scheduler.deadline: must be at most the period"}));
}

TEST_CASE("validate checks the I/O priority and the CPU lists")
{
    Process process;
    process.io_priority = IoPriority{"IOPRIO_CLASS_NONE", 8};
    process.exec_cpu_affinity = CpuAffinity{"1-0", "1024"};
    CHECK(lines(check_process(process).errors) ==
          lines({"process.ioPriority.class: unknown class `IOPRIO_CLASS_NONE`, expected "
                 "IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE",
                 "process.ioPriority.priority: must be between 0 and 7, got 8",
                 "process.execCPUAffinity.initial: not a CPU list: `1-0`, expected numbers and "
                 "ranges below 1024 such as `0-1,3`",
                 "process.execCPUAffinity.final: not a CPU list: `1024`, expected numbers and "
                 "ranges below 1024 such as `0-1,3`"}));
}

TEST_CASE("validate skips an AppArmor profile and refuses an SELinux label on a host without")
{
    Process process;
    process.apparmor_profile = "crun-lite-default";
    process.selinux_label = "system_u:system_r:container_t:s0";
    auto without = check_process(process);
    CHECK(lines(without.warnings) ==
          lines({"process.apparmorProfile: AppArmor is not enabled on this host; the profile "
                 "is not applied"}));
    CHECK(lines(without.errors) == lines({"process.selinuxLabel: SELinux is not enabled on "
                                          "this host"}));

    auto with = check_process(process, HostSecurity{true, true});
    CHECK(lines(with.errors) == "");
    CHECK(lines(with.warnings) == "");
}

TEST_CASE("validate accepts good devices")
{
    Config config = with_new_namespaces();
    config.linux.devices = {{"/dev/fuse", "c", 10, 229, 0666, 0, 0},
                            {"/dev/sda9", "b", 8, 9, {}, {}, {}},
                            {"/dev/../run/pipe", "p", {}, {}, {}, {}, {}}};
    auto findings = check_linux(config);
    CHECK(lines(findings.errors) == "");
    CHECK(lines(findings.warnings) == "");
}

TEST_CASE("validate checks devices by field")
{
    Config config = with_new_namespaces();
    config.linux.devices = {{"dev/x", "c", 1, 3, {}, {}, {}},
                            {"/../x", "c", 1, 3, {}, {}, {}},
                            {"/dev", "c", 1, 3, {}, {}, {}},
                            {"/dev/y", "x", 1, 3, {}, {}, {}},
                            {"/dev/p", "p", 1, {}, {}, {}, {}},
                            {"/dev/c", "u", {}, -1, {}, {}, {}},
                            {"/dev//c", "b", 4096, 0, {}, {}, {}}};
    CHECK(lines(check_linux(config).errors) ==
          lines({"linux.devices[0].path: must be an absolute path, got `dev/x`",
                 "linux.devices[1].path: `/../x` climbs out of the container root",
                 "linux.devices[2].path: must name a file, got `/dev`",
                 "linux.devices[3].type: unknown device type `x`, expected c, b, u or p",
                 "linux.devices[4].major: a FIFO (type p) has no device number",
                 "linux.devices[5].major: required unless type is p",
                 "linux.devices[5].minor: must be between 0 and 1048575, got -1",
                 "linux.devices[6].path: duplicate `/dev/c`",
                 "linux.devices[6].major: must be between 0 and 4095, got 4096"}));
}

TEST_CASE("validate warns that no device is made in a bind-mounted /dev")
{
    Config config = with_new_namespaces();
    config.mounts = {{"/dev", "bind", "/dev", {"rbind"}}};
    config.linux.devices = {{"/dev/fuse", "c", 10, 229, {}, {}, {}},
                            {"/run/fuse", "c", 10, 229, {}, {}, {}}};
    auto findings = check_linux(config);
    CHECK(lines(findings.errors) == "");
    CHECK(lines(findings.warnings) ==
          lines({"linux.devices[0]: /dev is a bind mount; `/dev/fuse` is not created in it"}));
}

TEST_CASE("validate checks personality, time offsets and memory policy")
{
    Config config;
    config.linux.namespaces = {{NamespaceType::mount, ""}, {NamespaceType::time, "/proc/1/ns/time"}};
    config.linux.personality = Personality{"LINUX64", {"ADDR_NO_RANDOMIZE"}};
    config.linux.time_offsets = {{"realtime", {1, 0}}, {"boottime", {1, 1000000000}}};
    config.linux.memory_policy = MemoryPolicy{"MPOL_LOCAL", "0", {"MPOL_F_NOPE"}};
    CHECK(lines(check_linux(config).errors) ==
          lines({"linux.personality.domain: unknown domain `LINUX64`, expected LINUX or LINUX32",
                 "linux.personality.flags[0]: unknown flag `ADDR_NO_RANDOMIZE`: the spec "
                 "defines none yet",
                 "linux.timeOffsets: requires a new time namespace",
                 "linux.timeOffsets.boottime.nanosecs: must be below 1000000000",
                 "linux.timeOffsets.realtime: unknown clock `realtime`, expected monotonic or "
                 "boottime",
                 "linux.memoryPolicy.flags[0]: unknown flag `MPOL_F_NOPE`",
                 "linux.memoryPolicy.nodes: must be empty for MPOL_LOCAL"}));

    Config good = with_new_namespaces();
    good.linux.personality = Personality{"LINUX32", {}};
    good.linux.time_offsets = {{"monotonic", {-10, 5}}, {"boottime", {3600, 0}}};
    good.linux.memory_policy = MemoryPolicy{"MPOL_INTERLEAVE", "0-1", {"MPOL_F_STATIC_NODES"}};
    CHECK(lines(check_linux(good).errors) == "");

    good.linux.memory_policy = MemoryPolicy{"MPOL_BIND", "", {}};
    CHECK(lines(check_linux(good).errors) == lines({"linux.memoryPolicy.nodes: required for "
                                                    "MPOL_BIND"}));
}

TEST_CASE("validate checks netDevices names and needs a new network namespace")
{
    Config config = with_new_namespaces();
    config.linux.net_devices = {{"eth0", "ctr0"}, {"eth1", "ctr0"}, {"a/b", ""},
                                {"eth2", "a-name-far-too-long"}};
    CHECK(lines(check_linux(config).errors) ==
          lines({"linux.netDevices: requires a new network namespace",
                 "linux.netDevices.a/b: not an interface name: 1 to 15 characters, no `/`, `:` "
                 "or space",
                 "linux.netDevices.eth1: two devices would be named `ctr0`",
                 "linux.netDevices.eth2.name: not an interface name: 1 to 15 characters, no "
                 "`/`, `:` or space"}));
}

TEST_CASE("validate skips a mount label without SELinux and refuses it with")
{
    Config config = with_new_namespaces();
    config.linux.mount_label = "system_u:object_r:container_file_t:s0";
    auto without = check_linux(config);
    CHECK(lines(without.errors) == "");
    CHECK(lines(without.warnings) ==
          lines({"linux.mountLabel: SELinux is not enabled on this host; the label is not "
                 "applied"}));
    CHECK(lines(check_linux(config, HostSecurity{false, true}).errors) ==
          lines({"linux.mountLabel: not supported yet on a host with SELinux"}));
}
