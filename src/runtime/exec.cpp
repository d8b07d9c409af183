#include "runtime/exec.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <sstream>

#include "cgroup/manager.hpp"
#include "runtime/container.hpp"
#include "runtime/foreground.hpp"
#include "runtime/namespace_socket.hpp"
#include "runtime/process.hpp"
#include "runtime/scheduling.hpp"
#include "runtime/seccomp.hpp"
#include "runtime/security_labels.hpp"
#include "runtime/sync.hpp"
#include "runtime/terminal.hpp"
#include "runtime/terminal_relay.hpp"
#include "sys/process.hpp"
#include "util/log.hpp"
#include "util/path.hpp"
#include "util/scope_exit.hpp"

namespace crunlite::runtime {
namespace {

// Every namespace a container may have of its own, but pid (entered before the clone). Time: the
// one the container's program runs in, which is its own once it has exec'd.
struct JoinedNamespace {
    const char *name; // in /proc/PID/ns
    int flag;
};
constexpr JoinedNamespace joinable_namespaces[] = {
    {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},  {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS},   {"net", CLONE_NEWNET}, {"cgroup", CLONE_NEWCGROUP},
    {"time", CLONE_NEWTIME},
};

bool same_file(const std::string &first, const std::string &second)
{
    struct stat a {}, b {};
    return ::stat(first.c_str(), &a) == 0 && ::stat(second.c_str(), &b) == 0 &&
           a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// The way into the container: its first process's pidfd, or, for a rootless exec before start,
// the namespaces that process handed over (namespace_socket.hpp).
struct ContainerEntry {
    UniqueFd pidfd;
    std::optional<NamespaceFds> namespaces;

    // The namespaces the container does not share with the runtime. Only those are joined: from
    // a container's user namespace, joining one of the host's (its network, when it has none of
    // its own) would need privileges over the host's user namespace, which a rootless runtime
    // lacks.
    int namespaces_to_join(pid_t container_pid) const
    {
        int flags = 0;
        if (namespaces) {
            for (size_t i = 0; i < served_namespace_count; ++i)
                if (!same_namespace((*namespaces)[i].get(), served_namespaces[i].name))
                    flags |= served_namespaces[i].flag;
            return flags;
        }
        for (const auto &ns : joinable_namespaces)
            if (!same_file("/proc/" + std::to_string(container_pid) + "/ns/" + ns.name,
                           std::string("/proc/self/ns/") + ns.name))
                flags |= ns.flag;
        return flags;
    }

    // setns(2) on a pidfd enters the user namespace first, so the others are then permitted;
    // one namespace at a time, the order of served_namespaces does the same.
    int join(int flags) const
    {
        if (!namespaces)
            return ::setns(pidfd.get(), flags);
        for (size_t i = 0; i < served_namespace_count; ++i)
            if ((flags & served_namespaces[i].flag) &&
                ::setns((*namespaces)[i].get(), served_namespaces[i].flag) != 0)
                return -1;
        return 0;
    }

private:
    static bool same_namespace(int fd, const char *name)
    {
        struct stat theirs {}, ours {};
        return ::fstat(fd, &theirs) == 0 &&
               ::stat((std::string("/proc/self/ns/") + name).c_str(), &ours) == 0 &&
               theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
    }
};

Result<ContainerEntry> open_running_container(const state::StateStore &store,
                                        const state::ContainerState &state, bool ignore_paused)
{
    std::string status = state::live_status(store, state);
    // A frozen container would leave the new process frozen too, and exec waiting on it: done
    // only when asked for.
    if (status == "paused" && !ignore_paused)
        return Error::message("container is paused; resume it first (or exec --ignore-paused)");
    if (status != "running" && status != "created" && status != "paused")
        return Error::message("container not running");
    ContainerEntry entry;
    entry.pidfd = sys::open_pidfd(state.pid);
    // Checked after opening: from here on the pidfd can name no other process.
    if (!entry.pidfd || !state::process_alive(state.pid, state.pid_start_time))
        return Error::message("container not running");
    if (::geteuid() != 0 && status == "created") {
        std::string dir = store.container_dir(state.id);
        if (UniqueFd dir_fd{::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)})
            entry.namespaces = request_namespaces(dir_fd.get());
    }
    return entry;
}

[[noreturn]] void fail_in_child(SyncChannel &channel, const Error &error, int exit_status)
{
    SyncMessage message;
    message.kind = SyncKind::error;
    message.exit_status = exit_status;
    message.text = error.render();
    (void)channel.send(message);
    _exit(exit_status);
}

// The child: into the container, then the program. Never returns.
[[noreturn]] void exec_child(const ContainerEntry &container, int joined_namespaces,
                             const spec::Process &process,
                             const std::vector<int> &passed_fds, int runtime_pidfd,
                             const std::optional<SeccompProgram> &seccomp,
                             const cgroup::Cgroups &cgroups, SyncChannel &channel)
{
    if (runtime_pidfd >= 0)
        die_with_runtime(runtime_pidfd);
    if (auto status = apply_initial_cpu_affinity(process, 0); !status)
        fail_in_child(channel, status.error(), 1);
    // Into the container's cgroups before anything of the container's can run here.
    if (auto status = cgroup::place(cgroups, 0); !status)
        fail_in_child(channel, status.error(), 1);
    // Through the host's /proc and /sys, before the container's root hides them.
    const spec::HostSecurity host_security = spec::host_security();
    if (auto status = set_oom_score_adj(process); !status)
        fail_in_child(channel, status.error(), 1);
    // Joining the mount namespace also sets root and cwd to the container's root.
    if (container.join(joined_namespaces) != 0)
        fail_in_child(channel, Error::from_errno("join the container's namespaces"), 1);
    if (process.terminal) {
        auto master = make_container_terminal(process, ConsoleBinding::leave);
        if (!master)
            fail_in_child(channel, master.error(), 1);
        if (!channel.send({SyncKind::terminal, 0, {}, std::move(*master)}))
            _exit(1);
        // The runtime relays the terminal (the caller's window size, raw mode) or hands it to
        // the console socket first: the program's first `stty size` or read finds it ready.
        auto proceed = channel.receive();
        if (!proceed || !*proceed || (*proceed)->kind != SyncKind::proceed)
            _exit(1);
    }
    if (auto status = apply_rlimits(process); !status)
        fail_in_child(channel, status.error(), 1);
    if (auto status = apply_scheduling(process); !status)
        fail_in_child(channel, status.error(), 1);
    if (auto status = set_exec_labels(process, host_security); !status)
        fail_in_child(channel, status.error(), 1);
    if (auto status = load_seccomp_at(SeccompLoadPoint::before_identity, seccomp, process); !status)
        fail_in_child(channel, status.error(), 1);
    if (auto status = enter_identity(process); !status)
        fail_in_child(channel, status.error(), 1);
    if (runtime_pidfd >= 0)
        die_with_runtime(runtime_pidfd);

    int failure_status = 1;
    auto command = prepare_command(process, failure_status);
    if (!command)
        fail_in_child(channel, command.error(), failure_status);

    if (auto status = apply_final_cpu_affinity(process); !status)
        fail_in_child(channel, status.error(), 1);
    if (auto status = forbid_new_privileges(process); !status)
        fail_in_child(channel, status.error(), 1);
    Error error = exec_command(*command, process, passed_fds, seccomp);
    fail_in_child(channel, error, error.exit_status());
}

// The process that runs the command, as the runtime's own child: with CLONE_PARENT, a helper
// clones it from inside the container's pid namespace (rootless, through the user namespace
// that owns it), sends back its pid and a pidfd, and ends with _exit. So the runtime itself
// never joins the container's namespaces: it keeps its own rights, and whatever it forks later
// stays outside. (LeakSanitizer's tracer, forked at exit in the sanitizer build, could not see
// a runtime left in the container's pid namespace for children as its parent, and the runtime
// waited for it for ever.)
struct ExecProcess {
    pid_t pid = 0;
    UniqueFd pidfd;
};

template <typename RunChild>
Result<ExecProcess> spawn_in_pid_namespace(const ContainerEntry &container, int helper_joins,
                                           RunChild run_child)
{
    auto [report_end, helper_end] = TRY(make_sync_channels());
    pid_t helper = TRY(sys::clone_with_flags(0, nullptr));
    if (helper == 0) {
        report_end.close();
        if (container.join(helper_joins) != 0)
            fail_in_child(helper_end, Error::from_errno("enter the container's pid namespace"), 1);
        UniqueFd pidfd;
        auto pid = sys::clone_with_flags(CLONE_PARENT, &pidfd);
        if (!pid)
            fail_in_child(helper_end, pid.error(), 1);
        if (*pid == 0) {
            helper_end.close();
            run_child(); // ends with execve or _exit
            _exit(1);
        }
        // The pid as the runtime sees it: the helper's own pid namespace is still the runtime's.
        (void)helper_end.send({SyncKind::ready, 0, std::to_string(*pid), std::move(pidfd)});
        _exit(0);
    }
    helper_end.close();
    auto report = report_end.receive();
    ::waitpid(helper, nullptr, 0);
    if (!report)
        return report.error();
    if (!*report)
        return Error::message("enter the container's pid namespace: the helper ended without "
                              "a word");
    if ((*report)->kind == SyncKind::error)
        return Error::message((*report)->text);
    ExecProcess process;
    const std::string &pid = (*report)->text;
    std::from_chars(pid.data(), pid.data() + pid.size(), process.pid);
    process.pidfd = std::move((*report)->fd);
    if (process.pid <= 0 || !process.pidfd)
        return Error::message("receive the exec'd process: no pid or pidfd came");
    return process;
}

// A --cgroup path below the container's cgroup, as `/a/b`; it may not climb out.
Result<std::string> sub_cgroup_path(const std::string &path, const std::string &field)
{
    auto parts = path_components(path);
    if (path.empty() || path.front() == '/' || parts.empty() ||
        std::find(parts.begin(), parts.end(), "..") != parts.end())
        return Error::message(field + ": expected a path below the container's cgroup, "
                                      "relative and without `..`");
    std::string below;
    for (const auto &part : parts)
        below += "/" + part;
    return below;
}

// The container's hierarchies holding each of `controllers` ("cpu,memory"; "unified" is the v2
// hierarchy itself), by key; all of them when none is named.
Result<std::vector<std::string>> hierarchies_named(const state::ContainerState &state,
                                                   const std::string &controllers,
                                                   const std::string &field)
{
    std::vector<std::string> keys;
    if (controllers.empty()) {
        for (const auto &[key, dir] : state.cgroups)
            keys.push_back(key);
        return keys;
    }
    auto host = TRY(cgroup::Host::discover());
    std::istringstream names(controllers);
    for (std::string controller; std::getline(names, controller, ',');) {
        const cgroup::Hierarchy *found =
            controller == "unified" ? host.unified() : host.find(controller);
        if (!found || !state.cgroups.count(found->key))
            return Error::message(field + ": the container has no `" + controller + "` cgroup");
        keys.push_back(found->key);
    }
    return keys;
}

// Where --cgroup puts the process: each named sub-cgroup below the container's own, in the
// hierarchies it names (all of them without a CONTROLLERS: part). The sub-cgroup must exist, as
// with runc.
Result<cgroup::Cgroups> exec_cgroups(const state::ContainerState &state,
                                     const std::vector<std::string> &sub_cgroups)
{
    cgroup::Cgroups cgroups{state.cgroups, {}};
    for (const auto &wanted : sub_cgroups) {
        size_t colon = wanted.find(':');
        bool named = colon != std::string::npos;
        std::string field = "--cgroup `" + wanted + "`";
        std::string below = TRY(sub_cgroup_path(named ? wanted.substr(colon + 1) : wanted, field));
        auto keys = TRY(hierarchies_named(state, named ? wanted.substr(0, colon) : "", field));
        for (const auto &key : keys) {
            std::string dir = state.cgroups.at(key) + below;
            if (::access((dir + "/cgroup.procs").c_str(), F_OK) != 0)
                return Error::message(field + ": no cgroup `" + dir + "`");
            cgroups.dirs[key] = dir;
        }
    }
    return cgroups;
}

} // namespace

Result<int> exec_in_container(state::StateStore &store, const std::string &id,
                              const spec::Process &process, const ExecOptions &options)
{
    auto state = TRY(store.load(id));
    ContainerEntry container = TRY(open_running_container(store, state, options.ignore_paused));
    cgroup::Cgroups cgroups = TRY(exec_cgroups(state, options.sub_cgroups));

    std::vector<int> passed = sys::inherited_fds_in_range(options.passed_fds);
    // The container's filter applies to every process in it, as with runc.
    std::optional<SeccompProgram> seccomp;
    if (options.seccomp)
        seccomp = TRY(compile_seccomp(*options.seccomp));

    SignalRelay relay;
    if (!options.detach)
        TRY(relay.install());
    // Named, not bound: the lambda that runs in the child captures them.
    auto channels = TRY(make_sync_channels());
    SyncChannel &parent_end = channels.first, &child_end = channels.second;

    int joined = container.namespaces_to_join(state.pid);
    // The pid namespace applies to children only, and is the helper's to enter. Not root, it
    // needs rights in the user namespace that owns the pid namespace first: it joins that too
    // (one setns enters the user namespace first), and the process it clones need not again.
    int helper_joins = CLONE_NEWPID;
    if (::geteuid() != 0 && (joined & CLONE_NEWUSER)) {
        helper_joins |= CLONE_NEWUSER;
        joined &= ~CLONE_NEWUSER;
    }
    UniqueFd runtime;
    if (!options.detach) {
        runtime = sys::open_pidfd(::getpid());
        if (!runtime)
            return Error::from_errno("open a pidfd of the runtime");
    }
    ExecProcess child = TRY(spawn_in_pid_namespace(container, helper_joins, [&] {
        parent_end.close();
        exec_child(container, joined, process, passed, runtime.get(), seccomp,
                   cgroups, child_end);
    }));
    child_end.close();
    ScopeExit stop_child([&] {
        sys::signal_pidfd(child.pidfd.get(), SIGKILL);
        ::waitpid(child.pid, nullptr, 0);
    });

    UniqueFd master;
    TRY(await_exec(parent_end, &master));
    std::optional<TerminalRelay> terminal;
    if (process.terminal) {
        if (!master)
            return Error::message("receive the terminal: none came from the new process");
        if (!options.console_socket.empty())
            TRY(send_to_console_socket(options.console_socket, master.get()));
        else
            TRY(terminal.emplace(std::move(master)).start());
        TRY(parent_end.send({SyncKind::proceed, 0, {}}));
        TRY(await_exec(parent_end));
    }
    TRY(write_pid_file(options.pid_file, child.pid));
    stop_child.dismiss();
    if (options.detach)
        return 0;

    TerminalRelay *relayed = terminal ? &*terminal : nullptr;
    int wait_status = TRY(relay_until_exit(relay, child.pid, child.pidfd.get(), false, relayed));
    if (terminal)
        terminal->drain();
    log::debug("exec'd process exited with wait status " + std::to_string(wait_status));
    return sys::shell_exit_status(wait_status);
}

} // namespace crunlite::runtime
