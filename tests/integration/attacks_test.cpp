// Attacks: what a hostile image, config or process inside a container tries in order to reach
// the host, and what a naive runtime would let through. Each case names the attack; the host's
// side is checked from outside, the container's from inside it.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <thread>

#include "integration/harness.hpp"

using namespace harness;
using nlohmann::json;

namespace {

// Deleted at the end of the test whatever happens.
struct ContainerGuard {
    std::string id;
    ~ContainerGuard() { crun_lite({"delete", "--force", id}); }
};

// A process of this test's own in new uts and network namespaces, named `holder` there, for
// configs that join namespaces by path. Killed and reaped at the end of the scope.
class NamespaceHolder {
public:
    NamespaceHolder()
    {
        int ready[2];
        REQUIRE(pipe(ready) == 0);
        pid_ = fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            if (unshare(CLONE_NEWUTS | CLONE_NEWNET) != 0 || sethostname("holder", 6) != 0)
                _exit(1);
            (void)!write(ready[1], "r", 1);
            pause();
            _exit(0);
        }
        close(ready[1]);
        char byte = 0;
        REQUIRE(read(ready[0], &byte, 1) == 1);
        close(ready[0]);
    }
    ~NamespaceHolder()
    {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    std::string ns(const char *type) const
    {
        return "/proc/" + std::to_string(pid_) + "/ns/" + type;
    }

private:
    pid_t pid_ = -1;
};

// What a shell command prints on stdout.
std::string shell_output(const std::string &command)
{
    std::string output;
    if (FILE *pipe = popen(command.c_str(), "r")) {
        char buffer[256];
        while (size_t n = fread(buffer, 1, sizeof buffer, pipe))
            output.append(buffer, n);
        pclose(pipe);
    }
    return output;
}

// crun-lite with this test's roots and `args`, quoted for the shell.
std::string crun_lite_line(const std::vector<std::string> &args)
{
    std::vector<std::string> all = {std::getenv("CRUN_LITE_BIN"), "--root", state_root(),
                                    "--data-root", data_root()};
    all.insert(all.end(), args.begin(), args.end());
    std::string line;
    for (const auto &arg : all)
        line += "'" + arg + "' ";
    return line;
}

// What `command` prints run in the namespaces of `holder` (nsenter is util-linux's).
std::string in_namespaces_of(const NamespaceHolder &holder, const std::string &command)
{
    return shell_output("nsenter --uts=" + holder.ns("uts") + " --net=" + holder.ns("net") + " " +
                        command);
}

void remove_namespace(Bundle &bundle, const std::string &type)
{
    auto &namespaces = bundle.config["linux"]["namespaces"];
    for (auto it = namespaces.begin(); it != namespaces.end(); ++it) {
        if ((*it)["type"] == type) {
            namespaces.erase(it);
            return;
        }
    }
}

void join_namespace(Bundle &bundle, const std::string &type, const std::string &path)
{
    remove_namespace(bundle, type);
    bundle.config["linux"]["namespaces"].push_back({{"type", type}, {"path", path}});
}

// A path to `target` on the host that climbs out with `..` from any depth below `/`.
std::string climbing_link(const std::string &target)
{
    return "../../../../../../../../../../.." + target;
}

} // namespace

