// process.capabilities, noNewPrivileges, rlimits and oomScoreAdj, seen from inside the
// container through /proc/self, for the first process and for exec'd ones; and each refusal,
// by its exact message.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sstream>

#include "integration/harness.hpp"

using namespace harness;
using nlohmann::json;

namespace {

const char *show_capabilities = "grep Cap /proc/self/status";

// The capability lines of /proc/self/status, in the kernel's order, with these hex masks.
std::string capability_lines(const std::string &inheritable, const std::string &permitted,
                             const std::string &effective, const std::string &bounding,
                             const std::string &ambient)
{
    return "CapInh:\t" + inheritable + "\nCapPrm:\t" + permitted + "\nCapEff:\t" + effective +
           "\nCapBnd:\t" + bounding + "\nCapAmb:\t" + ambient + "\n";
}

// One line of this test process's /proc/self/status, without its name ("CapBnd").
std::string own_status(const std::string &name)
{
    std::istringstream status(read_text("/proc/self/status"));
    std::string line;
    while (std::getline(status, line))
        if (line.rfind(name + ":\t", 0) == 0)
            return line.substr(name.size() + 2);
    return "";
}

// Whether crun-lite, started from this test, may raise hard limits and lower oom scores.
bool runtime_has_sys_resource()
{
    return (std::stoull(own_status("CapEff"), nullptr, 16) >> 24) & 1;
}

// CAP_KILL (5) and CAP_NET_BIND_SERVICE (10): mask 0x420.
const json kill_and_bind = {"CAP_KILL", "CAP_NET_BIND_SERVICE"};

// podman's process.json for `podman exec`, as it passes it to the runtime.
const char *podman_exec_process = R"({"user":{"uid":0,"gid":0},"args":["sh","-c","echo exec-ok"],)"
    R"("env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","TERM=xterm",)"
    R"("container=podman","FOO=bar","HOME=/root"],"cwd":"/tmp","capabilities":{"bounding":)"
    R"(["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL",)"
    R"("CAP_NET_BIND_SERVICE","CAP_SETFCAP","CAP_SETGID","CAP_SETPCAP","CAP_SETUID",)"
    R"("CAP_SYS_CHROOT"],"effective":["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID",)"
    R"("CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SETFCAP","CAP_SETGID","CAP_SETPCAP","CAP_SETUID",)"
    R"("CAP_SYS_CHROOT"],"permitted":["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID",)"
    R"("CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SETFCAP","CAP_SETGID","CAP_SETPCAP","CAP_SETUID",)"
    R"("CAP_SYS_CHROOT"]},"rlimits":[{"type":"RLIMIT_NOFILE","hard":20000,"soft":20000},)"
    R"({"type":"RLIMIT_NPROC","hard":32768,"soft":32768}]})";

// A detached container running `sleep` with `process` merged into its process, deleted at the
// end of the test whatever happens.
class RunningContainer {
public:
    RunningContainer(const std::string &id, const json &process) : id_(id), bundle_("sleep 300")
    {
        bundle_.config["process"].update(process);
        bundle_.write();
        auto outcome =
            crun_lite_leaving_container({"run", "--detach", "--bundle", bundle_.dir(), id_});
        REQUIRE(outcome.status == 0);
    }
    ~RunningContainer() { crun_lite({"delete", "--force", id_}); }

    const std::string &id() const { return id_; }

private:
    std::string id_;
    Bundle bundle_;
};

// Runs a bundle whose process has `process` merged in, as container `id`.
Outcome run_with(const std::string &id, const std::string &script, const json &process)
{
    Bundle bundle(script);
    bundle.config["process"].update(process);
    bundle.write();
    return crun_lite({"run", "--bundle", bundle.dir(), id});
}

} // namespace

TEST_CASE("process: only the capabilities listed remain, in every set")
{
    auto outcome = run_with("caps-listed", show_capabilities,
                            {{"capabilities",
                              {{"bounding", kill_and_bind},
                               {"effective", kill_and_bind},
                               {"permitted", kill_and_bind}}}});
    CHECK(outcome.status == 0);
    CHECK(outcome.err == "");
    CHECK(outcome.out == capability_lines("0000000000000000", "0000000000000420",
                                          "0000000000000420", "0000000000000420",
                                          "0000000000000000"));
}

