// The last steps before the user's program runs, shared by a container's first process
// (init.cpp) and by `exec` (exec.cpp): identity, cwd, finding the command, and the exec itself
// with only the fds that may pass.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/seccomp.hpp"
#include "spec/config.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::runtime {

// For a process that must not outlive the foreground runtime: asks for SIGKILL when the
// runtime dies, then makes sure it has not died already (the request would come too late).
// Called again after the identity switch, which clears the request. `runtime_pidfd` is a pidfd
// of the runtime, opened before the clone (in a new pid namespace getppid() says 0).
void die_with_runtime(int runtime_pidfd);

// process.oomScoreAdj and process.rlimits, while the process still has the runtime's
// privileges: a score below the runtime's own, or a hard limit above it, needs
// CAP_SYS_RESOURCE. oom_score_adj is written through /proc/self, so this runs before the
// process leaves the host's /proc behind.
Status set_oom_score_adj(const spec::Process &process);
Status apply_rlimits(const spec::Process &process);

// Switches to process.user and to exactly the capability sets of process.capabilities (none
// when it is absent). Order: the bounding set shrinks while the process is still privileged; the
// capabilities survive the uid switch (PR_SET_KEEPCAPS); then additional groups, gid, uid (uid
// last, since dropping uid 0 first would forbid the rest); then effective, permitted and
// inheritable (capset); then ambient, which the kernel accepts only once the capability is
// permitted and inheritable. Capabilities the running kernel does not know are skipped.
Status enter_identity(const spec::Process &process);

// linux.personality: the execution domain uname(2) and the kernel show the program (LINUX32:
// `uname -m` says i686 on x86_64). It holds across exec.
Status set_personality(const spec::Linux &linux_config);

// process.noNewPrivileges: from here on, execve grants nothing (setuid bits, file
// capabilities). Only execve looks at it, so it is set just before.
Status forbid_new_privileges(const spec::Process &process);

// chdir to process.cwd (after the identity switch, so a cwd the user may not enter fails here)
// and finds process.args[0]. On failure `failure_status` is 127 (not found), 126 (not
// executable) or 1.
Result<std::string> prepare_command(const spec::Process &process, int &failure_status);

// argv or envp for execve: pointers into `strings`, which must outlive them, and a nullptr.
std::vector<char *> c_strings(const std::vector<std::string> &strings);

// Dispositions set to "ignore" and a blocked mask survive execve; the program gets neither.
void reset_signals();

// Sets the process's umask, closes every fd above 2 on exec except `passed_fds`, resets signal
// dispositions and mask, loads the seccomp filter if it waits for this point, and execs.
// Returns only on failure, with the exit status it calls for (127: not found, 126: not
// executable).
Error exec_command(const std::string &path, const spec::Process &process,
                   const std::vector<int> &passed_fds,
                   const std::optional<SeccompProgram> &seccomp);

} // namespace crunlite::runtime
