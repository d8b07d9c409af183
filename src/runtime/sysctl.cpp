#include "runtime/sysctl.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>

#include "sys/paths.hpp"
#include "util/log.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::runtime {
namespace {

Status write_sysctl(int root_fd, const std::string &key, const std::string &value)
{
    std::string path = "/proc/sys/" + key;
    std::replace(path.begin(), path.end(), '.', '/');
    log::debug("sysctl `" + key + "` = `" + value + "`");

    // O_PATH first: opening for writing has effects on some files (a FIFO, a device) that an
    // image could leave where the container has no /proc of its own.
    auto file = TRY(sys::open_in_root(root_fd, path, O_PATH));
    struct statfs info {};
    if (::fstatfs(file.get(), &info) != 0)
        return Error::from_errno("statfs `" + path + "`");
    if (info.f_type != PROC_SUPER_MAGIC)
        return Error::message("`" + path + "` is not on a procfs: mount `/proc` in the container");

    UniqueFd writable(::open(sys::fd_path(file.get()).c_str(), O_WRONLY | O_CLOEXEC));
    if (!writable)
        return Error::from_errno("open `" + path + "` for writing");
    ssize_t written = ::write(writable.get(), value.data(), value.size());
    if (written < 0)
        return Error::from_errno("write `" + value + "` to `" + path + "`");
    if (static_cast<size_t>(written) != value.size())
        return Error::message("write `" + value + "` to `" + path + "`: short write");
    return Ok{};
}

} // namespace

Status write_sysctls(int root_fd, const std::map<std::string, std::string> &sysctl)
{
    for (const auto &[key, value] : sysctl)
        TRY_CONTEXT(write_sysctl(root_fd, key, value), "linux.sysctl." + key);
    return Ok{};
}

} // namespace crunlite::runtime
