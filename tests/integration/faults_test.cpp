// Faults: crun-lite killed with SIGKILL at each step of create, start and delete; a container's
// first process killed from outside; a full disk under the writable layer. After each, `state`
// tells the truth (or says the container is broken) and `delete --force` leaves nothing of the
// container: no state or layers directory, no cgroup in any hierarchy, no mount, no process.
//
// How the runtime is stopped at a step: strace's syscall tampering kills it as it enters the
// Nth call of a syscall (`-e inject=mkdir:signal=KILL:when=N`). Chosen over fault points
// compiled into a test build because production code pays nothing and carries no hooks, the
// binary under test is the one shipped, and a step added later is covered without any change
// here: each syscall by which crun-lite changes the system is counted in one traced run, then
// crun-lite is killed at each of its calls in turn. So a step is named by what it does: the
// mkdir of the state directory, of a layer, of a cgroup; the rename of a state save; a cgroup
// write; the clone; a message to the first process; start's fifo write; delete's rmdir.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <functional>
#include <sstream>

#include "integration/harness.hpp"

using namespace harness;
using nlohmann::json;

namespace {

// How often crun-lite `args` calls `syscall` when nothing stops it.
int calls_of(const std::string &syscall, const std::vector<std::string> &args)
{
    TempDir scratch;
    std::string trace = scratch.path() + "/trace";
    auto outcome =
        crun_lite_leaving_container(args, strace_wrapper({"-o", trace, "-e", "trace=" + syscall}));
    REQUIRE_MESSAGE(outcome.status == 0, outcome.err);
    std::istringstream lines(read_text(trace));
    int calls = 0;
    for (std::string line; std::getline(lines, line);)
        calls += line.rfind(syscall + "(", 0) == 0;
    return calls;
}

// crun-lite `args`, killed as it enters its `nth` call of `syscall`.
Outcome killed_at(const std::string &syscall, int nth, const std::vector<std::string> &args)
{
    std::string inject = "inject=" + syscall + ":signal=KILL:when=" + std::to_string(nth);
    return crun_lite_leaving_container(
        args, strace_wrapper({"-o", "/dev/null", "-e", "trace=" + syscall, "-e", inject}));
}

std::string command_line(pid_t pid)
{
    std::string text = read_text("/proc/" + std::to_string(pid) + "/cmdline");
    std::replace(text.begin(), text.end(), '\0', ' ');
    return text;
}

// The container's program has replaced crun-lite in its first process.
bool program_runs(pid_t pid)
{
    return eventually([&] { return command_line(pid) == "sleep 100 "; });
}

std::string refusal(const std::string &verb, const std::string &id, const std::string &why)
{
    return "crun-lite: " + verb + " `" + id + "`: " + why + "\n";
}

std::string broken(const std::string &id)
{
    return refusal("state", id,
                   "the container is broken: the command that was making or deleting it was "
                   "killed; `delete --force` removes what it left");
}

// What `state` says of `id` is borne out by the container: a created one starts (unless its
// process died meanwhile), a running or paused one runs its program, a stopped one cannot start.
void check_state_holds(const std::string &id)
{
    // `creating` is true while a process of the killed create still holds the container's lock
    // (its first process, between clone and closing its copy, or dying with the runtime), so it
    // is waited out rather than judged.
    auto state = crun_lite({"state", id});
    eventually([&] {
        if (state.status != 0 || state.out.find("\"status\": \"creating\"") == std::string::npos)
            return true;
        state = crun_lite({"state", id});
        return false;
    });
    if (state.status != 0) {
        bool clear = state.err == refusal("state", id, "container `" + id + "` does not exist") ||
                     state.err == broken(id);
        CHECK_MESSAGE(clear, state.err);
        return;
    }
    auto document = json::parse(state.out);
    std::string status = document["status"];
    CAPTURE(status);
    pid_t pid = document["pid"];
    if (status == "created") {
        auto started = crun_lite({"start", id});
        if (started.status == 0)
            CHECK(program_runs(pid));
        else
            CHECK(started.err ==
                  refusal("start", id, "cannot start a container that is stopped"));
    } else if (status == "running" || status == "paused") {
        CHECK(program_runs(pid));
    } else {
        CHECK(status == "stopped");
        CHECK(crun_lite({"start", id}).err ==
              refusal("start", id, "cannot start a container that is stopped"));
    }
}

// A delete killed part way leaves the container as it found it (running), or broken, or gone:
// never paused (its cgroup frozen for the kill) nor stopped with cgroups and layers left.
void check_delete_left_truth(const std::string &id)
{
    auto state = crun_lite({"state", id});
    if (state.status != 0)
        return;
    std::string status = json::parse(state.out)["status"];
    CHECK(status == "running");
}

void check_deleted_without_trace(const std::string &id)
{
    auto deleted = crun_lite({"delete", "--force", id});
    CHECK_MESSAGE(deleted.status == 0, deleted.err);
    std::string left;
    bool clean = eventually([&] { return (left = leftovers_of(id)).empty(); });
    CHECK_MESSAGE(clean, left);
}

struct Command {
    std::string verb;
    // Brings a new container `id` of `bundle` to where the command starts.
    std::function<void(const Bundle &bundle, const std::string &id)> prepare;
    std::function<std::vector<std::string>(const Bundle &bundle, const std::string &id)> args;
};

void create(const Bundle &bundle, const std::string &id)
{
    auto created = crun_lite_leaving_container({"create", "--bundle", bundle.dir(), id});
    REQUIRE_MESSAGE(created.status == 0, created.err);
}

void create_and_start(const Bundle &bundle, const std::string &id)
{
    create(bundle, id);
    auto started = crun_lite({"start", id});
    REQUIRE_MESSAGE(started.status == 0, started.err);
}

// Kills `command` at every call of each syscall in `steps`, each time on a new container.
void kill_at_every_step(const Command &command, const std::vector<std::string> &steps)
{
    Bundle bundle("exec sleep 100");
    for (const auto &syscall : steps) {
        std::string counted = unique_id("flt", command.verb + "-count-" + syscall);
        mark_with_id(bundle, counted);
        command.prepare(bundle, counted);
        int calls = calls_of(syscall, command.args(bundle, counted));
        CHECK_MESSAGE(calls > 0, command.verb << " never calls " << syscall);
        check_deleted_without_trace(counted);

        for (int nth = 1; nth <= calls; ++nth) {
            std::string step = syscall + "-" + std::to_string(nth);
            std::string id = unique_id("flt", command.verb + "-" + step);
            CAPTURE(id);
            mark_with_id(bundle, id);
            command.prepare(bundle, id);
            auto outcome = killed_at(syscall, nth, command.args(bundle, id));
            CHECK_MESSAGE((outcome.status == 128 + SIGKILL || outcome.status == 0), outcome.err);
            check_state_holds(id);
            if (command.verb == "delete")
                check_delete_left_truth(id);
            check_deleted_without_trace(id);
        }
    }
}

// Unmounts and removes, when the test ends, a tmpfs of `size` it mounts on a new directory.
class SmallTmpfs {
public:
    explicit SmallTmpfs(const std::string &size)
    {
        REQUIRE(::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0);
    }
    ~SmallTmpfs() { ::umount2(dir_.path().c_str(), MNT_DETACH); }
    SmallTmpfs(const SmallTmpfs &) = delete;
    const std::string &path() const { return dir_.path(); }

private:
    TempDir dir_;
};

} // namespace

