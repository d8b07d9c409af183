// What the integration tests share: running the crun-lite binary, throwaway bundles on the
// busybox image, and snapshots of the host to prove a command left nothing behind.
//
// Every test runs real containers as root. Each test process uses its own state root and data
// root (under /run and /var/lib), so a snapshot sees exactly what crun-lite made.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace harness {

struct Outcome {
    int status = -1; // exit status as a shell reports it
    std::string out;
    std::string err;
};

// A crun-lite process started in the background; wait() collects its output and status.
class Running {
public:
    Running(pid_t pid, int out_fd, int err_fd) : pid_(pid), out_fd_(out_fd), err_fd_(err_fd) {}
    Running(Running &&other) noexcept;
    Running(const Running &) = delete;
    ~Running();

    pid_t pid() const { return pid_; }
    Outcome wait();
    // The next line of its stdout, without the newline; "" at its end or after `seconds`.
    // What it returns, wait() no longer sees.
    std::string read_line(double seconds = 30);

private:
    pid_t pid_;
    int out_fd_;
    int err_fd_;
    bool waited_ = false;
};

// The roots this test process gives crun-lite, created on first use.
const std::string &state_root();
const std::string &data_root();

// The busybox image (images/busybox in the source tree); fails the test run if missing.
const std::string &image_dir();
const std::string &source_dir();

// crun-lite with the test's --root and --data-root, then `args`. Times out after 60 s.
Outcome crun_lite(const std::vector<std::string> &args);
Running start_crun_lite(const std::vector<std::string> &args);

// Any program (looked up in PATH) in the background, its stdin /dev/null; wait() collects its
// output through pipes and times out after 60 s, as with crun-lite.
Running start_program(std::vector<std::string> args);

// For commands that leave a container holding their stdio (create, run --detach, exec
// --detach): output goes through files, and the wait is for crun-lite's exit, not for the end
// of its output, which the container keeps open. `wrapper` (a command and its arguments) runs
// crun-lite, as `strace -o F` does.
Outcome crun_lite_leaving_container(const std::vector<std::string> &args,
                                    const std::vector<std::string> &wrapper = {});

// `strace -qq options...`, as a wrapper of crun-lite: the fault and race tests stop or slow
// crun-lite at chosen syscalls with its tampering (`-e inject=`).
std::vector<std::string> strace_wrapper(const std::vector<std::string> &options);

// One crun-lite command for crun_lite_together.
struct Invocation {
    Invocation(std::vector<std::string> args, std::vector<std::string> wrapper = {})
        : args(std::move(args)), wrapper(std::move(wrapper))
    {
    }
    std::vector<std::string> args;
    std::vector<std::string> wrapper;
};

// Commands started at once, each as crun_lite_leaving_container starts one, and waited for;
// the outcomes in the commands' order.
std::vector<Outcome> crun_lite_together(const std::vector<Invocation> &commands);

// An id that no other test process uses at the same time (cgroup directories are host-wide):
// `prefix`, this process's pid, `-what`.
std::string unique_id(const std::string &prefix, const std::string &what);

// Any program (podman, ctr, tar...), found on PATH, with `env` (NAME=VALUE) added to the
// test's environment and stdin on /dev/null. Output goes through files, as above, so a daemon it
// leaves holding them (conmon, a containerd shim) cannot hold the test up; killed after
// `seconds`, and the test fails then.
Outcome run_program(const std::vector<std::string> &argv, const std::vector<std::string> &env = {},
                    double seconds = 120);

// argv or envp for posix_spawn: pointers into `strings`, which must outlive them.
std::vector<char *> c_strings(std::vector<std::string> &strings);

// The test's own environment, with each NAME=value of `extra` added or replacing its name, and
// without LISTEN_FDS and LISTEN_PID, which would hand the test's fds on.
std::vector<std::string> environment_with(const std::vector<std::string> &extra);

// `sh -c command` on a terminal of its own, made by `script`; stdin gets `input`, then stays
// open (script would end the session at its end). Output is the terminal's, both streams.
Outcome run_under_pty(const std::string &command, const std::string &input = "");

// A terminal turns "\n" into "\r\n"; checks compare lines.
std::string without_cr(std::string text);

// A temporary bundle directory whose config is the generator's default on the busybox image
// (overlay mode) running `sh -c script` without a terminal. Tests edit `config` and call write().
class Bundle {
public:
    explicit Bundle(const std::string &script = "true");
    ~Bundle();
    Bundle(const Bundle &) = delete;

    nlohmann::json config;
    const std::string &dir() const { return dir_; }
    void write() const;

private:
    std::string dir_;
};

// Makes `bundle` a plain OCI bundle (no overlay annotation) on its own copy of the image at
// `rootfs`, so a test can plant things in its root or see what the container wrote there.
void use_private_rootfs(Bundle &bundle);

// A temporary directory removed with its contents at the end of the scope.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir &) = delete;
    const std::string &path() const { return path_; }

private:
    std::string path_;
};

// What a failed or finished command must leave as it found it.
struct HostSnapshot {
    std::string mountinfo;
    std::vector<std::string> state_entries;
    std::vector<std::string> data_entries;
    std::string image_hash;

    static HostSnapshot take();
};

// Describes every difference; empty when the host is as it was.
std::string differences(const HostSnapshot &before, const HostSnapshot &after);

// Names, modes, owners, link targets and contents of every file below `dir`, hashed.
std::string tree_hash(const std::string &dir);

std::string read_text(const std::string &path);
void write_text(const std::string &path, const std::string &text);
bool exists(const std::string &path);

// Whether process `pid` runs from a sealed memfd or a file on a read-only mount: a binary no
// open of /proc/<pid>/exe can write (sys/sealed_self.hpp).
bool runs_protected_binary(pid_t pid);

// Pids of host processes whose command line contains `needle`.
std::vector<pid_t> processes_matching(const std::string &needle);

// Gives the bundle's process an environment variable naming `id` (and writes the config), so
// that leftovers_of(id) finds the container's processes after their exec too.
void mark_with_id(Bundle &bundle, const std::string &id);

// What container `id` (of this test process's roots, default cgroupsPath) left on the host: its
// state or layers directory, its cgroup in any hierarchy under /sys/fs/cgroup, a mount naming
// those directories, a crun-lite process naming it, a process marked by mark_with_id(). One line
// each; empty when nothing is left.
std::string leftovers_of(const std::string &id);

// Polls `condition` every 10 ms until it holds; false if it still does not after `seconds`.
bool eventually(const std::function<bool()> &condition, double seconds = 10);

// Polls for a file to appear; false after `seconds`.
bool wait_for_file(const std::string &path, double seconds);

} // namespace harness