TEST_CASE("process: an empty capabilities object drops every capability")
{
    auto outcome = run_with("caps-empty", show_capabilities,
                            {{"capabilities", json::object()}});
    CHECK(outcome.status == 0);
    std::string none = "0000000000000000";
    CHECK(outcome.out == capability_lines(none, none, none, none, none));
}

TEST_CASE("process: without capabilities the process, and an exec'd one, have none")
{
    const std::string none = "0000000000000000";
    const std::string try_mount =
        std::string(show_capabilities) + "; mount -t tmpfs none /mnt 2>/dev/null || echo refused";
    Bundle bundle(try_mount);
    bundle.config["process"].erase("capabilities");
    bundle.write();
    auto first = crun_lite({"run", "--bundle", bundle.dir(), "caps-absent"});
    CHECK(first.status == 0);
    CHECK(first.out == capability_lines(none, none, none, none, none) + "refused\n");

    Bundle sleeping("sleep 300");
    sleeping.config["process"].erase("capabilities");
    sleeping.write();
    REQUIRE(crun_lite_leaving_container({"run", "--detach", "--bundle", sleeping.dir(),
                                         "caps-absent-exec"})
                .status == 0);
    TempDir scratch;
    write_text(scratch.path() + "/process.json",
               json{{"args", {"sh", "-c", try_mount}}, {"cwd", "/"}}.dump());
    auto from_file = crun_lite(
        {"exec", "--process", scratch.path() + "/process.json", "caps-absent-exec"});
    auto from_config = crun_lite({"exec", "caps-absent-exec", "sh", "-c", try_mount});
    crun_lite({"delete", "--force", "caps-absent-exec"});
    CHECK(from_file.status == 0);
    CHECK(from_file.out == capability_lines(none, none, none, none, none) + "refused\n");
    CHECK(from_config.status == 0);
    CHECK(from_config.out == capability_lines(none, none, none, none, none) + "refused\n");
}

TEST_CASE("process: a user other than root keeps an ambient capability across exec")
{
    json bind = {"CAP_NET_BIND_SERVICE"};
    auto outcome = run_with("caps-ambient", show_capabilities + std::string("; id -u"),
                            {{"user", {{"uid", 1000}, {"gid", 1000}}},
                             {"capabilities",
                              {{"bounding", kill_and_bind},
                               {"effective", bind},
                               {"permitted", bind},
                               {"inheritable", bind},
                               {"ambient", bind}}}});
    CHECK(outcome.status == 0);
    CHECK(outcome.err == "");
    CHECK(outcome.out == capability_lines("0000000000000400", "0000000000000400",
                                          "0000000000000400", "0000000000000420",
                                          "0000000000000400") +
                             "1000\n");
}

TEST_CASE("process: an ambient capability that is not inheritable is left out, with a warning")
{
    json bind = {"CAP_NET_BIND_SERVICE"};
    auto outcome = run_with("caps-ambient-warn", "grep CapAmb /proc/self/status",
                            {{"user", {{"uid", 1000}, {"gid", 1000}}},
                             {"capabilities",
                              {{"effective", bind}, {"permitted", bind}, {"ambient", bind}}}});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "CapAmb:\t0000000000000000\n");
    CHECK(outcome.err == "crun-lite: warning: run `caps-ambient-warn`: "
                         "process.capabilities.ambient[0]: `CAP_NET_BIND_SERVICE` is not both "
                         "permitted and inheritable; not raised\n");
}

TEST_CASE("process: noNewPrivileges sets the flag, and only when asked")
{
    auto set = run_with("nnp-set", "grep NoNewPrivs /proc/self/status",
                        {{"noNewPrivileges", true}});
    CHECK(set.status == 0);
    CHECK(set.out == "NoNewPrivs:\t1\n");

    auto unset = run_with("nnp-unset", "grep NoNewPrivs /proc/self/status",
                          {{"noNewPrivileges", false}});
    CHECK(unset.status == 0);
    CHECK(unset.out == "NoNewPrivs:\t0\n");
}