TEST_CASE("faults: create killed at each step leaves a true state, and delete --force cleans")
{
    // Every directory, file, fifo and lock create makes, each state save, each cgroup write,
    // the clone, and each message to and from the first process as it sets itself up.
    Command create_command{"create", [](const Bundle &, const std::string &) {},
                           [](const Bundle &bundle, const std::string &id) {
                               return std::vector<std::string>{"create", "--bundle", bundle.dir(),
                                                               id};
                           }};
    kill_at_every_step(create_command, {"flock", "mkdir", "chown", "rename", "write", "mknodat",
                                        "clone3", "sendmsg", "recvmsg"});
}

TEST_CASE("faults: start killed at each step leaves a true state, and delete --force cleans")
{
    Command start_command{"start", create,
                          [](const Bundle &, const std::string &id) {
                              return std::vector<std::string>{"start", id};
                          }};
    // The state file's and the fifo's opens, the read of the state, the write that releases the
    // first process and the fifo's removal (start saves no state: the fifo's absence says running).
    kill_at_every_step(start_command, {"openat", "read", "write", "unlink"});
}

TEST_CASE("faults: delete killed at each step leaves a true state, and delete --force cleans")
{
    // The save that marks it deleting, the freeze, the signal and the wait for the process,
    // each cgroup's rmdir, and the removal of the layers and the state directory.
    Command delete_command{"delete", create_and_start,
                           [](const Bundle &, const std::string &id) {
                               return std::vector<std::string>{"delete", "--force", id};
                           }};
    kill_at_every_step(delete_command, {"write", "rename", "pidfd_send_signal", "poll", "rmdir",
                                        "unlinkat", "unlink"});
}

