// The OCI lifecycle as crun-lite keeps it (runtime-spec runtime.md; where the spec leaves a
// choice, runc's answer): create applies the config but holds the program back, start lets it
// run once, state reports the live status, kill signals, delete removes everything create made.
// Every refusal is checked three ways: its exact message, exit status 1, and that nothing
// changed (the container's state document, or a HostSnapshot, before and after).
//
// After `create` the container's first process keeps crun-lite's stdout and stderr, so a pipe
// would not reach end-of-file until the container ends: `create` and `run --detach` are started
// here by Launched, which gives them files instead (and can pass fds and environment). Ids start
// with `lc-`; a Containers guard deletes them with --force however a test ends.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "integration/harness.hpp"
#include "util/unique_fd.hpp"

extern char **environ;

using namespace harness;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

const std::string &binary()
{
    static const std::string path = [] {
        const char *value = getenv("CRUN_LITE_BIN");
        return std::string(value ? value : "");
    }();
    return path;
}

std::vector<std::string> crun_lite_argv(const std::vector<std::string> &args)
{
    std::vector<std::string> full = {binary(), "--root", state_root(), "--data-root", data_root()};
    full.insert(full.end(), args.begin(), args.end());
    return full;
}

struct LaunchOptions {
    std::vector<std::string> env;         // NAME=value, added to the test's environment
    std::vector<std::pair<int, int>> fds; // an fd of the test, and the number crun-lite gets it as
    std::string cwd;                      // crun-lite's working directory; the test's if empty
    bool listen_pid_own = false;          // LISTEN_PID=crun-lite's own pid, as systemd sets it
};

// crun-lite in the background, its stdout and stderr in files. The files outlive crun-lite: a
// container made by `create` writes its program's output to the same ones.
class Launched {
public:
    explicit Launched(const std::vector<std::string> &args, const LaunchOptions &options = {})
    {
        REQUIRE(!binary().empty());
        auto argv_strings = crun_lite_argv(args);
        // A shell learns its pid as $$ and keeps it through exec, so crun-lite gets it.
        if (options.listen_pid_own)
            argv_strings.insert(argv_strings.begin(),
                                {"/bin/sh", "-c", "LISTEN_PID=$$ exec \"$@\"", "sh"});
        auto env_strings = environment_with(options.env);
        auto argv = c_strings(argv_strings);
        auto envp = c_strings(env_strings);

        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, out_path().c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&actions, 2, err_path().c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
        // dup2 onto another number clears close-on-exec, so the target stays open in crun-lite.
        for (auto [from, to] : options.fds)
            posix_spawn_file_actions_adddup2(&actions, from, to);
        if (!options.cwd.empty())
            posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
        int spawned = posix_spawn(&pid_, argv_strings[0].c_str(), &actions, nullptr, argv.data(),
                                  envp.data());
        posix_spawn_file_actions_destroy(&actions);
        REQUIRE(spawned == 0);
    }

    ~Launched()
    {
        if (!waited_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }

    Launched(const Launched &) = delete;

    pid_t pid() const { return pid_; }

    Outcome wait()
    {
        int status = 0;
        auto deadline = Clock::now() + std::chrono::seconds(60);
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (Clock::now() > deadline) {
                FAIL_CHECK("crun-lite did not finish within 60 s; killed");
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        waited_ = true;
        Outcome outcome;
        outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        outcome.out = out();
        outcome.err = read_text(err_path());
        return outcome;
    }

    // Everything written to stdout so far, by crun-lite and by the container after it.
    std::string out() const { return read_text(out_path()); }

private:
    std::string out_path() const { return output_.path() + "/out"; }
    std::string err_path() const { return output_.path() + "/err"; }

    TempDir output_;
    pid_t pid_ = -1;
    bool waited_ = false;
};

Outcome launch(const std::vector<std::string> &args, const LaunchOptions &options = {})
{
    return Launched(args, options).wait();
}

// `delete --force` without any doctest assertion, safe in a destructor.
void delete_quietly(const std::string &id)
{
    auto argv_strings = crun_lite_argv({"delete", "--force", id});
    auto argv = c_strings(argv_strings);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (int fd : {0, 1, 2})
        posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
    pid_t pid = 0;
    if (posix_spawn(&pid, binary().c_str(), &actions, nullptr, argv.data(), environ) == 0)
        ::waitpid(pid, nullptr, 0);
    posix_spawn_file_actions_destroy(&actions);
}

// Deletes its containers with --force when the test ends, however it ends.
class Containers {
public:
    Containers(std::initializer_list<std::string> ids) : ids_(ids) {}
    ~Containers()
    {
        for (const auto &id : ids_)
            delete_quietly(id);
    }
    Containers(const Containers &) = delete;
    void add(const std::string &id) { ids_.push_back(id); }

private:
    std::vector<std::string> ids_;
};

// Kills, when the test ends, host processes whose command line holds `needle`: for programs a
// test lets loose outside any pid namespace, should it fail before they are gone.
class KillMatching {
public:
    explicit KillMatching(std::string needle) : needle_(std::move(needle)) {}
    ~KillMatching()
    {
        for (pid_t pid : processes_matching(needle_))
            ::kill(pid, SIGKILL);
    }

private:
    std::string needle_;
};

// Long enough for a program that was wrongly let go to have done its first step.
void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(300)); }

json state_of(const std::string &id)
{
    auto outcome = crun_lite({"state", id});
    REQUIRE_MESSAGE(outcome.status == 0, outcome.err);
    return json::parse(outcome.out);
}

std::string status_of(const std::string &id) { return state_of(id)["status"]; }

bool becomes(const std::string &id, const std::string &status, double seconds = 10)
{
    return eventually([&] { return status_of(id) == status; }, seconds);
}

std::string proc_text(pid_t pid, const char *file)
{
    return read_text("/proc/" + std::to_string(pid) + "/" + file);
}

// The state letter of /proc/<pid>/stat (R, S, Z, ...), or 0 when there is no such process.
char process_state(pid_t pid)
{
    std::string stat = proc_text(pid, "stat");
    size_t close = stat.rfind(')');
    return close == std::string::npos || close + 2 >= stat.size() ? 0 : stat[close + 2];
}

bool process_lives(pid_t pid)
{
    char state = process_state(pid);
    return state != 0 && state != 'Z' && state != 'X';
}

pid_t parent_of(pid_t pid)
{
    std::istringstream status(proc_text(pid, "status"));
    for (std::string line; std::getline(status, line);)
        if (line.rfind("PPid:", 0) == 0)
            return std::stoi(line.substr(5));
    return 0;
}

std::string command_line(pid_t pid)
{
    std::string text = proc_text(pid, "cmdline");
    std::replace(text.begin(), text.end(), '\0', ' ');
    return text;
}

// crun-lite processes that name container `id`: every crun-lite the tests start names the
// test's state root, and the id is one word of its command line.
std::vector<pid_t> runtime_processes(const std::string &id)
{
    std::vector<pid_t> found;
    for (pid_t pid : processes_matching(state_root()))
        if ((" " + command_line(pid) + " ").find(" " + id + " ") != std::string::npos)
            found.push_back(pid);
    return found;
}

