// namespace_socket: how a rootless `exec` enters a created container whose first process is not
// dumpable. Until start that process holds the exec fifo, the sync channel and the runtime's
// pidfd, so it is made non-dumpable: a process exec'd in must not reach them through /proc/1/fd.
// Its memory, cloned from the runtime, still belongs to the host's user namespace, so the kernel
// then asks CAP_SYS_PTRACE there of anyone opening /proc/PID/ns/* or calling setns(2) or
// pidfd_getfd(2) on its pidfd, which a rootless runtime lacks (only an execve inside the
// container's user namespace would move that check into it). So a rootless create leaves a
// listening socket in the state directory, reachable only by the state's owner, and the first
// process hands its namespaces, opened before pivot_root, to whoever connects, until it execs.
#pragma once

#include <array>
#include <optional>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::runtime {

inline constexpr const char *namespace_socket_name = "namespaces.sock";

// What the first process serves, the user namespace first: the others need rights in it. Not
// time: until the first process execs, its time namespace is still the host's.
struct ServedNamespace {
    const char *name; // in /proc/PID/ns
    int flag;         // CLONE_NEW*
};
inline constexpr size_t served_namespace_count = 7;
extern const std::array<ServedNamespace, served_namespace_count> served_namespaces;
using NamespaceFds = std::array<UniqueFd, served_namespace_count>;

// create, rootless: the listening socket, in the container's state directory `state_dir_fd`.
Result<UniqueFd> listen_for_namespace_requests(int state_dir_fd);

// The first process, with the host's /proc still in sight: its own namespaces.
Result<NamespaceFds> open_own_namespaces();

// The first process: accepts one connection on `listener` and sends it `namespaces`, one
// message each. A failure is the requester's to notice (it gets fewer than it needs).
void answer_namespace_request(int listener, const NamespaceFds &namespaces);

// exec, rootless: the created container's namespaces from its first process; nullopt when no
// one answers (a container made by root, or one started meanwhile: then /proc serves).
std::optional<NamespaceFds> request_namespaces(int state_dir_fd);

} // namespace crunlite::runtime
