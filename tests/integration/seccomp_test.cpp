// linux.seccomp: the filter seen from inside the container (a denied syscall's errno, the
// Seccomp line of /proc/self/status, a killed process), for the first process and for exec'd
// ones; and each refusal, by its JSON path, leaving nothing behind.
#include <doctest/doctest.h>

#include "integration/harness.hpp"

using namespace harness;
using nlohmann::json;

namespace {

// busybox mkdir may use either syscall.
const std::vector<std::string> mkdir_calls = {"mkdir", "mkdirat"};

// Vectors rather than braced json: `{"kill"}` would be a string, not an array of one.
json rule(const std::vector<std::string> &names, const std::string &action)
{
    return {{"names", names}, {"action", action}};
}

// A profile that allows everything but `rules`.
json allow_but(const std::vector<json> &rules)
{
    return {{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", rules}};
}

Outcome run_with_seccomp(const std::string &id, const std::string &script, const json &seccomp,
                         const std::vector<std::string> &global_flags = {})
{
    Bundle bundle(script);
    bundle.config["linux"]["seccomp"] = seccomp;
    bundle.write();
    std::vector<std::string> args = global_flags;
    for (const char *arg : {"run", "--bundle"})
        args.push_back(arg);
    args.push_back(bundle.dir());
    args.push_back(id);
    return crun_lite(args);
}

// podman's default profile, as podman passes it to the runtime (tests/configs/podman-seccomp).
json podman_profile()
{
    std::string path = source_dir() + "/tests/configs/podman-seccomp/config.json";
    return json::parse(read_text(path))["linux"]["seccomp"];
}

} // namespace

TEST_CASE("seccomp: a denied syscall fails with EPERM or the configured errnoRet")
{
    json no_space = rule({"symlink", "symlinkat"}, "SCMP_ACT_ERRNO");
    no_space["errnoRet"] = 28; // ENOSPC
    auto outcome = run_with_seccomp(
        "sc-errno", "grep '^Seccomp:' /proc/self/status; mkdir /tmp/x; ln -s a /tmp/y; echo end",
        allow_but({rule(mkdir_calls, "SCMP_ACT_ERRNO"), no_space}));
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "Seccomp:\t2\nend\n");
    CHECK(outcome.err == "mkdir: can't create directory '/tmp/x': Operation not permitted\n"
                         "ln: /tmp/y: No space left on device\n");
}

TEST_CASE("seccomp: conditions on two arguments must both hold")
{
    // kill(1, 0) only: signal 0 to PID 1, which the shell is.
    json rule_kill = rule({"kill"}, "SCMP_ACT_ERRNO");
    rule_kill["args"] = json::array({{{"index", 0}, {"value", 1}, {"op", "SCMP_CMP_EQ"}},
                                     {{"index", 1}, {"value", 0}, {"op", "SCMP_CMP_EQ"}}});
    auto outcome = run_with_seccomp("sc-args",
                                    "kill -0 1 || echo denied; kill -CONT 1 && echo other-signal; "
                                    "sleep 10 & kill -0 $! && echo other-pid; kill $!",
                                    allow_but({rule_kill}));
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "denied\nother-signal\nother-pid\n");
    CHECK(outcome.err.find("Operation not permitted") != std::string::npos);
}

TEST_CASE("seccomp: podman's profile lets busybox sh run, and the default action denies the rest")
{
    json profile = podman_profile();
    // Taken off the allow list, mkdir falls to the default action: ENOSYS (defaultErrnoRet 38).
    for (auto &entry : profile["syscalls"])
        if (entry["action"] == "SCMP_ACT_ALLOW")
            for (const char *name : {"mkdir", "mkdirat"})
                entry["names"].erase(std::remove(entry["names"].begin(), entry["names"].end(),
                                                 json(name)),
                                     entry["names"].end());
    auto outcome = run_with_seccomp(
        "sc-podman",
        "grep '^Seccomp:' /proc/self/status; echo written > /tmp/f; cat /tmp/f; ls / | grep -x "
        "bin; mkdir /tmp/x",
        profile);
    CHECK(outcome.status == 1);
    CHECK(outcome.out == "Seccomp:\t2\nwritten\nbin\n");
    CHECK(outcome.err == "mkdir: can't create directory '/tmp/x': Function not implemented\n");
}