// Host processes whose whole command line is `command`: a `sleep N`, not the shell that
// started it, whose own command line holds the same words.
std::vector<pid_t> processes_running(const std::string &command)
{
    std::vector<pid_t> found;
    for (pid_t pid : processes_matching(command))
        if (command_line(pid) == command + " ")
            found.push_back(pid);
    return found;
}

// Binds `dir` at /shared in the container, for its program to leave files in.
void share(Bundle &bundle, const TempDir &dir)
{
    bundle.config["mounts"].push_back({{"destination", "/shared"},
                                       {"type", "bind"},
                                       {"source", dir.path()},
                                       {"options", {"rbind", "rw"}}});
    bundle.write();
}

void drop_pid_namespace(Bundle &bundle)
{
    auto &namespaces = bundle.config["linux"]["namespaces"];
    namespaces.erase(std::remove_if(namespaces.begin(), namespaces.end(),
                                    [](const json &ns) { return ns["type"] == "pid"; }),
                     namespaces.end());
    bundle.write();
}

void create(const std::string &id, const Bundle &bundle)
{
    auto outcome = launch({"create", "--bundle", bundle.dir(), id});
    REQUIRE_MESSAGE(outcome.status == 0, outcome.err);
}

void start(const std::string &id)
{
    auto outcome = crun_lite({"start", id});
    REQUIRE_MESSAGE(outcome.status == 0, outcome.err);
}

// A created and started container whose program has said it is ready in `shared`/ready.
void create_and_start(const std::string &id, const Bundle &bundle, const TempDir &shared)
{
    create(id, bundle);
    start(id);
    REQUIRE(wait_for_file(shared.path() + "/ready", 10));
}

// `id` started on `sleep 100`, its program running: its state.
json start_sleeping(const std::string &id)
{
    TempDir shared;
    Bundle bundle("echo ready > /shared/ready; exec sleep 100");
    share(bundle, shared);
    create_and_start(id, bundle, shared);
    return state_of(id);
}

std::string canonical(const std::string &path) { return std::filesystem::canonical(path); }

void check_refused(const Outcome &outcome, const std::string &message)
{
    CHECK(outcome.status == 1);
    CHECK(outcome.out == "");
    CHECK(outcome.err == message);
}

// A file to hand to crun-lite as an fd, opened close-on-exec at a number far from 3 and 4.
crunlite::UniqueFd open_at_high_fd(const std::string &path, const std::string &content)
{
    write_text(path, content);
    crunlite::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(fd);
    crunlite::UniqueFd high(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 100));
    REQUIRE(high.get() >= 100);
    return high;
}

// Reports, one line each, whether fds 3, 4 and 5 are open in the container and what they hold.
constexpr const char *report_fds =
    "for n in 3 4 5; do if [ -e /proc/$$/fd/$n ]; then echo \"fd $n: $(cat /proc/$$/fd/$n)\"; "
    "else echo \"fd $n: closed\"; fi; done; env | grep ^LISTEN_ | sort; true";

struct FdCase {
    std::string id;
    std::vector<std::string> flags;       // for create
    std::vector<std::pair<int, int>> fds; // as LaunchOptions::fds
    std::vector<std::string> env;         // crun-lite's environment
    std::string report;                   // what report_fds prints inside
    bool listen_pid_own = false;          // as LaunchOptions::listen_pid_own
};

// Creates and starts a container running report_fds, and returns what it printed.
std::string fds_seen_inside(const FdCase &each, const std::vector<std::string> &config_env = {})
{
    Bundle bundle(report_fds);
    for (const auto &entry : config_env)
        bundle.config["process"]["env"].push_back(entry);
    bundle.write();
    std::vector<std::string> args = {"create", "--bundle", bundle.dir()};
    args.insert(args.end(), each.flags.begin(), each.flags.end());
    args.push_back(each.id);
    Launched created(args, LaunchOptions{each.env, each.fds, "", each.listen_pid_own});
    auto outcome = created.wait();
    REQUIRE_MESSAGE(outcome.status == 0, outcome.err);

    start(each.id);
    REQUIRE(becomes(each.id, "stopped"));
    return created.out();
}

} // namespace

TEST_CASE("lifecycle: create applies the config but holds the program back until start")
{
    TempDir shared;
    Bundle bundle("echo ran >> /shared/marker; echo ready > /shared/ready; exec sleep 100");
    share(bundle, shared);
    Containers guard{"lc-create"};

    auto created = launch({"create", "--bundle", bundle.dir(), "--pid-file",
                           shared.path() + "/pid", "lc-create"});
    REQUIRE_MESSAGE(created.status == 0, created.err);
    CHECK(created.out == "");
    CHECK(created.err == "");

    auto state = state_of("lc-create");
    CHECK(state["status"] == "created");
    pid_t pid = state["pid"];
    CHECK(pid > 0);
    CHECK(process_lives(pid));
    CHECK(read_text(shared.path() + "/pid") == std::to_string(pid));
    settle();
    CHECK_FALSE(exists(shared.path() + "/marker"));
    CHECK(status_of("lc-create") == "created");

    start("lc-create");
    CHECK(wait_for_file(shared.path() + "/ready", 10));
    CHECK(read_text(shared.path() + "/marker") == "ran\n");
    state = state_of("lc-create");
    CHECK(state["status"] == "running");
    CHECK(state["pid"] == pid);
}

TEST_CASE("lifecycle: the state document holds exactly the OCI fields")
{
    Bundle bundle("exec sleep 100");
    bundle.config["annotations"]["org.example.lifecycle"] = "yes";
    bundle.write();
    Containers guard{"lc-fields"};

    // No --bundle and no second argument: the bundle is the current directory, and the state
    // names it by its absolute path.
    LaunchOptions in_bundle;
    in_bundle.cwd = bundle.dir();
    auto created = launch({"create", "lc-fields"}, in_bundle);
    REQUIRE_MESSAGE(created.status == 0, created.err);

    auto state = state_of("lc-fields");
    std::set<std::string> keys;
    for (const auto &item : state.items())
        keys.insert(item.key());
    CHECK(keys == std::set<std::string>{"ociVersion", "id", "status", "pid", "bundle", "rootfs",
                                        "created", "owner", "annotations"});
    CHECK(state["ociVersion"] == "1.2.0");
    CHECK(state["id"] == "lc-fields");
    CHECK(state["status"] == "created");
    CHECK(state["pid"].is_number_integer());
    CHECK(state["pid"].get<int>() > 0);
    CHECK(state["bundle"] == canonical(bundle.dir()));
    CHECK(state["rootfs"] == image_dir());
    std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d))");
    CHECK_MESSAGE(std::regex_match(state["created"].get<std::string>(), rfc3339),
                  state["created"]);
    // As runc's state: empty; `list` names the owner.
    CHECK(state["owner"] == "");
    CHECK(state["annotations"] == json({{"io.crun-lite.rootfs", "overlay"},
                                        {"org.example.lifecycle", "yes"}}));
}

