// linux.seccomp: the filter built with libseccomp in the runtime, loaded by the container's
// process as one seccomp(2) call.
//
// The filter is compiled before the clone (create) or before the exec'd process is cloned
// (exec), and exported once as classic BPF: every mistake libseccomp finds reaches the user
// while nothing is made yet, and the process, which loads it last, needs no library, no
// allocation and no syscall of its own beyond seccomp(2) to do so.
#pragma once

#include <linux/filter.h>

#include <optional>
#include <vector>

#include "spec/config.hpp"
#include "util/error.hpp"

namespace crunlite::runtime {

struct SeccompProgram {
    std::vector<sock_filter> instructions;
    unsigned int flags = 0; // SECCOMP_FILTER_FLAG_*
};

// Builds the filter. Syscall names libseccomp does not know are skipped (logged at debug), as
// runc and crun skip them, so one profile serves kernels old and new; so is a rule whose
// action is the default action, which would change nothing.
Result<SeccompProgram> compile_seccomp(const spec::Seccomp &seccomp);

// Where the process loads the filter. With no_new_privs it waits until just before execve, so
// that crun-lite's own last steps need not pass it. Without, the kernel lets only a process
// with CAP_SYS_ADMIN load a filter, so it goes in before enter_identity drops capabilities,
// and the profile must allow the few syscalls left (setresuid, capset, prctl, sendmsg, ...).
enum class SeccompLoadPoint { before_identity, before_exec };

// Loads `program` when `point` is where `process` wants it; nothing without a program.
Status load_seccomp_at(SeccompLoadPoint point, const std::optional<SeccompProgram> &program,
                       const spec::Process &process);

// Tries the filter on two forked processes, so that a profile under which the program could
// never start (execve denied or killed) or no process could exit (exit_group and exit denied:
// glibc's _exit then crashes with SIGSEGV) fails create with a reason, not the program with an
// unexplained signal once started. Rules on execve's arguments are not tried.
Status check_seccomp_lets_program_run(const std::optional<SeccompProgram> &program);

} // namespace crunlite::runtime
