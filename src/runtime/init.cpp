// init: the container's first process, from clone to exec.
//
// Input: the LaunchPlan (a copy of the parent's memory) and the child's end of the sync channel.
// Order: oom_score_adj, enter joined namespaces, a new time namespace with its offsets (which
// the exec enters), build the root in the new mount namespace (linux.devices with /dev),
// pivot_root, set hostname, network loopback, the terminal, rlimits, scheduler and I/O
// priority (while still privileged), AppArmor and SELinux exec labels, the seccomp filter
// (without no_new_privs), identity and capabilities, cwd, resolve the command, personality,
// memory policy, the final CPU affinity, no_new_privs, a trial of the seccomp filter, report
// ready (no longer dumpable), wait for start, the seccomp filter (with no_new_privs), exec.
// (The initial CPU affinity is the parent's to set, in prepare_child.) Any failure is sent to
// the parent as one message and the process ends with _exit: it never unwinds into
// the parent's code, whose stack it shares a copy of.
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "runtime/devices.hpp"
#include "runtime/hooks.hpp"
#include "runtime/launch.hpp"
#include "runtime/namespace_socket.hpp"
#include "runtime/process.hpp"
#include "runtime/protected_paths.hpp"
#include "runtime/rootfs.hpp"
#include "runtime/scheduling.hpp"
#include "runtime/security_labels.hpp"
#include "runtime/sync.hpp"
#include "runtime/sysctl.hpp"
#include "runtime/terminal.hpp"
#include "runtime/time_namespace.hpp"
#include "runtime/user_namespace.hpp"
#include "sys/paths.hpp"
#include "util/log.hpp"

namespace crunlite::runtime {
namespace {

Status join_namespaces(const LaunchPlan &plan)
{
    for (const auto &join : plan.joins) {
        if (::setns(join.fd.get(), join.clone_flag) != 0)
            return Error::from_errno(std::string("join the ") +
                                     spec::namespace_type_name(join.type) + " namespace");
    }
    return Ok{};
}

// What the hooks this process runs need: the container's state with this process's host pid,
// and the runtime's umask (this process's own is 0 while it makes device nodes).
struct HookContext {
    state::ContainerState state;
    mode_t umask = 022;
};

Status run_own_hooks(const char *kind, const std::vector<spec::Hook> &hooks,
                     const HookContext &context, const char *status)
{
    if (hooks.empty())
        return Ok{};
    mode_t own_umask = ::umask(context.umask);
    auto ran = run_hooks(kind, hooks, state::oci_state_json(context.state, status));
    ::umask(own_umask);
    return ran;
}

// With the mounts made and the host's root still in sight: the runtime runs prestart and
// createRuntime, then this process createContainer, in the container's namespaces with the
// path resolved as the runtime sees it (as runc does). The runtime's answer holds the host pid.
Status run_create_hooks(const spec::Hooks &hooks, SyncChannel &channel, HookContext &context)
{
    if (hooks.prestart.empty() && hooks.create_runtime.empty() &&
        hooks.create_container.empty() && hooks.start_container.empty())
        return Ok{};
    TRY(channel.send({SyncKind::hooks, 0, {}}));
    auto answer = TRY(channel.receive());
    if (!answer || answer->kind != SyncKind::proceed)
        return Error::message("the runtime did not answer the request to run hooks");
    context.state.pid = static_cast<pid_t>(strtol(answer->text.c_str(), nullptr, 10));
    return run_own_hooks("createContainer", hooks.create_container, context, "creating");
}

// Rootless only (namespace_socket.hpp): what a rootless exec gets, until start.
NamespaceFds own_namespaces;

// Through the host's /proc, which pivot_root hides next.
Status keep_own_namespaces(const LaunchPlan &plan)
{
    if (plan.namespace_listener_fd >= 0)
        own_namespaces = TRY(open_own_namespaces());
    return Ok{};
}

Status build_root(const LaunchPlan &plan, int layers_fd, SyncChannel &channel,
                  HookContext &hook_context)
{
    const spec::Config &config = plan.bundle->config;
    TRY(isolate_mount_propagation());
    auto root = TRY(mount_root(plan, layers_fd));
    TRY(mount_config_mounts(root.get(), plan));
    TRY(populate_dev(root.get(), config));
    // Sysctls first: readonlyPaths usually holds /proc/sys.
    TRY(write_sysctls(root.get(), config.linux.sysctl));
    TRY(make_paths_readonly(root.get(), config.linux.readonly_paths));
    TRY(mask_paths(root.get(), config.linux.masked_paths));
    TRY(run_create_hooks(config.hooks, channel, hook_context));
    TRY(keep_own_namespaces(plan));
    if (plan.no_pivot)
        TRY(move_root_into(root.get()));
    else
        TRY(pivot_into(root.get()));
    if (config.root.readonly)
        TRY(make_root_readonly());
    if (!config.linux.rootfs_propagation.empty())
        TRY(set_root_propagation(config.linux.rootfs_propagation));
    return Ok{};
}

Status set_names(const spec::Config &config)
{
    const auto &hostname = config.hostname;
    if (!hostname.empty() && ::sethostname(hostname.data(), hostname.size()) != 0)
        return Error::from_errno("set hostname `" + hostname + "`");
    const auto &domain = config.domainname;
    if (!domain.empty() && ::setdomainname(domain.data(), domain.size()) != 0)
        return Error::from_errno("set domainname `" + domain + "`");
    return Ok{};
}

// A new network namespace starts with `lo` down; programs expect localhost to work.
Status bring_up_loopback()
{
    UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock)
        return Error::from_errno("open a socket to configure `lo`");
    ifreq request{};
    strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) != 0)
        return Error::from_errno("read flags of `lo`");
    request.ifr_flags |= IFF_UP;
    if (::ioctl(sock.get(), SIOCSIFFLAGS, &request) != 0)
        return Error::from_errno("bring up `lo`");
    return Ok{};
}

