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

Result<ContainerLock> lock_dir(const std::string &dir, const std::string &id)
{
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd && errno == ENOENT)
        return Error::message("container `" + id + "` does not exist");
    if (!fd)
        return Error::from_errno("open state directory `" + dir + "`");
    if (::flock(fd.get(), LOCK_EX) != 0)
        return Error::from_errno("lock state directory `" + dir + "`");
    return ContainerLock(std::move(fd));
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

    std::string dir = container_dir(id);
    if (::mkdir(dir.c_str(), 0700) != 0) {
        if (errno == EEXIST)
            return Error::message("container `" + id + "` already exists");
        return Error::from_errno("create state directory `" + dir + "`");
    }
    return lock_dir(dir, id);
}

Result<ContainerLock> StateStore::lock(const std::string &id)
{
    auto lock = TRY(lock_dir(container_dir(id), id));
    // A concurrent delete may have removed the directory while this command waited.
    struct stat info {};
    if (::fstat(lock.dir_fd(), &info) != 0 || info.st_nlink == 0)
        return Error::message("container `" + id + "` does not exist");
    return lock;
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

std::string live_status(const StateStore &store, const ContainerState &state)
{
    if (state.status == "creating")
        return "creating";
    if (!process_alive(state.pid, state.pid_start_time))
        return "stopped";
    std::string fifo = store.container_dir(state.id) + "/" + exec_fifo_name;
    if (::access(fifo.c_str(), F_OK) == 0)
        return "created";
    return cgroup::is_frozen({state.cgroups, state.cgroups_made}) ? "paused" : "running";
}

std::string oci_state_json(const ContainerState &state, const std::string &status)
{
    return oci_fields(state, status).dump(2) + "\n";
}

} // namespace crunlite::state
