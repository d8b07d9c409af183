// Real clients driving crun-lite: podman (through conmon) and containerd (through its runc
// shim), each with roots of its own in a temporary directory, so that nothing of the host's own
// podman or containerd is read or touched, and removed with everything they made when the test
// ends, failed or not.
#pragma once

#include <string>
#include <vector>

#include "integration/harness.hpp"

namespace clients {

// True when `program` is on PATH. A test whose client is missing says so (MESSAGE) and ends.
bool installed(const std::string &program);

// The busybox image as a tarball (`podman import` and make-oci-archive read one), made once.
const std::string &busybox_tarball();

// Every container made through it uses crun-lite as its OCI runtime, named `crun-lite`, with
// the cgroupfs manager, no network, and ulimits within the host's own hard limits.
class Podman {
public:
    Podman();
    ~Podman();
    Podman(const Podman &) = delete;

    // podman with this instance's roots and config, then `args`.
    harness::Outcome operator()(const std::vector<std::string> &args) const;
    // The same command line as one string for sh, environment included (for run_under_pty).
    std::string shell_command(const std::vector<std::string> &args) const;

    // `podman import` of a root filesystem tarball as `name`.
    void import(const std::string &tarball, const std::string &name) const;

    // The cgroup every container of this instance goes below, from each hierarchy's root.
    const std::string &cgroup_parent() const { return cgroup_parent_; }

private:
    std::vector<std::string> command(const std::vector<std::string> &args) const;
    std::vector<std::string> environment() const;

    harness::TempDir dir_;
    std::string cgroup_parent_;
    bool made_default_state_root_ = false;
};

// A containerd daemon of the test's own: config, root, state and socket in a temporary
// directory, one namespace, and crun-lite as the runc binary of every container (`ctr run
// --runc-binary`), its state in this directory too (`--runc-root`).
class Containerd {
public:
    Containerd();
    ~Containerd();
    Containerd(const Containerd &) = delete;

    // ctr against this daemon and namespace.
    harness::Outcome ctr(const std::vector<std::string> &args) const;
    // `ctr run` with crun-lite as the runtime: `options` before the image, `command` after id.
    harness::Outcome run(const std::vector<std::string> &options, const std::string &image,
                         const std::string &id, const std::vector<std::string> &command) const;
    // `ctr task exec` of `command` in task `id`.
    harness::Outcome exec(const std::string &id, const std::string &exec_id,
                          const std::vector<std::string> &command) const;
    // The same `ctr run` as one string for sh (for run_under_pty).
    std::string shell_command(const std::vector<std::string> &options, const std::string &image,
                              const std::string &id, const std::vector<std::string> &command) const;

    // `ctr image import` of an OCI layout archive made from a root filesystem tarball.
    void import(const std::string &tarball, const std::string &name) const;

    // The runtime state root the shim passes crun-lite as --root.
    std::string runtime_root() const { return dir_.path() + "/runc"; }
    const std::string &name_space() const { return namespace_; }

private:
    std::vector<std::string> ctr_command(const std::vector<std::string> &args) const;
    std::vector<std::string> run_arguments(const std::vector<std::string> &options,
                                           const std::string &image, const std::string &id,
                                           const std::vector<std::string> &command) const;
    void stop_daemon();

    harness::TempDir dir_;
    std::string namespace_;
    pid_t daemon_ = -1;
    std::vector<std::string> made_run_dirs_;
};

// Every cgroup directory named `relative` (from each hierarchy's root) and those below it,
// removed deepest first; a directory still in use stays, and the test fails. Directories a
// client made under /sys/fs/cgroup for hierarchies not mounted there go too.
void remove_cgroups(const std::string &relative);

// True when any cgroup hierarchy (any directory under /sys/fs/cgroup) has `relative`.
bool cgroup_exists(const std::string &relative);

} // namespace clients
