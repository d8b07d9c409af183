// `crun-lite exec`: another process in a running container, in its namespaces, with its own
// identity, env and cwd; the runtime itself runs from a sealed copy while it is in there.
#include <doctest/doctest.h>
#include <unistd.h>

#include "integration/harness.hpp"

using namespace harness;

namespace {

// A detached container running `sleep`, deleted at the end of the test whatever happens.
class RunningContainer {
public:
    explicit RunningContainer(const std::string &id) : id_(id), bundle_("sleep 300")
    {
        bundle_.config["hostname"] = "exec-host";
        bundle_.config["process"]["env"].push_back("FROM_CONFIG=yes");
        bundle_.write();
        auto outcome = crun_lite_leaving_container({"run", "--detach", "--bundle", bundle_.dir(), id_});
        REQUIRE(outcome.status == 0);
    }
    ~RunningContainer() { crun_lite({"delete", "--force", id_}); }

    const std::string &id() const { return id_; }
    const Bundle &bundle() const { return bundle_; }

private:
    std::string id_;
    Bundle bundle_;
};

} // namespace

TEST_CASE("exec: the process runs in the container's namespaces and sees its PID 1")
{
    RunningContainer container("exec-ns");
    auto outcome = crun_lite({"exec", container.id(), "sh", "-c", "hostname; cat /proc/1/comm"});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "exec-host\nsleep\n");
    CHECK(outcome.err == "");
}

TEST_CASE("exec: exit status passes through, a missing command is 127 with a message")
{
    RunningContainer container("exec-status");
    CHECK(crun_lite({"exec", container.id(), "sh", "-c", "exit 5"}).status == 5);
    auto missing = crun_lite({"exec", container.id(), "no-such-tool"});
    CHECK(missing.status == 127);
    CHECK(missing.err == "crun-lite: exec `exec-status`: exec `no-such-tool`: executable file "
                         "not found in $PATH\n");
}

TEST_CASE("exec: the config's env is the base; --env, --cwd and --user change it")
{
    RunningContainer container("exec-opts");
    auto outcome = crun_lite({"exec", "--cwd", "/tmp", "-e", "EXTRA=1", "--user", "1000:1001",
                              container.id(), "sh", "-c", "pwd; echo $FROM_CONFIG $EXTRA; id -u; id -g"});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "/tmp\nyes 1\n1000\n1001\n");
}

TEST_CASE("exec: --process takes a process.json as podman writes it")
{
    RunningContainer container("exec-process");
    TempDir scratch;
    write_text(scratch.path() + "/process.json",
               R"({"user":{"uid":0,"gid":0},"args":["sh","-c","echo exec-ok $FOO; pwd"],)"
               R"("env":["PATH=/usr/bin:/bin","FOO=bar"],"cwd":"/tmp"})");
    auto outcome = crun_lite({"exec", "--process", scratch.path() + "/process.json", container.id()});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "exec-ok bar\n/tmp\n");

    write_text(scratch.path() + "/bad.json", R"({"args":[],"cwd":"tmp"})");
    auto bad = crun_lite({"exec", "--process", scratch.path() + "/bad.json", container.id()});
    CHECK(bad.status == 1);
    std::string file = scratch.path() + "/bad.json";
    CHECK(bad.err == "crun-lite: exec `exec-process`: " + file + ": process.args: must not be empty\n"
                     "crun-lite: exec `exec-process`: " + file + ": process.cwd: must be an "
                     "absolute path, got `tmp`\n");

    // The fields beyond the basics are checked as in config.json, never dropped.
    write_text(scratch.path() + "/unsupported.json",
               R"({"args":["true"],"cwd":"/","ioPriority":{"class":"IOPRIO_CLASS_NONE"}})");
    auto unsupported =
        crun_lite({"exec", "--process", scratch.path() + "/unsupported.json", container.id()});
    CHECK(unsupported.status == 1);
    CHECK(unsupported.err == "crun-lite: exec `exec-process`: " + scratch.path() +
                                 "/unsupported.json: process.ioPriority.class: unknown class "
                                 "`IOPRIO_CLASS_NONE`, expected IOPRIO_CLASS_RT, IOPRIO_CLASS_BE "
                                 "or IOPRIO_CLASS_IDLE\n");

    write_text(scratch.path() + "/broken.json", "{\"args\": [\n");
    auto broken = crun_lite({"exec", "--process", scratch.path() + "/broken.json", container.id()});
    CHECK(broken.err.find("/broken.json: process.json: line 2, column 1: syntax error") !=
          std::string::npos);
}