TEST_CASE("attacks: a cwd through symlinks or `..` is made and entered inside the rootfs")
{
    TempDir host_target;
    std::string marker = "crun-lite-cwd-" + std::to_string(getpid());
    for (const auto &example : std::vector<std::array<std::string, 3>>{
             {climbing_link(host_target.path()), "/climb/" + marker,
              host_target.path() + "/" + marker},
             {host_target.path(), "/climb/" + marker, host_target.path() + "/" + marker},
             {"/", "/../../../../climb/" + marker, "/" + marker},
         }) {
        // Named references, not a structured binding: clang 14 (the sanitizer build) cannot
        // capture a binding in CAPTURE's lambda.
        const std::string &link = example[0], &cwd = example[1], &inside = example[2];
        CAPTURE(link);
        Bundle bundle("pwd -P");
        use_private_rootfs(bundle);
        std::filesystem::create_directory_symlink(link, bundle.dir() + "/rootfs/climb");
        // The link's target inside the root exists, as the host's does: only the last part
        // is made, and the question is where.
        std::filesystem::create_directories(bundle.dir() + "/rootfs" + host_target.path());
        bundle.config["process"]["cwd"] = cwd;
        bundle.write();

        auto outcome = crun_lite({"run", bundle.dir()});

        CHECK(outcome.err == "");
        CHECK(outcome.status == 0);
        CHECK(outcome.out == inside + "\n");
        CHECK(std::filesystem::is_empty(host_target.path()));
        CHECK_FALSE(exists("/" + marker));
        CHECK(exists(bundle.dir() + "/rootfs" + inside));
    }
}

// A host thread (or a process of another container sharing the rootfs) swaps a directory of
// the rootfs for a symlink out of it, again and again, while the mounts below it are made.
// Checked names are no shield: only resolution in the root, at the moment of each step, is.
TEST_CASE("attacks: a directory swapped for a symlink while mounting never sends a mount out")
{
    TempDir host_target;
    Bundle bundle("true");
    use_private_rootfs(bundle);
    std::string rootfs = bundle.dir() + "/rootfs";
    std::filesystem::create_directory(rootfs + "/swap");
    std::filesystem::create_directory_symlink(climbing_link(host_target.path()),
                                              rootfs + "/swap-link");
    for (int i = 0; i < 8; ++i)
        bundle.config["mounts"].push_back({{"destination", "/swap/m" + std::to_string(i)},
                                           {"type", "tmpfs"},
                                           {"source", "tmpfs"}});
    bundle.write();
    auto before = HostSnapshot::take();

    std::atomic<bool> stop{false};
    std::atomic<long> swaps{0};
    std::thread swapper([&] {
        std::string dir = rootfs + "/swap", link = rootfs + "/swap-link";
        while (!stop) {
            if (renameat2(AT_FDCWD, dir.c_str(), AT_FDCWD, link.c_str(), RENAME_EXCHANGE) == 0)
                ++swaps;
            // A breath between swaps, so that some runs get through all eight mounts and the
            // test shows the swap, not a rootfs that never holds still, is what it survives.
            usleep(50);
        }
    });
    int succeeded = 0;
    for (int run = 0; run < 12; ++run) {
        auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "atk-swap"});
        // A swap between mkdir and open can fail a run, cleanly; it must never escape.
        CHECK_MESSAGE((outcome.status == 0 || outcome.err.find(": mounts[") != std::string::npos),
                      outcome.err);
        succeeded += outcome.status == 0;
    }
    stop = true;
    swapper.join();

    CHECK(swaps > 0);
    CHECK(succeeded > 0);
    CHECK(std::filesystem::is_empty(host_target.path()));
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("attacks: /proc, /sys and /dev as symlinks out of the image land inside the rootfs")
{
    TempDir proc_target, sys_target, dev_target;
    Bundle bundle("grep -c '^Name:' /proc/self/status; ls /sys/class/net; "
                  "echo x > /dev/null && head -c 3 /dev/zero | wc -c; "
                  "wc -c < /proc/timer_list");
    use_private_rootfs(bundle);
    std::string rootfs = bundle.dir() + "/rootfs";
    for (auto [name, target] : std::vector<std::pair<std::string, std::string>>{
             {"proc", proc_target.path()},
             {"sys", sys_target.path()},
             {"dev", dev_target.path()}}) {
        std::filesystem::remove_all(rootfs + "/" + name);
        std::filesystem::create_directory_symlink(name == "dev" ? climbing_link(target) : target,
                                                  rootfs + "/" + name);
    }
    bundle.config["linux"]["maskedPaths"] = {"/proc/timer_list"};
    bundle.write();
    auto before = HostSnapshot::take();

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK(outcome.err == "");
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "1\nlo\n3\n0\n");
    for (const auto *target : {&proc_target, &sys_target, &dev_target})
        CHECK(std::filesystem::is_empty(target->path()));
    // Made where the links lead when resolved as the container would: inside its root.
    CHECK(exists(rootfs + dev_target.path()));
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("attacks: the image's /dev/null is never what masks a file")
{
    // /dev is the image's own (bound), its null a symlink to a file the container can read.
    Bundle bundle("cat /etc/masked; echo end");
    use_private_rootfs(bundle);
    std::string rootfs = bundle.dir() + "/rootfs";
    std::filesystem::create_directories(rootfs + "/dev");
    std::filesystem::remove(rootfs + "/dev/null");
    std::filesystem::create_symlink("/etc/visible", rootfs + "/dev/null");
    write_text(rootfs + "/etc/visible", "visible\n");
    write_text(rootfs + "/etc/masked", "secret\n");
    for (auto &mount : bundle.config["mounts"])
        if (mount["destination"] == "/dev")
            mount = {{"destination", "/dev"}, {"type", "bind"}, {"source", "rootfs/dev"},
                     {"options", {"rbind"}}};
    bundle.config["linux"]["maskedPaths"] = {"/etc/masked"};
    bundle.write();

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK(outcome.err == "");
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "end\n");
    CHECK(read_text(rootfs + "/etc/masked") == "secret\n");
}