TEST_CASE("process: rlimits apply before the program runs")
{
    auto outcome = run_with(
        "rlimits", "ulimit -n; ulimit -Hn; grep -E 'open files|core file' /proc/self/limits",
        {{"rlimits",
          {{{"type", "RLIMIT_NOFILE"}, {"soft", 1000}, {"hard", 2000}},
           {{"type", "RLIMIT_CORE"}, {"soft", 0}, {"hard", 4096}}}}});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "1000\n2000\n"
                         "Max core file size        0                    4096                 bytes     \n"
                         "Max open files            1000                 2000                 files     \n");
}

TEST_CASE("process: a hard limit above the runtime's own fails, naming the rlimit")
{
    if (runtime_has_sys_resource()) {
        MESSAGE("skipped: the runtime has CAP_SYS_RESOURCE and may raise hard limits");
        return;
    }
    rlimit own{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &own) == 0);
    std::string raised = std::to_string(own.rlim_max + 1);
    auto outcome = run_with("rlimit-raise", "true",
                            {{"rlimits",
                              {{{"type", "RLIMIT_NOFILE"},
                                {"soft", own.rlim_max + 1},
                                {"hard", own.rlim_max + 1}}}}});
    CHECK(outcome.status == 1);
    CHECK(outcome.err == "crun-lite: run `rlimit-raise`: set `RLIMIT_NOFILE` to soft " + raised +
                             ", hard " + raised + " (a hard limit above the runtime's own needs "
                             "CAP_SYS_RESOURCE): Operation not permitted\n");
}

TEST_CASE("process: oomScoreAdj is written before the program runs")
{
    auto outcome = run_with("oom", "cat /proc/self/oom_score_adj", {{"oomScoreAdj", 500}});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "500\n");
}

TEST_CASE("process: an oomScoreAdj below the runtime's own fails without CAP_SYS_RESOURCE")
{
    if (runtime_has_sys_resource() || std::stoi(read_text("/proc/self/oom_score_adj")) < -499) {
        MESSAGE("skipped: the runtime may lower its oom score");
        return;
    }
    auto outcome = run_with("oom-low", "true", {{"oomScoreAdj", -500}});
    CHECK(outcome.status == 1);
    CHECK(outcome.err == "crun-lite: run `oom-low`: set oom_score_adj to -500 (below the "
                         "runtime's own needs CAP_SYS_RESOURCE): Permission denied\n");
}

TEST_CASE("process: an exec'd process gets the capabilities of its process.json")
{
    RunningContainer container("caps-exec", json::object());
    TempDir scratch;
    json process = {{"args", {"sh", "-c", "grep Cap /proc/self/status; grep NoNewPrivs "
                                          "/proc/self/status; ulimit -n"}},
                    {"cwd", "/"},
                    {"capabilities", {{"bounding", kill_and_bind}, {"permitted", {"CAP_KILL"}}}},
                    {"noNewPrivileges", true},
                    {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"soft", 77}, {"hard", 77}}}}};
    write_text(scratch.path() + "/process.json", process.dump());

    auto outcome = crun_lite({"exec", "--process", scratch.path() + "/process.json", container.id()});

    CHECK(outcome.status == 0);
    CHECK(outcome.err == "");
    // Without noNewPrivileges, root's execve would fill permitted and effective up to the
    // bounding set; with it, the process keeps what capset left: CAP_KILL alone.
    CHECK(outcome.out == capability_lines("0000000000000000", "0000000000000020",
                                          "0000000000000020", "0000000000000420",
                                          "0000000000000000") +
                             "NoNewPrivs:\t1\n77\n");
}

TEST_CASE("process: exec without --process takes the container's capabilities and limits")
{
    RunningContainer container("caps-exec-config",
                               {{"capabilities", {{"bounding", kill_and_bind}}},
                                {"oomScoreAdj", 250},
                                {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"soft", 99}, {"hard", 99}}}}});
    auto outcome = crun_lite({"exec", container.id(), "sh", "-c",
                              "grep CapBnd /proc/self/status; ulimit -n; "
                              "cat /proc/self/oom_score_adj"});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "CapBnd:\t0000000000000420\n99\n250\n");
}