TEST_CASE("exec: runc's --cap, --additional-gids and --no-new-privs change the process")
{
    Bundle bundle("sleep 300");
    bundle.config["process"]["noNewPrivileges"] = false;
    bundle.write();
    REQUIRE(crun_lite_leaving_container({"run", "--detach", "--bundle", bundle.dir(), "exec-runc"})
                .status == 0);
    const std::string report = "grep -E '^(CapEff|NoNewPrivs)' /proc/self/status; id -G";

    auto plain = crun_lite({"exec", "exec-runc", "sh", "-c", report});
    auto changed = crun_lite({"exec", "--cap", "CAP_SYS_ADMIN", "-g", "10", "--additional-gids",
                              "20", "--no-new-privs", "exec-runc", "sh", "-c", report});
    auto bad_cap = crun_lite({"exec", "--cap", "CAP_NO_SUCH", "exec-runc", "true"});
    crun_lite({"delete", "--force", "exec-runc"});

    // The generator's defaults: CAP_AUDIT_WRITE, CAP_KILL and CAP_NET_BIND_SERVICE.
    CHECK(plain.out == "CapEff:\t0000000020000420\nNoNewPrivs:\t0\n0\n");
    // CAP_SYS_ADMIN is bit 21.
    CHECK(changed.out == "CapEff:\t0000000020200420\nNoNewPrivs:\t1\n0 10 20\n");
    CHECK(bad_cap.status == 1);
    CHECK(bad_cap.err.find("CAP_NO_SUCH") != std::string::npos);
}

TEST_CASE("exec: a bad --env or --user is refused by name")
{
    RunningContainer container("exec-bad-flags");
    auto env = crun_lite({"exec", "-e", "GOOD=1", "-e", "BAD", container.id(), "true"});
    CHECK(env.status == 1);
    CHECK(env.err == "crun-lite: exec `exec-bad-flags`: --env: expected NAME=VALUE, got `BAD`\n");
    auto user = crun_lite({"exec", "-u", "4294967295", container.id(), "id"});
    CHECK(user.status == 1);
    CHECK(user.err == "crun-lite: exec `exec-bad-flags`: process.user.uid: 4294967295 is not a "
                      "valid uid\n");
}

TEST_CASE("exec: --detach returns with the process running in the container")
{
    RunningContainer container("exec-detach");
    TempDir scratch;
    auto outcome = crun_lite_leaving_container(
        {"exec", "--detach", "--pid-file", scratch.path() + "/pid", container.id(), "sleep", "4242"});
    CHECK(outcome.status == 0);
    pid_t pid = std::stoi(read_text(scratch.path() + "/pid"));
    auto ps = crun_lite({"ps", "--format", "json", container.id()});
    CHECK(ps.out.find(std::to_string(pid)) != std::string::npos);

    crun_lite({"delete", "--force", container.id()});
    for (pid_t left : processes_matching("sleep 4242"))
        MESSAGE(read_text("/proc/" + std::to_string(left) + "/status").substr(0, 300) << read_text("/proc/" + std::to_string(left) + "/cmdline"));
    CHECK(processes_matching("sleep 4242").empty());
}

TEST_CASE("exec: only stdio passes into the process")
{
    RunningContainer container("exec-fds");
    auto outcome = crun_lite({"exec", container.id(), "ls", "/proc/self/fd"});
    CHECK(outcome.out == "0\n1\n2\n3\n");
}

TEST_CASE("exec: while inside, the runtime runs from a binary nobody can write")
{
    RunningContainer container("exec-sealed");
    auto running = start_crun_lite({"exec", container.id(), "sleep", "2"});
    // Until the runtime has re-executed itself, it runs from the build directory.
    CHECK(eventually([&] { return runs_protected_binary(running.pid()); }, 2));
    CHECK(running.wait().status == 0);
}

TEST_CASE("exec: a stopped or unknown container is refused")
{
    auto unknown = crun_lite({"exec", "exec-nope", "true"});
    CHECK(unknown.status == 1);
    CHECK(unknown.err == "crun-lite: exec `exec-nope`: container `exec-nope` does not exist\n");

    RunningContainer container("exec-stopped");
    crun_lite({"kill", container.id(), "KILL"});
    usleep(200000);
    auto stopped = crun_lite({"exec", container.id(), "true"});
    CHECK(stopped.status == 1);
    CHECK(stopped.err == "crun-lite: exec `exec-stopped`: container not running\n");
}
