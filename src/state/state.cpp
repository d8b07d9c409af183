#include "state/state.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cgroup/manager.hpp"
#include "sys/paths.hpp"
#include "sys/process.hpp"

namespace crunlite::state {
namespace {

// state.json is small; a larger file is not ours.
constexpr size_t max_state_size = 1024 * 1024;

// Locks the state root itself, for the moment a container's directory is made or opened.
UniqueFd lock_root(const std::string &root, int operation)
{
    UniqueFd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd && ::flock(fd.get(), operation) != 0) {
        int saved = errno;
        fd.reset();
        errno = saved;
    }
    return fd;
}

// The first process holds the exec fifo open until start's byte arrives, so opening it for
// writing (nothing is written) succeeds only while the process waits. The fifo's name alone
// proves nothing: a start killed between its write and the unlink leaves it behind.
bool waits_for_start(const StateStore &store, const std::string &id)
{
    std::string fifo = store.container_dir(id) + "/" + exec_fifo_name;
    return UniqueFd(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)).valid();
}

std::string status_of_process(const StateStore &store, const ContainerState &state)
{
    if (!process_alive(state.pid, state.pid_start_time))
        return "stopped";
    if (waits_for_start(store, state.id))
        return "created";
    return cgroup::is_frozen({state.cgroups, state.cgroups_made}) ? "paused" : "running";
}

nlohmann::json oci_fields(const ContainerState &state, const std::string &status)
{
    return {
        {"ociVersion", state.oci_version},
        {"id", state.id},
        {"status", status},
        {"pid", status == "stopped" ? 0 : state.pid},
        {"bundle", state.bundle},
        {"rootfs", state.rootfs},
        {"created", state.created},
        {"owner", std::to_string(state.owner)},
        {"annotations", state.annotations},
    };
}

} // namespace

Result<ContainerLock> StateStore::claim(const std::string &id)
{
    TRY(sys::make_directories(root_, 0700));
    UniqueFd root = lock_root(root_, LOCK_EX);
    if (!root)
        return Error::from_errno("lock state root `" + root_ + "`");

    std::string dir = container_dir(id);
    if (::mkdir(dir.c_str(), 0700) != 0) {
        if (errno == EEXIST)
            return Error::message("container `" + id + "` already exists");
        return Error::from_errno("create state directory `" + dir + "`");
    }
    // Never waits: any other command reaches the directory only through the root's lock.
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd || ::flock(fd.get(), LOCK_EX) != 0) {
        Error error = Error::from_errno("lock state directory `" + dir + "`");
        ::rmdir(dir.c_str());
        return error;
    }
    return ContainerLock(std::move(fd));
}

UniqueFd StateStore::open_container_dir(const std::string &id) const
{
    UniqueFd root = lock_root(root_, LOCK_SH);
    if (!root)
        return root;
    std::string dir = container_dir(id);
    return UniqueFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

Result<std::optional<ContainerLock>> StateStore::lock_if_exists(const std::string &id)
{
    std::string dir = container_dir(id);
    UniqueFd fd = open_container_dir(id);
    if (!fd && errno == ENOENT)
        return std::optional<ContainerLock>();
    if (!fd)
        return Error::from_errno("open state directory `" + dir + "`");
    if (::flock(fd.get(), LOCK_EX) != 0)
        return Error::from_errno("lock state directory `" + dir + "`");
    // A concurrent delete may have removed the directory while this command waited.
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0 || info.st_nlink == 0)
        return std::optional<ContainerLock>();
    return std::optional<ContainerLock>(ContainerLock(std::move(fd)));
}

Result<ContainerLock> StateStore::lock(const std::string &id)
{
    auto lock = TRY(lock_if_exists(id));
    if (!lock)
        return Error::message("container `" + id + "` does not exist");
    return std::move(*lock);
}

