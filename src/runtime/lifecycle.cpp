#include "runtime/lifecycle.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "runtime/hooks.hpp"
#include "spec/bundle.hpp"
#include "spec/parse.hpp"
#include "cgroup/manager.hpp"
#include "cgroup/stats.hpp"
#include "sys/paths.hpp"
#include "sys/process.hpp"
#include "util/log.hpp"

namespace crunlite::runtime {
namespace {

// How long delete waits for a killed container's first process to go.
constexpr int exit_wait_ms = 10000;

std::string namespace_link(pid_t pid, const char *type)
{
    char target[128] = {};
    std::string path = "/proc/" + std::to_string(pid) + "/ns/" + type;
    ssize_t length = ::readlink(path.c_str(), target, sizeof target - 1);
    return length > 0 ? std::string(target, static_cast<size_t>(length)) : std::string();
}

// A pidfd for the state's first process, checked against its start time after opening, so the
// signal can never reach a process that reused the pid.
Result<UniqueFd> open_first_process(const state::ContainerState &state)
{
    UniqueFd pidfd = sys::open_pidfd(state.pid);
    if (!pidfd || !state::process_alive(state.pid, state.pid_start_time))
        return Error::message("container not running");
    return pidfd;
}

Status send_signal(int pidfd, int signal)
{
    if (sys::signal_pidfd(pidfd, signal) != 0) {
        if (errno == ESRCH)
            return Error::message("no such process");
        return Error::from_errno("send signal " + std::to_string(signal));
    }
    return Ok{};
}

// Waits until the process behind `pidfd` has exited (a zombie counts: it holds nothing).
Status wait_for_exit(int pidfd)
{
    pollfd entry = {pidfd, POLLIN, 0};
    int ready;
    do {
        ready = ::poll(&entry, 1, exit_wait_ms);
    } while (ready < 0 && errno == EINTR);
    if (ready <= 0)
        return Error::message("a process of the container did not exit after SIGKILL");
    return Ok{};
}

cgroup::Cgroups cgroups_of(const state::ContainerState &state)
{
    return {state.cgroups, state.cgroups_made};
}

// Stops the container's cgroup while `act` runs, so that no process forks a child that the
// list taken inside misses. Thawed after unless `stay_frozen` (a paused container stays so).
template <typename Act>
Status with_cgroup_frozen(const state::ContainerState &state, Act act, bool stay_frozen = false)
{
    auto cgroups = cgroups_of(state);
    bool frozen = !cgroups.empty() && TRY(cgroup::set_frozen(cgroups, true));
    act();
    if (frozen && !stay_frozen)
        TRY(cgroup::set_frozen(cgroups, false));
    return Ok{};
}

// Kills every process of the container and waits until each has exited, so that delete leaves
// none behind. Each is held by a pidfd before any signal, so none can be confused with a
// process that reuses its pid meanwhile.
Status kill_everything(const state::ContainerState &state)
{
    auto first = open_first_process(state);
    if (!first && state.cgroups.empty())
        return Ok{}; // already gone
    std::vector<UniqueFd> others;
    // With its own pid namespace the kernel kills the rest when the first process dies; without
    // one they would outlive it, so every one is signalled.
    TRY(with_cgroup_frozen(state, [&] {
        for (pid_t pid : container_processes(state))
            if (pid != state.pid)
                if (UniqueFd fd = sys::open_pidfd(pid))
                    others.push_back(std::move(fd));
        for (const auto &other : others)
            (void)send_signal(other.get(), SIGKILL);
        if (first)
            (void)send_signal(first->get(), SIGKILL);
    }));
    if (first)
        TRY(wait_for_exit(first->get()));
    for (const auto &other : others)
        TRY(wait_for_exit(other.get()));
    return Ok{};
}

// The hooks of the config as `create` kept it (validated then). Read only when the state says
// there are some to run: the parse is most of the instructions of a start or a delete.
Result<spec::Hooks> kept_hooks(const state::StateStore &store, const std::string &id,
                               bool wanted)
{
    if (!wanted)
        return spec::Hooks{};
    std::string path = store.container_dir(id) + "/config.json";
    auto text = TRY(sys::read_file(path, spec::max_config_size));
    auto parsed = spec::parse_config(text);
    if (!parsed.ok())
        return Error::message("read `" + path + "`: " + parsed.problems.front());
    return std::move(parsed.config.hooks);
}

// Opened before the start byte is written, so that its end-of-file can only mean the process
// has exec'd (or died). Absent for containers made before it existed: nothing to wait for.
Result<UniqueFd> open_exec_result(const state::StateStore &store, const std::string &id)
{
    std::string path = store.container_dir(id) + "/" + state::exec_result_name;
    // Non-blocking, so a fifo whose writer is gone cannot hang the open; reads then block.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd && errno == ENOENT)
        return fd;
    if (!fd || ::fcntl(fd.get(), F_SETFL, 0) != 0)
        return Error::from_errno("open `" + path + "`");
    return fd;
}

// Blocks until the first process has exec'd (end-of-file) or says why it could not. A read
// (rather than poll) sees end-of-file: poll reports a fifo's hangup only to readers that
// opened it before its writer.
Status await_exec_result(int fd)
{
    char text[8192];
    ssize_t length;
    do {
        length = ::read(fd, text, sizeof text);
    } while (length < 0 && errno == EINTR);
    if (length < 0)
        return Error::from_errno("read why the container process failed");
    if (length > 0)
        return Error::message(std::string(text, static_cast<size_t>(length)));
    return Ok{};
}

} // namespace

Status release_first_process(const state::StateStore &store, const state::ContainerState &state)
{
    std::string fifo = store.container_dir(state.id) + "/" + state::exec_fifo_name;
    // Non-blocking: the open succeeds only while the first process holds the fifo.
    UniqueFd fd(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd && errno == ENXIO)
        return Error::message("the container's first process is gone");
    if (!fd)
        return Error::from_errno("open `" + fifo + "`");
    if (::write(fd.get(), "0", 1) != 1)
        return Error::from_errno("write `" + fifo + "`");
    // Nothing to record: the status reads `running` from now on, the fifo being gone.
    ::unlink(fifo.c_str());
    return Ok{};
}

Status start_container(state::StateStore &store, const std::string &id)
{
    auto lock = TRY(store.lock(id));
    auto state = TRY(store.load(id));
    std::string status = state::live_status(store, state, lock);
    if (status != "created")
        return Error::message("cannot start a container that is " + status);
    if (!state.has_process)
        return Error::message("process: the config has no process to start");

    auto hooks = TRY(kept_hooks(store, id, state.has_poststart_hooks));
    UniqueFd exec_result = TRY(open_exec_result(store, id));
    TRY(release_first_process(store, state));
    if (exec_result)
        if (auto exec = await_exec_result(exec_result.get()); !exec) {
            // The process exits right after saying why; once it has, `state` says `stopped`
            // the moment start returns. Opened only on this path, checked against its start
            // time: when it cannot be, the process is gone already. Were it stuck, the failure
            // is still the news.
            if (auto first = open_first_process(state))
                (void)wait_for_exit(first->get());
            return exec;
        }
    if (!hooks.poststart.empty())
        run_hooks_warning_on_failure("poststart", hooks.poststart,
                                     state::oci_state_json(state, "running"));
    return Ok{};
}

Status kill_container(state::StateStore &store, const std::string &id, int signal, bool all)
{
    auto lock = TRY(store.lock(id));
    auto state = TRY(store.load(id));
    std::string status = state::live_status(store, state, lock);
    if (status != "created" && status != "running" && status != "paused")
        return Error::message("container not running");

    auto pidfd = TRY(open_first_process(state));
    bool paused = status == "paused";
    if (all)
        TRY(with_cgroup_frozen(
            state,
            [&] {
                for (pid_t pid : container_processes(state))
                    if (pid != state.pid)
                        ::kill(pid, signal);
            },
            paused));
    TRY(send_signal(pidfd.get(), signal));
    // A paused container stays paused and takes its signals at resume, as with runc; but a
    // frozen process dies of SIGKILL only once thawed, so SIGKILL thaws it.
    if (paused && signal == SIGKILL)
        TRY(cgroup::set_frozen(cgroups_of(state), false));
    return Ok{};
}

Status delete_container(state::StateStore &store, const std::string &id, bool force)
{
    // As runc: forcing the delete of what is not there is no failure, so a cleanup that runs
    // twice, or after a crash, or beside another delete, succeeds.
    auto held = TRY(store.lock_if_exists(id));
    if (!held && force)
        return Ok{};
    if (!held)
        return Error::message("container `" + id + "` does not exist");
    auto lock = std::move(*held);
    auto loaded = store.load(id);
    if (!loaded) {
        if (!force)
            return std::move(loaded).error();
        // Unreadable state names no process or layers to clean; --force still frees the id.
        log::warning("delete `" + id + "`: " + loaded.error().render() + "; removing its state");
        store.release(id);
        return Ok{};
    }
    auto state = std::move(loaded).value();
    std::string status = state::live_status(store, state, lock);
    if ((status == "running" || status == "paused") && !force)
        return Error::message("cannot delete a " + status + " container without --force");
    // Marked before anything is torn down: a delete killed part way (a frozen cgroup, a killed
    // process, cgroups and layers still there) then reads as broken, not paused or stopped.
    state.status = "deleting";
    TRY(store.save(state));

    // A broken container's create may have left its process a moment before it dies with it. A
    // stopped container without a pid namespace of its own may leave processes in its cgroup.
    if (status == "running" || status == "created" || status == "broken" ||
        !state.cgroups.empty())
        TRY(kill_everything(state));
    TRY(cgroup::remove(cgroups_of(state)));
    if (!state.layers_dir.empty() && !sys::remove_tree(state.layers_dir))
        return Error::message("remove `" + state.layers_dir + "`: not everything could be removed");
    auto hooks = kept_hooks(store, id, state.has_poststop_hooks);
    store.release(id);
    if (hooks && !hooks->poststop.empty())
        run_hooks_warning_on_failure("poststop", hooks->poststop,
                                     state::oci_state_json(state, "stopped"));
    else if (!hooks)
        log::warning("delete `" + id + "`: poststop hooks not run: " + hooks.error().render());
    return Ok{};
}

namespace {

Status set_paused(state::StateStore &store, const std::string &id, bool paused)
{
    auto lock = TRY(store.lock(id));
    auto state = TRY(store.load(id));
    std::string status = state::live_status(store, state, lock);
    if (paused && status == "paused")
        return Error::message("container already paused");
    const char *expected = paused ? "running" : "paused";
    if (status != expected)
        return Error::message(std::string("container not ") + expected);
    bool done = TRY(cgroup::set_frozen(cgroups_of(state), paused));
    if (!done)
        return Error::message("no freezer: the container has no v1 freezer or cgroup v2 cgroup");
    return Ok{};
}

} // namespace

Status pause_container(state::StateStore &store, const std::string &id)
{
    return set_paused(store, id, true);
}

Status resume_container(state::StateStore &store, const std::string &id)
{
    return set_paused(store, id, false);
}

Status update_resources(state::StateStore &store, const std::string &id,
                        const spec::Resources &resources)
{
    auto lock = TRY(store.lock(id));
    auto state = TRY(store.load(id));
    std::string status = state::live_status(store, state, lock);
    if (status != "created" && status != "running" && status != "paused")
        return Error::message("container not running");
    if (state.cgroups.empty())
        return Error::message("the container has no cgroups to update");

    auto host = TRY(cgroup::Host::discover());
    auto plan = TRY(cgroup::plan_writes(resources, cgroup::locator_for(host),
                                        spec::device_program_wanted(state.annotations)));
    // The planner always starts the device list afresh; without new rules, the old ones stay.
    if (resources.devices.empty()) {
        std::erase_if(plan.writes, [](const auto &write) { return write.controller == "devices"; });
        plan.device_program.reset();
    }
    return cgroup::apply(cgroups_of(state), plan);
}

Result<nlohmann::json> container_stats(state::StateStore &store, const std::string &id)
{
    auto state = TRY(store.load(id));
    if (state.cgroups.empty())
        return Error::message("the container has no cgroups to read");
    std::string status = state::live_status(store, state);
    if (status == "stopped")
        return Error::message("container not running");
    return cgroup::read_stats(cgroups_of(state));
}

std::vector<pid_t> container_processes(const state::ContainerState &state)
{
    if (!state.cgroups.empty())
        return cgroup::processes(cgroups_of(state));
    if (!state::process_alive(state.pid, state.pid_start_time))
        return {};
    if (!state.own_pid_namespace)
        return sys::descendants_of(state.pid);

    std::string container_ns = namespace_link(state.pid, "pid");
    std::vector<pid_t> members;
    for (pid_t pid : sys::all_pids())
        if (pid == state.pid || (!container_ns.empty() && namespace_link(pid, "pid") == container_ns))
            members.push_back(pid);
    return members;
}

} // namespace crunlite::runtime
