#include "integration/clients.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <sstream>

extern char **environ;

using namespace harness;

namespace clients {
namespace {

// Where the cgroup hierarchies are mounted on Debian.
constexpr const char *cgroup_top = "/sys/fs/cgroup";

// Where crun-lite keeps state when a client gives it no --root, as conmon does.
constexpr const char *default_state_root = "/run/crun-lite";

const std::string &crun_lite_binary()
{
    static const std::string path = std::filesystem::absolute(getenv("CRUN_LITE_BIN")).string();
    return path;
}

std::vector<std::string> lines_of(const std::string &text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty())
            lines.push_back(line);
    return lines;
}

std::string quoted(const std::string &text)
{
    std::string result = "'";
    for (char c : text)
        result += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return result + "'";
}

// `NAME=VALUE... argv...` for sh, every value and argument quoted.
std::string shell_line(const std::vector<std::string> &env, const std::vector<std::string> &argv)
{
    std::string text;
    for (const auto &variable : env)
        text += variable.substr(0, variable.find('=') + 1) +
                quoted(variable.substr(variable.find('=') + 1)) + " ";
    for (const auto &arg : argv)
        text += quoted(arg) + " ";
    return text;
}

// mountinfo escapes space, tab, newline and backslash in paths as octal.
std::string unescaped(const std::string &field)
{
    std::string text;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            text += static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            text += field[i];
        }
    }
    return text;
}

// Fields of each line of /proc/self/mountinfo: mount point is [4], the root within its
// filesystem [3], and the filesystem type follows the " - " separator.
struct MountLine {
    std::string root, mount_point, type;
};

std::vector<MountLine> mount_lines()
{
    std::vector<MountLine> mounts;
    for (const auto &line : lines_of(read_text("/proc/self/mountinfo"))) {
        std::istringstream fields(line);
        std::string id, parent, device, root, mount_point;
        fields >> id >> parent >> device >> root >> mount_point;
        size_t separator = line.find(" - ");
        if (separator == std::string::npos)
            continue;
        std::istringstream after(line.substr(separator + 3));
        std::string type;
        after >> type;
        mounts.push_back({unescaped(root), unescaped(mount_point), type});
    }
    return mounts;
}

// Each cgroup hierarchy's root as mounted here.
std::vector<std::string> cgroup_hierarchies()
{
    std::vector<std::string> roots;
    for (const auto &mount : mount_lines())
        if ((mount.type == "cgroup" || mount.type == "cgroup2") && mount.root == "/" &&
            std::find(roots.begin(), roots.end(), mount.mount_point) == roots.end())
            roots.push_back(mount.mount_point);
    return roots;
}

