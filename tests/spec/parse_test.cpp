// Tests for src/spec/parse.cpp: what is read into Config, and the exact text of every problem.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "spec/parse.hpp"

using crunlite::spec::NamespaceType;
using crunlite::spec::parse_config;

namespace {

// The smallest config that parses: ociVersion and root.path. `extra` is spliced in as further
// top-level members, so it starts with a comma.
std::string minimal(const std::string &extra = "")
{
    return R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"})" + extra + "}";
}

// A minimal config plus a process with the required members and `extra` members.
std::string with_process(const std::string &extra)
{
    return minimal(R"(, "process": {"args": ["sh"], "cwd": "/")" + extra + "}");
}

std::string nested_arrays(int depth)
{
    return std::string(depth, '[') + std::string(depth, ']');
}

// Problems as one string, one per line, so that a failed CHECK prints them.
std::string lines(const std::vector<std::string> &problems)
{
    std::string text;
    for (const auto &problem : problems)
        text += problem + "\n";
    return text;
}

struct BadCase {
    std::string name;
    std::string json;
    std::vector<std::string> problems;
};

void check_bad_cases(const std::vector<BadCase> &cases)
{
    for (const auto &bad : cases) {
        CAPTURE(bad.name);
        auto result = parse_config(bad.json);
        CHECK_FALSE(result.ok());
        CHECK(lines(result.problems) == lines(bad.problems));
    }
}

} // namespace

TEST_CASE("parse reads a minimal config without a process")
{
    auto result = parse_config(minimal());

    REQUIRE(result.ok());
    CHECK(result.config.oci_version == "1.0.2");
    CHECK(result.config.root.path == "rootfs");
    CHECK_FALSE(result.config.root.readonly);
    CHECK_FALSE(result.config.process.has_value());
    CHECK(result.config.mounts.empty());
    CHECK(result.config.unsupported.empty());
}

TEST_CASE("parse reads every field crun-lite uses")
{
    auto result = parse_config(R"({
        "ociVersion": "1.2.0",
        "root": {"path": "/images/busybox", "readonly": true},
        "process": {
            "terminal": false,
            "consoleSize": {"height": 24, "width": 80},
            "user": {"uid": 1000, "gid": 100, "umask": 18, "additionalGids": [5, 4294967295],
                     "username": "ignored"},
            "args": ["sh", "-c", "echo hi"],
            "env": ["PATH=/bin", "TERM=xterm"],
            "cwd": "/home"
        },
        "hostname": "box",
        "domainname": "example.org",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/data", "source": "/srv/data", "options": ["rbind", "ro"]}
        ],
        "annotations": {"io.crun-lite.rootfs": "overlay", "org.example": "x"},
        "linux": {"namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/a"},
                                 {"type": "mount"}]}
    })");

    REQUIRE(lines(result.problems) == "");
    const auto &config = result.config;
    CHECK(config.oci_version == "1.2.0");
    CHECK(config.root.path == "/images/busybox");
    CHECK(config.root.readonly);
    REQUIRE(config.process.has_value());
    CHECK_FALSE(config.process->terminal);
    REQUIRE(config.process->console_size.has_value());
    CHECK(config.process->console_size->height == 24);
    CHECK(config.process->console_size->width == 80);
    CHECK(config.process->user.uid == 1000);
    CHECK(config.process->user.gid == 100);
    CHECK(config.process->user.umask == 18u);
    CHECK(config.process->user.additional_gids == std::vector<uint32_t>{5, 4294967295u});
    CHECK(config.process->args == std::vector<std::string>{"sh", "-c", "echo hi"});
    CHECK(config.process->env == std::vector<std::string>{"PATH=/bin", "TERM=xterm"});
    CHECK(config.process->cwd == "/home");
    CHECK(config.hostname == "box");
    CHECK(config.domainname == "example.org");
    REQUIRE(config.mounts.size() == 2);
    CHECK(config.mounts[0].destination == "/proc");
    CHECK(config.mounts[0].type == "proc");
    CHECK(config.mounts[0].source == "proc");
    CHECK(config.mounts[1].type.empty());
    CHECK(config.mounts[1].options == std::vector<std::string>{"rbind", "ro"});
    CHECK(config.annotations.at("org.example") == "x");
    CHECK(config.wants_overlay());
    REQUIRE(config.linux.namespaces.size() == 3);
    CHECK(config.linux.namespaces[0].type == NamespaceType::pid);
    CHECK(config.linux.namespaces[0].path.empty());
    CHECK(config.linux.namespaces[1].type == NamespaceType::network);
    CHECK(config.linux.namespaces[1].path == "/run/netns/a");
    CHECK(config.unsupported.empty());
}

