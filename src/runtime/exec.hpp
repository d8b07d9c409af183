// exec: another process in a running container, as `crun-lite exec` runs it.
//
// The runtime enters the container's pid namespace for its children only, clones, and the
// child joins the rest of the container's namespaces through a pidfd of its first process (one
// setns call, so no /proc path can be swapped under it), takes the process's identity and cwd,
// and execs. Foreground, the runtime relays signals and returns the exit status; detached, it
// returns once the exec went through and the process belongs to whoever reaps it.
#pragma once

#include <optional>
#include <string>

#include "spec/config.hpp"
#include "state/state.hpp"
#include "util/error.hpp"

namespace crunlite::runtime {

struct ExecOptions {
    std::string pid_file;  // written once the process runs; empty for none
    bool detach = false;
    int passed_fds = 0;    // fds 3 .. 3+N-1 pass into the process (LISTEN_FDS, --preserve-fds)
    std::string console_socket; // with process.terminal: where the pty master goes
    std::optional<spec::Seccomp> seccomp; // the container's linux.seccomp
    // --cgroup: sub-cgroups of the container's to run in, as runc takes them: "PATH" in every
    // hierarchy, "CONTROLLERS:PATH" ("cpu,memory:sub") in those holding the controllers.
    std::vector<std::string> sub_cgroups;
    bool ignore_paused = false; // exec into a paused container; the process waits for resume
};

Result<int> exec_in_container(state::StateStore &store, const std::string &id,
                              const spec::Process &process, const ExecOptions &options);

} // namespace crunlite::runtime
