// Process helpers: clone3 with namespace flags, and process identity through /proc.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::sys {

// fork(2) with CLONE_NEW* or CLONE_PARENT flags: returns 0 in the child and the child's pid in
// the parent, where `pidfd` (if given) receives a pidfd for it. The child runs on a copy of the
// parent's stack, so it may return from this call; it must end with _exit, never by unwinding.
Result<pid_t> clone_with_flags(uint64_t clone_flags, UniqueFd *pidfd);

// A pidfd for `pid` (invalid when the process is gone), and a signal through one: unlike a pid,
// a pidfd can never come to name another process.
UniqueFd open_pidfd(pid_t pid);
int signal_pidfd(int pidfd, int signal_number);

// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot). A pid plus its start
// time names one process for good, since pids are reused. nullopt when the process is gone.
std::optional<uint64_t> process_start_time(pid_t pid);

// Parent pid and state letter of a process (field 4 and 3 of /proc/<pid>/stat).
struct ProcessStat {
    char state = '?';
    pid_t parent = 0;
    uint64_t start_time = 0;
    bool exiting = false; // PF_EXITING: on its way out, not yet a zombie
};
std::optional<ProcessStat> read_process_stat(pid_t pid);

// Every pid in /proc, and `root` with its descendants (parents before children), each read
// once: a snapshot, which a fork or an exit changes at once.
std::vector<pid_t> all_pids();
std::vector<pid_t> descendants_of(pid_t root);
std::vector<pid_t> children_of(pid_t parent);

// Remembers which fds above 2 the caller left open. Called first thing in main, before
// crun-lite opens anything of its own, so that no fd of crun-lite's is ever taken for one the
// caller meant to pass (a log file landing on a number the caller left closed, say).
void record_inherited_fds();

// Of the fds 3 .. 3+count-1, those the caller had open at startup, in order. The others in that
// range stay closed in the container, whatever crun-lite holds at those numbers.
std::vector<int> inherited_fds_in_range(int count);

// The status a shell would report: the exit code, or 128+N for death by signal N.
int shell_exit_status(int wait_status);

} // namespace crunlite::sys
