// containerd 1.6 runs its tasks through crun-lite (`ctr run --runc-binary <crun-lite>`): its
// runc shim calls crun-lite with `--root R --log F --log-format json` before create, start,
// exec, kill, ps, pause, resume and delete. The daemon is the test's own (clients.hpp), and the
// busybox image comes in as an OCI archive made here.
#include <doctest/doctest.h>

#include <memory>
#include <sstream>
#include <utility>

#include "integration/clients.hpp"

using namespace harness;
using clients::Containerd;

namespace {

constexpr const char *image = "localhost/crun-lite-busybox:latest";

bool contains(const std::string &text, const std::string &part)
{
    return text.find(part) != std::string::npos;
}

std::unique_ptr<Containerd> containerd_with_busybox()
{
    if (!clients::installed("containerd") || !clients::installed("ctr") ||
        !clients::installed("containerd-shim-runc-v2")) {
        MESSAGE("skipped: containerd is not installed (tools/install-deps installs it)");
        return nullptr;
    }
    auto containerd = std::make_unique<Containerd>();
    containerd->import(clients::busybox_tarball(), image);
    return containerd;
}

// The pid and status columns of `ctr task list` for `id`; empty when there is no such task.
std::pair<std::string, std::string> task_entry(const Containerd &containerd, const std::string &id)
{
    std::istringstream lines(containerd.ctr({"task", "list"}).out);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string task, pid, status;
        fields >> task >> pid >> status;
        if (task == id)
            return {pid, status};
    }
    return {};
}

std::string task_status(const Containerd &containerd, const std::string &id)
{
    return task_entry(containerd, id).second;
}

} // namespace

TEST_CASE("containerd: ctr run prints from the container and exits with the task's status")
{
    auto containerd = containerd_with_busybox();
    if (!containerd)
        return;

    auto outcome = containerd->run({"--rm"}, image, "crun-lite-run",
                                   {"sh", "-c", "echo hi from $$; exit 3"});

    CHECK(outcome.out == "hi from 1\n");
    CHECK_MESSAGE(outcome.status == 3, outcome.err);
    CHECK(containerd->ctr({"container", "list", "--quiet"}).out == "");
    CHECK(!exists(containerd->runtime_root() + "/" + containerd->name_space() + "/crun-lite-run"));
}

TEST_CASE("containerd: a detached task takes exec, ps, pause, kill --all and delete")
{
    auto containerd = containerd_with_busybox();
    if (!containerd)
        return;
    const std::string id = "crun-lite-task";
    auto started = containerd->run({"--detach"}, image, id, {"sleep", "100"});
    REQUIRE_MESSAGE(started.status == 0, started.err);
    CHECK(task_status(*containerd, id) == "RUNNING");
    // The shim's --root is where crun-lite keeps the container.
    CHECK(exists(containerd->runtime_root() + "/" + containerd->name_space() + "/" + id));

    auto exec = containerd->exec(id, "e1", {"sh", "-c", "echo exec $((6 * 7)); exit 4"});
    CHECK(exec.out == "exec 42\n");
    CHECK_MESSAGE(exec.status == 4, exec.err);
    // `ps --format json` gives the shim the container's host pids: here only sleep's.
    auto processes = containerd->ctr({"task", "ps", id});
    CHECK_MESSAGE(processes.status == 0, processes.err);
    std::istringstream table(processes.out);
    std::string header, pid, info, rest;
    std::getline(table, header);
    table >> pid >> info >> rest;
    CHECK(pid == task_entry(*containerd, id).first);
    CHECK(rest == "");

    REQUIRE(containerd->ctr({"task", "pause", id}).status == 0);
    CHECK(task_status(*containerd, id) == "PAUSED");
    REQUIRE(containerd->ctr({"task", "resume", id}).status == 0);
    CHECK(task_status(*containerd, id) == "RUNNING");

    // sleep is PID 1 of its namespace: SIGTERM is dropped, and the task goes on.
    REQUIRE(containerd->ctr({"task", "kill", id}).status == 0);
    CHECK(task_status(*containerd, id) == "RUNNING");
    REQUIRE(containerd->ctr({"task", "kill", "--all", "--signal", "SIGKILL", id}).status == 0);
    CHECK(eventually([&] { return task_status(*containerd, id) == "STOPPED"; }));

    auto deleted = containerd->ctr({"task", "delete", id});
    CHECK(deleted.status == 0);
    CHECK(contains(deleted.err, "exit code 137"));
    CHECK(task_status(*containerd, id) == "");
    CHECK(!exists(containerd->runtime_root() + "/" + containerd->name_space() + "/" + id));
    CHECK(containerd->ctr({"container", "delete", id}).status == 0);
}

TEST_CASE("containerd: a task's terminal comes through the console socket")
{
    auto containerd = containerd_with_busybox();
    if (!containerd)
        return;

    // ctr wants a terminal of its own for --tty.
    auto outcome = run_under_pty(
        containerd->shell_command({"--tty", "--rm"}, image, "crun-lite-tty",
                                  {"sh", "-c", "tty; exit 6"}));

    CHECK_MESSAGE(outcome.status == 6, outcome.out);
    CHECK(contains(without_cr(outcome.out), "/dev/pts/0\n"));
}
