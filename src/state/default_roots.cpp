#include "state/default_roots.hpp"

#include <sys/stat.h>

#include "state/state.hpp"

namespace crunlite::state {
namespace {

bool is_set(const char *value)
{
    return value && value[0] == '/';
}

} // namespace

Status make_private_dir(const std::string &path, uid_t owner)
{
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
        return Error::from_errno("create `" + path + "`");
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0)
        return Error::from_errno("stat `" + path + "`");
    if (!S_ISDIR(info.st_mode) || info.st_uid != owner || (info.st_mode & 07777) != 0700)
        return Error::message("`" + path + "` is not a directory of uid " +
                              std::to_string(owner) + " with mode 0700; refusing to keep "
                              "container state there (set XDG_RUNTIME_DIR or --root)");
    return Ok{};
}

Result<std::string> state_root_for(uid_t euid, const char *xdg_runtime_dir)
{
    if (euid == 0)
        return std::string(system_state_root);
    if (is_set(xdg_runtime_dir))
        return std::string(xdg_runtime_dir) + "/crun-lite";
    std::string path = "/tmp/crun-lite-" + std::to_string(euid);
    TRY(make_private_dir(path, euid));
    return path;
}

Result<std::string> data_root_for(uid_t euid, const char *xdg_data_home, const char *home)
{
    if (euid == 0)
        return std::string(system_data_root);
    if (is_set(xdg_data_home))
        return std::string(xdg_data_home) + "/crun-lite";
    if (is_set(home))
        return std::string(home) + "/.local/share/crun-lite";
    return Error::message("no place for overlay layers: set HOME, XDG_DATA_HOME or --data-root");
}

} // namespace crunlite::state