// A missing cwd is made, as root and before the switch to the user's identity, as runc does.
// After pivot_root plain paths resolve inside the container, so mkdir -p is safe here.
Status make_cwd(const std::string &cwd)
{
    TRY_CONTEXT(sys::make_directories(cwd, 0755), "create cwd `" + cwd + "`");
    return Ok{};
}

Status set_up(const LaunchPlan &plan, int layers_fd, SyncChannel &channel,
              HookContext &hook_context)
{
    const spec::Config &config = plan.bundle->config;
    // Through the host's /proc: the container's may not be mounted, or be the image's own files.
    if (config.process)
        TRY(set_oom_score_adj(*config.process));
    TRY(join_namespaces(plan));
    TRY(make_time_namespace(config));
    TRY(build_root(plan, layers_fd, channel, hook_context));
    TRY(set_names(config));
    if (plan.clone_flags & CLONE_NEWNET)
        TRY(bring_up_loopback());
    if (config.process)
        TRY(make_cwd(config.process->cwd));
    return Ok{};
}


// This process's copy of LaunchPlan::exec_result_fd, for fail().
int exec_result_fd = -1;
// Set once start has released the process: start then reads exec_result_fd and reports what
// it holds, so printing it here too would say it twice.
bool start_reports_failure = false;

// Reports a failure to the runtime and ends. After `create` has returned nobody is listening on
// the channel, so the message goes to the container's stderr and to `start` instead.
[[noreturn]] void fail(SyncChannel &channel, const Error &error, int exit_status)
{
    SyncMessage message{SyncKind::error, exit_status, error.render()};
    if (!channel.send(message)) {
        if (!start_reports_failure) {
            std::string line = "crun-lite: " + message.text + "\n";
            (void)!::write(STDERR_FILENO, line.data(), line.size());
        }
        (void)!::write(exec_result_fd, message.text.data(), message.text.size());
    }
    _exit(exit_status);
}

// Blocks until start writes a byte into the exec fifo. The process holds the fifo open for
// reading and writing, so the read never sees end-of-file: only a byte ends the wait. Meanwhile
// a rootless runtime's requests for the namespaces are answered; the listener closes on exec,
// which ends a request still waiting, and the program's /proc entries serve from then on.
void wait_for_start(int fifo_fd, int namespace_listener_fd)
{
    pollfd waits[2] = {{fifo_fd, POLLIN, 0}, {namespace_listener_fd, POLLIN, 0}};
    while (namespace_listener_fd >= 0) {
        int ready = ::poll(waits, 2, -1);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0 || (waits[0].revents & POLLIN))
            break;
        if (waits[1].revents & POLLIN)
            answer_namespace_request(namespace_listener_fd, own_namespaces);
    }
    char byte;
    ssize_t n;
    do {
        n = ::read(fifo_fd, &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1)
        _exit(1);
    ::close(fifo_fd);
}

// Reports ready and waits until the runtime has recorded the container (its `start` message).
// Until then the process dies with the runtime, so a create killed half way leaves no process
// that no state names; after it, a container made by `create` lives on alone.
void report_ready(const LaunchPlan &plan, SyncChannel &channel)
{
    // Until start, this process holds the exec fifo, exec.result, the sync channel and the
    // runtime's pidfd. Not dumpable, its /proc/1/fd, /proc/1/exe and ptrace are closed to the
    // container's processes (all but those with CAP_SYS_PTRACE): one exec'd in could otherwise
    // start it early or write into start's error. execve makes the program dumpable again.
    // A rootless exec gets the namespaces over namespace_socket.hpp's socket instead.
    if (::prctl(PR_SET_DUMPABLE, 0) != 0)
        _exit(1);
    if (auto sent = channel.send({SyncKind::ready, 0, {}}); !sent)
        _exit(1);
    auto committed = channel.receive();
    if (!committed || !committed->has_value() || (*committed)->kind != SyncKind::start)
        _exit(1);
    if (!plan.foreground)
        ::prctl(PR_SET_PDEATHSIG, 0);
    // Acknowledged, so the runtime waits with its exit until the death signal is gone.
    if (auto sent = channel.send({SyncKind::ready, 0, {}}); !sent)
        _exit(1);
}