TEST_CASE("lifecycle: create returns while the container lives, and no crun-lite process stays")
{
    Bundle bundle("exec sleep 100");
    Containers guard{"lc-detached"};
    create("lc-detached", bundle);
    pid_t pid = state_of("lc-detached")["pid"];

    // Until start, the container's first process is still a copy of crun-lite waiting on the
    // exec fifo; it must be the only one, and not the child of a crun-lite left waiting for it.
    CHECK(runtime_processes("lc-detached") == std::vector<pid_t>{pid});
    pid_t parent = parent_of(pid);
    CHECK(parent > 0);
    CHECK(command_line(parent).find(state_root()) == std::string::npos);

    start("lc-detached");
    CHECK(eventually([&] { return command_line(pid) == "sleep 100 "; }));
    CHECK(runtime_processes("lc-detached").empty());
}

TEST_CASE("lifecycle: start runs the program once; a second start is refused and changes nothing")
{
    TempDir shared;
    Bundle bundle("echo ran >> /shared/runs; echo ready > /shared/ready; exec sleep 100");
    share(bundle, shared);
    Containers guard{"lc-twice"};
    create("lc-twice", bundle);

    auto started = crun_lite({"start", "lc-twice"});
    CHECK(started.status == 0);
    CHECK(started.out == "");
    CHECK(started.err == "");
    REQUIRE(wait_for_file(shared.path() + "/ready", 10));
    auto before = state_of("lc-twice");
    CHECK(before["status"] == "running");

    check_refused(crun_lite({"start", "lc-twice"}),
                  "crun-lite: start `lc-twice`: cannot start a container that is running\n");
    settle();
    CHECK(state_of("lc-twice") == before);
    CHECK(read_text(shared.path() + "/runs") == "ran\n");
}

