#include "runtime/run.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "runtime/launch.hpp"
#include "runtime/sync.hpp"
#include "state/state.hpp"
#include "sys/paths.hpp"
#include "sys/process.hpp"
#include "util/log.hpp"
#include "util/scope_exit.hpp"
#include "util/time.hpp"

namespace crunlite::runtime {
namespace {

int clone_flag_of(spec::NamespaceType type)
{
    switch (type) {
    case spec::NamespaceType::pid:
        return CLONE_NEWPID;
    case spec::NamespaceType::network:
        return CLONE_NEWNET;
    case spec::NamespaceType::mount:
        return CLONE_NEWNS;
    case spec::NamespaceType::ipc:
        return CLONE_NEWIPC;
    case spec::NamespaceType::uts:
        return CLONE_NEWUTS;
    case spec::NamespaceType::user:
        return CLONE_NEWUSER;
    case spec::NamespaceType::cgroup:
        return CLONE_NEWCGROUP;
    case spec::NamespaceType::time:
        return CLONE_NEWTIME;
    }
    return 0;
}

// New namespaces become clone flags; named ones are opened now, while the host's paths are
// still in sight. Validation already checked that each path is a namespace of its type.
Status plan_namespaces(const spec::Config &config, LaunchPlan &plan)
{
    for (size_t i = 0; i < config.linux.namespaces.size(); ++i) {
        const auto &ns = config.linux.namespaces[i];
        int flag = clone_flag_of(ns.type);
        if (ns.path.empty()) {
            plan.clone_flags |= static_cast<uint64_t>(flag);
            continue;
        }
        UniqueFd fd(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd)
            return Error::from_errno("linux.namespaces[" + std::to_string(i) + "].path: open `" +
                                     ns.path + "`");
        plan.joins.push_back({ns.type, flag, std::move(fd)});
    }
    return Ok{};
}

// The pid namespace applies to children only, so the runtime enters it before it clones.
Status enter_pid_namespace_for_child(LaunchPlan &plan)
{
    for (auto join = plan.joins.begin(); join != plan.joins.end(); ++join) {
        if (join->type != spec::NamespaceType::pid)
            continue;
        if (::setns(join->fd.get(), CLONE_NEWPID) != 0)
            return Error::from_errno("join the pid namespace");
        plan.joins.erase(join);
        break;
    }
    return Ok{};
}

// <data_root>/<id>/{upper,work,rootfs}. The upper dir takes the image root's mode and owner,
// because overlayfs shows the upper dir's attributes for the container's `/`.
Status prepare_layers(const std::string &data_root, const std::string &image, LaunchPlan &plan)
{
    struct stat image_root {};
    if (::stat(image.c_str(), &image_root) != 0)
        return Error::from_errno("stat image `" + image + "`");

    TRY(sys::make_directories(data_root, 0700));
    std::string dir = data_root + "/" + plan.id;
    if (::mkdir(dir.c_str(), 0700) != 0)
        return Error::from_errno("create container directory `" + dir + "`");

    plan.overlay = true;
    plan.layers = {image, dir + "/upper", dir + "/work"};
    plan.root_dir = dir + "/rootfs";
    for (const auto &sub : {plan.layers.upper, plan.layers.work, plan.root_dir})
        if (::mkdir(sub.c_str(), 0700) != 0)
            return Error::from_errno("create `" + sub + "`");
    if (::chmod(plan.layers.upper.c_str(), image_root.st_mode & 07777) != 0 ||
        ::chown(plan.layers.upper.c_str(), image_root.st_uid, image_root.st_gid) != 0)
        return Error::from_errno("give `" + plan.layers.upper + "` the image root's mode");
    return Ok{};
}

// Blocks every signal the runtime could be sent and reads them from a signalfd instead, so none
// is lost between clone and the wait loop; restores the mask when it goes.
class SignalRelay {
public:
    Status install()
    {
        sigset_t all;
        sigfillset(&all);
        // Faults must stay deliverable, or a crash would turn into a hang.
        for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS})
            sigdelset(&all, fault);
        if (::sigprocmask(SIG_BLOCK, &all, &saved_) != 0)
            return Error::from_errno("block signals");
        installed_ = true;
        fd_.reset(::signalfd(-1, &all, SFD_CLOEXEC));
        if (!fd_)
            return Error::from_errno("create signalfd");
        return Ok{};
    }

    ~SignalRelay()
    {
        if (installed_)
            ::sigprocmask(SIG_SETMASK, &saved_, nullptr);
    }

    int fd() const { return fd_.get(); }

private:
    sigset_t saved_{};
    bool installed_ = false;
    UniqueFd fd_;
};

int send_signal(int pidfd, int signal_number)
{
    return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, signal_number, nullptr, 0));
}

// Reaps children without blocking; returns true once `pid` is reaped, with its status.
bool reap_children(pid_t pid, bool reap_all, int &wait_status)
{
    bool main_done = false;
    for (;;) {
        int status = 0;
        pid_t reaped = ::waitpid(reap_all ? -1 : pid, &status, WNOHANG);
        if (reaped <= 0)
            return main_done;
        if (reaped == pid) {
            wait_status = status;
            main_done = true;
        }
    }
}

