// Hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle"): each kind runs once, in the
// lifecycle's order, in the namespaces the spec names, with the state on stdin. Hook programs
// are shell scripts in a temporary directory; that directory is also bound into the container
// at /hooks, where startContainer's path resolves. Each hook appends its name to one file, so
// the file shows the order, and saves its stdin and the uts and mount namespaces it ran in.
// Ids start with `hk-`.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "integration/harness.hpp"

using namespace harness;
using nlohmann::json;

namespace {

const char *const all_kinds[] = {"prestart",       "createRuntime", "createContainer",
                                 "startContainer", "poststart",     "poststop"};

// Deletes the container with --force however the test ends.
struct Removed {
    std::string id;
    ~Removed() { crun_lite({"delete", "--force", id}); }
};

// The test's scratch directory, bound into the container at /hooks.
struct HookDir {
    TempDir dir;

    explicit HookDir(Bundle &bundle)
    {
        bundle.config["mounts"].push_back({{"destination", "/hooks"},
                                           {"type", "bind"},
                                           {"source", dir.path()},
                                           {"options", {"rbind"}}});
    }

    const std::string &path() const { return dir.path(); }

    // Writes an executable script `name` running `body`; `here` is the directory as the hook
    // sees it ("/hooks" inside the container).
    std::string script(const std::string &name, const std::string &body) const
    {
        std::string file = path() + "/" + name;
        write_text(file, "#!/bin/sh\n" + body + "\n");
        ::chmod(file.c_str(), 0755);
        return file;
    }

    // A hook that records its name, its stdin and its namespaces under `here`.
    json recording_hook(const std::string &kind) const
    {
        bool inside = kind == "startContainer";
        std::string here = inside ? "/hooks" : path();
        std::string body = "echo " + kind + " >> " + here + "/order\n" +
                           "cat > " + here + "/" + kind + ".state\n" +
                           "readlink /proc/self/ns/uts > " + here + "/" + kind + ".uts\n" +
                           "readlink /proc/self/ns/mnt > " + here + "/" + kind + ".mnt";
        std::string file = script(kind + ".sh", body);
        return {{"path", inside ? "/hooks/" + kind + ".sh" : file}};
    }

    void record_every_kind(Bundle &bundle) const
    {
        for (const char *kind : all_kinds)
            // json::array: `= {one json}` is that json itself with clang (the sanitizer build),
            // an array of it with gcc.
            bundle.config["hooks"][kind] = json::array({recording_hook(kind)});
        bundle.write();
    }

