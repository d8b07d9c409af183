// process.terminal: the container gets a pty of its own as stdio and controlling terminal, and
// its master goes to --console-socket (create, run --detach) or, for `run` in the foreground,
// is relayed to the caller's stdio. Foreground runs happen inside `script`, which gives
// crun-lite a terminal of its own as a user's shell would.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "integration/harness.hpp"

extern char **environ;

using namespace harness;

namespace {

double now_seconds()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

bool contains(const std::string &text, const std::string &part)
{
    return text.find(part) != std::string::npos;
}

const std::string &binary()
{
    static const std::string path = getenv("CRUN_LITE_BIN") ? getenv("CRUN_LITE_BIN") : "";
    REQUIRE(!path.empty());
    return path;
}

// A bundle whose process has a terminal, 40 rows by 120 columns unless the caller says else.
void give_terminal(Bundle &bundle)
{
    bundle.config["process"]["terminal"] = true;
    bundle.config["process"]["consoleSize"] = {{"height", 40}, {"width", 120}};
    bundle.write();
}

// Removes the container however the test ends; no assertions, so it is safe in a destructor.
struct DeleteOnExit {
    std::string id;
    ~DeleteOnExit()
    {
        std::string command = "'" + binary() + "' --root '" + state_root() + "' --data-root '" +
                              data_root() + "' delete --force " + id + " >/dev/null 2>&1";
        (void)!std::system(command.c_str());
    }
};

// The listening end of a console socket, as a container manager makes one.
class ConsoleSocket {
public:
    ConsoleSocket() : path_(dir_.path() + "/console.sock")
    {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        REQUIRE(path_.size() < sizeof address.sun_path);
        strcpy(address.sun_path, path_.c_str());
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
        REQUIRE(::listen(fd_, 1) == 0);
    }
    ~ConsoleSocket() { ::close(fd_); }
    ConsoleSocket(const ConsoleSocket &) = delete;

    const std::string &path() const { return path_; }

    // Accepts one connection and takes the fd it carries (SCM_RIGHTS); -1 after 30 s.
    int receive(std::string &payload)
    {
        pollfd waiting = {fd_, POLLIN, 0};
        if (::poll(&waiting, 1, 30000) != 1)
            return -1;
        int connection = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        REQUIRE(connection >= 0);

        char data[256];
        iovec part = {data, sizeof data};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        msghdr message{};
        message.msg_iov = &part;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        ssize_t n = ::recvmsg(connection, &message, MSG_CMSG_CLOEXEC);
        ::close(connection);
        if (n <= 0)
            return -1;
        payload.assign(data, static_cast<size_t>(n));
        cmsghdr *rights = CMSG_FIRSTHDR(&message);
        if (!rights || rights->cmsg_type != SCM_RIGHTS)
            return -1;
        int fd;
        memcpy(&fd, CMSG_DATA(rights), sizeof fd);
        return fd;
    }

private:
    TempDir dir_;
    std::string path_;
    int fd_ = -1;
};

// Everything read from a pty master until no slave is open any more (EIO), or 30 s.
std::string read_until_closed(int master)
{
    std::string text;
    double deadline = now_seconds() + 30;
    while (now_seconds() < deadline) {
        pollfd ready = {master, POLLIN, 0};
        if (::poll(&ready, 1, 1000) <= 0)
            continue;
        char buffer[4096];
        ssize_t n = ::read(master, buffer, sizeof buffer);
        if (n <= 0)
            return text;
        text.append(buffer, static_cast<size_t>(n));
    }
    FAIL_CHECK("the container's terminal stayed open for 30 s");
    return text;
}

// The state letter of /proc/PID/stat (R, S, Z...), or 0 when there is no such process.
char process_state(pid_t pid)
{
    std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    size_t end = stat.rfind(')');
    return end == std::string::npos || end + 2 >= stat.size() ? 0 : stat[end + 2];
}

std::string status_of(const std::string &id)
{
    auto outcome = crun_lite({"state", id});
    if (outcome.status != 0)
        return "";
    return nlohmann::json::parse(outcome.out)["status"];
}

bool becomes_stopped(const std::string &id)
{
    for (int tries = 0; tries < 1000; ++tries) {
        if (status_of(id) == "stopped")
            return true;
        usleep(10000);
    }
    return false;
}

// crun-lite's command line with the test's roots, quoted for sh.
std::string crun_lite_command(const std::vector<std::string> &args)
{
    std::string command = "'" + binary() + "' --root '" + state_root() + "' --data-root '" +
                          data_root() + "'";
    for (const auto &arg : args)
        command += " '" + arg + "'";
    return command;
}

// The master a detached command sends to `console`, once the command has ended quietly.
int master_from(ConsoleSocket &console, Running &command)
{
    std::string payload;
    int master = console.receive(payload);
    auto outcome = command.wait();
    CHECK(outcome.status == 0);
    CHECK(outcome.err == "");
    return master;
}

// For a container whose program is `read line; echo got $line`: the master is its keyboard too,
// so the slave echoes the line, then sh answers.
void check_typed_line_answered(int master)
{
    CHECK(write(master, "typed\n", 6) == 6);
    CHECK(without_cr(read_until_closed(master)) == "typed\ngot typed\n");
    ::close(master);
}

// What every terminal container below reports about itself.
constexpr const char *report_terminal =
    "tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo stdio-is-tty; stty size; "
    "[ \"$(stat -c %t:%T /dev/console)\" = \"$(stat -L -c %t:%T /proc/self/fd/0)\" ] && "
    "echo console-is-tty; echo bye";

} // namespace

