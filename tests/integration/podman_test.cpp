// podman 4.3 runs its containers through crun-lite (`--runtime <crun-lite>`): conmon calls
// create and exec (without --root, so crun-lite's default state root serves every call), podman
// itself start, kill, pause, resume and delete. The busybox image is imported from a tarball;
// each test has podman roots, config and a cgroup parent of its own (clients.hpp).
#include <doctest/doctest.h>

#include <cstdlib>
#include <memory>

#include "integration/clients.hpp"

using namespace harness;
using clients::Podman;

namespace {

constexpr const char *image = "localhost/crun-lite-busybox:latest";

bool contains(const std::string &text, const std::string &part)
{
    return text.find(part) != std::string::npos;
}

// A podman with the busybox image, or nullptr (and the test says why) when podman is missing.
std::unique_ptr<Podman> podman_with_busybox()
{
    if (!clients::installed("podman") || !clients::installed("conmon")) {
        MESSAGE("skipped: podman or conmon is not installed (tools/install-deps installs them)");
        return nullptr;
    }
    auto podman = std::make_unique<Podman>();
    podman->import(clients::busybox_tarball(), image);
    return podman;
}

std::string inspect(const Podman &podman, const std::string &name, const std::string &format)
{
    auto outcome = podman({"inspect", "--format", format, name});
    REQUIRE_MESSAGE(outcome.status == 0, outcome.err);
    return outcome.out;
}

// The container's first process as the host sees it, and when it started: a restart makes a new one.
std::string first_process(const Podman &podman, const std::string &name)
{
    std::string pid = inspect(podman, name, "{{.State.Pid}}");
    pid.pop_back();
    std::string stat = read_text("/proc/" + pid + "/stat");
    return pid + " " + stat.substr(stat.rfind(')') + 2).substr(0, 60);
}

} // namespace

TEST_CASE("podman: run --rm prints from the container, with podman's limits, and leaves nothing")
{
    auto podman = podman_with_busybox();
    if (!podman)
        return;

    TempDir scratch;
    std::string id_file = scratch.path() + "/id";

    auto outcome = (*podman)({"run", "--rm", "--cidfile", id_file, image, "sh", "-c",
                              "echo hi; ulimit -n; ulimit -u"});

    CHECK_MESSAGE(outcome.status == 0, outcome.err);
    // containers.conf's default_ulimits, applied by crun-lite.
    CHECK(outcome.out == "hi\n1024\n4096\n");
    std::string id = read_text(id_file);
    REQUIRE(id.size() == 64);
    CHECK((*podman)({"ps", "--all", "--quiet"}).out == "");
    CHECK(!exists("/run/crun-lite/" + id));
    CHECK(!clients::cgroup_exists(podman->cgroup_parent() + "/libpod-" + id));
}

