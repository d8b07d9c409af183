#include "runtime/run.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <optional>

#include "runtime/container.hpp"
#include "runtime/foreground.hpp"
#include "runtime/lifecycle.hpp"
#include "sys/paths.hpp"
#include "sys/process.hpp"
#include "util/log.hpp"

namespace crunlite::runtime {
namespace {

// Once the program runs: `exec` may join from now on (CreateOptions::starts_at_once).
Status record_running(NewContainer &container)
{
    container.state().status = "running";
    return container.store().save(container.state());
}

Result<int> run_detached(const spec::Bundle &bundle, const RunOptions &options)
{
    CreateOptions create = options.create;
    create.foreground = false;
    create.starts_at_once = true;
    auto container = TRY(NewContainer::create(bundle, create));
    TRY(release_first_process(container->store(), container->state()));
    TRY(await_exec(container->channel()));
    TRY(record_running(*container));
    container->run_poststart_hooks();
    TRY(write_pid_file(options.pid_file, container->pid()));
    container->keep();
    return 0;
}

} // namespace

Result<int> run_container(const spec::Bundle &bundle, const RunOptions &options)
{
    if (options.detach)
        return run_detached(bundle, options);

    // Signals are held from before the clone, so none sent meanwhile is lost.
    SignalRelay relay;
    TRY(relay.install());
    auto initial = initial_state(bundle, options.create.id);
    bool subreaper = !initial.own_pid_namespace;
    if (subreaper && ::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        return Error::from_errno("become the subreaper of the container's processes");

    CreateOptions create = options.create;
    create.foreground = true;
    create.starts_at_once = true;
    auto container = TRY(NewContainer::create(bundle, create));
    // Joined before the program runs, so its first output and its first read find them joined.
    std::optional<TerminalRelay> terminal;
    if (UniqueFd master = container->take_terminal())
        TRY(terminal.emplace(std::move(master)).start());
    TRY(release_first_process(container->store(), container->state()));
    TRY(await_exec(container->channel()));
    TRY(record_running(*container));
    container->run_poststart_hooks();
    TRY(write_pid_file(options.pid_file, container->pid()));
    container->unlock();

    TerminalRelay *relayed = terminal ? &*terminal : nullptr;
    int wait_status =
        TRY(relay_until_exit(relay, container->pid(), container->pidfd(), subreaper, relayed));
    if (subreaper)
        kill_leftover_processes();
    if (terminal)
        terminal->drain();
    log::debug("container process exited with wait status " + std::to_string(wait_status));
    // Leaving scope removes the container: its layers and its state directory.
    return sys::shell_exit_status(wait_status);
}

} // namespace crunlite::runtime
