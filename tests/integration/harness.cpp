#include "integration/harness.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

#include "spec/generate.hpp"

extern char **environ;

namespace harness {
namespace {

std::string make_temp_dir(const std::string &parent, const std::string &prefix)
{
    std::filesystem::create_directories(parent);
    std::string pattern = parent + "/" + prefix + "XXXXXX";
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    return pattern;
}

std::string env_or_fail(const char *name)
{
    const char *value = getenv(name);
    if (!value) {
        fprintf(stderr, "integration tests: %s is not set (run them through `meson test`)\n", name);
        exit(2);
    }
    return value;
}

std::vector<std::string> list_dir(const std::string &dir)
{
    std::vector<std::string> names;
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator(dir, error))
        names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
}

void drain(int fd, std::string &into, bool &open)
{
    char buffer[4096];
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0)
        into.append(buffer, static_cast<size_t>(n));
    else if (n == 0 || errno != EINTR)
        open = false;
}

double now_seconds()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

constexpr const char *data_roots_parent = "/var/lib/crun-lite-tests";

// A report of AddressSanitizer, LeakSanitizer or UBSan (the sanitizer build of tools/test) in a
// command's stderr fails the test, whatever status and output the test expects.
void check_no_sanitizer_report(const std::string &err)
{
    for (const char *marker : {"==ERROR: ", "Sanitizer", ": runtime error: "})
        if (err.find(marker) != std::string::npos) {
            FAIL_CHECK("a sanitizer report in the stderr of a command:\n", err);
            return;
        }
}

struct Cleanup {
    ~Cleanup()
    {
        std::error_code ignored;
        for (const auto &dir : dirs)
            std::filesystem::remove_all(dir, ignored);
        // The data roots' shared parent goes too once no other test run uses it.
        std::filesystem::remove(data_roots_parent, ignored);
    }
    std::vector<std::string> dirs;
};
Cleanup roots_cleanup;

} // namespace

const std::string &source_dir()
{
    static const std::string dir = env_or_fail("CRUN_LITE_SOURCE");
    return dir;
}

const std::string &image_dir()
{
    static const std::string dir = [] {
        std::string path = source_dir() + "/images/busybox";
        if (!exists(path + "/bin/busybox")) {
            fprintf(stderr, "integration tests: no image at %s (run tools/make-busybox-image)\n",
                    path.c_str());
            exit(2);
        }
        return path;
    }();
    return dir;
}

const std::string &state_root()
{
    static const std::string dir = [] {
        std::string path = make_temp_dir("/run", "crun-lite-test-state-");
        roots_cleanup.dirs.push_back(path);
        return path;
    }();
    return dir;
}

const std::string &data_root()
{
    static const std::string dir = [] {
        std::string path = make_temp_dir(data_roots_parent, "data-");
        roots_cleanup.dirs.push_back(path);
        return path;
    }();
    return dir;
}

std::vector<char *> c_strings(std::vector<std::string> &strings)
{
    std::vector<char *> result;
    for (auto &text : strings)
        result.push_back(text.data());
    result.push_back(nullptr);
    return result;
}