TEST_CASE("terminal: create hands the pty master to --console-socket, start runs on it")
{
    Bundle bundle(report_terminal);
    give_terminal(bundle);
    ConsoleSocket console;
    DeleteOnExit guard{"term-create"};
    auto before = HostSnapshot::take();

    auto creating = start_crun_lite(
        {"create", "--console-socket", console.path(), "--bundle", bundle.dir(), "term-create"});
    std::string payload;
    int master = console.receive(payload);
    auto created = creating.wait();
    REQUIRE(created.status == 0);
    CHECK(created.err == "");
    REQUIRE(master >= 0);
    CHECK(payload == "/dev/pts/0");

    auto started = crun_lite({"start", "term-create"});
    CHECK(started.status == 0);
    CHECK(without_cr(read_until_closed(master)) ==
          "/dev/pts/0\nstdio-is-tty\n40 120\nconsole-is-tty\nbye\n");
    ::close(master);

    REQUIRE(becomes_stopped("term-create"));
    auto deleted = crun_lite({"delete", "term-create"});
    CHECK(deleted.status == 0);
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("terminal: run --detach hands the pty master to --console-socket")
{
    Bundle bundle("read line; echo got $line");
    give_terminal(bundle);
    ConsoleSocket console;
    DeleteOnExit guard{"term-detach"};

    auto running = start_crun_lite({"run", "--detach", "--console-socket", console.path(),
                                    "--bundle", bundle.dir(), "term-detach"});
    int master = master_from(console, running);
    REQUIRE(master >= 0);
    check_typed_line_answered(master);
}

TEST_CASE("terminal: run in the foreground relays the pty to the caller's terminal")
{
    Bundle bundle(std::string(report_terminal) + "; exit 3");
    give_terminal(bundle);
    auto before = HostSnapshot::take();

    // The caller's window size wins over process.consoleSize.
    auto outcome = run_under_pty("stty rows 30 cols 100; exec " +
                                 crun_lite_command({"run", "--bundle", bundle.dir(), "term-fg"}));

    CHECK(outcome.status == 3);
    CHECK(without_cr(outcome.out) == "/dev/pts/0\nstdio-is-tty\n30 100\nconsole-is-tty\nbye\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("terminal: in the foreground, the caller's keystrokes reach the container")
{
    Bundle bundle("read line; echo got $line");
    give_terminal(bundle);

    auto outcome = run_under_pty(
        crun_lite_command({"run", "--bundle", bundle.dir(), "term-input"}), "typed\r");

    CHECK(outcome.status == 0);
    CHECK(contains(without_cr(outcome.out), "got typed\n"));
}

TEST_CASE("terminal: in the foreground, a window change (SIGWINCH) reaches the container")
{
    // The container waits until it sees the new size; the resize comes a second after start,
    // by then the runtime is relaying.
    Bundle bundle("i=0; while [ \"$(stty size)\" != '50 60' ] && [ $i -lt 100 ]; do "
                  "sleep 0.1; i=$((i+1)); done; stty size");
    give_terminal(bundle);

    auto outcome = run_under_pty(
        "(sleep 1; stty rows 50 cols 60 < /dev/tty) & exec " +
        crun_lite_command({"run", "--bundle", bundle.dir(), "term-winch"}));

    CHECK(outcome.status == 0);
    CHECK(without_cr(outcome.out) == "50 60\n");
}

TEST_CASE("terminal: in the foreground, output still in the pty when the process ends arrives")
{
    // The runtime is stopped while the container writes and exits, so everything it wrote is
    // still in the pty when the runtime reaps it; stdio here is pipes, not a terminal.
    TempDir shared, scratch;
    Bundle bundle("i=0; while [ $i -lt 1000 ]; do echo line $i; i=$((i+1)); done > /out; "
                  "while [ ! -e /shared/go ]; do sleep 0.01; done; cat /out");
    give_terminal(bundle);
    bundle.config["mounts"].push_back(
        {{"destination", "/shared"}, {"type", "bind"}, {"source", shared.path()},
         {"options", {"rbind"}}});
    bundle.write();

    std::string pid_file = scratch.path() + "/pid";
    auto running =
        start_crun_lite({"run", "--pid-file", pid_file, "--bundle", bundle.dir(), "term-drain"});
    REQUIRE(wait_for_file(pid_file, 10));
    pid_t container = std::stoi(read_text(pid_file));
    REQUIRE(kill(running.pid(), SIGSTOP) == 0);
    write_text(shared.path() + "/go", "");
    bool ended = false;
    for (int tries = 0; tries < 1000 && !ended; ++tries, usleep(10000))
        ended = process_state(container) == 'Z';
    CHECK(ended);
    REQUIRE(kill(running.pid(), SIGCONT) == 0);
    auto outcome = running.wait();

    CHECK(outcome.status == 0);
    std::string out = without_cr(outcome.out);
    CHECK(std::count(out.begin(), out.end(), '\n') == 1000);
    CHECK(contains(out, "\nline 999\n"));
}

TEST_CASE("terminal: the pty belongs to the process's user")
{
    Bundle bundle("stat -c %u:%a $(tty)");
    give_terminal(bundle);
    bundle.config["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
    bundle.write();

    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "term-user"});

    CHECK(outcome.status == 0);
    CHECK(without_cr(outcome.out) == "1000:620\n");
}

TEST_CASE("terminal: refusals name the field or flag and leave the host as it was")
{
    Bundle terminal("true");
    give_terminal(terminal);
    Bundle plain("true");
    TempDir scratch;
    std::string missing = scratch.path() + "/nobody-listens";
    const std::string needs_socket =
        "process.terminal: needs --console-socket, or `run` in the foreground\n";
    const std::string needs_terminal = "--console-socket: needs process.terminal, which is false\n";

    struct Case {
        std::vector<std::string> args;
        std::string error;
    };
    for (const auto &refused : {
             Case{{"create", "--bundle", terminal.dir(), "term-no"},
                  "crun-lite: create `term-no`: " + needs_socket},
             Case{{"run", "--detach", "--bundle", terminal.dir(), "term-no"},
                  "crun-lite: run `term-no`: " + needs_socket},
             Case{{"create", "--console-socket", missing, "--bundle", plain.dir(), "term-no"},
                  "crun-lite: create `term-no`: " + needs_terminal},
             Case{{"run", "--console-socket", missing, "--bundle", plain.dir(), "term-no"},
                  "crun-lite: run `term-no`: " + needs_terminal},
             Case{{"create", "--console-socket", missing, "--bundle", terminal.dir(), "term-no"},
                  "crun-lite: create `term-no`: connect to console socket `" + missing +
                      "`: No such file or directory\n"},
         }) {
        CAPTURE(refused.error);
        auto before = HostSnapshot::take();
        auto outcome = crun_lite(refused.args);
        CHECK(outcome.status == 1);
        CHECK(outcome.out == "");
        CHECK(outcome.err == refused.error);
        CHECK(differences(before, HostSnapshot::take()) == "");
    }
}

namespace {

// A detached container without a terminal, for exec to add processes with one.
std::string start_sleeping_container(const std::string &id)
{
    Bundle bundle("sleep 300");
    auto outcome = crun_lite_leaving_container({"run", "--detach", "--bundle", bundle.dir(), id});
    REQUIRE(outcome.status == 0);
    return id;
}

} // namespace

TEST_CASE("terminal: exec --tty in the foreground gives the process a pty of its own")
{
    DeleteOnExit guard{"term-exec-fg"};
    start_sleeping_container("term-exec-fg");

    auto outcome = run_under_pty(
        "stty rows 30 cols 100; exec " +
        crun_lite_command({"exec", "--tty", "term-exec-fg", "sh", "-c",
                           "tty; [ -t 0 ] && [ -t 1 ] && echo stdio-is-tty; stty size; exit 4"}));

    CHECK(outcome.status == 4);
    CHECK(without_cr(outcome.out) == "/dev/pts/0\nstdio-is-tty\n30 100\n");
}

TEST_CASE("terminal: exec --tty --detach hands the pty master to --console-socket")
{
    DeleteOnExit guard{"term-exec-detach"};
    start_sleeping_container("term-exec-detach");
    ConsoleSocket console;

    auto executing = start_crun_lite({"exec", "--tty", "--detach", "--console-socket",
                                      console.path(), "term-exec-detach", "sh", "-c",
                                      "read line; echo got $line"});
    int master = master_from(console, executing);
    REQUIRE(master >= 0);
    check_typed_line_answered(master);
}

TEST_CASE("terminal: exec refuses a terminal nobody would hold, and a socket without one")
{
    DeleteOnExit guard{"term-exec-refused"};
    start_sleeping_container("term-exec-refused");

    auto detached = crun_lite({"exec", "--tty", "--detach", "term-exec-refused", "true"});
    CHECK(detached.status == 1);
    CHECK(detached.err == "crun-lite: exec `term-exec-refused`: --tty: needs --console-socket "
                          "with --detach\n");

    auto socket_only = crun_lite(
        {"exec", "--console-socket", "/nonexistent.sock", "term-exec-refused", "true"});
    CHECK(socket_only.status == 1);
    CHECK(socket_only.err == "crun-lite: exec `term-exec-refused`: --console-socket: needs "
                             "--tty or process.terminal\n");
}