TEST_CASE("parse leaves umask unset when the config has none")
{
    auto result = parse_config(with_process(R"(, "user": {"uid": 1})"));

    REQUIRE(result.ok());
    CHECK_FALSE(result.config.process->user.umask.has_value());
}

TEST_CASE("parse ignores unknown keys and other platforms' sections")
{
    auto result = parse_config(minimal(R"(, "x-vendor": {"deep": [1, 2]},
        "solaris": {"milestone": "x"}, "windows": {"layerFolders": ["c"]},
        "vm": {"kernel": {"path": "/k"}}, "zos": {"devices": [{}]},
        "linux": {"namespaces": [{"type": "mount", "x": 1}], "unknownThing": true},
        "process": {"args": ["sh"], "cwd": "/", "futureField": [1]})"));

    CHECK(lines(result.problems) == "");
}

TEST_CASE("parse treats null members as absent")
{
    auto result = parse_config(minimal(R"(, "process": null, "hostname": null,
        "mounts": null, "linux": {"namespaces": null, "seccomp": null})"));

    REQUIRE(result.ok());
    CHECK_FALSE(result.config.process.has_value());
    CHECK(result.config.hostname.empty());
}

TEST_CASE("parse accepts nesting of exactly 64 levels")
{
    // The top-level object is level 1, so 63 arrays inside it reach level 64.
    auto result = parse_config(minimal(R"(, "x": )" + nested_arrays(63)));

    CHECK(lines(result.problems) == "");
}

// The column is that of the last byte read: the end of the offending token.
TEST_CASE("parse reports syntax errors with line and column")
{
    check_bad_cases({
        {"trailing comma", R"({"ociVersion": "1.0.2",})",
         {"config.json: line 1, column 24: syntax error: unexpected '}'; expected string "
          "literal"}},
        {"missing comma on a later line", "{\n  \"ociVersion\": \"1.0.2\"\n  \"root\": {}\n}",
         {"config.json: line 3, column 8: syntax error: unexpected string literal; expected '}'"}},
        {"empty input", "",
         {"config.json: line 1, column 1: syntax error: unexpected end of input; expected '[', "
          "'{', or a literal"}},
        {"truncated", "{\"ociVersion\": \"1.0.2\",\n",
         {"config.json: line 2, column 1: syntax error: unexpected end of input; expected "
          "string literal"}},
        {"bad literal", R"({"root": {"readonly": tru}})",
         {"config.json: line 1, column 26: syntax error: invalid literal"}},
        {"invalid UTF-8", "{\"hostname\": \"\xff\"}",
         {"config.json: line 1, column 15: syntax error: invalid string: ill-formed UTF-8 byte"}},
        {"raw newline in a string", "{\"hostname\": \"a\nb\"}",
         {"config.json: line 1, column 16: syntax error: invalid string: control character "
          "U+000A (LF) must be escaped to \\u000A or \\n"}},
        {"trailing garbage", minimal() + " {}",
         {"config.json: line 1, column 53: syntax error: unexpected '{'; expected end of input"}},
        {"number too large", R"({"x": 1e999})",
         {"config.json: syntax error: number overflow parsing '1e999'"}},
        {"nesting of 65 levels", minimal(R"(, "x": )" + nested_arrays(64)),
         {"config.json: nesting deeper than 64 levels"}},
    });
}

TEST_CASE("parse refuses a document that is not an object")
{
    check_bad_cases({
        {"array", "[]", {"config.json: expected an object, got an array"}},
        {"string", R"("config")", {"config.json: expected an object, got a string"}},
        {"number", "42", {"config.json: expected an object, got a number"}},
        {"null", "null", {"config.json: expected an object, got null"}},
    });
}

TEST_CASE("parse reports duplicate keys at any depth")
{
    check_bad_cases({
        {"top level", R"({"ociVersion": "1.0.2", "ociVersion": "1.1.0", "root": {"path": "r"}})",
         {"ociVersion: duplicate key"}},
        {"in an object", minimal(R"(, "process": {"args": [], "cwd": "/", "cwd": "/tmp"})"),
         {"process.cwd: duplicate key"}},
        {"in an array element",
         minimal(R"(, "mounts": [{"destination": "/a"}, {"destination": "/b", "type": "x",
                                 "type": "y"}])"),
         {"mounts[1].type: duplicate key"}},
        {"in an unknown section", minimal(R"(, "x": [[1], [{"a": 1, "a": 2}]])"),
         {"x[1][0].a: duplicate key"}},
        {"two duplicates", minimal(R"(, "hostname": "a", "hostname": "b",
                                      "annotations": {"k": "1", "k": "2"})"),
         {"hostname: duplicate key", "annotations.k: duplicate key"}},
    });
}

