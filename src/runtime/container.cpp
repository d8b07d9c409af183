#include "runtime/container.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "runtime/hooks.hpp"
#include "runtime/namespace_socket.hpp"
#include "runtime/mount_options.hpp"
#include "runtime/net_devices.hpp"
#include "runtime/orphan_layers.hpp"
#include "runtime/scheduling.hpp"
#include "runtime/terminal.hpp"
#include "runtime/user_namespace.hpp"
#include "sys/paths.hpp"
#include "sys/process.hpp"
#include "util/log.hpp"
#include "util/path.hpp"
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
        // The new cgroup namespace is rooted where the process is when it unshares: after
        // prepare_child has placed it in the container's cgroup, not at clone.
        if (ns.path.empty() && ns.type == spec::NamespaceType::cgroup) {
            plan.new_cgroup_namespace = true;
            continue;
        }
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

// Who owns the layers: the image root's owner without a user namespace; with one, the host
// ids of the container's root, who mounts the overlay and writes through it.
struct LayerOwner {
    uid_t uid;
    gid_t gid;
};

LayerOwner layer_owner(const spec::Config &config, const struct stat &image_root)
{
    if (!config.creates_namespace(spec::NamespaceType::user))
        return {image_root.st_uid, image_root.st_gid};
    // Validation made sure that container id 0 is mapped.
    return {host_id_of(config.linux.uid_mappings, 0).value_or(0),
            host_id_of(config.linux.gid_mappings, 0).value_or(0)};
}

// <data_root>/<id>/{upper,work,rootfs}. The upper dir takes the image root's mode, because
// overlayfs shows the upper dir's attributes for the container's `/`. `made_dir` names the
// directory once this call made it, and so owns it.
Status prepare_layers(const std::string &data_root, const std::string &state_root,
                      const spec::Bundle &bundle, LaunchPlan &plan, std::string &made_dir)
{
    const spec::Config &config = bundle.config;
    const std::string &image = bundle.rootfs;
    // A layered image's `/` is its top layer's.
    const std::string &top = bundle.image_layers.empty() ? image : bundle.image_layers.back();
    struct stat image_root {};
    if (::stat(top.c_str(), &image_root) != 0)
        return Error::from_errno("stat image `" + top + "`");

    TRY(sys::make_directories(data_root, 0700));
    std::string dir = data_root + "/" + plan.id;
    if (::mkdir(dir.c_str(), 0700) != 0)
        return Error::from_errno("create container directory `" + dir + "`");
    made_dir = dir;
    TRY(record_layers_owner(dir, state_root));

    plan.overlay = true;
    plan.layers = {dir, image, {bundle.image_layers.rbegin(), bundle.image_layers.rend()},
                   dir + "/upper", dir + "/work"};
    plan.root_dir = dir + "/rootfs";
    for (const auto &sub : {plan.layers.upper, plan.layers.work, plan.root_dir})
        if (::mkdir(sub.c_str(), 0700) != 0)
            return Error::from_errno("create `" + sub + "`");
    if (::chmod(plan.layers.upper.c_str(), image_root.st_mode & 07777) != 0)
        return Error::from_errno("give `" + plan.layers.upper + "` the image root's mode");
    LayerOwner owner = layer_owner(config, image_root);
    for (const auto &owned : {dir, plan.layers.upper, plan.layers.work})
        if (::chown(owned.c_str(), owner.uid, owner.gid) != 0)
            return Error::from_errno("give `" + owned + "` to uid " + std::to_string(owner.uid));
    return Ok{};
}

// A root-owned image seen from a user namespace that maps host root to nothing would show
// every file as nobody's, and copy-up into the upper dir would fail: the lower layer is then
// the image idmapped by the container's own mapping. An image already owned by mapped ids (a
// rootless user's copy, an image chowned for the mapping) is used as it is.
bool wants_idmapped_image(const spec::Config &config, const std::string &image)
{
    if (!config.creates_namespace(spec::NamespaceType::user) || ::geteuid() != 0)
        return false;
    struct stat image_root {};
    if (::stat(image.c_str(), &image_root) != 0)
        return false;
    return !maps_host_id(config.linux.uid_mappings, image_root.st_uid);
}

