#include "state/state.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "sys/paths.hpp"

namespace crunlite::state {

Status StateStore::claim(const std::string &id)
{
    TRY(sys::make_directories(root_, 0700));

    std::string dir = container_dir(id);
    if (::mkdir(dir.c_str(), 0700) != 0) {
        if (errno == EEXIST)
            return Error::message("container `" + id + "` already exists");
        return Error::from_errno("create state directory `" + dir + "`");
    }
    return Ok{};
}

Status StateStore::save(const ContainerState &state)
{
    nlohmann::json document = {
        {"ociVersion", state.oci_version},
        {"id", state.id},
        {"status", state.status},
        {"pid", state.pid},
        {"bundle", state.bundle},
        {"rootfs", state.rootfs},
        {"created", state.created},
        {"owner", std::to_string(state.owner)},
        {"annotations", state.annotations},
        {"pidStartTime", state.pid_start_time},
    };
    std::string path = container_dir(state.id) + "/state.json";
    return sys::write_file_atomic(path, document.dump(2) + "\n", 0600);
}

void StateStore::release(const std::string &id)
{
    std::error_code ignored;
    std::filesystem::remove_all(container_dir(id), ignored);
}

} // namespace crunlite::state