TEST_CASE("attacks: a fake procfs in the image gets no mask, no read-only path and no sysctl")
{
    // The image's /proc links to a directory of fake files; the config's proc mount lands on
    // it, and the masks, the read-only path and the sysctl must reach the real procfs there.
    Bundle bundle("wc -c < /proc/timer_list; cat /proc/sys/net/ipv4/ip_forward; "
                  "echo 1 > /proc/sys/kernel/shmmni || echo read-only");
    use_private_rootfs(bundle);
    std::string rootfs = bundle.dir() + "/rootfs";
    std::filesystem::remove_all(rootfs + "/proc");
    std::filesystem::create_directory_symlink("fake", rootfs + "/proc");
    std::filesystem::create_directories(rootfs + "/fake/sys/net/ipv4");
    write_text(rootfs + "/fake/timer_list", "fake\n");
    write_text(rootfs + "/fake/sys/net/ipv4/ip_forward", "0\n");
    bundle.config["linux"]["maskedPaths"] = {"/proc/timer_list"};
    bundle.config["linux"]["readonlyPaths"] = {"/proc/sys"};
    bundle.config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
    bundle.write();

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK(outcome.status == 0);
    CHECK(outcome.out == "0\n1\nread-only\n");
    CHECK(read_text(rootfs + "/fake/timer_list") == "fake\n");
    CHECK(read_text(rootfs + "/fake/sys/net/ipv4/ip_forward") == "0\n");
}