// Idmapped trees are made here, by the runtime in the host's user namespace: only there may
// mount_setattr set an idmap on the host's filesystems. The child attaches them.
Status prepare_idmapped_trees(const spec::Bundle &bundle, LaunchPlan &plan)
{
    const spec::Config &config = bundle.config;
    UniqueFd container_mapping;
    auto container_namespace = [&]() -> Result<int> {
        if (!container_mapping)
            container_mapping = TRY(make_mapping_namespace(config.linux.uid_mappings,
                                                           config.linux.gid_mappings));
        return container_mapping.get();
    };

    if (plan.overlay && wants_idmapped_image(config, bundle.rootfs)) {
        // TODO: idmap each layer of a layered image too; until then such a config fails here.
        if (!bundle.image_layers.empty())
            return Error::message("root.path: a layered image in a user namespace that does not "
                                  "map its owner is not supported yet");
        int userns = TRY(container_namespace());
        plan.idmapped_image =
            TRY_CONTEXT(make_idmapped_tree(bundle.rootfs, userns, true, true), "root.path");
    }
    plan.idmapped_mounts.resize(config.mounts.size());
    for (size_t i = 0; i < config.mounts.size(); ++i) {
        const spec::Mount &mount = config.mounts[i];
        MountOptions options = parse_mount_options(mount.options);
        bool has_mappings = !mount.uid_mappings.empty();
        if (!options.idmap && !has_mappings)
            continue;
        // Its own mappings, or with a bare `idmap` the container's.
        UniqueFd own_mapping;
        int userns = -1;
        if (has_mappings) {
            own_mapping = TRY(make_mapping_namespace(mount.uid_mappings, mount.gid_mappings));
            userns = own_mapping.get();
        } else {
            userns = TRY(container_namespace());
        }
        bool copy_submounts = options.recursive || mount.type == "rbind";
        std::string source = join_path(bundle.dir, mount.source);
        plan.idmapped_mounts[i] = TRY_CONTEXT(
            make_idmapped_tree(source, userns, copy_submounts, options.recursive_idmap),
            "mounts[" + std::to_string(i) + "]");
    }
    return Ok{};
}

// The fifo the first process waits on between create and start. Opened read-write here (a
// FIFO opened so never blocks) and inherited by the child; the parent then drops its copy, so
// the child alone holds it open, and start's open for writing succeeds only while it lives.
Result<UniqueFd> make_fifo(const std::string &state_dir, const char *name)
{
    std::string path = state_dir + "/" + name;
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
    state.has_poststart_hooks = !bundle.config.hooks.poststart.empty();
    state.has_poststop_hooks = !bundle.config.hooks.poststop.empty();
    state.own_pid_namespace = false;
    for (const auto &ns : bundle.config.linux.namespaces)
        if (ns.type == spec::NamespaceType::pid && ns.path.empty())
            state.own_pid_namespace = true;
    return state;
}