TEST_CASE("podman: a detached container goes through ps, exec, pause, stop, restart and rm -f")
{
    auto podman = podman_with_busybox();
    if (!podman)
        return;
    const std::string name = "crun-lite-detached";
    auto started = (*podman)({"run", "--detach", "--name", name, image, "sleep", "100"});
    REQUIRE_MESSAGE(started.status == 0, started.err);
    std::string id = started.out.substr(0, started.out.find('\n'));
    // conmon gives crun-lite no --root: the container is in the default state root.
    CHECK(exists("/run/crun-lite/" + id));

    auto listed = (*podman)({"ps", "--format", "{{.Names}} {{.Status}}"});
    CHECK(contains(listed.out, name + " Up "));

    auto exec = (*podman)({"exec", name, "sh", "-c", "echo exec $((6 * 7)); exit 4"});
    CHECK(exec.status == 4);
    CHECK(exec.out == "exec 42\n");
    // --tty: conmon hands crun-lite a console socket and relays the terminal.
    auto with_tty = (*podman)({"exec", "--tty", name, "sh", "-c", "tty; [ -t 1 ] && echo tty-out"});
    CHECK_MESSAGE(with_tty.status == 0, with_tty.err);
    CHECK(without_cr(with_tty.out) == "/dev/pts/0\ntty-out\n");

    REQUIRE((*podman)({"pause", name}).status == 0);
    CHECK(inspect(*podman, name, "{{.State.Status}}") == "paused\n");
    CHECK(contains(run_program({getenv("CRUN_LITE_BIN"), "state", id}).out, "\"paused\""));
    REQUIRE((*podman)({"unpause", name}).status == 0);
    CHECK(inspect(*podman, name, "{{.State.Status}}") == "running\n");
    CHECK((*podman)({"exec", name, "echo", "thawed"}).out == "thawed\n");

    // sleep is PID 1 there and ignores SIGTERM: podman sends 15, then after a second 9.
    auto stopped = (*podman)({"stop", "--time", "1", name});
    CHECK_MESSAGE(stopped.status == 0, stopped.err);
    CHECK(inspect(*podman, name, "{{.State.Status}} {{.State.ExitCode}}") == "exited 137\n");

    auto restarted = (*podman)({"restart", "--time", "1", name});
    CHECK_MESSAGE(restarted.status == 0, restarted.err);
    CHECK(inspect(*podman, name, "{{.State.Status}}") == "running\n");
    std::string before = first_process(*podman, name);
    CHECK((*podman)({"exec", name, "echo", "restarted"}).out == "restarted\n");
    auto restarted_running = (*podman)({"restart", "--time", "1", name});
    CHECK_MESSAGE(restarted_running.status == 0, restarted_running.err);
    CHECK(first_process(*podman, name) != before);

    auto removed = (*podman)({"rm", "--force", "--time", "1", name});
    CHECK_MESSAGE(removed.status == 0, removed.err);
    CHECK((*podman)({"ps", "--all", "--quiet"}).out == "");
    CHECK(!exists("/run/crun-lite/" + id));
    CHECK(!clients::cgroup_exists(podman->cgroup_parent() + "/libpod-" + id));
}

TEST_CASE("podman: run -it gets a terminal through the console socket and takes typed input")
{
    auto podman = podman_with_busybox();
    if (!podman)
        return;

    // The line waits in the terminal until the container's shell reads it.
    auto outcome = run_under_pty(
        podman->shell_command({"run", "--interactive", "--tty", "--rm", image, "sh", "-c",
                               "tty; read line; echo \"got $line\"; exit 7"}),
        "typed\n");

    CHECK(outcome.status == 7);
    CHECK(contains(without_cr(outcome.out), "/dev/pts/0\n"));
    CHECK(contains(without_cr(outcome.out), "got typed\n"));
}

TEST_CASE("podman: exit codes pass through: 3 stays 3, a missing command is 127, a file 126")
{
    auto podman = podman_with_busybox();
    if (!podman)
        return;

    CHECK((*podman)({"run", "--rm", image, "sh", "-c", "exit 3"}).status == 3);

    // podman reads crun-lite's error (its --log, in JSON) to tell these apart.
    auto missing = (*podman)({"run", "--rm", image, "no-such-command"});
    CHECK(missing.status == 127);
    CHECK(contains(missing.err, "exec `no-such-command`: executable file not found in $PATH"));
    CHECK((*podman)({"run", "--rm", image, "/no/such/file"}).status == 127);
    CHECK((*podman)({"run", "--rm", image, "/etc/passwd"}).status == 126);
    CHECK((*podman)({"ps", "--all", "--quiet"}).out == "");
}

TEST_CASE("podman: tmpfs mounts and --read-only, whose tmpfs podman asks to be copied up")
{
    auto podman = podman_with_busybox();
    if (!podman)
        return;

    // podman mounts /tmp, /var/tmp and /run as tmpfs in a read-only container, with `tmpcopyup`.
    auto outcome = (*podman)({"run", "--rm", "--read-only", "--mount", "type=tmpfs,dst=/etc",
                              image, "sh", "-c",
                              "head -1 /etc/passwd; touch /x 2>/dev/null || echo read-only root; "
                              "touch /tmp/y /etc/z && echo tmpfs writable"});

    CHECK_MESSAGE(outcome.status == 0, outcome.err);
    CHECK(outcome.out == "root:x:0:0:root:/root:/bin/sh\nread-only root\ntmpfs writable\n");
}