    std::string read(const std::string &name) const { return read_text(path() + "/" + name); }
};

std::string namespace_of(const std::string &process, const char *type)
{
    return std::filesystem::read_symlink("/proc/" + process + "/ns/" + type).string();
}

json state_of(const std::string &id)
{
    auto outcome = crun_lite({"state", id});
    REQUIRE_MESSAGE(outcome.status == 0, outcome.err);
    return json::parse(outcome.out);
}

// create fails with exactly `message` and leaves the host as it was.
void check_create_fails(const Bundle &bundle, const std::string &id, const std::string &message)
{
    Removed guard{id};
    auto before = HostSnapshot::take();
    auto created = crun_lite_leaving_container({"create", "--bundle", bundle.dir(), id});
    CHECK(created.status == 1);
    CHECK(created.err == "crun-lite: create `" + id + "`: " + message + "\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}

} // namespace

TEST_CASE("hooks: every kind runs once, in lifecycle order, with the state and in its namespaces")
{
    Bundle bundle("exec sleep 100");
    HookDir hooks(bundle);
    hooks.record_every_kind(bundle);
    Removed guard{"hk-order"};

    auto created = crun_lite_leaving_container({"create", "--bundle", bundle.dir(), "hk-order"});
    REQUIRE_MESSAGE(created.status == 0, created.err);
    std::string pid = std::to_string(state_of("hk-order")["pid"].get<int>());
    std::string container_uts = namespace_of(pid, "uts");
    std::string container_mnt = namespace_of(pid, "mnt");
    CHECK(hooks.read("order") == "prestart\ncreateRuntime\ncreateContainer\n");

    auto started = crun_lite({"start", "hk-order"});
    REQUIRE_MESSAGE(started.status == 0, started.err);
    CHECK(hooks.read("order") == "prestart\ncreateRuntime\ncreateContainer\nstartContainer\n"
                                 "poststart\n");
    auto deleted = crun_lite({"delete", "--force", "hk-order"});
    REQUIRE_MESSAGE(deleted.status == 0, deleted.err);
    CHECK(hooks.read("order") == "prestart\ncreateRuntime\ncreateContainer\nstartContainer\n"
                                 "poststart\npoststop\n");

    std::string bundle_dir = std::filesystem::canonical(bundle.dir()).string();
    std::map<std::string, std::string> status_seen = {
        {"prestart", "creating"},      {"createRuntime", "creating"},
        {"createContainer", "creating"}, {"startContainer", "created"},
        {"poststart", "running"},      {"poststop", "stopped"}};
    for (const char *kind : all_kinds) {
        CAPTURE(kind);
        auto state = json::parse(hooks.read(std::string(kind) + ".state"));
        CHECK(state["ociVersion"] == "1.2.0");
        CHECK(state["id"] == "hk-order");
        CHECK(state["status"] == status_seen[kind]);
        CHECK(state["bundle"] == bundle_dir);
        CHECK(state["annotations"]["io.crun-lite.rootfs"] == "overlay");
        if (std::string(kind) != "poststop")
            CHECK(std::to_string(state["pid"].get<int>()) == pid);

        bool in_container = std::string(kind) == "createContainer" ||
                            std::string(kind) == "startContainer";
        std::string expected_uts = in_container ? container_uts : namespace_of("self", "uts");
        std::string expected_mnt = in_container ? container_mnt : namespace_of("self", "mnt");
        CHECK(hooks.read(std::string(kind) + ".uts") == expected_uts + "\n");
        CHECK(hooks.read(std::string(kind) + ".mnt") == expected_mnt + "\n");
    }
}

TEST_CASE("hooks: run runs them too, poststop once the container is gone")
{
    Bundle bundle("echo program >> /hooks/order");
    HookDir hooks(bundle);
    hooks.record_every_kind(bundle);

    auto ran = crun_lite({"run", "--bundle", bundle.dir(), "hk-run"});
    REQUIRE_MESSAGE(ran.status == 0, ran.err);
    std::string order = hooks.read("order");
    // The program and poststart race: poststart runs once the program has been exec'd.
    CHECK(order.find("prestart\ncreateRuntime\ncreateContainer\nstartContainer\n") == 0);
    CHECK(order.find("poststart\n") != std::string::npos);
    CHECK(order.find("program\n") != std::string::npos);
    CHECK(order.ends_with("poststop\n"));
    CHECK(json::parse(hooks.read("poststop.state"))["status"] == "stopped");
}

TEST_CASE("hooks: a failing createRuntime hook fails create, names the hook and leaves nothing")
{
    Bundle bundle("exec sleep 100");
    HookDir hooks(bundle);
    std::string failing = hooks.script("fail.sh", "exit 3");
    bundle.config["hooks"]["createRuntime"] = {{{"path", "/bin/true"}}, {{"path", failing}}};
    bundle.config["hooks"]["createContainer"] =
        json::array({hooks.recording_hook("createContainer")});
    bundle.config["hooks"]["poststop"] = json::array({hooks.recording_hook("poststop")});
    bundle.write();

    check_create_fails(bundle, "hk-fail",
                       "hooks.createRuntime[1]: `" + failing + "` exited with status 3");
    // What came after it never ran; poststop did, as runc's does after a failed create.
    CHECK(hooks.read("order") == "poststop\n");
}

TEST_CASE("hooks: a hook missing from the host fails create with the reason")
{
    Bundle bundle("exec sleep 100");
    bundle.config["hooks"]["prestart"] = {{{"path", "/nonexistent/hook"}}};
    bundle.write();

    check_create_fails(bundle, "hk-missing",
                       "hooks.prestart[0]: exec `/nonexistent/hook`: No such file or directory");
}

TEST_CASE("hooks: a hook past its timeout is killed and fails create")
{
    Bundle bundle("exec sleep 100");
    // Sleeps whose command lines no other process has, so the test can tell they are gone;
    // children of the hook's, which the timeout must take along.
    std::string seconds = "3600." + std::to_string(::getpid());
    bundle.config["hooks"]["createRuntime"] = {
        {{"path", "/bin/sh"},
         {"args", {"sh", "-c", "sleep " + seconds + " & setsid sleep 1" + seconds + " & wait"}},
         {"timeout", 1}}};
    bundle.write();

    check_create_fails(bundle, "hk-timeout",
                       "hooks.createRuntime[0]: `/bin/sh` ran past its timeout of 1 s and was "
                       "killed");
    CHECK(processes_matching("sleep " + seconds).empty());
    // One that left the hook's process group with setsid goes too.
    CHECK(processes_matching("sleep 1" + seconds).empty());
}

// A hook body that leaves a daemon behind by a double fork, out of its session and process
// group, and waits until the daemon wrote its pid (so the hook ends only once it runs). The
// daemon's command line holds `marker`, which no other process has.
std::string detach_daemon(const HookDir &hooks, const std::string &marker)
{
    std::string pid_file = hooks.path() + "/daemon.pid";
    return "(setsid sh -c 'echo $$ > " + pid_file + "; exec sleep " + marker + "' &)\n" +
           "while [ ! -s " + pid_file + " ]; do sleep 0.01; done\n";
}

TEST_CASE("hooks: a double-forked orphan of a hook past its timeout is killed with it")
{
    Bundle bundle("exec sleep 100");
    HookDir hooks(bundle);
    std::string marker = "3601." + std::to_string(::getpid());
    std::string hook = hooks.script("detach.sh", detach_daemon(hooks, marker) + "sleep 100");
    bundle.config["hooks"]["createRuntime"] = {{{"path", hook}, {"timeout", 1}}};
    bundle.write();

    check_create_fails(bundle, "hk-orphan-timeout",
                       "hooks.createRuntime[0]: `" + hook +
                           "` ran past its timeout of 1 s and was killed");
    CHECK(processes_matching("sleep " + marker).empty());
}

TEST_CASE("hooks: a failing hook's double-forked orphan is killed, a succeeding one's is kept")
{
    Bundle bundle("exec sleep 100");
    HookDir hooks(bundle);
    std::string marker = "3602." + std::to_string(::getpid());
    std::string failing = hooks.script("fail.sh", detach_daemon(hooks, marker) + "exit 3");
    bundle.config["hooks"]["prestart"] = {{{"path", failing}}};
    bundle.write();
    check_create_fails(bundle, "hk-orphan-fail",
                       "hooks.prestart[0]: `" + failing + "` exited with status 3");
    CHECK(processes_matching("sleep " + marker).empty());

    // A hook that succeeds may have started a helper on purpose: it outlives create, as with
    // runc and crun (runtime.md leaves what a hook does to the hook).
    std::filesystem::remove(hooks.path() + "/daemon.pid");
    std::string helper = hooks.script("helper.sh", detach_daemon(hooks, marker));
    bundle.config["hooks"]["prestart"] = {{{"path", helper}}};
    bundle.write();
    Removed guard{"hk-orphan-kept"};
    auto created =
        crun_lite_leaving_container({"create", "--bundle", bundle.dir(), "hk-orphan-kept"});
    REQUIRE_MESSAGE(created.status == 0, created.err);
    auto kept = processes_matching("sleep " + marker);
    CHECK(kept.size() == 1);
    for (pid_t daemon : kept)
        ::kill(daemon, SIGKILL);
}

TEST_CASE("hooks: a failing startContainer hook fails start and stops the container")
{
    Bundle bundle("echo program >> /hooks/order; exec sleep 100");
    HookDir hooks(bundle);
    hooks.script("fail.sh", "echo startContainer >> /hooks/order; exit 4");
    bundle.config["hooks"]["startContainer"] = {{{"path", "/hooks/fail.sh"}}};
    bundle.config["hooks"]["poststart"] = json::array({hooks.recording_hook("poststart")});
    bundle.write();
    Removed guard{"hk-start"};

    auto before = HostSnapshot::take();
    auto created = crun_lite_leaving_container({"create", "--bundle", bundle.dir(), "hk-start"});
    REQUIRE_MESSAGE(created.status == 0, created.err);
    auto started = crun_lite({"start", "hk-start"});
    CHECK(started.status == 1);
    CHECK(started.err == "crun-lite: start `hk-start`: hooks.startContainer[0]: "
                         "`/hooks/fail.sh` exited with status 4\n");
    CHECK(state_of("hk-start")["status"] == "stopped");
    CHECK(hooks.read("order") == "startContainer\n");

    auto deleted = crun_lite({"delete", "hk-start"});
    CHECK_MESSAGE(deleted.status == 0, deleted.err);
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("hooks: after a failed startContainer hook, start returns once the process is gone, "
          "and says why once")
{
    Bundle bundle("exec sleep 100");
    HookDir hooks(bundle);
    hooks.script("fail.sh", "exit 4");
    bundle.config["hooks"]["startContainer"] = {{{"path", "/hooks/fail.sh"}}};
    bundle.write();
    const std::string id = "hk-start-exit";
    Removed guard{id};
    // The container process keeps create's stderr: anything it prints shows up here.
    std::string process_err = hooks.path() + "/process.err";
    auto created = crun_lite_leaving_container({"create", "--bundle", bundle.dir(), id},
                                               {"sh", "-c", "exec \"$@\" 2>" + process_err, "sh"});
    REQUIRE_MESSAGE(created.status == 0, created.err);
    std::string pid = std::to_string(state_of(id)["pid"].get<int>());
    // strace holds the process a second at its exit, after it told start why it failed;
    // start must wait that out for `state` to be right.
    auto tracer = start_program({"strace", "-qq", "-o", "/dev/null", "-p", pid, "-e",
                                 "trace=exit_group", "-e", "inject=exit_group:delay_enter=1000000"});
    REQUIRE(eventually([&] {
        return read_text("/proc/" + pid + "/status").find("TracerPid:\t0\n") == std::string::npos;
    }));

    auto started = crun_lite({"start", id});

    CHECK(started.status == 1);
    CHECK(started.err == "crun-lite: start `" + id + "`: hooks.startContainer[0]: "
                         "`/hooks/fail.sh` exited with status 4\n");
    CHECK(state_of(id)["status"] == "stopped");
    CHECK(read_text(process_err) == "");
    tracer.wait();
}

TEST_CASE("hooks: a failing poststart hook only warns, and the container runs on")
{
    Bundle bundle("exec sleep 100");
    HookDir hooks(bundle);
    std::string failing = hooks.script("fail.sh", "exit 5");
    bundle.config["hooks"]["poststart"] = {{{"path", failing}}, hooks.recording_hook("poststart")};
    bundle.write();
    Removed guard{"hk-poststart"};

    auto created =
        crun_lite_leaving_container({"create", "--bundle", bundle.dir(), "hk-poststart"});
    REQUIRE_MESSAGE(created.status == 0, created.err);
    auto started = crun_lite({"start", "hk-poststart"});
    CHECK(started.status == 0);
    CHECK(started.err.find("hooks.poststart[0]: `" + failing + "` exited with status 5") !=
          std::string::npos);
    CHECK(state_of("hk-poststart")["status"] == "running");
    // The hooks after the failing one still ran.
    CHECK(hooks.read("order") == "poststart\n");
}

TEST_CASE("hooks: args and env are passed as given, env replacing the runtime's")
{
    Bundle bundle("true");
    HookDir hooks(bundle);
    std::string record = "tr '\\0' '\\n' < /proc/$$/cmdline > " + hooks.path() + "/args; env > " +
                         hooks.path() + "/env";
    bundle.config["hooks"]["prestart"] = {{{"path", "/bin/sh"},
                                           {"args", {"my-hook", "-c", record, "one", "two words"}},
                                           {"env", {"ONLY=this", "PATH=/bin:/usr/bin"}}}};
    bundle.write();

    auto ran = crun_lite({"run", "--bundle", bundle.dir(), "hk-args"});
    REQUIRE_MESSAGE(ran.status == 0, ran.err);
    CHECK(hooks.read("args") == "my-hook\n-c\n" + record + "\none\ntwo words\n");
    std::string env = hooks.read("env");
    CHECK(env.find("ONLY=this\n") != std::string::npos);
    CHECK(env.find("PATH=/bin:/usr/bin\n") != std::string::npos);
    CHECK(env.find("CRUN_LITE_BIN=") == std::string::npos);
}

TEST_CASE("hooks: a hook gets the state on stdin, stdout and stderr, and no other fd")
{
    Bundle bundle("true");
    HookDir hooks(bundle);
    for (std::string kind : {"createRuntime", "createContainer"}) {
        std::string list = "ls /proc/self/fd > " + hooks.path() + "/" + kind + ".fds";
        bundle.config["hooks"][kind] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", list}}}};
    }
    bundle.write();

    auto ran = crun_lite({"run", "--bundle", bundle.dir(), "hk-fds"});
    REQUIRE_MESSAGE(ran.status == 0, ran.err);
    // 3 is the directory ls reads.
    CHECK(hooks.read("createRuntime.fds") == "0\n1\n2\n3\n");
    CHECK(hooks.read("createContainer.fds") == "0\n1\n2\n3\n");
}

TEST_CASE("hooks: features lists every kind of hook")
{
    auto outcome = crun_lite({"features"});
    REQUIRE(outcome.status == 0);
    CHECK(json::parse(outcome.out)["hooks"] ==
          json({"prestart", "createRuntime", "createContainer", "startContainer", "poststart",
                "poststop"}));
}