bool first_process_reachable_before_exec(const spec::Config &config)
{
    const spec::Hooks &hooks = config.hooks;
    bool hooks_before_exec = !hooks.prestart.empty() || !hooks.create_runtime.empty() ||
                             !hooks.create_container.empty() || !hooks.start_container.empty();
    return hooks_before_exec || !config.creates_namespace(spec::NamespaceType::pid);
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
    hooks_ = bundle.config.hooks;
    // The config as created: later edits to the bundle's config.json change nothing, and
    // `exec` starts from this copy's process.
    TRY(sys::write_file_atomic(store_.container_dir(options_.id) + "/config.json",
                               bundle.config_text, 0600));

    LaunchPlan plan;
    plan.id = options_.id;
    plan.bundle = &bundle;
    plan.root_dir = bundle.rootfs;
    plan.foreground = options_.foreground;
    plan.state = &state_;
    runtime_pidfd_ = sys::open_pidfd(::getpid());
    if (!runtime_pidfd_)
        return Error::from_errno("open a pidfd of the runtime");
    plan.runtime_pidfd = runtime_pidfd_.get();
    plan.no_pivot = options_.no_pivot;
    plan.passed_fds = sys::inherited_fds_in_range(options_.preserved_fds);
    TRY(plan_namespaces(bundle.config, plan));
    if (bundle.config.linux.seccomp)
        plan.seccomp = TRY(compile_seccomp(*bundle.config.linux.seccomp));

    // Recorded before the layers and the cgroups exist, in one save, so that if this command is
    // killed half way, delete still finds every one.
    if (bundle.config.wants_overlay())
        state_.layers_dir = options_.data_root + "/" + options_.id;
    auto cgroup_plan = TRY(plan_cgroups(bundle.config));
    TRY(store_.save(state_));
    if (bundle.config.wants_overlay())
        TRY(prepare_layers(options_.data_root, store_.root(), bundle, plan, layers_dir_));
    TRY(prepare_idmapped_trees(bundle, plan));
    TRY(make_cgroups(cgroup_plan));
    plan.cgroup_dirs = cgroups_.dirs;
    TRY(spawn(plan));
    TRY(await_ready());

    // Handed on only now, so that the socket's owner never gets the terminal of a container
    // that failed to be made.
    if (terminal_ && !options_.console_socket.empty()) {
        TRY(send_to_console_socket(options_.console_socket, terminal_.get()));
        terminal_.reset();
    }

    // The pid, the cgroups made and (unless run starts it at once) the status, in one save: until
    // the `start` message below the process dies with this command, and delete of a create killed
    // before this save finds it by its cgroups. Recorded now, as the process may outlive this
    // command once it says it no longer dies with it.
    if (!options_.starts_at_once)
        state_.status = "created";
    TRY(store_.save(state_));
    TRY(channel_.send({SyncKind::start, 0, {}}));
    auto acknowledged = TRY(channel_.receive());
    if (!acknowledged || acknowledged->kind != SyncKind::ready)
        return ended_before_ready();
    return Ok{};
}

// Ready: everything but the exec is done, and the process waits on the fifo. With hooks, the
// child's request to run the runtime's comes first; with a terminal, its master.
Status NewContainer::await_ready()
{
    auto message = TRY(channel_.receive());
    if (message && message->kind == SyncKind::hooks) {
        // The hooks may ask `state` for the pid.
        TRY(store_.save(state_));
        TRY(run_runtime_hooks());
        TRY(channel_.send({SyncKind::proceed, 0, std::to_string(pid_)}));
        message = TRY(channel_.receive());
    }
    if (message && message->kind == SyncKind::terminal) {
        if (!message->fd)
            return Error::message("receive the terminal: no fd came with it");
        terminal_ = std::move(message->fd);
        message = TRY(channel_.receive());
    }
    if (!message)
        return ended_before_ready();
    if (message->kind == SyncKind::error)
        return Error::message(message->text).with_exit_status(message->exit_status);
    return Ok{};
}

// The child closed its end without a word, so it is ending: how it ended (a signal from the
// OOM killer, a crash under a seccomp profile) is the only clue. Not reaped: the destructor does.
Error NewContainer::ended_before_ready()
{
    std::string text = "the container process exited before it was ready";
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) == 0) {
        if (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED)
            text = "the container process was killed by signal " + std::to_string(info.si_status) +
                   " (" + ::strsignal(info.si_status) + ") before it was ready";
        else if (info.si_code == CLD_EXITED)
            text += ", with status " + std::to_string(info.si_status);
    }
    return Error::message(text);
}