std::vector<std::string> environment_with(const std::vector<std::string> &extra)
{
    std::vector<std::string> env;
    for (char **entry = environ; *entry; ++entry) {
        std::string text = *entry;
        std::string name = text.substr(0, text.find('='));
        bool replaced = std::any_of(extra.begin(), extra.end(), [&](const std::string &added) {
            return added.substr(0, added.find('=')) == name;
        });
        if (!replaced && name != "LISTEN_FDS" && name != "LISTEN_PID")
            env.push_back(text);
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

Running::Running(Running &&other) noexcept
    : pid_(other.pid_), out_fd_(other.out_fd_), err_fd_(other.err_fd_), waited_(other.waited_)
{
    other.waited_ = true;
}

Running::~Running()
{
    if (!waited_) {
        kill(pid_, SIGKILL);
        wait();
    }
}

Outcome Running::wait()
{
    Outcome outcome;
    bool out_open = true, err_open = true;
    double deadline = now_seconds() + 60;
    while (out_open || err_open) {
        pollfd fds[2] = {{out_open ? out_fd_ : -1, POLLIN, 0}, {err_open ? err_fd_ : -1, POLLIN, 0}};
        if (poll(fds, 2, 1000) < 0 && errno != EINTR)
            break;
        if (now_seconds() > deadline) {
            FAIL_CHECK("crun-lite did not finish within 60 s; killed");
            kill(pid_, SIGKILL);
            break;
        }
        if (fds[0].revents)
            drain(out_fd_, outcome.out, out_open);
        if (fds[1].revents)
            drain(err_fd_, outcome.err, err_open);
    }
    close(out_fd_);
    close(err_fd_);
    int status = 0;
    waitpid(pid_, &status, 0);
    waited_ = true;
    outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    check_no_sanitizer_report(outcome.err);
    return outcome;
}

std::string Running::read_line(double seconds)
{
    std::string line;
    double deadline = now_seconds() + seconds;
    char byte = 0;
    while (now_seconds() < deadline) {
        pollfd entry = {out_fd_, POLLIN, 0};
        if (poll(&entry, 1, 100) <= 0)
            continue;
        if (read(out_fd_, &byte, 1) != 1 || byte == '\n')
            return line;
        line += byte;
    }
    return line;
}

Running start_crun_lite(const std::vector<std::string> &args)
{
    static const std::string binary = env_or_fail("CRUN_LITE_BIN");
    std::vector<std::string> full = {binary, "--root", state_root(), "--data-root", data_root()};
    full.insert(full.end(), args.begin(), args.end());
    return start_program(full);
}

Outcome crun_lite(const std::vector<std::string> &args) { return start_crun_lite(args).wait(); }

Running start_program(std::vector<std::string> full)
{
    const std::string binary = full.at(0);
    auto argv = c_strings(full);

    int out[2], err[2];
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    REQUIRE(pipe2(err, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid = 0;
    int spawned = posix_spawnp(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(err[1]);
    REQUIRE(spawned == 0);
    return Running(pid, out[0], err[0]);
}

namespace {

// Starts `args` with stdin on /dev/null and stdout and stderr in `dir`/out and /err: files,
// not pipes, so a daemon that keeps the descendants' stdout (conmon, a shim) cannot hang a test.
pid_t spawn_into_files(const std::vector<std::string> &args, const std::vector<std::string> &env,
                       const std::string &dir)
{
    std::string out = dir + "/out", err = dir + "/err";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> copies(args), environment = environment_with(env);
    auto argv = c_strings(copies), envp = c_strings(environment);
    pid_t pid = 0;
    int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE_MESSAGE(spawned == 0, "cannot start `" << args[0] << "`: " << strerror(spawned));
    return pid;
}

// Waits for `pid` (killing it after `seconds`) and reads what spawn_into_files kept in `dir`.
Outcome collect_from_files(pid_t pid, const std::string &name, const std::string &dir,
                           double seconds)
{
    int status = 0;
    if (!eventually([&] { return waitpid(pid, &status, WNOHANG) == pid; }, seconds)) {
        FAIL_CHECK("`" << name << "` did not finish within " << seconds << " s; killed");
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    Outcome outcome;
    outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    outcome.out = read_text(dir + "/out");
    outcome.err = read_text(dir + "/err");
    check_no_sanitizer_report(outcome.err);
    return outcome;
}

// crun-lite `args` on the test's own state and data roots, run under `wrapper` (may be empty).
std::vector<std::string> crun_lite_command(const std::vector<std::string> &args,
                                           const std::vector<std::string> &wrapper)
{
    std::vector<std::string> command = wrapper;
    for (const auto &arg : {env_or_fail("CRUN_LITE_BIN"), std::string("--root"), state_root(),
                            std::string("--data-root"), data_root()})
        command.push_back(arg);
    command.insert(command.end(), args.begin(), args.end());
    return command;
}

constexpr double command_seconds = 120;

} // namespace

Outcome run_program(const std::vector<std::string> &args, const std::vector<std::string> &env,
                    double seconds)
{
    TempDir scratch;
    pid_t pid = spawn_into_files(args, env, scratch.path());
    return collect_from_files(pid, args[0], scratch.path(), seconds);
}

Outcome crun_lite_leaving_container(const std::vector<std::string> &args,
                                    const std::vector<std::string> &wrapper)
{
    return run_program(crun_lite_command(args, wrapper), {}, command_seconds);
}

std::vector<std::string> strace_wrapper(const std::vector<std::string> &options)
{
    const char *strace = "/usr/bin/strace";
    REQUIRE_MESSAGE(exists(strace), "strace is missing (tools/install-deps installs it)");
    std::vector<std::string> command = {strace, "-qq"};
    // In the sanitizer build: LeakSanitizer's exit-time check ptraces the process it checks, and
    // a traced process can have no second tracer, so a traced crun-lite would end with LSan's
    // fatal error (and status 1) however clean it is. Its leaks are checked untraced elsewhere.
    if (const char *sanitizer_options = std::getenv("ASAN_OPTIONS"))
        command.insert(command.end(), {"-E", std::string("ASAN_OPTIONS=") + sanitizer_options +
                                                 ":detect_leaks=0"});
    command.insert(command.end(), options.begin(), options.end());
    return command;
}

std::vector<Outcome> crun_lite_together(const std::vector<Invocation> &commands)
{
    std::vector<std::unique_ptr<TempDir>> dirs;
    std::vector<pid_t> pids;
    for (const auto &command : commands) {
        dirs.push_back(std::make_unique<TempDir>());
        pids.push_back(spawn_into_files(crun_lite_command(command.args, command.wrapper), {},
                                        dirs.back()->path()));
    }
    std::vector<Outcome> outcomes;
    for (size_t i = 0; i < pids.size(); ++i)
        outcomes.push_back(collect_from_files(pids[i], "crun-lite", dirs[i]->path(),
                                              command_seconds));
    return outcomes;
}

std::string unique_id(const std::string &prefix, const std::string &what)
{
    return prefix + std::to_string(getpid()) + "-" + what;
}

Outcome run_under_pty(const std::string &command, const std::string &input)
{
    int in[2], out[2];
    REQUIRE(pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, out[1], 2);
    std::vector<std::string> args = {"script", "-qec", command, "/dev/null"};
    auto argv = c_strings(args);
    pid_t pid = 0;
    int spawned = posix_spawnp(&pid, "script", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    REQUIRE(spawned == 0);
    if (!input.empty())
        CHECK(write(in[1], input.data(), input.size()) == static_cast<ssize_t>(input.size()));

    Outcome outcome;
    double deadline = now_seconds() + 30;
    for (;;) {
        pollfd ready = {out[0], POLLIN, 0};
        if (now_seconds() > deadline) {
            FAIL_CHECK("script did not finish within 30 s; killed");
            kill(pid, SIGKILL);
            break;
        }
        if (poll(&ready, 1, 1000) <= 0)
            continue;
        char buffer[4096];
        ssize_t n = read(out[0], buffer, sizeof buffer);
        if (n <= 0)
            break;
        outcome.out.append(buffer, static_cast<size_t>(n));
    }
    close(out[0]);
    close(in[1]);
    int status = 0;
    waitpid(pid, &status, 0);
    outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return outcome;
}

std::string without_cr(std::string text)
{
    text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
    return text;
}

Bundle::Bundle(const std::string &script)
{
    dir_ = make_temp_dir("/tmp", "crun-lite-bundle-");
    crunlite::spec::GenerateOptions options;
    options.root_path = image_dir();
    options.args = {"sh", "-c", script};
    options.terminal = false;
    config = crunlite::spec::generate_config(options);
    write();
}

Bundle::~Bundle() { std::filesystem::remove_all(dir_); }

void Bundle::write() const { write_text(dir_ + "/config.json", config.dump(2)); }

void use_private_rootfs(Bundle &bundle)
{
    std::filesystem::copy(image_dir(), bundle.dir() + "/rootfs",
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::copy_symlinks);
    bundle.config["root"]["path"] = "rootfs";
    bundle.config.erase("annotations");
}

TempDir::TempDir() : path_(make_temp_dir("/tmp", "crun-lite-test-")) {}
TempDir::~TempDir() { std::filesystem::remove_all(path_); }

HostSnapshot HostSnapshot::take()
{
    HostSnapshot snapshot;
    snapshot.mountinfo = read_text("/proc/self/mountinfo");
    snapshot.state_entries = list_dir(state_root());
    snapshot.data_entries = list_dir(data_root());
    snapshot.image_hash = tree_hash(image_dir());
    return snapshot;
}

std::string differences(const HostSnapshot &before, const HostSnapshot &after)
{
    std::string report;
    if (before.mountinfo != after.mountinfo)
        report += "host mounts changed:\n" + after.mountinfo;
    if (before.state_entries != after.state_entries)
        report += "state root changed (" + std::to_string(after.state_entries.size()) + " entries)\n";
    if (before.data_entries != after.data_entries)
        report += "data root changed (" + std::to_string(after.data_entries.size()) + " entries)\n";
    if (before.image_hash != after.image_hash)
        report += "the image changed\n";
    return report;
}

std::string tree_hash(const std::string &dir)
{
    std::vector<std::string> lines;
    for (const auto &entry : std::filesystem::recursive_directory_iterator(dir)) {
        struct stat info {};
        lstat(entry.path().c_str(), &info);
        std::ostringstream line;
        line << entry.path().string() << " " << std::oct << info.st_mode << std::dec << " "
             << info.st_uid << ":" << info.st_gid;
        if (S_ISLNK(info.st_mode))
            line << " -> " << std::filesystem::read_symlink(entry.path()).string();
        else if (S_ISREG(info.st_mode))
            line << " " << std::hash<std::string>{}(read_text(entry.path()));
        lines.push_back(line.str());
    }
    std::sort(lines.begin(), lines.end());
    std::string all;
    for (const auto &line : lines)
        all += line + "\n";
    return std::to_string(std::hash<std::string>{}(all)) + "/" + std::to_string(lines.size());
}

std::string read_text(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

void write_text(const std::string &path, const std::string &text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    REQUIRE(out.good());
}

bool exists(const std::string &path)
{
    struct stat info {};
    return lstat(path.c_str(), &info) == 0;
}

bool runs_protected_binary(pid_t pid)
{
    int exe = open(("/proc/" + std::to_string(pid) + "/exe").c_str(), O_RDONLY | O_CLOEXEC);
    if (exe < 0)
        return false;
    int seals = fcntl(exe, F_GET_SEALS);
    struct statvfs mount {};
    bool read_only = fstatvfs(exe, &mount) == 0 && (mount.f_flag & ST_RDONLY) != 0;
    close(exe);
    return read_only || (seals >= 0 && (seals & F_SEAL_WRITE) != 0);
}

namespace {

// Host processes but this one for which `wanted(their /proc directory, their command line with
// spaces between the arguments)` holds.
std::vector<pid_t>
processes_where(const std::function<bool(const std::string &, const std::string &)> &wanted)
{
    std::vector<pid_t> found;
    for (const auto &entry : std::filesystem::directory_iterator("/proc")) {
        pid_t pid = atoi(entry.path().filename().c_str());
        if (pid <= 0 || pid == getpid())
            continue;
        std::string cmdline = read_text(entry.path().string() + "/cmdline");
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        if (wanted(entry.path().string(), cmdline))
            found.push_back(pid);
    }
    return found;
}

constexpr const char *id_variable = "CRUN_LITE_TEST_CONTAINER=";

// Processes holding `id` as one word of their command line and naming this run's state root
// (crun-lite, and a container's first process before its exec), or marked with `id`.
std::vector<pid_t> processes_of_container(const std::string &id)
{
    std::string marker = std::string(1, '\0') + id_variable + id + '\0';
    return processes_where([&](const std::string &dir, const std::string &cmdline) {
        bool names_id = (" " + cmdline).find(" " + id + " ") != std::string::npos &&
                        cmdline.find(state_root()) != std::string::npos;
        return names_id || ('\0' + read_text(dir + "/environ")).find(marker) != std::string::npos;
    });
}

} // namespace

std::vector<pid_t> processes_matching(const std::string &needle)
{
    return processes_where([&](const std::string &, const std::string &cmdline) {
        return cmdline.find(needle) != std::string::npos;
    });
}

void mark_with_id(Bundle &bundle, const std::string &id)
{
    auto &env = bundle.config["process"]["env"];
    env.erase(std::remove_if(env.begin(), env.end(),
                             [](const nlohmann::json &entry) {
                                 return entry.get<std::string>().rfind(id_variable, 0) == 0;
                             }),
              env.end());
    env.push_back(id_variable + id);
    bundle.write();
}

std::string leftovers_of(const std::string &id)
{
    std::string report;
    std::vector<std::string> dirs = {state_root() + "/" + id, data_root() + "/" + id};
    for (const auto &dir : dirs)
        if (exists(dir))
            report += "directory `" + dir + "`\n";
    for (const auto &hierarchy : list_dir("/sys/fs/cgroup"))
        if (std::string dir = "/sys/fs/cgroup/" + hierarchy + "/crun-lite/" + id; exists(dir))
            report += "cgroup `" + dir + "`\n";
    std::istringstream mounts(read_text("/proc/self/mountinfo"));
    for (std::string line; std::getline(mounts, line);)
        for (const auto &dir : dirs)
            if (line.find(dir + " ") != std::string::npos ||
                line.find(dir + "/") != std::string::npos)
                report += "mount " + line + "\n";
    for (pid_t pid : processes_of_container(id))
        report += "process " + std::to_string(pid) + "\n";
    return report;
}

bool eventually(const std::function<bool()> &condition, double seconds)
{
    double deadline = now_seconds() + seconds;
    while (now_seconds() < deadline) {
        if (condition())
            return true;
        usleep(10000);
    }
    return condition();
}

bool wait_for_file(const std::string &path, double seconds)
{
    return eventually([&] { return exists(path) && !read_text(path).empty(); }, seconds);
}

} // namespace harness
