// User namespaces: a container whose root is an unprivileged id on the host, rootless
// containers run by a user who is not root, and idmapped bind mounts.
#include <doctest/doctest.h>

#include <filesystem>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>

#include "integration/harness.hpp"

using namespace harness;
using json = nlohmann::json;

namespace {

constexpr uint32_t mapped_root = 100000;

json single_range(uint32_t container_id, uint32_t host_id, uint32_t size)
{
    return json::array({{{"containerID", container_id}, {"hostID", host_id}, {"size", size}}});
}

void add_user_namespace(Bundle &bundle)
{
    bundle.config["linux"]["namespaces"].push_back({{"type", "user"}});
    bundle.config["linux"]["uidMappings"] = single_range(0, mapped_root, 65536);
    bundle.config["linux"]["gidMappings"] = single_range(0, mapped_root, 65536);
    bundle.write();
}

// The `Uid:` line of /proc/PID/status: real, effective, saved and filesystem uid.
std::string host_uids(pid_t pid)
{
    std::string status = read_text("/proc/" + std::to_string(pid) + "/status");
    auto start = status.find("Uid:");
    return status.substr(start, status.find('\n', start) - start);
}

// Runs a shell command and returns its stdout and exit status.
std::pair<std::string, int> shell(const std::string &command)
{
    std::string out;
    FILE *pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    while (size_t n = fread(buffer, 1, sizeof buffer, pipe))
        out.append(buffer, n);
    int status = ::pclose(pipe);
    return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

// The pid of a child of `parent` whose command line starts with `program`, or "".
std::string child_running(pid_t parent, const std::string &program)
{
    std::string task = "/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent);
    std::istringstream children(read_text(task + "/children"));
    for (std::string child; children >> child;)
        if (read_text("/proc/" + child + "/cmdline").rfind(program, 0) == 0)
            return child;
    return "";
}

std::string read_link(const std::string &path)
{
    std::error_code error;
    return std::filesystem::read_symlink(path, error).string();
}

} // namespace

TEST_CASE("userns: container root is uid 100000 on the host, root inside, in its upper dir too")
{
    Bundle bundle("sleep 60");
    add_user_namespace(bundle);
    std::string id = "userns-" + std::to_string(::getpid());

    auto created = crun_lite_leaving_container({"run", "--detach", "--bundle", bundle.dir(), id});
    REQUIRE(created.status == 0);
    auto state = json::parse(crun_lite({"state", id}).out);
    pid_t pid = state["pid"];

    auto inside = crun_lite({"exec", id, "sh", "-c",
                             "id -u; id -g; cat /proc/self/uid_map; echo data > /made-inside"});
    CHECK(inside.status == 0);
    CHECK(inside.out == "0\n0\n         0     100000      65536\n");
    CHECK(host_uids(pid) == "Uid:\t100000\t100000\t100000\t100000");
    struct stat made {};
    CHECK(::stat((data_root() + "/" + id + "/upper/made-inside").c_str(), &made) == 0);
    CHECK(made.st_uid == mapped_root);
    CHECK(made.st_gid == mapped_root);

    CHECK(crun_lite({"delete", "--force", id}).status == 0);
}

TEST_CASE("userns: the image's files belong to the container's root, who can change them")
{
    Bundle bundle("stat -c '%u %g' /etc/passwd /tmp && echo x >> /etc/passwd && touch /tmp/t && "
                  "echo written");
    add_user_namespace(bundle);
    auto outcome = crun_lite({"run", bundle.dir()});
    CHECK(outcome.err == "");
    CHECK(outcome.out == "0 0\n0 0\nwritten\n");
}

TEST_CASE("userns: mappings without a user namespace are refused by field name")
{
    Bundle bundle;
    bundle.config["linux"]["uidMappings"] = single_range(0, mapped_root, 1);
    bundle.write();
    auto before = HostSnapshot::take();
    auto outcome = crun_lite({"run", bundle.dir()});
    CHECK(outcome.status == 1);
    CHECK(outcome.err.find("linux.uidMappings: requires a `user` namespace in linux.namespaces") !=
          std::string::npos);
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("userns: an idmapped bind mount shows a dir of uid 1000 as root's")
{
    TempDir shared;
    write_text(shared.path() + "/file", "x");
    REQUIRE(::chown(shared.path().c_str(), 1000, 1000) == 0);
    REQUIRE(::chown((shared.path() + "/file").c_str(), 1000, 1000) == 0);
    Bundle bundle("stat -c '%u %g' /shared /shared/file");
    bundle.config["mounts"].push_back({{"destination", "/shared"},
                                       {"type", "bind"},
                                       {"source", shared.path()},
                                       {"options", {"bind", "idmap"}},
                                       {"uidMappings", single_range(1000, 0, 1)},
                                       {"gidMappings", single_range(1000, 0, 1)}});
    bundle.write();
    auto outcome = crun_lite({"run", bundle.dir()});
    CHECK(outcome.err == "");
    CHECK(outcome.out == "0 0\n0 0\n");
}

// A user who is not root, with a home holding a copy of the image, a runtime dir and a bundle
// made by `spec --rootless` running `args`; `as_user` prefixes crun-lite commands run as them.
struct RootlessUser {
    // A uid with no passwd entry: nothing to clean up in /etc, and no other test uses it.
    uid_t uid = 3000000 + ::getpid() % 100000;
    TempDir home;
    std::string runtime_dir = home.path() + "/run";
    std::string bundle_dir = home.path() + "/bundle";
    std::string as_user;

    explicit RootlessUser(const json &args)
    {
        std::string image = home.path() + "/image";
        REQUIRE(shell("cp -a " + image_dir() + " " + image + " && mkdir " + runtime_dir + " " +
                      bundle_dir + " && chown -R " + std::to_string(uid) + ":" +
                      std::to_string(uid) + " " + home.path())
                    .second == 0);
        std::string binary = std::getenv("CRUN_LITE_BIN");
        as_user = "setpriv --reuid " + std::to_string(uid) + " --regid " + std::to_string(uid) +
                  " --clear-groups env -i HOME=" + home.path() + " XDG_RUNTIME_DIR=" +
                  runtime_dir + " PATH=/usr/bin:/bin " + binary;
        REQUIRE(shell(as_user + " spec --rootless --bundle " + bundle_dir).second == 0);
        json config = json::parse(read_text(bundle_dir + "/config.json"));
        config["root"]["path"] = image;
        config["process"]["args"] = args;
        config["process"]["terminal"] = false; // spec writes runc's default, a terminal
        write_text(bundle_dir + "/config.json", config.dump());
    }

    std::string state_dir(const std::string &id) const { return runtime_dir + "/crun-lite/" + id; }
    std::pair<std::string, int> crun_lite(const std::string &arguments) const
    {
        return shell(as_user + " " + arguments);
    }

    // `create` or `run --detach` of the bundle as `id`, its output to home/out: the first pid.
    pid_t launch(const std::string &command, const std::string &id) const
    {
        REQUIRE(crun_lite(command + " --bundle " + bundle_dir + " " + id + " >" + home.path() +
                          "/out 2>&1 </dev/null")
                    .second == 0);
        std::string state_file = state_dir(id) + "/state.json";
        REQUIRE(exists(state_file));
        return json::parse(read_text(state_file))["pid"];
    }
};

TEST_CASE("userns: a rootless user runs `spec --rootless` output; root inside, the user outside")
{
    RootlessUser user(json{"sh", "-c", "id -u; cat /proc/self/uid_map; sleep 60"});
    std::string id = "rootless-" + std::to_string(::getpid());
    pid_t pid = user.launch("run --detach", id);
    std::string uid = std::to_string(user.uid);
    CHECK(host_uids(pid) == "Uid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid);
    std::string expected = "0\n         0    " + uid + "          1\n";
    // The container writes while this test reads: poll until both lines are there.
    for (int tries = 0; tries < 200 && read_text(user.home.path() + "/out") != expected; ++tries)
        ::usleep(50000);
    CHECK(read_text(user.home.path() + "/out") == expected);
    // exec as the same user: into the pid namespace through the container's user namespace.
    auto exec = user.crun_lite("exec " + id + " sh -c 'id -u; readlink /proc/self/ns/user'");
    CHECK(exec.second == 0);
    CHECK(exec.first == "0\n" + read_link("/proc/" + std::to_string(pid) + "/ns/user") + "\n");

    // Seen while a rootless exec runs: its program is crun-lite's own child, in the container's
    // pid namespace, and crun-lite itself stays in the host's user and pid namespaces.
    Running running = start_program({"sh", "-c", "exec " + user.as_user + " exec " + id +
                                                     " sh -c 'echo started; exec sleep 60'"});
    REQUIRE(running.read_line() == "started");
    std::string runtime = "/proc/" + std::to_string(running.pid());
    std::string program;
    REQUIRE(eventually([&] { return !(program = child_running(running.pid(), "sleep")).empty(); }));
    CHECK(read_link("/proc/" + program + "/ns/pid") ==
          read_link("/proc/" + std::to_string(pid) + "/ns/pid"));
    CHECK(read_link(runtime + "/ns/user") == read_link("/proc/self/ns/user"));
    CHECK(read_link(runtime + "/ns/pid_for_children") == read_link("/proc/self/ns/pid"));
    CHECK(user.crun_lite("delete --force " + id).second == 0);
    CHECK(running.wait().status == 128 + SIGKILL);
    CHECK_FALSE(exists(user.state_dir(id)));
    CHECK_FALSE(exists(user.home.path() + "/.local/share/crun-lite/" + id));
}

// Until start, the first process holds the exec fifo, the sync channel and the runtime's pidfd:
// not dumpable, a rootless container's too, so that a process exec'd in reaches none of them
// (attacks_test checks the same as root). The rootless exec still gets in, before and after
// start: before, through the namespaces the first process hands over on its socket.
TEST_CASE("userns: a rootless created container is closed to what is exec'd in; exec still joins")
{
    RootlessUser user(json{"sh", "-c", "echo started; sleep 60"});
    std::string id = "rootless-created-" + std::to_string(::getpid());
    pid_t pid = user.launch("create", id);
    std::string user_namespace = read_link("/proc/" + std::to_string(pid) + "/ns/user");
    std::string pid_namespace = read_link("/proc/" + std::to_string(pid) + "/ns/pid");

    auto peek = user.crun_lite(
        "exec " + id + " sh -c 'ls /proc/1/fd >/dev/null 2>&1 || echo fd closed; "
                       "readlink /proc/1/exe 2>/dev/null || echo exe closed; "
                       "readlink /proc/self/ns/user; readlink /proc/self/ns/pid'");
    CHECK(peek.second == 0);
    CHECK(peek.first ==
          "fd closed\nexe closed\n" + user_namespace + "\n" + pid_namespace + "\n");
    CHECK(user.crun_lite("start " + id).second == 0);
    auto after = user.crun_lite("exec " + id + " readlink /proc/self/ns/user");
    CHECK(after.second == 0);
    CHECK(after.first == user_namespace + "\n");
    CHECK(user.crun_lite("delete --force " + id).second == 0);
    CHECK_FALSE(exists(user.state_dir(id)));
}

TEST_CASE("userns: linux.devices in a user namespace are the host's nodes, bound in")
{
    REQUIRE(exists("/dev/net/tun"));
    Bundle bundle("stat -c '%F %t:%T' /dev/net/tun");
    bundle.config["linux"]["devices"] = {
        {{"path", "/dev/net/tun"}, {"type", "c"}, {"major", 10}, {"minor", 200}}};
    add_user_namespace(bundle);

    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "userns-devices"});

    CHECK(outcome.err == "");
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "character special file a:c8\n");
}