TEST_CASE("faults: a first process killed from outside leaves a stopped container; delete cleans")
{
    Bundle bundle("exec sleep 100");
    for (bool started : {false, true}) {
        CAPTURE(started);
        std::string id = unique_id("flt", started ? "outside-running" : "outside-created");
        mark_with_id(bundle, id);
        started ? create_and_start(bundle, id) : create(bundle, id);
        pid_t pid = json::parse(crun_lite({"state", id}).out)["pid"];

        REQUIRE(::kill(pid, SIGKILL) == 0);
        CHECK(eventually([&] {
            return json::parse(crun_lite({"state", id}).out)["status"] == "stopped";
        }));
        auto deleted = crun_lite({"delete", id});
        CHECK_MESSAGE(deleted.status == 0, deleted.err);
        CHECK(leftovers_of(id) == "");
    }
}

TEST_CASE("faults: a full disk under the writable layer fails writes inside; delete cleans")
{
    SmallTmpfs disk("2m");
    std::string id = unique_id("flt", "full-disk");
    Bundle bundle("exec sleep 100");
    mark_with_id(bundle, id);
    auto created = crun_lite_leaving_container(
        {"--data-root", disk.path(), "create", "--bundle", bundle.dir(), id});
    REQUIRE_MESSAGE(created.status == 0, created.err);
    auto started = crun_lite({"start", id});
    REQUIRE_MESSAGE(started.status == 0, started.err);

    auto filled = crun_lite({"exec", id, "dd", "if=/dev/zero", "of=/filler", "bs=64k"});
    CHECK(filled.status == 1);
    CHECK(filled.err.find("No space left on device") != std::string::npos);
    auto more = crun_lite({"exec", id, "sh", "-c", "echo more > /more"});
    CHECK(more.status == 1);
    CHECK(more.err == "sh: write error: No space left on device\n");

    // The runtime carries on beside the full disk: the container runs, and another one does.
    CHECK(json::parse(crun_lite({"state", id}).out)["status"] == "running");
    CHECK(crun_lite({"exec", id, "echo", "alive"}).out == "alive\n");
    std::string second = unique_id("flt", "full-disk-second");
    Bundle writer("echo more > /more || echo cannot write");
    mark_with_id(writer, second);
    auto beside = crun_lite({"--data-root", disk.path(), "run", "--bundle", writer.dir(), second});
    CHECK_MESSAGE(beside.status == 0, beside.err);
    CHECK(beside.out == "cannot write\n");

    auto deleted = crun_lite({"delete", "--force", id});
    CHECK_MESSAGE(deleted.status == 0, deleted.err);
    for (const auto &each : {id, second}) {
        CHECK(leftovers_of(each) == "");
        CHECK(!exists(disk.path() + "/" + each));
    }
}