TEST_CASE("seccomp: podman's profile as it is runs the container")
{
    auto outcome = run_with_seccomp(
        "sc-podman-as-is", "grep '^Seccomp:' /proc/self/status; mkdir /tmp/x && echo ok",
        podman_profile());
    CHECK(outcome.status == 0);
    CHECK(outcome.err == "");
    CHECK(outcome.out == "Seccomp:\t2\nok\n");
}

TEST_CASE("seccomp: the kill actions end the process with SIGSYS")
{
    for (const char *action : {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD"}) {
        CAPTURE(action);
        auto outcome =
            run_with_seccomp("sc-kill", "exec mkdir /tmp/x", allow_but({rule(mkdir_calls, action)}));
        CHECK(outcome.status == 128 + 31);
    }
}

TEST_CASE("seccomp: a syscall name libseccomp does not know is skipped")
{
    auto outcome = run_with_seccomp(
        "sc-unknown-name", "mkdir /tmp/x",
        allow_but({rule({"no_such_syscall", "mkdir", "mkdirat"}, "SCMP_ACT_ERRNO")}), {"--debug"});
    CHECK(outcome.status == 1);
    CHECK(outcome.err.find("seccomp: linux.seccomp.syscalls[0]: unknown syscall "
                           "`no_such_syscall`, skipped\n") != std::string::npos);
    CHECK(outcome.err.find("mkdir: can't create directory '/tmp/x': Operation not permitted\n") !=
          std::string::npos);
}

TEST_CASE("seccomp: with noNewPrivileges the filter waits until after the identity switch")
{
    // Loaded before, this profile would stop crun-lite's own switch to uid 1000.
    Bundle bundle("id -u; grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status");
    bundle.config["process"]["noNewPrivileges"] = true;
    bundle.config["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
    bundle.config["linux"]["seccomp"] =
        allow_but({rule({"setgroups", "setresgid", "setresuid", "capset"}, "SCMP_ACT_KILL")});
    bundle.write();
    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "sc-nnp"});
    CHECK(outcome.status == 0);
    CHECK(outcome.err == "");
    CHECK(outcome.out == "1000\nNoNewPrivs:\t1\nSeccomp:\t2\n");
}

TEST_CASE("seccomp: exec'd processes get the container's filter")
{
    Bundle bundle("sleep 300");
    bundle.config["linux"]["seccomp"] = allow_but({rule(mkdir_calls, "SCMP_ACT_ERRNO")});
    bundle.write();
    const std::string id = "sc-exec";
    REQUIRE(crun_lite_leaving_container({"run", "--detach", "--bundle", bundle.dir(), id}).status ==
            0);

    auto plain = crun_lite({"exec", id, "sh", "-c", "grep '^Seccomp:' /proc/self/status; "
                                                    "mkdir /tmp/x"});
    CHECK(plain.status == 1);
    CHECK(plain.out == "Seccomp:\t2\n");
    CHECK(plain.err == "mkdir: can't create directory '/tmp/x': Operation not permitted\n");

    // A process.json of its own, with noNewPrivileges: the filter comes at the exec instead.
    TempDir dir;
    json process = {{"args", {"mkdir", "/tmp/y"}}, {"cwd", "/"}, {"noNewPrivileges", true},
                    {"env", json::array({"PATH=/bin"})}};
    write_text(dir.path() + "/process.json", process.dump());
    auto own = crun_lite({"exec", "--process", dir.path() + "/process.json", id});
    CHECK(own.status == 1);
    CHECK(own.err == "mkdir: can't create directory '/tmp/y': Operation not permitted\n");

    crun_lite({"delete", "--force", id});
}

