// The channel between the runtime and the container's first process while it is being set up.
//
// A SOCK_SEQPACKET socketpair, close-on-exec on both ends: each message is one datagram, and the
// child's end closes by itself when it execs, so "EOF after start" means the exec succeeded.
// Right after clone the child waits for `proceed`: the runtime first does what must be done to
// the new process from outside (its place in cgroups, its user namespace's id maps). The
// child reports `ready` once everything but the exec is done, then waits for `start`. Any failure
// in the child travels back as an `error` with the message and the exit status to use. With
// process.terminal, a `terminal` message carrying the pty master's fd comes before `ready`.
// With hooks, the child sends `hooks` once its mounts are made, before pivot_root: the runtime
// runs the prestart and createRuntime hooks and answers `proceed` with the child's host pid as
// its text (the child, in a pid namespace of its own, cannot learn it), or kills it.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::runtime {

enum class SyncKind : unsigned char { ready = 1, start = 2, error = 3, terminal = 4, proceed = 5,
                                    hooks = 6 };

struct SyncMessage {
    // A constructor rather than an aggregate, so `{kind, status, text}` needs no fd member.
    SyncMessage(SyncKind kind = SyncKind::error, int exit_status = 1, std::string text = {},
                UniqueFd fd = {})
        : kind(kind), exit_status(exit_status), text(std::move(text)), fd(std::move(fd))
    {
    }

    SyncKind kind;
    int exit_status; // for `error`: what the runtime should exit with (127: no such command)
    std::string text; // for `error`: the rendered message
    UniqueFd fd;      // for `terminal`: the pty master, passed with SCM_RIGHTS
};

class SyncChannel {
public:
    SyncChannel() = default;
    explicit SyncChannel(UniqueFd fd) : fd_(std::move(fd)) {}

    // Sends `message.fd` along when it holds one; the sender keeps its own copy.
    Status send(const SyncMessage &message);

    // The next message, or nullopt when the other side has closed its end. A passed fd arrives
    // close-on-exec.
    Result<std::optional<SyncMessage>> receive();

    void close() { fd_.reset(); }
    int fd() const { return fd_.get(); }

private:
    UniqueFd fd_;
};

// After start: the child's end closes on exec, so end-of-file means the exec went through and an
// `error` message that it failed. A `terminal` message before either (exec --tty) puts its fd in
// `terminal` and returns: the child then waits for `proceed`, and the caller awaits again.
Status await_exec(SyncChannel &channel, UniqueFd *terminal = nullptr);

// {parent end, child end}.
Result<std::pair<SyncChannel, SyncChannel>> make_sync_channels();

} // namespace crunlite::runtime