// Waits for the container process, passing on every signal the runtime gets.
Result<int> relay_until_exit(const SignalRelay &relay, pid_t pid, int pidfd, bool subreaper)
{
    int wait_status = 0;
    for (;;) {
        if (reap_children(pid, subreaper, wait_status))
            return wait_status;
        signalfd_siginfo info{};
        ssize_t n = ::read(relay.fd(), &info, sizeof info);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != static_cast<ssize_t>(sizeof info))
            return Error::from_errno("read signalfd");
        int signal_number = static_cast<int>(info.ssi_signo);
        if (signal_number == SIGCHLD)
            continue;
        log::debug("forward signal " + std::to_string(signal_number) + " to the container");
        if (send_signal(pidfd, signal_number) != 0 && errno != ESRCH)
            log::warning("forward signal " + std::to_string(signal_number) + ": " +
                         strerror(errno));
    }
}

std::vector<pid_t> children_of(pid_t parent)
{
    std::vector<pid_t> children;
    DIR *proc = ::opendir("/proc");
    if (!proc)
        return children;
    while (dirent *entry = ::readdir(proc)) {
        pid_t pid = static_cast<pid_t>(atoi(entry->d_name));
        if (pid <= 0)
            continue;
        auto stat = sys::read_process_stat(pid);
        if (stat && stat->parent == parent)
            children.push_back(pid);
    }
    ::closedir(proc);
    return children;
}

// Without a pid namespace, the container's other processes outlive its first one. The runtime
// is their subreaper, so each orphan becomes its child: kill and reap until none is left.
// TODO: kill through the container's cgroup once crun-lite makes one (cgroup support); this
// misses a process that escaped with setsid and a double fork before its parent was killed.
void kill_leftover_processes()
{
    for (int round = 0; round < 100; ++round) {
        auto children = children_of(::getpid());
        if (children.empty())
            return;
        for (pid_t child : children)
            ::kill(child, SIGKILL);
        while (::waitpid(-1, nullptr, 0) > 0) {
        }
    }
}

Status write_pid_file(const std::string &path, pid_t pid)
{
    if (path.empty())
        return Ok{};
    return sys::write_file_atomic(path, std::to_string(pid), 0644);
}

state::ContainerState initial_state(const spec::Bundle &bundle, const std::string &id, pid_t pid)
{
    state::ContainerState state;
    state.oci_version = bundle.config.oci_version;
    state.id = id;
    state.status = "created";
    state.pid = pid;
    state.pid_start_time = sys::process_start_time(pid).value_or(0);
    state.bundle = bundle.dir;
    state.rootfs = bundle.rootfs;
    state.created = rfc3339_now();
    state.owner = ::geteuid();
    state.annotations = bundle.config.annotations;
    return state;
}

// Lets the cloned process go from "ready" to exec, and reports what it said on the way.
Status start_process(SyncChannel &channel)
{
    auto ready = TRY(channel.receive());
    if (!ready)
        return Error::message("the container process exited before it was ready");
    if (ready->kind == SyncKind::error)
        return Error::message(ready->text).with_exit_status(ready->exit_status);

    TRY(channel.send({SyncKind::start, 0, {}}));

    // The channel closes on exec; a message instead means exec failed.
    auto after_start = TRY(channel.receive());
    if (after_start && after_start->kind == SyncKind::error)
        return Error::message(after_start->text).with_exit_status(after_start->exit_status);
    return Ok{};
}

} // namespace

Result<int> run_container(const spec::Bundle &bundle, const RunOptions &options)
{
    state::StateStore store(options.state_root);
    TRY(store.claim(options.id));
    ScopeExit release_state([&] { store.release(options.id); });

    LaunchPlan plan;
    plan.id = options.id;
    plan.bundle = &bundle;
    plan.root_dir = bundle.rootfs;
    plan.die_with_runtime = true;
    TRY(plan_namespaces(bundle.config, plan));

    std::string layers_dir = options.data_root + "/" + options.id;
    ScopeExit remove_layers([&] {
        if (plan.overlay && !sys::remove_tree(layers_dir))
            log::warning("remove `" + layers_dir + "`: not everything could be removed");
    });
    if (bundle.config.wants_overlay())
        TRY(prepare_layers(options.data_root, bundle.rootfs, plan));

    SignalRelay relay;
    TRY(relay.install());
    TRY(enter_pid_namespace_for_child(plan));
    bool subreaper = !(plan.clone_flags & CLONE_NEWPID);
    if (subreaper && ::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        return Error::from_errno("become the subreaper of the container's processes");

    auto [parent_end, child_end] = TRY(make_sync_channels());
    UniqueFd pidfd;
    if (log::enabled(log::Level::debug)) {
        char flags[32];
        snprintf(flags, sizeof flags, "%#llx", static_cast<unsigned long long>(plan.clone_flags));
        log::debug(std::string("clone with flags ") + flags);
    }
    pid_t pid = TRY(sys::clone_with_flags(plan.clone_flags, &pidfd));
    if (pid == 0) {
        parent_end.close();
        container_init(plan, child_end);
    }
    child_end.close();
    ScopeExit stop_process([&] {
        send_signal(pidfd.get(), SIGKILL);
        ::waitpid(pid, nullptr, 0);
        if (subreaper)
            kill_leftover_processes();
    });

    auto state = initial_state(bundle, options.id, pid);
    TRY(store.save(state));
    TRY(start_process(parent_end));
    TRY(write_pid_file(options.pid_file, pid));
    state.status = "running";
    TRY(store.save(state));

    int wait_status = TRY(relay_until_exit(relay, pid, pidfd.get(), subreaper));
    stop_process.dismiss();
    if (subreaper)
        kill_leftover_processes();
    log::debug("container process exited with wait status " + std::to_string(wait_status));
    return sys::shell_exit_status(wait_status);
}

} // namespace crunlite::runtime