TEST_CASE("seccomp: a bad profile is refused by its JSON path and leaves nothing behind")
{
    json bad_arg = rule({"kill"}, "SCMP_ACT_ERRNO");
    bad_arg["args"] = json::array({{{"index", 6}, {"value", 0}, {"op", "SCMP_CMP_EQ"}}});
    json errno_on_kill = rule({"ptrace"}, "SCMP_ACT_KILL");
    errno_on_kill["errnoRet"] = 1;
    json profile = allow_but({rule({"mkdir"}, "SCMP_ACT_ERRNO"), rule({"rmdir"}, "SCMP_ACT_FOO"),
                              bad_arg, errno_on_kill});
    profile["architectures"] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"};
    profile["flags"] = json::array({"SECCOMP_FILTER_FLAG_BOGUS"});
    profile["listenerPath"] = "/run/agent.sock";

    auto before = HostSnapshot::take();
    auto outcome = run_with_seccomp("sc-bad", "true", profile);
    CHECK(outcome.status == 1);
    CHECK(outcome.out == "");
    CHECK(outcome.err ==
          "crun-lite: run `sc-bad`: linux.seccomp.architectures[1]: unknown architecture "
          "`SCMP_ARCH_Z80`\n"
          "crun-lite: run `sc-bad`: linux.seccomp.flags[0]: unknown flag "
          "`SECCOMP_FILTER_FLAG_BOGUS`\n"
          "crun-lite: run `sc-bad`: linux.seccomp.listenerPath: a seccomp listener is not "
          "supported by crun-lite\n"
          "crun-lite: run `sc-bad`: linux.seccomp.syscalls[1].action: unknown action "
          "`SCMP_ACT_FOO`\n"
          "crun-lite: run `sc-bad`: linux.seccomp.syscalls[2].args[0].index: must be 0 to 5, "
          "got 6\n"
          "crun-lite: run `sc-bad`: linux.seccomp.syscalls[3].errnoRet: `SCMP_ACT_KILL` returns "
          "no value; only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("seccomp: features lists what the filter understands")
{
    auto outcome = crun_lite({"features"});
    REQUIRE(outcome.status == 0);
    auto seccomp = json::parse(outcome.out)["linux"]["seccomp"];
    CHECK(seccomp["enabled"] == true);
    CHECK(seccomp["actions"].size() == 8);
    CHECK(seccomp["operators"].size() == 7);
    CHECK(seccomp["supportedFlags"] ==
          json{"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
               "SECCOMP_FILTER_FLAG_SPEC_ALLOW"});
    auto archs = seccomp["archs"].get<std::vector<std::string>>();
    CHECK(std::find(archs.begin(), archs.end(), "SCMP_ARCH_X86_64") != archs.end());
    CHECK(std::find(archs.begin(), archs.end(), "SCMP_ARCH_AARCH64") != archs.end());
}

TEST_CASE("seccomp: a filter too long for the kernel fails before anything is made")
{
    // One comparison per value: past the kernel's 4096 instructions.
    std::vector<json> rules;
    for (int value = 0; value < 5000; ++value) {
        json denied = rule({"personality"}, "SCMP_ACT_ERRNO");
        denied["args"] = json::array({{{"index", 0}, {"value", value}, {"op", "SCMP_CMP_EQ"}}});
        rules.push_back(denied);
    }
    auto before = HostSnapshot::take();
    auto outcome = run_with_seccomp("sc-too-long", "true", allow_but(rules));
    CHECK(outcome.status == 1);
    CHECK(outcome.err.rfind("crun-lite: run `sc-too-long`: seccomp: the filter has ", 0) == 0);
    CHECK(outcome.err.find(" instructions, the kernel takes at most 4096\n") != std::string::npos);
    CHECK(differences(before, HostSnapshot::take()) == "");
}

// With noNewPrivileges the filter is loaded just before execve: a profile that denies execve,
// or lets no process exit, would otherwise end the program with an unexplained signal.
TEST_CASE("seccomp: a profile under which the program could never start or exit fails create")
{
    json exits = rule({"exit_group", "exit"}, "SCMP_ACT_ERRNO");
    for (const auto &example : std::vector<std::pair<json, std::string>>{
             {allow_but({rule({"execve"}, "SCMP_ACT_ERRNO")}),
              "linux.seccomp: the profile denies execve, so the program could never start: "
              "Operation not permitted"},
             {allow_but({rule({"execve"}, "SCMP_ACT_KILL_PROCESS")}),
              "linux.seccomp: the profile kills any process calling execve: a trial process was "
              "ended by signal 31 (Bad system call)"},
             {allow_but({exits}),
              "linux.seccomp: the profile lets no process exit: a trial process calling "
              "exit_group was ended by signal 11 (Segmentation fault)"},
         }) {
        // Named references, not a structured binding: clang 14 (the sanitizer build) cannot
        // capture a binding in CAPTURE's lambda.
        const json &profile = example.first;
        const std::string &error = example.second;
        CAPTURE(error);
        auto before = HostSnapshot::take();
        auto outcome = run_with_seccomp("sc-never", "echo ran", profile);
        CHECK(outcome.status == 1);
        CHECK(outcome.out == "");
        CHECK(outcome.err == "crun-lite: run `sc-never`: " + error + "\n");
        CHECK(differences(before, HostSnapshot::take()) == "");
    }
}
