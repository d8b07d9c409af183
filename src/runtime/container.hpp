// create: everything in config.json applied except the user's program, which waits for start.
//
// NewContainer::create claims the id, makes the overlay layers and the exec fifo, clones the
// first process into its namespaces and waits until that process reports it is ready (or what
// failed). Until keep() is called, destroying the NewContainer undoes all of it: the process is
// killed, the layers and the state directory removed. So every failure path unwinds, and
// `create` calls keep() only once the container is fully made.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "cgroup/manager.hpp"
#include "runtime/launch.hpp"
#include "runtime/sync.hpp"
#include "spec/bundle.hpp"
#include "state/state.hpp"
#include "util/error.hpp"

namespace crunlite::runtime {


struct CreateOptions {
    std::string id;
    std::string state_root; // one directory per container, see state/state.hpp
    std::string data_root;  // overlay layers live in <data_root>/<id>/
    bool foreground = false; // `run` without --detach: the runtime stays the parent
    bool no_pivot = false;   // --no-pivot: move the root onto `/` and chroot instead
    int preserved_fds = 0;   // fds 3 .. 3+N-1 pass into the container (LISTEN_FDS, --preserve-fds)
    std::string console_socket; // with process.terminal: where the pty master goes; empty keeps it
    bool systemd_cgroup = false; // --systemd-cgroup (cgroup/path.hpp)
    // run: no `created` state in between, so `exec` finds nothing to join until the program
    // runs (the status stays `creating` until then).
    bool starts_at_once = false;
};

// Whether anything but crun-lite and the host could reach the container's first process while
// it is still a clone of crun-lite, before it execs the program: processes already in a pid
// namespace it joins or shares, or hooks that run before the program (startContainer's even
// from the image). If so, that process must not run the runtime binary from disk (CVE-2019-5736,
// sys/sealed_self.hpp). With a new pid namespace of its own and no such hook, nothing is in its
// pid namespace before the program, as long as `exec` cannot join (see starts_at_once).
bool first_process_reachable_before_exec(const spec::Config &config);

class NewContainer {
public:
    static Result<std::unique_ptr<NewContainer>> create(const spec::Bundle &bundle,
                                                        const CreateOptions &options);
    ~NewContainer();
    NewContainer(const NewContainer &) = delete;
    NewContainer &operator=(const NewContainer &) = delete;

    pid_t pid() const { return pid_; }
    int pidfd() const { return pidfd_.get(); }
    state::StateStore &store() { return store_; }
    state::ContainerState &state() { return state_; }
    SyncChannel &channel() { return channel_; }

    // With process.terminal and no console socket: the pty master, for the caller to relay.
    UniqueFd take_terminal() { return std::move(terminal_); }

    // Lets other commands at the container (the lock is held from claim until here).
    void unlock() { lock_ = {}; }

    // The container is made: nothing is undone when this object goes.
    void keep() { kept_ = true; }

    // Once the user's program runs; a failing hook is only a warning.
    void run_poststart_hooks();

private:
    NewContainer(const CreateOptions &options) : options_(options), store_(options.state_root) {}
    Status make(const spec::Bundle &bundle);
    struct CgroupPlan {
        cgroup::Host host;
        cgroup::WritePlan writes;
        std::vector<std::string> v2_controllers;
    };
    Result<CgroupPlan> plan_cgroups(const spec::Config &config);
    Status make_cgroups(const CgroupPlan &planned);
    Status spawn(LaunchPlan &plan);
    Status prepare_child(const LaunchPlan &plan);
    Status await_ready();
    Error ended_before_ready();
    Status run_runtime_hooks();

    CreateOptions options_;
    state::StateStore store_;
    state::ContainerLock lock_;
    state::ContainerState state_;
    bool claimed_ = false;
    std::string layers_dir_;
    cgroup::Cgroups cgroups_;
    pid_t pid_ = 0;
    UniqueFd pidfd_;
    UniqueFd runtime_pidfd_; // lets the child notice the runtime's death
    SyncChannel channel_;
    UniqueFd terminal_; // the pty master, until handed on
    bool kept_ = false;
    spec::Hooks hooks_;
};

// Writes the decimal pid to `path` atomically; nothing when `path` is empty.
Status write_pid_file(const std::string &path, pid_t pid);

// The state a new container starts with, from its bundle.
state::ContainerState initial_state(const spec::Bundle &bundle, const std::string &id);

} // namespace crunlite::runtime