TEST_CASE("attacks: a directory of fake files bound over /proc/sys takes no sysctl")
{
    Bundle bundle("true");
    std::filesystem::create_directories(bundle.dir() + "/fake-sys/net/ipv4");
    std::string fake_forward = bundle.dir() + "/fake-sys/net/ipv4/ip_forward";
    write_text(fake_forward, "0\n");
    bundle.config["mounts"].push_back({{"destination", "/proc/sys"},
                                       {"type", "bind"},
                                       {"source", "fake-sys"},
                                       {"options", {"bind"}}});
    bundle.config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
    bundle.write();
    auto before = HostSnapshot::take();

    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "atk-fake-sys"});

    CHECK(outcome.status == 1);
    CHECK(outcome.err ==
          "crun-lite: run `atk-fake-sys`: linux.sysctl.net.ipv4.ip_forward: "
          "`/proc/sys/net/ipv4/ip_forward` is not on a procfs: mount `/proc` in the container\n");
    CHECK(read_text(fake_forward) == "0\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("attacks: with the default capabilities masked paths cannot be unmasked from inside")
{
    Bundle bundle("umount /proc/timer_list; umount -l /proc/acpi; "
                  "mount -o remount,rw /proc/acpi; mount -o remount,rw /proc/sys; "
                  "mount -t proc proc /mnt; "
                  "wc -c < /proc/timer_list; ls -A /proc/acpi | wc -l; "
                  "touch /proc/acpi/x 2>/dev/null || echo still-read-only; "
                  "grep -c ' /mnt ' /proc/self/mountinfo");
    bundle.config["linux"]["maskedPaths"] = {"/proc/timer_list", "/proc/acpi"};
    bundle.config["linux"]["readonlyPaths"] = {"/proc/sys"};
    bundle.write();

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK(outcome.out == "0\n0\nstill-read-only\n0\n");
}

TEST_CASE("attacks: fds leaked into create, start and exec stay out; --preserve-fds passes them")
{
    // A careless caller leaves fd 9 open without close-on-exec at each command (dash, behind
    // popen, redirects single-digit fds only).
    Bundle bundle("ls /proc/self/fd > /tmp/listing; mv /tmp/listing /tmp/first; sleep 100");
    ContainerGuard guard{"atk-fds"};
    std::string leak = " 9</etc/hostname";
    shell_output(crun_lite_line({"create", "--bundle", bundle.dir(), "atk-fds"}) + leak +
                 " >/dev/null 2>&1");
    shell_output(crun_lite_line({"start", "atk-fds"}) + leak);
    auto exec_plain = shell_output(crun_lite_line({"exec", "atk-fds", "ls", "/proc/self/fd"}) +
                                   leak);
    auto exec_preserving = shell_output(
        crun_lite_line({"exec", "--preserve-fds", "1", "atk-fds", "sh", "-c",
                        "ls /proc/self/fd; head -c 0 <&3 && echo 3-open"}) +
        leak + " 3</etc/hostname");
    Outcome first;
    CHECK(eventually([&] {
        first = crun_lite({"exec", "atk-fds", "cat", "/tmp/first"});
        return first.status == 0;
    }));

    // ls's own directory fd is the lowest free one.
    CHECK(first.out == "0\n1\n2\n3\n");
    CHECK(exec_plain == "0\n1\n2\n3\n");
    CHECK(exec_preserving == "0\n1\n2\n3\n4\n3-open\n");
}

namespace {

// The outcome of `pwd -P` started with cwd /proc/self/fd/N: the runtime refused the cwd, or
// the process is inside its root (getcwd fails, or says `(unreachable)`, for a directory out
// of it).
void check_cwd_inside(const Outcome &outcome)
{
    bool refused = outcome.status != 0 && outcome.err.starts_with("crun-lite: ") &&
                   outcome.err.find(" cwd `/proc/self/fd/") != std::string::npos;
    bool inside = outcome.status == 0 && outcome.out.starts_with("/");
    CHECK_MESSAGE((refused || inside), std::string(outcome.out + outcome.err));
}

} // namespace

TEST_CASE("attacks: a cwd of /proc/self/fd/N reaches no directory of the host's")
{
    // Whatever fd the runtime might still hold at the chdir, for run and for exec.
    Bundle bundle("pwd -P");
    Bundle sleeping("sleep 100");
    ContainerGuard guard{"atk-cwd-exec"};
    REQUIRE(crun_lite_leaving_container(
                {"run", "--detach", "--bundle", sleeping.dir(), "atk-cwd-exec"})
                .status == 0);
    for (int fd = 3; fd < 16; ++fd) {
        CAPTURE(fd);
        std::string cwd = "/proc/self/fd/" + std::to_string(fd);
        bundle.config["process"]["cwd"] = cwd;
        bundle.write();
        check_cwd_inside(crun_lite({"run", "--bundle", bundle.dir(), "atk-cwd-fd"}));
        check_cwd_inside(crun_lite({"exec", "--cwd", cwd, "atk-cwd-exec", "pwd", "-P"}));
    }
}

TEST_CASE("attacks: configs that would change the host or a shared namespace are refused")
{
    NamespaceHolder holder;
    std::string host_swappiness = read_text("/proc/sys/vm/swappiness");
    host_swappiness.pop_back();
    std::string domain_before = read_text("/proc/sys/kernel/domainname");
    std::string hostname_before = read_text("/proc/sys/kernel/hostname");
    std::string forward_before = in_namespaces_of(holder, "cat /proc/sys/net/ipv4/ip_forward");
    REQUIRE(forward_before == "0\n");

    struct Refusal {
        std::string name;
        std::function<void(Bundle &)> edit;
        std::string error;
    };
    for (const auto &refusal : std::vector<Refusal>{
             {"domainname without a uts namespace",
              [](Bundle &b) {
                  remove_namespace(b, "uts");
                  b.config["domainname"] = "attack.example";
              },
              "domainname: requires a new uts namespace"},
             {"hostname in a joined uts namespace",
              [&](Bundle &b) {
                  join_namespace(b, "uts", holder.ns("uts"));
                  b.config["hostname"] = "attacker";
              },
              "hostname: requires a new uts namespace"},
             {"sysctl in a joined network namespace",
              [&](Bundle &b) {
                  join_namespace(b, "network", holder.ns("net"));
                  b.config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
              },
              "linux.sysctl.net.ipv4.ip_forward: needs a new network namespace"},
             {"sysctl of a key no namespace holds (the host's own value)",
              [&](Bundle &b) {
                  b.config["linux"]["sysctl"] = {{"vm.swappiness", host_swappiness}};
              },
              "linux.sysctl.vm.swappiness: not a namespaced sysctl"},
             {"time offsets without a time namespace",
              [](Bundle &b) {
                  b.config["linux"]["timeOffsets"] = {{"monotonic", {{"secs", 3600}}}};
              },
              "linux.timeOffsets: requires a new time namespace"},
             {"mappings without a user namespace",
              [](Bundle &b) {
                  b.config["linux"]["uidMappings"] = {
                      {{"containerID", 0}, {"hostID", 100000}, {"size", 1}}};
                  b.config["linux"]["gidMappings"] = {
                      {{"containerID", 0}, {"hostID", 100000}, {"size", 1}}};
              },
              "linux.uidMappings: requires a `user` namespace in linux.namespaces"},
         }) {
        CAPTURE(refusal.name);
        Bundle bundle;
        refusal.edit(bundle);
        bundle.write();
        auto before = HostSnapshot::take();
        auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "atk-host-config"});
        CHECK(outcome.status == 1);
        CHECK(outcome.err.find(refusal.error) != std::string::npos);
        CHECK(differences(before, HostSnapshot::take()) == "");
    }
    CHECK(read_text("/proc/sys/kernel/domainname") == domain_before);
    CHECK(read_text("/proc/sys/kernel/hostname") == hostname_before);
    CHECK(in_namespaces_of(holder, "hostname") == "holder\n");
    CHECK(in_namespaces_of(holder, "cat /proc/sys/net/ipv4/ip_forward") == forward_before);
}

