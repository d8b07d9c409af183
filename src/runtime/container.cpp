#include "runtime/container.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/net_devices.hpp"
#include "runtime/scheduling.hpp"
#include "runtime/terminal.hpp"
#include "sys/paths.hpp"
#include "sys/process.hpp"
#include "util/log.hpp"
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
        // A new time namespace is the child's to make (time_namespace.hpp says why).
        if (ns.type == spec::NamespaceType::time && ns.path.empty())
            continue;
        if (ns.path.empty()) {
            plan.clone_flags |= static_cast<uint64_t>(flag);
            continue;
        }
        UniqueFd fd(::open(ns.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
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
// because overlayfs shows the upper dir's attributes for the container's `/`. `made_dir` names
// the directory once this call made it, and so owns it.
Status prepare_layers(const std::string &data_root, const std::string &image, LaunchPlan &plan,
                      std::string &made_dir)
{
    struct stat image_root {};
    if (::stat(image.c_str(), &image_root) != 0)
        return Error::from_errno("stat image `" + image + "`");

    TRY(sys::make_directories(data_root, 0700));
    std::string dir = data_root + "/" + plan.id;
    if (::mkdir(dir.c_str(), 0700) != 0)
        return Error::from_errno("create container directory `" + dir + "`");
    made_dir = dir;

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

// The fifo the first process waits on between create and start. Opened read-write here (a
// FIFO opened so never blocks) and inherited by the child; the parent then drops its copy, so
// the child alone holds it open, and start's open for writing succeeds only while it lives.
Result<UniqueFd> make_exec_fifo(const std::string &state_dir)
{
    std::string path = state_dir + "/" + state::exec_fifo_name;
    if (::mkfifo(path.c_str(), 0600) != 0)
        return Error::from_errno("create `" + path + "`");
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd)
        return Error::from_errno("open `" + path + "`");
    return fd;
}

void log_clone_flags(uint64_t flags)
{
    if (!log::enabled(log::Level::debug))
        return;
    char text[32];
    snprintf(text, sizeof text, "%#llx", static_cast<unsigned long long>(flags));
    log::debug(std::string("clone with flags ") + text);
}

} // namespace

state::ContainerState initial_state(const spec::Bundle &bundle, const std::string &id)
{
    state::ContainerState state;
    state.oci_version = bundle.config.oci_version;
    state.id = id;
    state.status = "creating";
    state.bundle = bundle.dir;
    state.rootfs = bundle.rootfs;
    state.created = rfc3339_now();
    state.owner = ::geteuid();
    state.annotations = bundle.config.annotations;
    state.has_process = bundle.config.process.has_value();
    state.own_pid_namespace = false;
    for (const auto &ns : bundle.config.linux.namespaces)
        if (ns.type == spec::NamespaceType::pid && ns.path.empty())
            state.own_pid_namespace = true;
    return state;
}

Result<std::unique_ptr<NewContainer>> NewContainer::create(const spec::Bundle &bundle,
                                                           const CreateOptions &options)
{
    std::unique_ptr<NewContainer> container(new NewContainer(options));
    TRY(container->make(bundle));
    return container;
}

Status NewContainer::make(const spec::Bundle &bundle)
{
    lock_ = TRY(store_.claim(options_.id));
    claimed_ = true;
    state_ = initial_state(bundle, options_.id);
    // The config as created: later edits to the bundle's config.json change nothing, and
    // `exec` starts from this copy's process.
    TRY(sys::write_file_atomic(store_.container_dir(options_.id) + "/config.json",
                               bundle.config_text, 0600));

    LaunchPlan plan;
    plan.id = options_.id;
    plan.bundle = &bundle;
    plan.root_dir = bundle.rootfs;
    plan.foreground = options_.foreground;
    runtime_pidfd_ = sys::open_pidfd(::getpid());
    if (!runtime_pidfd_)
        return Error::from_errno("open a pidfd of the runtime");
    plan.runtime_pidfd = runtime_pidfd_.get();
    plan.no_pivot = options_.no_pivot;
    plan.passed_fds = sys::inherited_fds_in_range(options_.preserved_fds);
    TRY(plan_namespaces(bundle.config, plan));
    if (bundle.config.linux.seccomp)
        plan.seccomp = TRY(compile_seccomp(*bundle.config.linux.seccomp));

    // Recorded before the layers exist, so that if this command is killed half way, delete
    // still finds them.
    if (bundle.config.wants_overlay())
        state_.layers_dir = options_.data_root + "/" + options_.id;
    TRY(store_.save(state_));
    if (bundle.config.wants_overlay())
        TRY(prepare_layers(options_.data_root, bundle.rootfs, plan, layers_dir_));
    TRY(spawn(plan));
    TRY(store_.save(state_));
    TRY(await_ready());

    // Handed on only now, so that the socket's owner never gets the terminal of a container
    // that failed to be made.
    if (terminal_ && !options_.console_socket.empty()) {
        TRY(send_to_console_socket(options_.console_socket, terminal_.get()));
        terminal_.reset();
    }

    state_.status = "created";
    TRY(store_.save(state_));
    // Recorded: the process may now outlive this command, once it says it no longer dies with it.
    TRY(channel_.send({SyncKind::start, 0, {}}));
    auto acknowledged = TRY(channel_.receive());
    if (!acknowledged || acknowledged->kind != SyncKind::ready)
        return Error::message("the container process exited before it was ready");
    return Ok{};
}

// Ready: everything but the exec is done, and the process waits on the fifo. With a terminal,
// its master comes first.
Status NewContainer::await_ready()
{
    auto message = TRY(channel_.receive());
    if (message && message->kind == SyncKind::terminal) {
        if (!message->fd)
            return Error::message("receive the terminal: no fd came with it");
        terminal_ = std::move(message->fd);
        message = TRY(channel_.receive());
    }
    if (!message)
        return Error::message("the container process exited before it was ready");
    if (message->kind == SyncKind::error)
        return Error::message(message->text).with_exit_status(message->exit_status);
    return Ok{};
}

Status NewContainer::spawn(LaunchPlan &plan)
{
    UniqueFd fifo = TRY(make_exec_fifo(store_.container_dir(options_.id)));
    plan.exec_fifo_fd = fifo.get();
    TRY(enter_pid_namespace_for_child(plan));
    auto [parent_end, child_end] = TRY(make_sync_channels());

    plan.parent_only_fds.push_back(lock_.dir_fd());
    log_clone_flags(plan.clone_flags);
    pid_ = TRY(sys::clone_with_flags(plan.clone_flags, &pidfd_));
    if (pid_ == 0) {
        parent_end.close();
        container_init(plan, child_end);
    }
    channel_ = std::move(parent_end);
    state_.pid = pid_;
    state_.pid_start_time = sys::process_start_time(pid_).value_or(0);
    TRY(prepare_child(plan));
    TRY(channel_.send({SyncKind::proceed, 0, {}}));
    return Ok{};
}

// What the runtime does to the new process from outside, while it waits for `proceed`.
Status NewContainer::prepare_child(const LaunchPlan &plan)
{
    // First: the initial CPUs hold from before the process joins its cgroup.
    if (const auto &process = plan.bundle->config.process)
        TRY(apply_initial_cpu_affinity(*process, pid_));
    TRY(move_net_devices(plan.bundle->config.linux, pid_));
    return Ok{};
}

Status write_pid_file(const std::string &path, pid_t pid)
{
    if (path.empty())
        return Ok{};
    return sys::write_file_atomic(path, std::to_string(pid), 0644);
}

NewContainer::~NewContainer()
{
    if (kept_)
        return;
    if (pid_ > 0) {
        sys::signal_pidfd(pidfd_.get(), SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    if (!layers_dir_.empty() && !sys::remove_tree(layers_dir_))
        log::warning("remove `" + layers_dir_ + "`: not everything could be removed");
    if (claimed_)
        store_.release(options_.id);
}

} // namespace crunlite::runtime