TEST_CASE("parse reports missing required fields")
{
    check_bad_cases({
        {"ociVersion", R"({"root": {"path": "rootfs"}})", {"ociVersion: required"}},
        {"ociVersion null", R"({"ociVersion": null, "root": {"path": "rootfs"}})",
         {"ociVersion: required"}},
        {"root", R"({"ociVersion": "1.0.2"})", {"root: required"}},
        {"root.path", R"({"ociVersion": "1.0.2", "root": {"readonly": true}})",
         {"root.path: required"}},
        {"process.args and process.cwd", minimal(R"(, "process": {"env": []})"),
         {"process.args: required", "process.cwd: required"}},
        {"mounts[].destination", minimal(R"(, "mounts": [{"destination": "/a"}, {}])"),
         {"mounts[1].destination: required"}},
        {"linux.namespaces[].type", minimal(R"(, "linux": {"namespaces": [{"path": "/x"}]})"),
         {"linux.namespaces[0].type: required"}},
        {"consoleSize.height", with_process(R"(, "consoleSize": {"width": 80})"),
         {"process.consoleSize.height: required"}},
    });
}

TEST_CASE("parse names the path and the expected type of a wrong value")
{
    check_bad_cases({
        {"ociVersion", R"({"ociVersion": 1, "root": {"path": "r"}})",
         {"ociVersion: expected a string, got a number"}},
        {"root", R"({"ociVersion": "1.0.2", "root": "rootfs"})",
         {"root: expected an object, got a string"}},
        {"root.readonly", R"({"ociVersion": "1.0.2", "root": {"path": "r", "readonly": "yes"}})",
         {"root.readonly: expected a boolean, got a string"}},
        {"process", minimal(R"(, "process": ["sh"])"),
         {"process: expected an object, got an array"}},
        {"process.terminal", with_process(R"(, "terminal": 1)"),
         {"process.terminal: expected a boolean, got a number"}},
        {"process.args[1]", minimal(R"(, "process": {"args": ["sh", 1], "cwd": "/"})"),
         {"process.args[1]: expected a string, got a number"}},
        {"process.args", minimal(R"(, "process": {"args": "sh", "cwd": "/"})"),
         {"process.args: expected an array, got a string"}},
        {"process.env[0]", with_process(R"(, "env": [null])"),
         {"process.env[0]: expected a string, got null"}},
        {"process.cwd", minimal(R"(, "process": {"args": ["sh"], "cwd": false})"),
         {"process.cwd: expected a string, got a boolean"}},
        {"process.user", with_process(R"(, "user": 0)"),
         {"process.user: expected an object, got a number"}},
        {"process.user.username", with_process(R"(, "user": {"username": 5})"),
         {"process.user.username: expected a string, got a number"}},
        {"process.consoleSize", with_process(R"(, "consoleSize": "big")"),
         {"process.consoleSize: expected an object, got a string"}},
        {"process.consoleSize.width", with_process(R"(, "consoleSize": {"height": 1,
                                                     "width": -80})"),
         {"process.consoleSize.width: expected an unsigned 32-bit integer, got -80"}},
        {"hostname", minimal(R"(, "hostname": true)"),
         {"hostname: expected a string, got a boolean"}},
        {"domainname", minimal(R"(, "domainname": {})"),
         {"domainname: expected a string, got an object"}},
        {"mounts", minimal(R"(, "mounts": {})"), {"mounts: expected an array, got an object"}},
        {"mounts[0]", minimal(R"(, "mounts": ["/tmp"])"),
         {"mounts[0]: expected an object, got a string"}},
        {"mounts[0] fields", minimal(R"(, "mounts": [{"destination": 1, "type": [],
                                        "source": null, "options": "ro"}])"),
         {"mounts[0].destination: expected a string, got a number",
          "mounts[0].type: expected a string, got an array",
          "mounts[0].options: expected an array, got a string"}},
        {"mounts[0].options[1]", minimal(R"(, "mounts": [{"destination": "/a",
                                            "options": ["ro", 7]}])"),
         {"mounts[0].options[1]: expected a string, got a number"}},
        {"annotations", minimal(R"(, "annotations": ["a=b"])"),
         {"annotations: expected an object, got an array"}},
        {"annotation value", minimal(R"(, "annotations": {"io.crun-lite.rootfs": 1})"),
         {"annotations.io.crun-lite.rootfs: expected a string, got a number"}},
        {"linux", minimal(R"(, "linux": "yes")"), {"linux: expected an object, got a string"}},
        {"linux.namespaces", minimal(R"(, "linux": {"namespaces": {"type": "pid"}})"),
         {"linux.namespaces: expected an array, got an object"}},
        {"linux.namespaces[0]", minimal(R"(, "linux": {"namespaces": ["pid"]})"),
         {"linux.namespaces[0]: expected an object, got a string"}},
        {"linux.namespaces[0] fields",
         minimal(R"(, "linux": {"namespaces": [{"type": 3, "path": 4}]})"),
         {"linux.namespaces[0].type: expected a string, got a number",
          "linux.namespaces[0].path: expected a string, got a number"}},
    });
}