bool StateStore::is_locked(const std::string &id) const
{
    UniqueFd fd = open_container_dir(id);
    return fd && ::flock(fd.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

Result<ContainerState> StateStore::load(const std::string &id) const
{
    std::string path = container_dir(id) + "/state.json";
    auto text = sys::read_file(path, max_state_size);
    if (!text && text.error().errnum() == ENOENT) {
        if (::access(container_dir(id).c_str(), F_OK) != 0)
            return Error::message("container `" + id + "` does not exist");
        // Claimed, but create has not written its state yet (or died before it could).
        ContainerState creating;
        creating.id = id;
        creating.status = "creating";
        return creating;
    }
    if (!text)
        return std::move(text).error();

    try {
        auto document = nlohmann::json::parse(*text);
        ContainerState state;
        state.oci_version = document.at("ociVersion");
        state.id = document.at("id");
        state.status = document.at("status");
        state.pid = document.at("pid");
        state.pid_start_time = document.at("pidStartTime");
        state.bundle = document.at("bundle");
        state.rootfs = document.at("rootfs");
        state.created = document.at("created");
        state.owner = static_cast<uid_t>(std::stoul(document.at("owner").get<std::string>()));
        state.annotations = document.at("annotations");
        state.layers_dir = document.at("layersDir");
        state.has_process = document.at("hasProcess");
        state.own_pid_namespace = document.at("ownPidNamespace");
        state.has_poststart_hooks = document.value("hasPoststartHooks", true);
        state.has_poststop_hooks = document.value("hasPoststopHooks", true);
        state.cgroups = document.value("cgroups", std::map<std::string, std::string>{});
        state.cgroups_made = document.value("cgroupsMade", std::vector<std::string>{});
        return state;
    } catch (const std::exception &problem) {
        return Error::message("read `" + path + "`: " + problem.what());
    }
}

Status StateStore::save(const ContainerState &state)
{
    nlohmann::json document = oci_fields(state, state.status);
    document["pid"] = state.pid;
    document["pidStartTime"] = state.pid_start_time;
    document["layersDir"] = state.layers_dir;
    document["hasProcess"] = state.has_process;
    document["ownPidNamespace"] = state.own_pid_namespace;
    document["hasPoststartHooks"] = state.has_poststart_hooks;
    document["hasPoststopHooks"] = state.has_poststop_hooks;
    document["cgroups"] = state.cgroups;
    document["cgroupsMade"] = state.cgroups_made;
    std::string path = container_dir(state.id) + "/state.json";
    return sys::write_file_atomic(path, document.dump(2) + "\n", 0600);
}

void StateStore::release(const std::string &id) { sys::remove_tree(container_dir(id)); }

std::vector<std::string> StateStore::ids() const
{
    std::vector<std::string> ids;
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator(root_, error))
        if (entry.is_directory())
            ids.push_back(entry.path().filename());
    std::sort(ids.begin(), ids.end());
    return ids;
}

bool process_alive(pid_t pid, uint64_t start_time)
{
    if (pid <= 0)
        return false;
    auto stat = sys::read_process_stat(pid);
    // An init on its way out (the kernel killing the rest of its pid namespace) is stopped.
    return stat && stat->start_time == start_time && stat->state != 'Z' && stat->state != 'X' &&
           !stat->exiting;
}

namespace {

// A create holds the lock from its claim until it is done, a delete from the moment it marks
// the container `deleting` until the state directory is gone: found unlocked, either was killed.
bool in_progress(const ContainerState &state)
{
    return state.status == "creating" || state.status == "deleting";
}

} // namespace

std::string live_status(const StateStore &store, const ContainerState &state)
{
    // Unlocked since it was read: killed, or done just now. A delete that finished (or a create
    // that failed and unwound) took the state directory along: the container is no more, and
    // `stopped` is the last true word on it.
    if (in_progress(state) && !store.is_locked(state.id))
        return ::access(store.container_dir(state.id).c_str(), F_OK) == 0 ? "broken" : "stopped";
    return state.status == "creating" ? "creating" : status_of_process(store, state);
}

std::string live_status(const StateStore &store, const ContainerState &state,
                        const ContainerLock &)
{
    return in_progress(state) ? "broken" : status_of_process(store, state);
}

nlohmann::json oci_state_document(const ContainerState &state, const std::string &status)
{
    // As runc's state shows it: `list` names the owner, the state document leaves it empty.
    auto document = oci_fields(state, status);
    document["owner"] = "";
    return document;
}

std::string oci_state_json(const ContainerState &state, const std::string &status)
{
    return oci_state_document(state, status).dump(2) + "\n";
}

} // namespace crunlite::state