TEST_CASE("process: podman's exec process.json is applied: capabilities and rlimits")
{
    RunningContainer container("caps-podman", json::object());
    TempDir scratch;
    write_text(scratch.path() + "/process.json", podman_exec_process);
    auto as_written = crun_lite({"exec", "--process", scratch.path() + "/process.json", container.id()});
    CHECK(as_written.status == 0);
    CHECK(as_written.out == "exec-ok\n");

    json process = json::parse(podman_exec_process);
    process["args"] = {"sh", "-c", "grep Cap /proc/self/status; ulimit -n; ulimit -u; pwd"};
    write_text(scratch.path() + "/report.json", process.dump());
    auto outcome = crun_lite({"exec", "--process", scratch.path() + "/report.json", container.id()});
    CHECK(outcome.status == 0);
    CHECK(outcome.err == "");
    // CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP, NET_BIND_SERVICE,
    // SYS_CHROOT and SETFCAP: bits 0, 1, 3-8, 10, 18 and 31.
    CHECK(outcome.out == capability_lines("0000000000000000", "00000000800405fb",
                                          "00000000800405fb", "00000000800405fb",
                                          "0000000000000000") +
                             "20000\n32768\n/tmp\n");
}

TEST_CASE("process: bad capabilities, rlimits and oomScoreAdj are refused by name")
{
    struct Refusal {
        std::string name;
        json process;
        std::string error;
    };
    std::vector<Refusal> refusals = {
        {"unknown capability",
         {{"capabilities", {{"bounding", {"CAP_KILL", "CAP_CHOWN", "CAP_FOO"}}}}},
         "process.capabilities.bounding[2]: unknown capability `CAP_FOO`"},
        {"effective not permitted",
         {{"capabilities", {{"effective", {"CAP_KILL"}}}}},
         "process.capabilities.effective[0]: `CAP_KILL` is not in the permitted set"},
        {"unknown rlimit",
         {{"rlimits", {{{"type", "RLIMIT_FOO"}, {"soft", 1}, {"hard", 1}}}}},
         "process.rlimits[0].type: unknown rlimit `RLIMIT_FOO`"},
        {"duplicate rlimit",
         {{"rlimits",
           {{{"type", "RLIMIT_NOFILE"}, {"soft", 1}, {"hard", 1}},
            {{"type", "RLIMIT_NOFILE"}, {"soft", 2}, {"hard", 2}}}}},
         "process.rlimits[1].type: duplicate `RLIMIT_NOFILE`"},
        {"soft above hard",
         {{"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"soft", 20}, {"hard", 10}}}}},
         "process.rlimits[0]: soft limit 20 is above hard limit 10"},
        {"oomScoreAdj out of range", {{"oomScoreAdj", -1001}},
         "process.oomScoreAdj: must be between -1000 and 1000, got -1001"},
    };
    for (const auto &refusal : refusals) {
        CAPTURE(refusal.name);
        auto before = HostSnapshot::take();
        auto outcome = run_with("refused", "true", refusal.process);
        CHECK(outcome.status == 1);
        CHECK(outcome.err == "crun-lite: run `refused`: " + refusal.error + "\n");
        CHECK(differences(before, HostSnapshot::take()) == "");
    }
}

TEST_CASE("process: exec --process refuses a bad capability by name")
{
    RunningContainer container("caps-exec-bad", json::object());
    TempDir scratch;
    std::string file = scratch.path() + "/process.json";
    write_text(file, R"({"args":["true"],"cwd":"/","capabilities":{"ambient":["CAP_NOPE"]}})");
    auto outcome = crun_lite({"exec", "--process", file, container.id()});
    CHECK(outcome.status == 1);
    CHECK(outcome.err == "crun-lite: exec `caps-exec-bad`: " + file +
                             ": process.capabilities.ambient[0]: unknown capability `CAP_NOPE`\n");
}