TEST_CASE("parse checks that ids are unsigned 32-bit integers")
{
    check_bad_cases({
        {"negative uid", with_process(R"(, "user": {"uid": -1})"),
         {"process.user.uid: expected an unsigned 32-bit integer, got -1"}},
        {"gid too large", with_process(R"(, "user": {"gid": 4294967296})"),
         {"process.user.gid: expected an unsigned 32-bit integer, got 4294967296"}},
        {"fractional umask", with_process(R"(, "user": {"umask": 1.5})"),
         {"process.user.umask: expected an unsigned 32-bit integer, got 1.5"}},
        {"umask as a string", with_process(R"(, "user": {"umask": "022"})"),
         {"process.user.umask: expected an unsigned 32-bit integer, got a string"}},
        {"additionalGids", with_process(R"(, "user": {"additionalGids": [1, -2]})"),
         {"process.user.additionalGids[1]: expected an unsigned 32-bit integer, got -2"}},
        {"additionalGids not an array", with_process(R"(, "user": {"additionalGids": 1})"),
         {"process.user.additionalGids: expected an array, got a number"}},
    });
}

TEST_CASE("parse refuses an unknown namespace type")
{
    check_bad_cases({
        {"foo", minimal(R"(, "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"},
                                                      {"type": "foo"}]})"),
         {"linux.namespaces[2].type: unknown namespace type `foo`"}},
        {"empty", minimal(R"(, "linux": {"namespaces": [{"type": ""}]})"),
         {"linux.namespaces[0].type: unknown namespace type ``"}},
        {"the kernel's name for network",
         minimal(R"(, "linux": {"namespaces": [{"type": "net"}]})"),
         {"linux.namespaces[0].type: unknown namespace type `net`"}},
    });
}

TEST_CASE("parse reports every problem in one pass")
{
    auto result = parse_config(R"({
        "ociVersion": 2,
        "root": {"path": "rootfs", "readonly": 1},
        "process": {"args": ["sh", 1], "cwd": "/", "user": {"uid": -1}},
        "hostname": true,
        "mounts": [{"type": "tmpfs"}],
        "linux": {"namespaces": [{"type": "foo"}]}
    })");

    CHECK(lines(result.problems) == lines({
                                 "ociVersion: expected a string, got a number",
                                 "process.user.uid: expected an unsigned 32-bit integer, got -1",
                                 "process.args[1]: expected a string, got a number",
                                 "root.readonly: expected a boolean, got a number",
                                 "hostname: expected a string, got a boolean",
                                 "mounts[0].destination: required",
                                 "linux.namespaces[0].type: unknown namespace type `foo`",
                             }));
}