// Detaches every mount at or below `dir` that a client left in the host's namespace (podman's
// shm and overlay mounts when a test fails half way), deepest first.
void unmount_below(const std::string &dir)
{
    std::vector<std::string> points;
    for (const auto &mount : mount_lines())
        if (mount.mount_point == dir || mount.mount_point.rfind(dir + "/", 0) == 0)
            points.push_back(mount.mount_point);
    std::sort(points.begin(), points.end(),
              [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
    for (const auto &point : points)
        umount2(point.c_str(), MNT_DETACH);
}

// Clients' helpers whose command line names `dir` (conmon, `podman container cleanup`, a
// containerd shim) get `seconds` to end by themselves; those still running are killed.
void end_processes_naming(const std::string &dir, double seconds)
{
    if (eventually([&] { return processes_matching(dir).empty(); }, seconds))
        return;
    for (pid_t pid : processes_matching(dir))
        kill(pid, SIGKILL);
}

// A container a client failed to remove: crun-lite removes it itself.
void force_delete(const std::string &state_root, const std::string &id)
{
    if (exists(state_root + "/" + id))
        run_program({crun_lite_binary(), "--root", state_root, "delete", "--force", id});
}

void write_podman_config(const std::string &dir)
{
    write_text(dir + "/containers.conf",
               "[containers]\n"
               // podman asks for 1048576 open files and processes; root here lacks
               // CAP_SYS_RESOURCE, and podman itself runs with a lower hard limit than that.
               "default_ulimits = [\"nofile=1024:1024\", \"nproc=4096:4096\"]\n"
               "netns = \"none\"\n"
               "log_driver = \"k8s-file\"\n"
               "\n[network]\n"
               "network_config_dir = \"" + dir + "/networks\"\n"
               "\n[engine]\n"
               "cgroup_manager = \"cgroupfs\"\n"
               "events_logger = \"file\"\n"
               "events_logfile_path = \"" + dir + "/events.log\"\n"
               // File locks in tmp_dir, not the host-wide /dev/shm/libpod_lock.
               "lock_type = \"file\"\n"
               "tmp_dir = \"" + dir + "/tmp\"\n"
               "static_dir = \"" + dir + "/graphroot/libpod\"\n"
               "volume_path = \"" + dir + "/volumes\"\n"
               "runtime = \"crun-lite\"\n"
               // podman passes --log and --log-format json only to runtimes listed here.
               "runtime_supports_json = [\"crun-lite\"]\n"
               "\n[engine.runtimes]\n"
               "crun-lite = [\"" + crun_lite_binary() + "\"]\n");
    write_text(dir + "/storage.conf", "[storage]\n"
                                      "driver = \"overlay\"\n"
                                      "graphroot = \"" + dir + "/graphroot\"\n"
                                      "runroot = \"" + dir + "/runroot\"\n");
}

void write_containerd_config(const std::string &dir)
{
    write_text(dir + "/config.toml",
               "version = 2\n"
               "root = \"" + dir + "/root\"\n"
               "state = \"" + dir + "/state\"\n"
               "plugin_dir = \"\"\n"
               // CRI would set up CNI networking; the snapshotters listed need what this host
               // lacks, and tracing would look for a collector.
               "disabled_plugins = [\"io.containerd.grpc.v1.cri\", "
               "\"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.zfs\", "
               "\"io.containerd.snapshotter.v1.devmapper\", \"io.containerd.snapshotter.v1.aufs\", "
               "\"io.containerd.tracing.processor.v1.otlp\", \"io.containerd.internal.v1.tracing\"]\n"
               "\n[grpc]\n  address = \"" + dir + "/containerd.sock\"\n"
               "\n[ttrpc]\n  address = \"" + dir + "/containerd.sock.ttrpc\"\n"
               "\n[debug]\n  address = \"\"\n"
               "\n[metrics]\n  address = \"\"\n"
               "\n[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"" + dir + "/opt\"\n");
}

// Where containerd's shims put their sockets whatever the config says, and ctr its fifos when a
// command is not given --fifo-dir; those not there before the test are removed after it, once
// empty.
const std::vector<std::string> shim_run_dirs = {"/run/containerd", "/run/containerd/s",
                                                "/run/containerd/fifo"};

} // namespace

bool installed(const std::string &program)
{
    const char *path = getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');)
        if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0)
            return true;
    return false;
}

const std::string &busybox_tarball()
{
    static TempDir dir;
    static const std::string path = [] {
        std::string tarball = dir.path() + "/busybox.tar";
        auto made = run_program({"tar", "--numeric-owner", "-C", image_dir(), "-cf", tarball, "."});
        REQUIRE_MESSAGE(made.status == 0, made.err);
        return tarball;
    }();
    return path;
}

bool cgroup_exists(const std::string &relative)
{
    std::error_code ignored;
    for (const auto &entry : std::filesystem::directory_iterator(cgroup_top, ignored))
        if (exists(entry.path().string() + relative))
            return true;
    return false;
}