TEST_CASE("lifecycle: the spec's form `create <id> <bundle>` creates the container")
{
    Bundle bundle("exec sleep 100");
    Containers guard{"lc-form"};

    auto created = launch({"create", "lc-form", bundle.dir()});
    REQUIRE_MESSAGE(created.status == 0, created.err);
    auto state = state_of("lc-form");
    CHECK(state["status"] == "created");
    CHECK(state["bundle"] == canonical(bundle.dir()));

    // Both forms at once name the bundle twice: refused before anything is made.
    auto before = HostSnapshot::take();
    check_refused(launch({"create", "--bundle", bundle.dir(), "lc-form-2", bundle.dir()}),
                  "crun-lite: create: expected an id, and the bundle by --bundle or after it "
                  "(see `crun-lite create --help`)\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("lifecycle: kill sends SIGTERM by default")
{
    TempDir shared;
    // The trap runs as soon as the signal comes, since `wait` is interrupted by it.
    Bundle bundle("trap 'echo got > /shared/term; exit 0' TERM; sleep 100 & "
                  "echo ready > /shared/ready; wait");
    share(bundle, shared);
    Containers guard{"lc-term"};
    create_and_start("lc-term", bundle, shared);

    auto killed = crun_lite({"kill", "lc-term"});
    CHECK(killed.status == 0);
    CHECK(killed.out == "");
    CHECK(killed.err == "");
    CHECK(wait_for_file(shared.path() + "/term", 10));
    CHECK(read_text(shared.path() + "/term") == "got\n");
    CHECK(becomes("lc-term", "stopped"));
}

TEST_CASE("lifecycle: kill takes the signal as a name, a number, --signal, in any case")
{
    const std::vector<std::pair<std::string, std::vector<std::string>>> forms = {
        {"lc-kill-name", {"kill", "lc-kill-name", "KILL"}},
        {"lc-kill-flag", {"kill", "--signal", "9", "lc-kill-flag"}},
        {"lc-kill-lower", {"kill", "lc-kill-lower", "sigkill"}},
        {"lc-kill-number", {"kill", "lc-kill-number", "9"}},
    };
    Containers guard{};
    for (const auto &form : forms) {
        // Named references, not a structured binding: clang 14 (the sanitizer build) cannot
        // capture a binding in CAPTURE's lambda.
        const std::string &id = form.first;
        const std::vector<std::string> &command = form.second;
        CAPTURE(id);
        guard.add(id);
        TempDir shared;
        Bundle bundle("echo ready > /shared/ready; exec sleep 100");
        share(bundle, shared);
        create_and_start(id, bundle, shared);
        pid_t pid = state_of(id)["pid"];

        auto killed = crun_lite(command);
        CHECK(killed.status == 0);
        CHECK(killed.err == "");
        CHECK(eventually([&] { return !process_lives(pid); }));

        // A killed container is stopped, and a stopped container has no pid.
        auto state = state_of(id);
        CHECK(state["status"] == "stopped");
        CHECK(state["pid"] == 0);
    }
}

TEST_CASE("lifecycle: an unknown signal is refused and the container is left as it was")
{
    Containers guard{"lc-badsig"};
    auto before = start_sleeping("lc-badsig");

    check_refused(crun_lite({"kill", "lc-badsig", "SIGFOO"}),
                  "crun-lite: kill `lc-badsig`: unknown signal `SIGFOO`\n");
    check_refused(crun_lite({"kill", "--signal", "SIG0", "lc-badsig"}),
                  "crun-lite: kill `lc-badsig`: unknown signal `SIG0`\n");
    check_refused(crun_lite({"kill", "lc-badsig", "RTMIN+99"}),
                  "crun-lite: kill `lc-badsig`: unknown signal `RTMIN+99`\n");
    settle();
    CHECK(state_of("lc-badsig") == before);
    CHECK(process_lives(before["pid"]));
}

TEST_CASE("lifecycle: kill with signal 0 checks that the container lives and changes nothing")
{
    Containers guard{"lc-sig0"};
    auto before = start_sleeping("lc-sig0");

    for (const std::vector<std::string> &command :
         {std::vector<std::string>{"kill", "lc-sig0", "0"}, {"kill", "--all", "lc-sig0", "0"}}) {
        auto checked = crun_lite(command);
        CHECK(checked.status == 0);
        CHECK(checked.err == "");
    }
    settle();
    CHECK(state_of("lc-sig0") == before);
    CHECK(process_lives(before["pid"]));

    REQUIRE(crun_lite({"kill", "lc-sig0", "KILL"}).status == 0);
    REQUIRE(becomes("lc-sig0", "stopped"));
    check_refused(crun_lite({"kill", "lc-sig0", "0"}),
                  "crun-lite: kill `lc-sig0`: container not running\n");
}

TEST_CASE("lifecycle: kill of a stopped container is refused: container not running")
{
    TempDir shared;
    Bundle bundle("echo done > /shared/ready");
    share(bundle, shared);
    Containers guard{"lc-ended"};
    create_and_start("lc-ended", bundle, shared);
    REQUIRE(becomes("lc-ended", "stopped"));
    auto before = state_of("lc-ended");
    CHECK(before["pid"] == 0);

    check_refused(crun_lite({"kill", "lc-ended", "KILL"}),
                  "crun-lite: kill `lc-ended`: container not running\n");
    check_refused(crun_lite({"kill", "--all", "lc-ended"}),
                  "crun-lite: kill `lc-ended`: container not running\n");
    CHECK(state_of("lc-ended") == before);
}

TEST_CASE("lifecycle: a created container can be killed, and then it cannot be started")
{
    Bundle bundle("exec sleep 100");
    Containers guard{"lc-kill-created"};
    create("lc-kill-created", bundle);
    pid_t pid = state_of("lc-kill-created")["pid"];

    auto killed = crun_lite({"kill", "lc-kill-created", "KILL"});
    CHECK(killed.status == 0);
    CHECK(eventually([&] { return !process_lives(pid); }));
    CHECK(status_of("lc-kill-created") == "stopped");

    auto before = state_of("lc-kill-created");
    check_refused(crun_lite({"start", "lc-kill-created"}),
                  "crun-lite: start `lc-kill-created`: cannot start a container that is stopped\n");
    CHECK(state_of("lc-kill-created") == before);
}

TEST_CASE("lifecycle: a container whose first process is a zombie counts as stopped")
{
    // The test process becomes the subreaper, so the container's first process (orphaned when
    // create exits) is its child and stays a zombie until the test reaps it.
    REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
    struct Restore {
        pid_t zombie = 0;
        ~Restore()
        {
            if (zombie > 0) {
                ::kill(zombie, SIGKILL);
                ::waitpid(zombie, nullptr, 0);
            }
            ::prctl(PR_SET_CHILD_SUBREAPER, 0);
        }
    } restore;

    TempDir shared;
    Bundle bundle("echo ready > /shared/ready; exec sleep 100");
    share(bundle, shared);
    Containers guard{"lc-zombie"};
    create_and_start("lc-zombie", bundle, shared);
    pid_t pid = state_of("lc-zombie")["pid"];
    restore.zombie = pid;
    REQUIRE(parent_of(pid) == ::getpid());

    REQUIRE(::kill(pid, SIGKILL) == 0);
    REQUIRE(eventually([&] { return process_state(pid) == 'Z'; }));

    auto state = state_of("lc-zombie");
    CHECK(state["status"] == "stopped");
    CHECK(state["pid"] == 0);
    check_refused(crun_lite({"kill", "lc-zombie", "KILL"}),
                  "crun-lite: kill `lc-zombie`: container not running\n");
    auto ps = crun_lite({"ps", "--format", "json", "lc-zombie"});
    CHECK(ps.status == 0);
    CHECK(ps.out == "[]\n");

    auto deleted = crun_lite({"delete", "lc-zombie"});
    CHECK(deleted.status == 0);
    CHECK(deleted.err == "");
    CHECK_FALSE(exists(state_root() + "/lc-zombie"));
    CHECK_FALSE(exists(data_root() + "/lc-zombie"));
}

TEST_CASE("lifecycle: kill --all reaches every process in the container")
{
    struct Variant {
        std::string id;
        bool own_pid_namespace;
        std::string sleeps; // a sleep time no other test uses, to find them on the host
    };
    for (const auto &variant : {Variant{"lc-all-pidns", true, "7301"},
                                Variant{"lc-all-shared", false, "7302"}}) {
        CAPTURE(variant.id);
        KillMatching leftovers("sleep " + variant.sleeps);
        TempDir shared;
        std::string sleep = "sleep " + variant.sleeps + " & ";
        Bundle bundle(sleep + sleep + sleep + "echo ready > /shared/ready; wait");
        share(bundle, shared);
        if (!variant.own_pid_namespace)
            drop_pid_namespace(bundle);
        Containers guard{variant.id};
        create_and_start(variant.id, bundle, shared);

        // A background job may still be a forked sh, not yet `sleep`, when ready is written.
        CHECK(eventually([&] { return processes_running("sleep " + variant.sleeps).size() == 3; }));
        auto sleepers = processes_running("sleep " + variant.sleeps);
        auto ps = crun_lite({"ps", "--format", "json", variant.id});
        REQUIRE(ps.status == 0);
        auto listed = json::parse(ps.out).get<std::vector<pid_t>>();
        for (pid_t sleeper : sleepers)
            CHECK(std::find(listed.begin(), listed.end(), sleeper) != listed.end());

        auto killed = crun_lite({"kill", "--all", variant.id, "KILL"});
        CHECK(killed.status == 0);
        CHECK(killed.err == "");
        CHECK(eventually([&] { return processes_running("sleep " + variant.sleeps).empty(); }));
        CHECK(becomes(variant.id, "stopped"));
    }
}

TEST_CASE("lifecycle: delete of a running container needs --force, which kills and removes it")
{
    TempDir shared;
    Bundle bundle("echo ready > /shared/ready; exec sleep 100");
    share(bundle, shared);
    Containers guard{"lc-delete"};
    auto host_before = HostSnapshot::take();
    create_and_start("lc-delete", bundle, shared);
    auto before = state_of("lc-delete");
    pid_t pid = before["pid"];

    check_refused(crun_lite({"delete", "lc-delete"}),
                  "crun-lite: delete `lc-delete`: cannot delete a running container without "
                  "--force\n");
    CHECK(state_of("lc-delete") == before);
    CHECK(process_lives(pid));

    auto deleted = crun_lite({"delete", "--force", "lc-delete"});
    CHECK(deleted.status == 0);
    CHECK(deleted.out == "");
    CHECK(deleted.err == "");
    CHECK(eventually([&] { return !process_lives(pid); }));
    CHECK_FALSE(exists(state_root() + "/lc-delete"));
    CHECK_FALSE(exists(data_root() + "/lc-delete"));
    CHECK(runtime_processes("lc-delete").empty());
    CHECK(differences(host_before, HostSnapshot::take()) == "");

    // The id is free again.
    std::filesystem::remove(shared.path() + "/ready");
    create_and_start("lc-delete", bundle, shared);
    CHECK(status_of("lc-delete") == "running");
}

TEST_CASE("lifecycle: delete --force leaves no process behind, even without a pid namespace")
{
    // Outside a pid namespace, killing the first process would leave its children running.
    KillMatching leftovers("sleep 7304");
    TempDir shared;
    Bundle bundle("sleep 7304 & sleep 7304 & echo ready > /shared/ready; wait");
    share(bundle, shared);
    drop_pid_namespace(bundle);
    Containers guard{"lc-delete-shared"};
    auto host_before = HostSnapshot::take();
    create_and_start("lc-delete-shared", bundle, shared);
    CHECK(eventually([] { return processes_running("sleep 7304").size() == 2; }));

    auto deleted = crun_lite({"delete", "--force", "lc-delete-shared"});
    CHECK(deleted.status == 0);
    CHECK(deleted.err == "");
    CHECK(eventually([] { return processes_running("sleep 7304").empty(); }));
    CHECK(differences(host_before, HostSnapshot::take()) == "");
}

TEST_CASE("lifecycle: delete of a created container needs no --force")
{
    Bundle bundle("exec sleep 100");
    Containers guard{"lc-delete-created"};
    auto host_before = HostSnapshot::take();
    create("lc-delete-created", bundle);
    pid_t pid = state_of("lc-delete-created")["pid"];

    auto deleted = crun_lite({"delete", "lc-delete-created"});
    CHECK(deleted.status == 0);
    CHECK(deleted.err == "");
    CHECK(eventually([&] { return !process_lives(pid); }));
    CHECK(runtime_processes("lc-delete-created").empty());
    CHECK(differences(host_before, HostSnapshot::take()) == "");
}

TEST_CASE("lifecycle: delete of a stopped container removes it, and the id can be used again")
{
    TempDir shared;
    Bundle bundle("echo ran >> /shared/runs; echo ready > /shared/ready");
    share(bundle, shared);
    Containers guard{"lc-delete-stopped"};
    auto host_before = HostSnapshot::take();
    create_and_start("lc-delete-stopped", bundle, shared);
    REQUIRE(becomes("lc-delete-stopped", "stopped"));

    auto deleted = crun_lite({"delete", "lc-delete-stopped"});
    CHECK(deleted.status == 0);
    CHECK(deleted.err == "");
    CHECK(differences(host_before, HostSnapshot::take()) == "");

    std::filesystem::remove(shared.path() + "/ready");
    create_and_start("lc-delete-stopped", bundle, shared);
    CHECK(read_text(shared.path() + "/runs") == "ran\nran\n");
}

TEST_CASE("lifecycle: commands on an unknown id say it does not exist")
{
    auto before = HostSnapshot::take();
    for (const char *verb : {"state", "start", "kill", "delete", "ps"}) {
        CAPTURE(verb);
        check_refused(crun_lite({verb, "lc-nope"}), std::string("crun-lite: ") + verb +
                                                        " `lc-nope`: container `lc-nope` does "
                                                        "not exist\n");
    }
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("lifecycle: delete --force of an unknown id succeeds")
{
    // Callers such as containerd's shim clean up with `delete --force` after a create that may
    // never have got as far as claiming the id.
    auto before = HostSnapshot::take();
    auto deleted = crun_lite({"delete", "--force", "lc-nope"});
    CHECK(deleted.status == 0);
    CHECK(deleted.out == "");
    CHECK(deleted.err == "");
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("lifecycle: delete --force removes a layers directory no state names; the id works again")
{
    // What a create killed before it saved its state, or a state root removed by hand, leaves.
    std::string id = "lc-orphan";
    std::string orphan = data_root() + "/" + id;
    std::filesystem::create_directories(orphan + "/upper/etc");
    write_text(orphan + "/upper/etc/left", "left\n");
    std::filesystem::create_symlink(state_root(), orphan + "/state-root");
    Bundle bundle("true");
    Containers guard{id};
    REQUIRE(launch({"create", "--bundle", bundle.dir(), id}).status == 1);

    auto deleted = crun_lite({"delete", "--force", id});
    CHECK(deleted.status == 0);
    CHECK(deleted.err == "crun-lite: warning: delete `" + id + "`: no state names `" + orphan +
                             "`; removing it\n");
    CHECK(!exists(orphan));
    CHECK(!exists(state_root() + "/" + id));
    create(id, bundle);
    CHECK(state_of(id)["status"] == "created");
}

TEST_CASE("lifecycle: delete --force of an orphan layers directory follows no symlink, crosses no mount")
{
    TempDir outside;
    write_text(outside.path() + "/keep", "keep\n");

    std::string linked = data_root() + "/lc-orphan-link";
    std::filesystem::create_directory_symlink(outside.path(), linked);
    auto through_link = crun_lite({"delete", "--force", "lc-orphan-link"});
    CHECK(through_link.status == 1);
    CHECK(through_link.err.find("not a directory crun-lite made: not removed") != std::string::npos);
    CHECK(read_text(outside.path() + "/keep") == "keep\n");
    std::filesystem::remove(linked);

    std::string mounted = data_root() + "/lc-orphan-mount";
    std::filesystem::create_directories(mounted + "/rootfs");
    std::filesystem::create_symlink(state_root(), mounted + "/state-root");
    REQUIRE(run_program({"mount", "--bind", outside.path(), mounted + "/rootfs"}).status == 0);
    auto across_mount = crun_lite({"delete", "--force", "lc-orphan-mount"});
    CHECK(run_program({"umount", mounted + "/rootfs"}).status == 0);
    CHECK(across_mount.status == 1);
    CHECK(across_mount.err.find("is a mount point") != std::string::npos);
    CHECK(read_text(outside.path() + "/keep") == "keep\n");
    CHECK(!exists(state_root() + "/lc-orphan-mount"));
    std::filesystem::remove_all(mounted);
}

TEST_CASE("lifecycle: delete --force from another state root leaves a live container's layers")
{
    // Two state roots may share one data root (both have a default): the layers of the other
    // root's running container are no orphan of this one.
    TempDir other_root;
    Bundle bundle("echo kept > /kept; exec sleep 100");
    Containers guard{"lc-other-root"};
    create("lc-other-root", bundle);
    REQUIRE(crun_lite({"start", "lc-other-root"}).status == 0);
    std::string layers = data_root() + "/lc-other-root";
    REQUIRE(eventually([&] { return exists(layers + "/upper/kept"); }));

    auto foreign = crun_lite({"--root", other_root.path(), "delete", "--force", "lc-other-root"});
    CHECK(foreign.status == 1);
    CHECK(foreign.err == "crun-lite: delete `lc-other-root`: `" + layers +
                             "` belongs to a container of the state root `" + state_root() +
                             "`: not removed\n");
    CHECK(read_text(layers + "/upper/kept") == "kept\n");
    CHECK(state_of("lc-other-root")["status"] == "running");

    // One that records no root is refused unless empty (a create killed right after mkdir).
    std::string unrecorded = data_root() + "/lc-orphan-unrecorded";
    std::filesystem::create_directories(unrecorded + "/upper");
    auto refused = crun_lite({"delete", "--force", "lc-orphan-unrecorded"});
    CHECK(refused.status == 1);
    CHECK(refused.err.find("records no state root") != std::string::npos);
    std::filesystem::remove(unrecorded + "/upper");
    CHECK(crun_lite({"delete", "--force", "lc-orphan-unrecorded"}).status == 0);
    CHECK(!exists(unrecorded));
}

TEST_CASE("lifecycle: create of an existing id is refused and leaves that container alone")
{
    TempDir shared;
    Bundle first("echo first > /shared/which; echo ready > /shared/ready; exec sleep 100");
    share(first, shared);
    Bundle second("echo second > /shared/which; exec sleep 100");
    share(second, shared);
    Containers guard{"lc-taken"};
    create("lc-taken", first);
    auto before = state_of("lc-taken");
    auto host_before = HostSnapshot::take();

    check_refused(launch({"create", "--bundle", second.dir(), "--pid-file",
                          shared.path() + "/second.pid", "lc-taken"}),
                  "crun-lite: create `lc-taken`: container `lc-taken` already exists\n");
    CHECK(state_of("lc-taken") == before);
    CHECK(differences(host_before, HostSnapshot::take()) == "");
    CHECK_FALSE(exists(shared.path() + "/second.pid"));
    CHECK(process_lives(before["pid"]));

    start("lc-taken");
    REQUIRE(wait_for_file(shared.path() + "/ready", 10));
    CHECK(read_text(shared.path() + "/which") == "first\n");
}

TEST_CASE("lifecycle: create with a --pid-file it cannot write leaves nothing behind")
{
    Bundle bundle("exec sleep 100");
    Containers guard{"lc-pid-file"};
    auto before = HostSnapshot::take();

    check_refused(launch({"create", "--bundle", bundle.dir(), "--pid-file",
                          "/nonexistent-lc-dir/pid", "lc-pid-file"}),
                  "crun-lite: create `lc-pid-file`: create `/nonexistent-lc-dir/pid.tmp`: No "
                  "such file or directory\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
    CHECK(runtime_processes("lc-pid-file").empty());
    check_refused(crun_lite({"state", "lc-pid-file"}),
                  "crun-lite: state `lc-pid-file`: container `lc-pid-file` does not exist\n");
}

TEST_CASE("lifecycle: a command missing from the image fails create with 127, leaving nothing")
{
    Bundle bundle;
    bundle.config["process"]["args"] = {"no-such-program"};
    bundle.write();
    Containers guard{"lc-missing"};
    auto before = HostSnapshot::take();

    for (const char *verb : {"create", "run"}) {
        CAPTURE(verb);
        std::vector<std::string> args = {verb, "--bundle", bundle.dir(), "lc-missing"};
        if (std::string(verb) == "run")
            args.insert(args.begin() + 1, "--detach");
        auto outcome = launch(args);
        CHECK(outcome.status == 127);
        CHECK(outcome.out == "");
        CHECK(outcome.err == std::string("crun-lite: ") + verb +
                                 " `lc-missing`: exec `no-such-program`: executable file not "
                                 "found in $PATH\n");
        CHECK(differences(before, HostSnapshot::take()) == "");
        CHECK(runtime_processes("lc-missing").empty());
    }
}

TEST_CASE("lifecycle: a config without a process can be created, not started, and deleted")
{
    Bundle bundle;
    bundle.config.erase("process");
    bundle.write();
    Containers guard{"lc-no-process"};
    auto host_before = HostSnapshot::take();

    create("lc-no-process", bundle);
    auto before = state_of("lc-no-process");
    CHECK(before["status"] == "created");
    pid_t pid = before["pid"];
    CHECK(process_lives(pid));

    check_refused(crun_lite({"start", "lc-no-process"}),
                  "crun-lite: start `lc-no-process`: process: the config has no process to "
                  "start\n");
    CHECK(state_of("lc-no-process") == before);

    auto deleted = crun_lite({"delete", "lc-no-process"});
    CHECK(deleted.status == 0);
    CHECK(deleted.err == "");
    CHECK(eventually([&] { return !process_lives(pid); }));
    CHECK(differences(host_before, HostSnapshot::take()) == "");
}

TEST_CASE("lifecycle: list shows created and running containers with their status")
{
    TempDir shared;
    Bundle bundle("echo ready > /shared/ready; exec sleep 100");
    share(bundle, shared);
    Containers guard{"lc-list-created", "lc-list-running"};
    create("lc-list-created", bundle);
    create_and_start("lc-list-running", bundle, shared);
    int created_pid = state_of("lc-list-created")["pid"];
    int running_pid = state_of("lc-list-running")["pid"];

    auto table = crun_lite({"list"});
    REQUIRE(table.status == 0);
    CHECK(table.out.rfind("ID ", 0) == 0);
    std::map<std::string, std::vector<std::string>> rows;
    std::istringstream lines(table.out);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::vector<std::string> row{std::istream_iterator<std::string>(words), {}};
        if (!row.empty())
            rows[row[0]] = row;
    }
    REQUIRE(rows.count("lc-list-created"));
    REQUIRE(rows.count("lc-list-running"));
    CHECK(rows["lc-list-created"][1] == std::to_string(created_pid));
    CHECK(rows["lc-list-created"][2] == "created");
    CHECK(rows["lc-list-created"][3] == canonical(bundle.dir()));
    CHECK(rows["lc-list-running"][1] == std::to_string(running_pid));
    CHECK(rows["lc-list-running"][2] == "running");
    // The owner by user name, from the host's /etc/passwd, as runc lists it.
    CHECK(rows["lc-list-running"][5] == "root");

    auto as_json = crun_lite({"list", "--format", "json"});
    REQUIRE(as_json.status == 0);
    std::map<std::string, json> documents;
    for (const auto &document : json::parse(as_json.out))
        documents[document["id"]] = document;
    REQUIRE(documents.count("lc-list-created"));
    REQUIRE(documents.count("lc-list-running"));
    for (const std::string id : {"lc-list-created", "lc-list-running"}) {
        CAPTURE(id);
        json expected = state_of(id);
        expected["owner"] = "root";
        CHECK(documents[id] == expected);
    }

    auto quiet = crun_lite({"list", "--quiet"});
    REQUIRE(quiet.status == 0);
    CHECK(quiet.out.find("lc-list-created\n") != std::string::npos);
    CHECK(quiet.out.find("lc-list-running\n") != std::string::npos);
    CHECK(quiet.out.find("STATUS") == std::string::npos);
}

TEST_CASE("lifecycle: list shows a container whose state is corrupt as broken, never hides it")
{
    Bundle bundle("exec sleep 100");
    Containers guard{"lc-list-corrupt"};
    create("lc-list-corrupt", bundle);
    // Put back before the end, so that the guard's delete finds the process and cgroups.
    std::string state_file = state_root() + "/lc-list-corrupt/state.json";
    std::string intact = read_text(state_file);
    write_text(state_file, "{garbage");

    auto table = crun_lite({"list"});
    REQUIRE(table.status == 0);
    std::regex row("(^|\n)lc-list-corrupt +0 +broken +\n");
    CHECK_MESSAGE(std::regex_search(table.out, row), table.out);
    CHECK(table.err.find("lc-list-corrupt") != std::string::npos);

    auto as_json = crun_lite({"list", "--format", "json"});
    REQUIRE(as_json.status == 0);
    json listed;
    for (const auto &document : json::parse(as_json.out))
        if (document["id"] == "lc-list-corrupt")
            listed = document;
    CHECK(listed["status"] == "broken");
    CHECK(listed["pid"] == 0);

    CHECK(crun_lite({"list", "--quiet"}).out.find("lc-list-corrupt\n") != std::string::npos);
    write_text(state_file, intact);
}

TEST_CASE("lifecycle: list with a --root that is a file fails; a missing root lists nothing")
{
    TempDir dir;
    std::string file = dir.path() + "/not-a-dir";
    write_text(file, "");
    auto listed = crun_lite({"--root", file, "list"});
    CHECK(listed.status == 1);
    CHECK(listed.err == "crun-lite: list `" + file + "`: --root: the state root: Not a directory\n");

    auto missing = crun_lite({"--root", dir.path() + "/missing", "list", "--quiet"});
    CHECK(missing.status == 0);
    CHECK(missing.out == "");
}

TEST_CASE("lifecycle: ps lists the container's processes")
{
    KillMatching leftovers("sleep 7401");
    Bundle bundle("sleep 7401 & exec sleep 7400");
    Containers guard{"lc-ps"};
    create("lc-ps", bundle);
    start("lc-ps");
    pid_t pid = state_of("lc-ps")["pid"];
    REQUIRE(eventually([] { return processes_running("sleep 7401").size() == 1; }));
    pid_t child = processes_running("sleep 7401")[0];

    auto as_json = crun_lite({"ps", "--format", "json", "lc-ps"});
    REQUIRE(as_json.status == 0);
    auto pids = json::parse(as_json.out);
    REQUIRE(pids.is_array());
    CHECK(std::find(pids.begin(), pids.end(), pid) != pids.end());
    CHECK(std::find(pids.begin(), pids.end(), child) != pids.end());

    auto table = crun_lite({"ps", "lc-ps"});
    REQUIRE(table.status == 0);
    CHECK(table.out.rfind("PID", 0) == 0);
    CHECK(table.out.find("sleep 7400") != std::string::npos);
    CHECK(table.out.find("sleep 7401") != std::string::npos);
}

TEST_CASE("lifecycle: run --detach returns at once with the container running")
{
    TempDir shared;
    Bundle bundle("echo ran >> /shared/marker; exec sleep 100");
    share(bundle, shared);
    Containers guard{"lc-run-detach"};

    auto began = Clock::now();
    auto ran = launch({"run", "--detach", "--bundle", bundle.dir(), "--pid-file",
                       shared.path() + "/pid", "lc-run-detach"});
    CHECK(Clock::now() - began < std::chrono::seconds(20));
    REQUIRE_MESSAGE(ran.status == 0, ran.err);
    CHECK(ran.out == "");
    CHECK(ran.err == "");

    auto state = state_of("lc-run-detach");
    CHECK(state["status"] == "running");
    CHECK(read_text(shared.path() + "/pid") == std::to_string(state["pid"].get<int>()));
    CHECK(wait_for_file(shared.path() + "/marker", 10));
    CHECK(runtime_processes("lc-run-detach").empty());
}

TEST_CASE("lifecycle: edits to config.json after create change nothing")
{
    TempDir shared;
    Bundle bundle("echo original > /shared/which; exec sleep 100");
    share(bundle, shared);
    Containers guard{"lc-edited"};
    create("lc-edited", bundle);
    auto before = state_of("lc-edited");

    bundle.config["process"]["args"] = {"sh", "-c", "echo edited > /shared/which; exec sleep 100"};
    bundle.config["annotations"]["org.example.edited"] = "yes";
    bundle.write();
    start("lc-edited");

    REQUIRE(wait_for_file(shared.path() + "/which", 10));
    CHECK(read_text(shared.path() + "/which") == "original\n");
    auto after = state_of("lc-edited");
    CHECK(after["status"] == "running");
    after["status"] = "created";
    CHECK(after == before);
}

TEST_CASE("lifecycle: of two creates racing for one id, exactly one wins")
{
    Bundle bundle("exec sleep 100");
    auto host_before = HostSnapshot::take();
    for (int round = 0; round < 3; ++round) {
        CAPTURE(round);
        Containers guard{"lc-race"};
        Launched one({"create", "--bundle", bundle.dir(), "lc-race"});
        Launched two({"create", "--bundle", bundle.dir(), "lc-race"});
        auto outcomes = std::vector<Outcome>{one.wait(), two.wait()};

        auto winners = std::count_if(outcomes.begin(), outcomes.end(),
                                     [](const Outcome &outcome) { return outcome.status == 0; });
        CHECK(winners == 1);
        for (const auto &outcome : outcomes)
            if (outcome.status != 0)
                check_refused(outcome,
                              "crun-lite: create `lc-race`: container `lc-race` already exists\n");
        auto state = state_of("lc-race");
        CHECK(state["status"] == "created");
        CHECK(runtime_processes("lc-race") == std::vector<pid_t>{state["pid"].get<pid_t>()});

        auto deleted = crun_lite({"delete", "lc-race"});
        CHECK(deleted.status == 0);
    }
    CHECK(differences(host_before, HostSnapshot::take()) == "");
}

TEST_CASE("lifecycle: of two starts racing, exactly one runs the program")
{
    TempDir shared;
    Bundle bundle("echo ran >> /shared/runs; exec sleep 100");
    share(bundle, shared);
    Containers guard{"lc-start-race"};
    create("lc-start-race", bundle);

    auto one = start_crun_lite({"start", "lc-start-race"});
    auto two = start_crun_lite({"start", "lc-start-race"});
    auto outcomes = std::vector<Outcome>{one.wait(), two.wait()};
    auto winners = std::count_if(outcomes.begin(), outcomes.end(),
                                 [](const Outcome &outcome) { return outcome.status == 0; });
    CHECK(winners == 1);
    for (const auto &outcome : outcomes)
        if (outcome.status != 0)
            check_refused(outcome, "crun-lite: start `lc-start-race`: cannot start a container "
                                   "that is running\n");
    REQUIRE(wait_for_file(shared.path() + "/runs", 10));
    settle();
    CHECK(read_text(shared.path() + "/runs") == "ran\n");
}

TEST_CASE("lifecycle: commands on different ids run in parallel")
{
    constexpr int count = 5;
    Bundle bundle("exec sleep 100");
    auto host_before = HostSnapshot::take();
    std::vector<std::string> ids;
    Containers guard{};
    for (int i = 0; i < count; ++i) {
        ids.push_back("lc-parallel-" + std::to_string(i));
        guard.add(ids.back());
    }

    std::vector<std::unique_ptr<Launched>> creates;
    for (const auto &id : ids)
        creates.push_back(std::make_unique<Launched>(
            std::vector<std::string>{"create", "--bundle", bundle.dir(), id}));
    for (auto &created : creates) {
        auto outcome = created->wait();
        CHECK_MESSAGE(outcome.status == 0, outcome.err);
    }

    std::vector<Running> starts;
    for (const auto &id : ids)
        starts.push_back(start_crun_lite({"start", id}));
    for (auto &started : starts) {
        auto outcome = started.wait();
        CHECK_MESSAGE(outcome.status == 0, outcome.err);
    }
    for (const auto &id : ids)
        CHECK(status_of(id) == "running");

    std::vector<Running> deletes;
    for (const auto &id : ids)
        deletes.push_back(start_crun_lite({"delete", "--force", id}));
    for (auto &deleted : deletes) {
        auto outcome = deleted.wait();
        CHECK_MESSAGE(outcome.status == 0, outcome.err);
    }
    CHECK(differences(host_before, HostSnapshot::take()) == "");
}

TEST_CASE("lifecycle: --preserve-fds passes that many fds after stdio, and no more")
{
    TempDir files;
    auto three = open_at_high_fd(files.path() + "/three", "three");
    auto four = open_at_high_fd(files.path() + "/four", "four");
    const std::vector<std::pair<int, int>> both = {{three.get(), 3}, {four.get(), 4}};
    const FdCase cases[] = {
        {"lc-preserve-none", {}, both, {}, "fd 3: closed\nfd 4: closed\nfd 5: closed\n"},
        {"lc-preserve-one", {"--preserve-fds", "1"}, both, {},
         "fd 3: three\nfd 4: closed\nfd 5: closed\n"},
        {"lc-preserve-two", {"--preserve-fds", "2"}, both, {},
         "fd 3: three\nfd 4: four\nfd 5: closed\n"},
    };
    Containers guard{};
    for (const auto &each : cases) {
        CAPTURE(each.id);
        guard.add(each.id);
        CHECK(fds_seen_inside(each) == each.report);
    }

    Bundle bundle(report_fds);
    auto before = HostSnapshot::take();
    check_refused(launch({"create", "--bundle", bundle.dir(), "--preserve-fds", "-1", "lc-x"}),
                  "crun-lite: create `lc-x`: --preserve-fds: must not be negative\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("lifecycle: --preserve-fds passes the caller's fds and leaves its gaps closed")
{
    TempDir files;
    auto three = open_at_high_fd(files.path() + "/three", "three");
    Containers guard{"lc-preserve-gap"};
    FdCase gap{"lc-preserve-gap", {"--preserve-fds", "3"}, {{three.get(), 3}}, {},
               "fd 3: three\nfd 4: closed\nfd 5: closed\n"};
    CHECK(fds_seen_inside(gap) == gap.report);
}

TEST_CASE("lifecycle: --preserve-fds never passes crun-lite's own fds")
{
    // The caller leaves fd 3 closed, so crun-lite's first open (the --log file) takes it, and
    // --preserve-fds 1 mistakes it for the caller's.
    TempDir files;
    std::string log = files.path() + "/crun-lite.log";
    Containers guard{"lc-preserve-log"};
    Bundle bundle(report_fds);
    Launched created({"--log", log, "create", "--bundle", bundle.dir(), "--preserve-fds", "1",
                      "lc-preserve-log"});
    auto outcome = created.wait();
    REQUIRE_MESSAGE(outcome.status == 0, outcome.err);
    start("lc-preserve-log");
    REQUIRE(becomes("lc-preserve-log", "stopped"));
    CHECK(created.out() == "fd 3: closed\nfd 4: closed\nfd 5: closed\n");
}

TEST_CASE("lifecycle: LISTEN_FDS passes socket-activation fds and tells the container so")
{
    TempDir files;
    auto three = open_at_high_fd(files.path() + "/three", "three");
    auto four = open_at_high_fd(files.path() + "/four", "four");
    const std::vector<std::pair<int, int>> both = {{three.get(), 3}, {four.get(), 4}};
    // systemd sets LISTEN_PID to crun-lite's pid; inside, the fds are meant for pid 1. Values
    // the config itself sets for these two are replaced, not repeated.
    const std::vector<std::string> env = {"LISTEN_FDS=1"};
    const std::string none_passed =
        "fd 3: closed\nfd 4: closed\nfd 5: closed\nLISTEN_FDS=7\nLISTEN_PID=9\n";
    const FdCase cases[] = {
        {"lc-listen", {}, both, env,
         "fd 3: three\nfd 4: closed\nfd 5: closed\nLISTEN_FDS=1\nLISTEN_PID=1\n", true},
        {"lc-listen-preserve", {"--preserve-fds", "1"}, both, env,
         "fd 3: three\nfd 4: four\nfd 5: closed\nLISTEN_FDS=1\nLISTEN_PID=1\n", true},
        // Without LISTEN_FDS the config's own values pass as they are, and no fd with them.
        {"lc-listen-none", {}, both, {}, none_passed, true},
        // Meant for another process (inherited past it), or for no process named: not ours.
        {"lc-listen-other", {}, both, {"LISTEN_FDS=2", "LISTEN_PID=4242"}, none_passed},
        {"lc-listen-nopid", {}, both, {"LISTEN_FDS=2"}, none_passed},
    };
    Containers guard{};
    for (const auto &each : cases) {
        CAPTURE(each.id);
        guard.add(each.id);
        CHECK(fds_seen_inside(each, {"LISTEN_FDS=7", "LISTEN_PID=9"}) == each.report);
    }
}

TEST_CASE("lifecycle: features prints the features document as JSON")
{
    auto outcome = crun_lite({"features"});
    REQUIRE(outcome.status == 0);
    CHECK(outcome.err == "");
    auto features = json::parse(outcome.out);
    CHECK(features["ociVersionMin"] == "1.0.0");
    CHECK(features["ociVersionMax"] == "1.2.0");
    auto namespaces = features["linux"]["namespaces"].get<std::set<std::string>>();
    CHECK(namespaces ==
          std::set<std::string>{"cgroup", "ipc", "mount", "network", "pid", "uts"});
}

TEST_CASE("lifecycle: --version names crun-lite's version and the spec's")
{
    auto outcome = crun_lite({"--version"});
    CHECK(outcome.status == 0);
    CHECK(outcome.err == "");
    CHECK(outcome.out.rfind("crun-lite version ", 0) == 0);
    CHECK(outcome.out.find("\nspec: 1.2.0\n") != std::string::npos);
}

TEST_CASE("lifecycle: spec writes a config.json, and never over an existing one")
{
    TempDir dir;
    auto written = crun_lite({"spec", "--bundle", dir.path()});
    CHECK(written.status == 0);
    CHECK(written.err == "");
    auto config = json::parse(read_text(dir.path() + "/config.json"));
    CHECK(config["ociVersion"] == "1.2.0");

    write_text(dir.path() + "/config.json", "mine\n");
    std::string path = dir.path() + "/config.json";
    check_refused(crun_lite({"spec", "--bundle", dir.path()}),
                  "crun-lite: spec `" + path + "`: `" + path + "` already exists\n");
    CHECK(read_text(path) == "mine\n");
}

namespace {

// Processes whose command line names `id` under this test run's state root: another run of
// these tests may use the same ids at the same time.
std::vector<pid_t> processes_of_this_run(const std::string &id)
{
    std::vector<pid_t> ours;
    for (pid_t pid : processes_matching(id)) {
        std::string cmdline = read_text("/proc/" + std::to_string(pid) + "/cmdline");
        if (cmdline.find(state_root()) != std::string::npos)
            ours.push_back(pid);
    }
    return ours;
}

} // namespace

TEST_CASE("lifecycle: a create killed half way leaves no process, and delete --force cleans up")
{
    Bundle bundle("sleep 300");
    auto before = HostSnapshot::take();
    // Kills at several moments of create: before the id is claimed, while layers are made, while
    // the first process sets up, around the moment it reports ready.
    for (int delay_us : {0, 500, 1000, 2000, 4000, 8000, 16000, 32000}) {
        CAPTURE(delay_us);
        std::string id = "lc-halfway-" + std::to_string(delay_us);
        // Output to files: a container that was made in time holds its stdio open.
        Launched creating({"create", "--bundle", bundle.dir(), id});
        usleep(static_cast<useconds_t>(delay_us));
        kill(creating.pid(), SIGKILL);
        creating.wait();

        // Either the container was fully made (it lives on, recorded), or its process is gone.
        auto state = crun_lite({"state", id});
        bool made = state.out.find("\"status\": \"created\"") != std::string::npos;
        if (!made) {
            bool gone = false;
            for (int i = 0; i < 200 && !gone; ++i) {
                gone = processes_of_this_run(id).empty();
                usleep(10000);
            }
            CHECK(gone);
        }
        CHECK(crun_lite({"delete", "--force", id}).status == 0);
        CHECK(eventually([&] { return processes_of_this_run(id).empty(); }));
    }
    CHECK(differences(before, HostSnapshot::take()) == "");
}