TEST_CASE("parse reads id mappings of the user namespace and of mounts")
{
    auto result = parse_config(minimal(R"(,
        "mounts": [{"destination": "/a", "type": "bind", "source": "/tmp", "options": ["idmap"],
                    "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
                    "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}],
        "linux": {"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536},
                                  {"containerID": 65536, "hostID": 4294967294, "size": 1}],
                  "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]})"));

    REQUIRE(result.ok());
    const auto &uids = result.config.linux.uid_mappings;
    REQUIRE(uids.size() == 2);
    CHECK(uids[0].container_id == 0);
    CHECK(uids[0].host_id == 100000);
    CHECK(uids[0].size == 65536);
    CHECK(uids[1].host_id == 4294967294u);
    CHECK(result.config.linux.gid_mappings.size() == 1);
    CHECK(result.config.mounts[0].uid_mappings[0].host_id == 1000);
    CHECK(result.config.mounts[0].gid_mappings.size() == 1);
    CHECK(result.config.unsupported.empty());
}

TEST_CASE("parse names the field of a malformed id mapping")
{
    auto result = parse_config(minimal(R"(,
        "linux": {"uidMappings": [{"containerID": 0, "hostID": -1, "size": 1}, 5],
                  "gidMappings": [{"containerID": 0, "hostID": 0}]})"));
    CHECK(lines(result.problems) ==
          "linux.uidMappings[0].hostID: expected an unsigned 32-bit integer, got -1\n"
          "linux.uidMappings[1]: expected an object, got a number\n"
          "linux.gidMappings[0].size: required\n");
}

TEST_CASE("parse lists unsupported fields that ask for something")
{
    auto result = parse_config(minimal(R"(,
        "process": {"terminal": true, "args": ["sh"], "cwd": "/"},
        "linux": {"resources": {"rdma": {"mlx": {}}}, "intelRdt": {"closID": "x"}})"));

    REQUIRE(result.ok());
    CHECK(result.config.process->terminal);
    CHECK(result.config.unsupported ==
          std::vector<std::string>{
              "linux.resources.rdma",
              "linux.intelRdt",
          });
}

TEST_CASE("parse reads the scheduler, I/O priority, CPU affinity and security labels")
{
    auto result = parse_config(minimal(R"(,
        "process": {"args": ["sh"], "cwd": "/", "apparmorProfile": "p", "selinuxLabel": "l",
            "scheduler": {"policy": "SCHED_DEADLINE", "nice": -3, "priority": 0,
                "flags": ["SCHED_FLAG_RESET_ON_FORK"], "runtime": 10, "deadline": 20,
                "period": 30},
            "ioPriority": {"class": "IOPRIO_CLASS_IDLE", "priority": 7},
            "execCPUAffinity": {"initial": "0", "final": "0-1"}})"));

    REQUIRE(result.ok());
    const crunlite::spec::Process &process = *result.config.process;
    CHECK(process.apparmor_profile == "p");
    CHECK(process.selinux_label == "l");
    REQUIRE(process.scheduler);
    CHECK(process.scheduler->policy == "SCHED_DEADLINE");
    CHECK(process.scheduler->nice == -3);
    CHECK(process.scheduler->flags == std::vector<std::string>{"SCHED_FLAG_RESET_ON_FORK"});
    CHECK(process.scheduler->runtime == 10);
    CHECK(process.scheduler->deadline == 20);
    CHECK(process.scheduler->period == 30);
    REQUIRE(process.io_priority);
    CHECK(process.io_priority->io_class == "IOPRIO_CLASS_IDLE");
    CHECK(process.io_priority->priority == 7);
    REQUIRE(process.exec_cpu_affinity);
    CHECK(process.exec_cpu_affinity->initial == "0");
    CHECK(process.exec_cpu_affinity->final == "0-1");
    CHECK(result.config.unsupported.empty());
}

TEST_CASE("parse reads devices, personality, time offsets, memory policy and mount label")
{
    auto result = parse_config(minimal(R"(,
        "linux": {"devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229,
                "fileMode": 438, "uid": 1, "gid": 2}, {"path": "/dev/pipe", "type": "p"}],
            "personality": {"domain": "LINUX32"},
            "timeOffsets": {"boottime": {"secs": -5, "nanosecs": 7}},
            "memoryPolicy": {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]},
            "mountLabel": "m", "netDevices": {"eth0": {"name": "ctr0"}, "eth1": {}}})"));

    REQUIRE(result.ok());
    const crunlite::spec::Linux &linux_config = result.config.linux;
    REQUIRE(linux_config.devices.size() == 2);
    const crunlite::spec::Device &fuse = linux_config.devices[0];
    CHECK(fuse.path == "/dev/fuse");
    CHECK(fuse.type == "c");
    CHECK(fuse.major == 10);
    CHECK(fuse.minor == 229);
    CHECK(fuse.file_mode == 0666u);
    CHECK(fuse.uid == 1u);
    CHECK(fuse.gid == 2u);
    CHECK(!linux_config.devices[1].major);
    REQUIRE(linux_config.personality);
    CHECK(linux_config.personality->domain == "LINUX32");
    CHECK(linux_config.time_offsets.at("boottime").secs == -5);
    CHECK(linux_config.time_offsets.at("boottime").nanosecs == 7);
    REQUIRE(linux_config.memory_policy);
    CHECK(linux_config.memory_policy->mode == "MPOL_BIND");
    CHECK(linux_config.memory_policy->nodes == "0");
    CHECK(linux_config.mount_label == "m");
    CHECK(linux_config.net_devices ==
          std::map<std::string, std::string>{{"eth0", "ctr0"}, {"eth1", ""}});
    CHECK(result.config.unsupported.empty());
}

TEST_CASE("parse names the path of a mistyped device, scheduler or offset field")
{
    auto result = parse_config(minimal(R"(,
        "process": {"args": ["sh"], "cwd": "/", "scheduler": {"nice": "high"},
            "ioPriority": {"priority": 1}},
        "linux": {"devices": [{"path": "/dev/x", "type": "c", "major": 1.5, "minor": -1}],
            "timeOffsets": {"monotonic": {"secs": "1"}}})"));

    CHECK(result.problems == std::vector<std::string>{
                                 "process.scheduler.policy: required",
                                 "process.scheduler.nice: expected a 32-bit integer, got a string",
                                 "process.ioPriority.class: required",
                                 "linux.devices[0].major: expected a 64-bit integer, got 1.5",
                                 "linux.timeOffsets.monotonic.secs: expected a 64-bit integer, "
                                 "got a string",
                             });
}

TEST_CASE("parse reads masked and read-only paths, sysctl and rootfsPropagation")
{
    auto result = parse_config(minimal(R"(,
        "linux": {"maskedPaths": ["/proc/kcore", "/proc/acpi"], "readonlyPaths": ["/proc/sys"],
            "sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmni": "4096"},
            "rootfsPropagation": "rslave"})"));

    REQUIRE(result.ok());
    const auto &linux_config = result.config.linux;
    CHECK(linux_config.masked_paths == std::vector<std::string>{"/proc/kcore", "/proc/acpi"});
    CHECK(linux_config.readonly_paths == std::vector<std::string>{"/proc/sys"});
    CHECK(linux_config.sysctl == std::map<std::string, std::string>{
                                     {"kernel.shmmni", "4096"}, {"net.ipv4.ip_forward", "1"}});
    CHECK(linux_config.rootfs_propagation == "rslave");
    CHECK(result.config.unsupported.empty());
}

TEST_CASE("parse checks the types of masked and read-only paths, sysctl and rootfsPropagation")
{
    check_bad_cases({
        {"masked not an array", minimal(R"(, "linux": {"maskedPaths": "/proc/kcore"})"),
         {"linux.maskedPaths: expected an array, got a string"}},
        {"read-only element", minimal(R"(, "linux": {"readonlyPaths": ["/proc/sys", 1]})"),
         {"linux.readonlyPaths[1]: expected a string, got a number"}},
        {"sysctl not an object", minimal(R"(, "linux": {"sysctl": ["net.ipv4.ip_forward"]})"),
         {"linux.sysctl: expected an object, got an array"}},
        {"sysctl value", minimal(R"(, "linux": {"sysctl": {"net.ipv4.ip_forward": 1}})"),
         {"linux.sysctl.net.ipv4.ip_forward: expected a string, got a number"}},
        {"propagation", minimal(R"(, "linux": {"rootfsPropagation": true})"),
         {"linux.rootfsPropagation: expected a string, got a boolean"}},
    });
}

TEST_CASE("parse reads a terminal and its size, and does not refuse them")
{
    auto result = parse_config(minimal(R"(,
        "process": {"terminal": true, "consoleSize": {"height": 50, "width": 132},
                    "args": ["sh"], "cwd": "/"})"));

    REQUIRE(result.ok());
    CHECK(result.config.process->terminal);
    REQUIRE(result.config.process->console_size.has_value());
    CHECK(result.config.process->console_size->height == 50);
    CHECK(result.config.process->console_size->width == 132);
    CHECK(result.config.unsupported.empty());
}

TEST_CASE("parse reads capabilities, rlimits, noNewPrivileges and oomScoreAdj")
{
    auto result = parse_config(with_process(R"(,
        "capabilities": {"bounding": ["CAP_KILL", "CAP_FOO"], "effective": ["CAP_KILL"],
                         "inheritable": [], "permitted": ["CAP_KILL"], "ambient": null},
        "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 4096},
                    {"type": "RLIMIT_CORE", "soft": 18446744073709551615,
                     "hard": 18446744073709551615}],
        "noNewPrivileges": true, "oomScoreAdj": -500)"));

    REQUIRE(lines(result.problems) == "");
    const auto &process = *result.config.process;
    // Names are kept as written: an unknown one is validate's to report.
    CHECK(process.capabilities.bounding == std::vector<std::string>{"CAP_KILL", "CAP_FOO"});
    CHECK(process.capabilities.effective == std::vector<std::string>{"CAP_KILL"});
    CHECK(process.capabilities.inheritable.empty());
    CHECK(process.capabilities.permitted == std::vector<std::string>{"CAP_KILL"});
    CHECK(process.capabilities.ambient.empty());
    REQUIRE(process.rlimits.size() == 2);
    CHECK(process.rlimits[0].type == "RLIMIT_NOFILE");
    CHECK(process.rlimits[0].soft == 1024);
    CHECK(process.rlimits[0].hard == 4096);
    CHECK(process.rlimits[1].soft == 18446744073709551615u);
    CHECK(process.no_new_privileges);
    CHECK(process.oom_score_adj == -500);
    CHECK(result.config.unsupported.empty());
}

TEST_CASE("parse reads absent capabilities, and absent sets, as empty")
{
    auto absent = parse_config(with_process(""));
    REQUIRE(absent.ok());
    const crunlite::spec::Capabilities &none = absent.config.process->capabilities;
    for (const auto *set :
         {&none.bounding, &none.effective, &none.inheritable, &none.permitted, &none.ambient})
        CHECK(set->empty());
    CHECK_FALSE(absent.config.process->oom_score_adj.has_value());
    CHECK_FALSE(absent.config.process->no_new_privileges);

    auto partial = parse_config(with_process(R"(, "capabilities": {"bounding": ["CAP_KILL"]})"));
    REQUIRE(partial.ok());
    CHECK(partial.config.process->capabilities.bounding == std::vector<std::string>{"CAP_KILL"});
    CHECK(partial.config.process->capabilities.effective.empty());
    CHECK(partial.config.unsupported.empty());
}

TEST_CASE("parse names the path of a malformed capability, rlimit or oomScoreAdj")
{
    check_bad_cases({
        {"capabilities not an object", with_process(R"(, "capabilities": ["CAP_KILL"])"),
         {"process.capabilities: expected an object, got an array"}},
        {"set not an array", with_process(R"(, "capabilities": {"ambient": "CAP_KILL"})"),
         {"process.capabilities.ambient: expected an array, got a string"}},
        {"name not a string", with_process(R"(, "capabilities": {"bounding": ["CAP_KILL", 5]})"),
         {"process.capabilities.bounding[1]: expected a string, got a number"}},
        {"rlimits not an array", with_process(R"(, "rlimits": {"type": "RLIMIT_NOFILE"})"),
         {"process.rlimits: expected an array, got an object"}},
        {"rlimit not an object", with_process(R"(, "rlimits": ["RLIMIT_NOFILE"])"),
         {"process.rlimits[0]: expected an object, got a string"}},
        {"rlimit fields missing", with_process(R"(, "rlimits": [{"soft": 1}])"),
         {"process.rlimits[0].type: required", "process.rlimits[0].hard: required"}},
        {"negative limit",
         with_process(R"(, "rlimits": [{"type": "RLIMIT_CORE", "soft": -1, "hard": 1.5}])"),
         {"process.rlimits[0].soft: expected an unsigned 64-bit integer, got -1",
          "process.rlimits[0].hard: expected an unsigned 64-bit integer, got 1.5"}},
        {"noNewPrivileges not a boolean", with_process(R"(, "noNewPrivileges": 1)"),
         {"process.noNewPrivileges: expected a boolean, got a number"}},
        {"oomScoreAdj fraction", with_process(R"(, "oomScoreAdj": 1.5)"),
         {"process.oomScoreAdj: expected a 32-bit integer, got 1.5"}},
        {"oomScoreAdj too large", with_process(R"(, "oomScoreAdj": 3000000000)"),
         {"process.oomScoreAdj: expected a 32-bit integer, got 3000000000"}},
        {"oomScoreAdj a string", with_process(R"(, "oomScoreAdj": "-5")"),
         {"process.oomScoreAdj: expected a 32-bit integer, got a string"}},
    });
}

TEST_CASE("parse does not list unsupported fields left at their defaults")
{
    auto result = parse_config(minimal(R"(,
        "process": {"terminal": false, "args": ["sh"], "cwd": "/", "capabilities": null,
            "rlimits": [], "apparmorProfile": "", "noNewPrivileges": false, "oomScoreAdj": null},
        "mounts": [{"destination": "/a", "uidMappings": [], "gidMappings": null}],
        "hooks": {},
        "linux": {"seccomp": null, "maskedPaths": [], "sysctl": {}, "cgroupsPath": ""})"));

    REQUIRE(result.ok());
    CHECK(result.config.unsupported.empty());
}

TEST_CASE("parse refuses strings with a NUL character, which the kernel would cut short")
{
    check_bad_cases({
        {"env", with_process(R"(, "env": ["X=a\u0000b"])"),
         {"process.env[0]: must not contain a NUL character"}},
        {"hostname", minimal(R"(, "hostname": "a\u0000")"),
         {"hostname: must not contain a NUL character"}},
    });
}

TEST_CASE("parse reads linux.seccomp with its rules and arguments")
{
    auto result = parse_config(minimal(R"(, "linux": {"seccomp": {
        "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
        "flags": ["SECCOMP_FILTER_FLAG_LOG"],
        "syscalls": [
            {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
             "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"},
                      {"index": 1, "value": 255, "valueTwo": 8, "op": "SCMP_CMP_MASKED_EQ"}]}]}})"));

    REQUIRE(result.ok());
    CHECK(result.config.unsupported.empty());
    REQUIRE(result.config.linux.seccomp);
    const auto &seccomp = *result.config.linux.seccomp;
    CHECK(seccomp.default_action == "SCMP_ACT_ERRNO");
    CHECK(seccomp.default_errno_ret == 38u);
    CHECK(seccomp.architectures == std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"});
    CHECK(seccomp.flags == std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"});
    REQUIRE(seccomp.syscalls.size() == 2);
    CHECK(seccomp.syscalls[0].names == std::vector<std::string>{"read", "write"});
    CHECK_FALSE(seccomp.syscalls[0].errno_ret);
    const auto &rule = seccomp.syscalls[1];
    CHECK(rule.action == "SCMP_ACT_ERRNO");
    CHECK(rule.errno_ret == 1u);
    REQUIRE(rule.args.size() == 2);
    CHECK(rule.args[0].value == 4294967295u);
    CHECK(rule.args[1].index == 1);
    CHECK(rule.args[1].value == 255);
    CHECK(rule.args[1].value_two == 8);
    CHECK(rule.args[1].op == "SCMP_CMP_MASKED_EQ");
}

TEST_CASE("parse names the path of a malformed seccomp field")
{
    auto with_seccomp = [](const std::string &seccomp) {
        return minimal(R"(, "linux": {"seccomp": )" + seccomp + "}");
    };
    check_bad_cases({
        {"not an object", with_seccomp(R"("unconfined")"),
         {"linux.seccomp: expected an object, got a string"}},
        {"no default action", with_seccomp(R"({"syscalls": []})"),
         {"linux.seccomp.defaultAction: required"}},
        {"negative errno", with_seccomp(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1})"),
         {"linux.seccomp.defaultErrnoRet: expected an unsigned 32-bit integer, got -1"}},
        {"rule without names and action",
         with_seccomp(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{}, {"names": "read",
            "action": "SCMP_ACT_KILL"}]})"),
         {"linux.seccomp.syscalls[0].names: required", "linux.seccomp.syscalls[0].action: required",
          "linux.seccomp.syscalls[1].names: expected an array, got a string"}},
        {"bad argument",
         with_seccomp(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"],
            "action": "SCMP_ACT_KILL", "args": [{"index": 1, "value": "0"}, 3]}]})"),
         {"linux.seccomp.syscalls[0].args[0].value: expected an unsigned 64-bit integer, got a string",
          "linux.seccomp.syscalls[0].args[0].op: required",
          "linux.seccomp.syscalls[0].args[1]: expected an object, got a number"}},
    });
}