// A config without a process (the spec allows one) makes a container that only holds its
// namespaces: ready, then waiting until it is deleted; start refuses it.
[[noreturn]] void hold_namespaces(const LaunchPlan &plan, SyncChannel &channel)
{
    report_ready(plan, channel);
    wait_for_start(plan.exec_fifo_fd, plan.namespace_listener_fd);
    _exit(0);
}

// The master goes to the runtime; this process keeps only the slave, as its stdio.
Status hand_over_terminal(const spec::Process &process, SyncChannel &channel)
{
    UniqueFd master = TRY(make_container_terminal(process));
    TRY(channel.send({SyncKind::terminal, 0, {}, std::move(master)}));
    return Ok{};
}

// Until the runtime has placed this process (cgroups, id maps), nothing here may run.
void wait_to_proceed(SyncChannel &channel)
{
    auto message = channel.receive();
    if (!message || !message->has_value() || (*message)->kind != SyncKind::proceed)
        _exit(1);
}

// The settings that last into the program and would get in the way of the setup before:
// a 32-bit personality, a memory policy, the final CPUs. All before ready, so that a failure
// still reaches `create`; no_new_privs last, since only execve reads it.
Status finish_process_settings(const spec::Config &config)
{
    const spec::Process &process = *config.process;
    TRY(set_personality(config.linux));
    TRY(apply_memory_policy(config.linux));
    TRY(apply_final_cpu_affinity(process));
    TRY(forbid_new_privileges(process));
    return Ok{};
}

} // namespace

void container_init(const LaunchPlan &plan, SyncChannel &channel)
{
    // The state directory's lock above all: flock belongs to the open file, which the child
    // shares until it closes its copy, and the lock must go when the runtime is done.
    for (int fd : plan.parent_only_fds)
        ::close(fd);
    die_with_runtime(plan.runtime_pidfd);
    wait_to_proceed(channel);
    exec_result_fd = plan.exec_result_fd;
    HookContext hook_context{*plan.state};
    // Opened in the container's mount namespace while the process still has the host's ids:
    // as root of a new user namespace it may not search a data root closed to others.
    UniqueFd layers;
    if (plan.overlay)
        layers.reset(::open(plan.layers.dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (plan.overlay && !layers)
        fail(channel, Error::from_errno("open `" + plan.layers.dir + "`"), 1);
    if (plan.clone_flags & CLONE_NEWUSER)
        if (auto status = become_namespace_root(); !status)
            fail(channel, status.error(), 1);
    if (plan.new_cgroup_namespace && ::unshare(CLONE_NEWCGROUP) != 0)
        fail(channel, Error::from_errno("create the cgroup namespace"), 1);
    // Device nodes and mount points get exactly the modes asked for.
    hook_context.umask = ::umask(0);
    // Asked of the host's /sys, which the container's root hides later.
    const spec::HostSecurity host_security = spec::host_security();

    if (auto status = set_up(plan, layers.get(), channel, hook_context); !status)
        fail(channel, status.error(), 1);
    // A directory of the host's: held on, it would let a process exec'd into the created
    // container walk /proc/1/fd/N/.. out to the host's root.
    layers.reset();
    if (!plan.bundle->config.process)
        hold_namespaces(plan, channel);

    const spec::Process &process = *plan.bundle->config.process;
    if (process.terminal)
        if (auto status = hand_over_terminal(process, channel); !status)
            fail(channel, status.error(), 1);
    if (auto status = apply_rlimits(process); !status)
        fail(channel, status.error(), 1);
    if (auto status = apply_scheduling(process); !status)
        fail(channel, status.error(), 1);
    if (auto status = set_exec_labels(process, host_security); !status)
        fail(channel, status.error(), 1);
    auto seccomp_now = load_seccomp_at(SeccompLoadPoint::before_identity, plan.seccomp, process);
    if (!seccomp_now)
        fail(channel, seccomp_now.error(), 1);
    if (auto status = enter_identity(process); !status)
        fail(channel, status.error(), 1);
    die_with_runtime(plan.runtime_pidfd);

    // The command is found before the user's program could run, so "not found" comes early.
    int failure_status = 1;
    auto command = prepare_command(process, failure_status);
    if (!command)
        fail(channel, command.error(), failure_status);
    if (auto status = finish_process_settings(plan.bundle->config); !status)
        fail(channel, status.error(), 1);
    if (auto status = check_seccomp_lets_program_run(plan.seccomp); !status)
        fail(channel, status.error(), 1);

    report_ready(plan, channel);
    wait_for_start(plan.exec_fifo_fd, plan.namespace_listener_fd);
    start_reports_failure = plan.exec_result_fd >= 0;
    // In the container, as the container's user: the path resolves inside its root.
    auto start_hooks = run_own_hooks("startContainer", plan.bundle->config.hooks.start_container,
                                     hook_context, "created");
    if (!start_hooks)
        fail(channel, start_hooks.error(), 1);

    // Only stdio and the fds asked for survive into the container: the sync channel closes on
    // exec too, which tells the parent the exec went through.
    Error error = exec_command(*command, process, plan.passed_fds, plan.seccomp);
    fail(channel, error, error.exit_status());
}

} // namespace crunlite::runtime