TEST_CASE("attacks: a default container sees no host process, mount, state root or device")
{
    std::string state = state_root(), data = data_root();
    // busybox's shell runs an applet of a pipeline through /proc/self/exe, so for a moment each
    // of the pipeline's own processes is named `exe`.
    Bundle bundle(
        "ps -o comm | grep -v -x -e COMMAND -e sh -e ps -e grep -e wc -e exe | wc -l; "
        "grep -c -e ' /work' -e ' /home' -e ' /var/lib' -e ' /run/' -e ' /boot' "
        "/proc/self/mountinfo; "
        "ls -d " + state + " " + data + " 2>&1 | grep -c 'No such file'; "
        "ls /dev | grep -v -x -e null -e zero -e full -e random -e urandom -e tty -e ptmx "
        "-e pts -e shm -e fd -e stdin -e stdout -e stderr -e mqueue -e core -e console | wc -l; "
        "mknod /tmp/disk b 8 0 2>/dev/null && head -c 1 /tmp/disk >/dev/null 2>&1 && "
        "echo disk-readable; "
        "head -c 1 /dev/kmsg >/dev/null 2>&1 && echo kmsg-readable; true");
    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK(outcome.err == "");
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "0\n0\n2\n0\n");
}

TEST_CASE("attacks: capabilities, no_new_privs and seccomp are exactly what the config says")
{
    const char *status_lines = "grep -e ^Cap -e ^NoNewPrivs -e ^Seccomp: /proc/self/status";
    // CAP_AUDIT_WRITE (29), CAP_KILL (5) and CAP_NET_BIND_SERVICE (10) in `spec`'s default.
    std::string default_caps = "0000000020000420";
    std::string none = "0000000000000000";
    auto lines = [&](const std::string &caps, int no_new_privs, int seccomp) {
        return "CapInh:\t" + none + "\nCapPrm:\t" + caps + "\nCapEff:\t" + caps + "\nCapBnd:\t" +
               caps + "\nCapAmb:\t" + none + "\nNoNewPrivs:\t" + std::to_string(no_new_privs) +
               "\nSeccomp:\t" + std::to_string(seccomp) + "\n";
    };

    Bundle plain(status_lines);
    auto outcome = crun_lite({"run", plain.dir()});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == lines(default_caps, 1, 0));
    auto exec_outcome = [&] {
        ContainerGuard guard{"atk-caps"};
        Bundle sleeping("sleep 100");
        REQUIRE(crun_lite_leaving_container(
                    {"run", "--detach", "--bundle", sleeping.dir(), "atk-caps"})
                    .status == 0);
        return crun_lite({"exec", "atk-caps", "sh", "-c", status_lines});
    }();
    CHECK(exec_outcome.out == lines(default_caps, 1, 0));

    Bundle filtered(status_lines);
    filtered.config["process"]["noNewPrivileges"] = false;
    filtered.config["process"]["capabilities"] = {
        {"bounding", {"CAP_KILL"}}, {"effective", {"CAP_KILL"}}, {"permitted", {"CAP_KILL"}}};
    filtered.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"syscalls", {{{"names", {"mount"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
    filtered.write();
    outcome = crun_lite({"run", filtered.dir()});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == lines("0000000000000020", 0, 2));
}

// Until start, the first process holds the exec fifo, exec.result, the sync channel and the
// runtime's pidfd. A root process exec'd into the created container must reach none of them.
TEST_CASE("attacks: a process exec'd into a created container can neither start it nor fake "
          "start's error")
{
    Bundle bundle("echo ran > /tmp/ran; sleep 100");
    ContainerGuard guard{"atk-early"};
    REQUIRE(crun_lite_leaving_container({"create", "--bundle", bundle.dir(), "atk-early"})
                .status == 0);

    auto attack = crun_lite({"exec", "atk-early", "sh", "-c",
                             "for f in /proc/1/fd/*; do echo injected > $f; done 2>/dev/null; "
                             "for f in /proc/1/fd/* /proc/1/exe; do readlink $f; done; true"});
    auto ran_early = crun_lite({"exec", "atk-early", "cat", "/tmp/ran"});
    auto state = nlohmann::json::parse(crun_lite({"state", "atk-early"}).out);
    auto started = crun_lite({"start", "atk-early"});

    CHECK(attack.status == 0);
    CHECK(attack.out == "");
    CHECK(ran_early.status != 0);
    CHECK(state["status"] == "created");
    CHECK(started.err == "");
    CHECK(started.status == 0);
    CHECK(eventually([] {
        return crun_lite({"exec", "atk-early", "cat", "/tmp/ran"}).out == "ran\n";
    }));
}