TEST_CASE("parse reads every kind of hook with its path, args, env and timeout")
{
    auto result = parse_config(minimal(R"(, "hooks": {
        "prestart": [{"path": "/a"}],
        "createRuntime": [{"path": "/b", "args": ["b", "-x"], "env": ["K=V"], "timeout": 5}],
        "createContainer": [{"path": "/c"}, {"path": "/c2", "env": []}],
        "startContainer": [{"path": "/d"}],
        "poststart": [{"path": "/e"}],
        "poststop": [{"path": "/f", "timeout": null}]})"));

    REQUIRE(result.ok());
    const crunlite::spec::Hooks &hooks = result.config.hooks;
    REQUIRE(hooks.prestart.size() == 1);
    CHECK(hooks.prestart[0].path == "/a");
    CHECK(hooks.prestart[0].args.empty());
    CHECK_FALSE(hooks.prestart[0].env);
    CHECK_FALSE(hooks.prestart[0].timeout);
    REQUIRE(hooks.create_runtime.size() == 1);
    CHECK(hooks.create_runtime[0].args == std::vector<std::string>{"b", "-x"});
    CHECK(hooks.create_runtime[0].env == std::vector<std::string>{"K=V"});
    CHECK(hooks.create_runtime[0].timeout == 5);
    REQUIRE(hooks.create_container.size() == 2);
    CHECK(hooks.create_container[1].env == std::vector<std::string>{});
    CHECK(hooks.start_container.at(0).path == "/d");
    CHECK(hooks.poststart.at(0).path == "/e");
    CHECK(hooks.poststop.at(0).path == "/f");
    CHECK_FALSE(hooks.poststop[0].timeout);
    CHECK(result.config.unsupported.empty());
}