TEST_CASE("userns: a linux.devices entry the host's node does not match is refused, not bound")
{
    struct Mismatch {
        const char *path;
        const char *type;
        int major;
        int minor;
    };
    // Another device's numbers, another type, a directory.
    for (const auto &device : {Mismatch{"/dev/net/tun", "c", 1, 3},
                               Mismatch{"/dev/null", "b", 1, 3}, Mismatch{"/dev/shm", "c", 1, 3}}) {
        CAPTURE(device.path);
        Bundle bundle("true");
        bundle.config["linux"]["devices"] = {{{"path", device.path},
                                              {"type", device.type},
                                              {"major", device.major},
                                              {"minor", device.minor}}};
        add_user_namespace(bundle);
        auto before = HostSnapshot::take();

        auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "userns-bad-device"});

        CHECK(outcome.status == 1);
        CHECK(outcome.err == "crun-lite: run `userns-bad-device`: linux.devices[0]: the host's `" +
                                 std::string(device.path) +
                                 "` is not the device asked for, and a user namespace can only "
                                 "bind the host's node\n");
        CHECK(differences(before, HostSnapshot::take()) == "");
    }
}

TEST_CASE("userns: a fileMode or owner a bound host node cannot take is warned about")
{
    struct stat host {};
    REQUIRE(stat("/dev/net/tun", &host) == 0);
    REQUIRE((host.st_mode & 07777) == 0600);
    Bundle bundle("stat -c '%a' /dev/net/tun");
    bundle.config["linux"]["devices"] = {{{"path", "/dev/net/tun"},
                                          {"type", "c"},
                                          {"major", 10},
                                          {"minor", 200},
                                          {"fileMode", 0666},
                                          {"uid", 0},
                                          {"gid", 0}}};
    add_user_namespace(bundle);

    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "userns-device-mode"});

    CHECK(outcome.status == 0);
    // The host's root is not mapped: inside, the node's owner is the overflow id.
    CHECK(outcome.err ==
          "crun-lite: warning: linux.devices[0]: fileMode not applied: in a user namespace the "
          "host's node is bound, and it keeps its mode 0600\n"
          "crun-lite: warning: linux.devices[0]: uid and gid not applied: in a user namespace "
          "the host's node is bound, and it keeps its owner 65534:65534\n");
    CHECK(outcome.out == "600\n");
}