void remove_cgroups(const std::string &relative)
{
    for (const auto &hierarchy : cgroup_hierarchies()) {
        std::string top = hierarchy + relative;
        if (!exists(top))
            continue;
        std::vector<std::string> dirs = {top};
        std::error_code ignored;
        for (const auto &entry : std::filesystem::recursive_directory_iterator(top, ignored))
            if (entry.is_directory(ignored) && !entry.is_symlink(ignored))
                dirs.push_back(entry.path());
        std::sort(dirs.begin(), dirs.end(),
                  [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
        // A process that has just exited may still be counted in its cgroup for a moment.
        for (const auto &dir : dirs)
            CHECK_MESSAGE(eventually([&] { return rmdir(dir.c_str()) == 0 || errno == ENOENT; }),
                          "cgroup `" << dir << "` is still in use");
    }
    // podman's cgroupfs manager makes a directory, with a `tasks` file, for each controller of
    // /proc/cgroups, mounted or not: those not mounted (hugetlb here) land on the tmpfs that
    // holds the hierarchies, as plain files.
    std::error_code ignored;
    for (const auto &entry : std::filesystem::directory_iterator(cgroup_top, ignored)) {
        auto hierarchies = cgroup_hierarchies();
        if (std::find(hierarchies.begin(), hierarchies.end(), entry.path()) == hierarchies.end())
            std::filesystem::remove_all(entry.path().string() + relative, ignored);
    }
}

Podman::Podman() : cgroup_parent_("/crun-lite-podman-" + dir_.path().substr(dir_.path().rfind('-') + 1))
{
    made_default_state_root_ = !exists(default_state_root);
    write_podman_config(dir_.path());
}

Podman::~Podman()
{
    auto ids = lines_of((*this)({"ps", "--all", "--quiet", "--no-trunc"}).out);
    (*this)({"rm", "--all", "--force", "--time", "0"});
    end_processes_naming(dir_.path(), 30);
    for (const auto &id : ids)
        force_delete(default_state_root, id);
    unmount_below(dir_.path());
    remove_cgroups(cgroup_parent_);
    if (made_default_state_root_)
        rmdir(default_state_root);
}

std::vector<std::string> Podman::environment() const
{
    return {"CONTAINERS_CONF=" + dir_.path() + "/containers.conf",
            "CONTAINERS_STORAGE_CONF=" + dir_.path() + "/storage.conf"};
}

std::vector<std::string> Podman::command(const std::vector<std::string> &args) const
{
    std::vector<std::string> argv = {"podman",
                                     "--root", dir_.path() + "/graphroot",
                                     "--runroot", dir_.path() + "/runroot",
                                     "--runtime", crun_lite_binary(),
                                     "--cgroup-manager", "cgroupfs"};
    // Where a container's cgroups go is an option of the command that makes it.
    if (!args.empty() && (args[0] == "run" || args[0] == "create")) {
        argv.insert(argv.end(), {args[0], "--cgroup-parent", cgroup_parent_, "--network", "none"});
        argv.insert(argv.end(), args.begin() + 1, args.end());
    } else {
        argv.insert(argv.end(), args.begin(), args.end());
    }
    return argv;
}

harness::Outcome Podman::operator()(const std::vector<std::string> &args) const
{
    return run_program(command(args), environment());
}

std::string Podman::shell_command(const std::vector<std::string> &args) const
{
    return shell_line(environment(), command(args));
}

void Podman::import(const std::string &tarball, const std::string &name) const
{
    auto imported = (*this)({"import", tarball, name});
    REQUIRE_MESSAGE(imported.status == 0, imported.err);
}

Containerd::Containerd() : namespace_("crun-lite-" + dir_.path().substr(dir_.path().rfind('-') + 1))
{
    for (const auto &dir : shim_run_dirs)
        if (!exists(dir))
            made_run_dirs_.push_back(dir);
    write_containerd_config(dir_.path());

    std::string log = dir_.path() + "/containerd.log";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<std::string> args = {"containerd", "--config", dir_.path() + "/config.toml"};
    auto argv = c_strings(args);
    int spawned = posix_spawnp(&daemon_, "containerd", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(spawned == 0);
    bool serving = eventually([&] { return ctr({"version"}).status == 0; }, 30);
    REQUIRE_MESSAGE(serving, "containerd did not answer within 30 s:\n" << read_text(log));
}

Containerd::~Containerd()
{
    for (const auto &task : lines_of(ctr({"task", "list", "--quiet"}).out)) {
        ctr({"task", "kill", "--all", "--signal", "SIGKILL", task});
        ctr({"task", "delete", "--force", task});
    }
    for (const auto &container : lines_of(ctr({"container", "list", "--quiet"}).out))
        ctr({"container", "delete", container});
    stop_daemon();

    // What the daemon could not remove: containers crun-lite still knows, then their shims.
    std::string runtime_state = runtime_root() + "/" + namespace_;
    std::error_code ignored;
    for (const auto &entry : std::filesystem::directory_iterator(runtime_state, ignored))
        force_delete(runtime_state, entry.path().filename());
    end_processes_naming(dir_.path(), 10);
    unmount_below(dir_.path());
    remove_cgroups("/" + namespace_);
    for (auto dir = made_run_dirs_.rbegin(); dir != made_run_dirs_.rend(); ++dir)
        rmdir(dir->c_str());
}

void Containerd::stop_daemon()
{
    kill(daemon_, SIGTERM);
    int status = 0;
    if (!eventually([&] { return waitpid(daemon_, &status, WNOHANG) == daemon_; }, 10)) {
        kill(daemon_, SIGKILL);
        waitpid(daemon_, &status, 0);
    }
}

std::vector<std::string> Containerd::ctr_command(const std::vector<std::string> &args) const
{
    std::vector<std::string> argv = {"ctr", "--address", dir_.path() + "/containerd.sock",
                                     "--namespace", namespace_};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

harness::Outcome Containerd::ctr(const std::vector<std::string> &args) const
{
    return run_program(ctr_command(args));
}

std::vector<std::string> Containerd::run_arguments(const std::vector<std::string> &options,
                                                   const std::string &image, const std::string &id,
                                                   const std::vector<std::string> &command) const
{
    std::vector<std::string> args = {"run", "--runc-binary", crun_lite_binary(), "--runc-root",
                                     runtime_root(), "--fifo-dir", dir_.path() + "/fifo"};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back(image);
    args.push_back(id);
    args.insert(args.end(), command.begin(), command.end());
    return args;
}

harness::Outcome Containerd::exec(const std::string &id, const std::string &exec_id,
                                  const std::vector<std::string> &command) const
{
    std::vector<std::string> args = {"task", "exec", "--fifo-dir", dir_.path() + "/fifo",
                                     "--exec-id", exec_id, id};
    args.insert(args.end(), command.begin(), command.end());
    return ctr(args);
}

harness::Outcome Containerd::run(const std::vector<std::string> &options, const std::string &image,
                                 const std::string &id, const std::vector<std::string> &command) const
{
    return ctr(run_arguments(options, image, id, command));
}

std::string Containerd::shell_command(const std::vector<std::string> &options,
                                      const std::string &image, const std::string &id,
                                      const std::vector<std::string> &command) const
{
    return shell_line({}, ctr_command(run_arguments(options, image, id, command)));
}

void Containerd::import(const std::string &tarball, const std::string &name) const
{
    std::string archive = dir_.path() + "/image.tar";
    auto made = run_program({source_dir() + "/tests/clients/make-oci-archive", tarball, name,
                             archive});
    REQUIRE_MESSAGE(made.status == 0, made.err);
    auto imported = ctr({"image", "import", archive});
    REQUIRE_MESSAGE(imported.status == 0, imported.err);
    std::filesystem::remove(archive);
}

} // namespace clients