TEST_CASE("parse names the JSON path of a malformed hook")
{
    check_bad_cases({
        {"hooks not an object", minimal(R"(, "hooks": [])"),
         {"hooks: expected an object, got an array"}},
        {"list not an array", minimal(R"(, "hooks": {"poststop": {"path": "/x"}})"),
         {"hooks.poststop: expected an array, got an object"}},
        {"hook not an object", minimal(R"(, "hooks": {"prestart": ["/x"]})"),
         {"hooks.prestart[0]: expected an object, got a string"}},
        {"path missing", minimal(R"(, "hooks": {"poststart": [{"path": "/x"}, {"args": []}]})"),
         {"hooks.poststart[1].path: required"}},
        {"args", minimal(R"(, "hooks": {"createRuntime": [{"path": "/x", "args": [1]}]})"),
         {"hooks.createRuntime[0].args[0]: expected a string, got a number"}},
        {"env", minimal(R"(, "hooks": {"startContainer": [{"path": "/x", "env": "K=V"}]})"),
         {"hooks.startContainer[0].env: expected an array, got a string"}},
        {"timeout", minimal(R"(, "hooks": {"createContainer": [{"path": "/x", "timeout": "5"}]})"),
         {"hooks.createContainer[0].timeout: expected a 32-bit integer, got a string"}},
    });
}
