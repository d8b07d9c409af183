// The container's terminal (process.terminal): a pty made on the container's own devpts, whose
// slave is the process's stdin, stdout, stderr and controlling terminal, and whose master goes
// to the runtime over the sync channel.
//
// The runtime then hands the master on to a --console-socket, or, for `run` in the foreground
// without one, keeps it and relays it to its caller (terminal_relay.hpp).
#pragma once

#include <string>

#include "spec/config.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::runtime {

// Whether the pty also becomes `/dev/console`: for the container's first process, not for a
// process `exec` adds later.
enum class ConsoleBinding { bind, leave };

// In the container (after pivot_root, or after exec joined its namespaces) and before the
// identity switch: opens a pty on `/dev/ptmx`, sizes it from process.consoleSize, gives the
// slave to process.user, binds it onto `/dev/console` if asked, makes it stdio and the
// controlling terminal of a new session. Returns the master.
Result<UniqueFd> make_container_terminal(const spec::Process &process,
                                         ConsoleBinding console = ConsoleBinding::bind);

// Connects to the unix stream socket at `path` and passes `master` over it, with the pty's
// name as the message.
Status send_to_console_socket(const std::string &path, int master);

} // namespace crunlite::runtime
