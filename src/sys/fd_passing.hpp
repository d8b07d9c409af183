// One message on a unix socket with at most one fd attached (SCM_RIGHTS): how the pty master
// travels from the container's first process to the runtime, and on to a console socket.
#pragma once

#include <sys/types.h>

#include <cstddef>

#include "util/unique_fd.hpp"

namespace crunlite::sys {

// Sends `size` bytes (at least one: a stream socket carries no fd without data) from `data`,
// with `fd` attached unless it is negative. Returns what sendmsg returns; -1 with errno set.
ssize_t send_with_fd(int socket, const void *data, size_t size, int fd);

// Receives one message into `buffer`; an attached fd, close-on-exec, lands in `fd`. Returns
// what recvmsg returns; -1 with errno set.
ssize_t receive_with_fd(int socket, void *buffer, size_t size, UniqueFd &fd);

} // namespace crunlite::sys