Status NewContainer::spawn(LaunchPlan &plan)
{
    UniqueFd fifo = TRY(make_fifo(store_.container_dir(options_.id), state::exec_fifo_name));
    plan.exec_fifo_fd = fifo.get();
    UniqueFd result = TRY(make_fifo(store_.container_dir(options_.id), state::exec_result_name));
    plan.exec_result_fd = result.get();
    UniqueFd namespace_listener;
    if (::geteuid() != 0) {
        namespace_listener = TRY(listen_for_namespace_requests(lock_.dir_fd()));
        plan.namespace_listener_fd = namespace_listener.get();
    }
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

// prestart and createRuntime: in the runtime's namespaces, while the child waits with its mounts
// made and before its pivot_root. A failure leaves the child to the destructor.
Status NewContainer::run_runtime_hooks()
{
    std::string state_json = state::oci_state_json(state_, "creating");
    TRY(run_hooks("prestart", hooks_.prestart, state_json));
    TRY(run_hooks("createRuntime", hooks_.create_runtime, state_json));
    return Ok{};
}

void NewContainer::run_poststart_hooks()
{
    if (!hooks_.poststart.empty())
        run_hooks_warning_on_failure("poststart", hooks_.poststart,
                                     state::oci_state_json(state_, "running"));
}

// The container's cgroup directories and what goes into them, decided before anything is made.
// Those to be made are recorded in the state (saved by the caller) before the first mkdir, so
// that a delete after a create killed among them misses none; a directory recorded but never
// made is simply not there to remove.
Result<NewContainer::CgroupPlan> NewContainer::plan_cgroups(const spec::Config &config)
{
    CgroupPlan planned{TRY(cgroup::Host::discover()), {}, {}};
    auto path = TRY(cgroup::resolve_cgroups_path(config.linux.cgroups_path, options_.id,
                                                 options_.systemd_cgroup));
    auto locate = cgroup::locator_for(planned.host);
    planned.writes = TRY(cgroup::plan_writes(config.linux.resources.value_or(spec::Resources{}),
                                             locate, config.wants_device_program_too()));
    planned.v2_controllers = cgroup::v2_controllers_needed(planned.writes, locate);
    auto directories = cgroup::plan_directories(planned.host, path);
    if (auto occupied = cgroup::occupied_directory(directories); !occupied.empty())
        return Error::message("linux.cgroupsPath: cgroup `" + occupied +
                              "` already holds processes; a container needs one of its own");
    cgroups_ = std::move(directories);
    state_.cgroups = cgroups_.dirs;
    state_.cgroups_made = cgroup::directories_to_make(planned.host, cgroups_);
    return planned;
}

// The cgroups exist, with their limits, before the process does. What was made goes into the
// state with its next save, for an unwinding create (which reads cgroups_) and for delete.
Status NewContainer::make_cgroups(const CgroupPlan &planned)
{
    auto made = cgroup::make_directories(planned.host, cgroups_, planned.v2_controllers);
    state_.cgroups = cgroups_.dirs;
    state_.cgroups_made = cgroups_.made;
    TRY(std::move(made));
    return cgroup::apply(cgroups_, planned.writes);
}

// What the runtime does to the new process from outside, while it waits for `proceed`.
Status NewContainer::prepare_child(const LaunchPlan &plan)
{
    if (plan.clone_flags & CLONE_NEWUSER)
        TRY(write_id_maps(pid_, plan.bundle->config.linux));
    // The initial CPUs hold from before the process joins its cgroup.
    if (const auto &process = plan.bundle->config.process)
        TRY(apply_initial_cpu_affinity(*process, pid_));
    TRY(move_net_devices(plan.bundle->config.linux, pid_));
    return cgroup::place(cgroups_, pid_);
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
    if (auto removed = cgroup::remove(cgroups_); !removed)
        log::warning(removed.error().render());
    if (!layers_dir_.empty() && !sys::remove_tree(layers_dir_))
        log::warning("remove `" + layers_dir_ + "`: not everything could be removed");
    if (claimed_)
        store_.release(options_.id);
    // As runc: once the container existed, its end runs poststop, also when create failed (a
    // prestart hook may have set up what poststop tears down).
    if (pid_ > 0 && !hooks_.poststop.empty())
        run_hooks_warning_on_failure("poststop", hooks_.poststop,
                                     state::oci_state_json(state_, "stopped"));
}

} // namespace crunlite::runtime
