#include "runtime/command_lookup.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace crunlite::runtime {
namespace {

std::string path_of(const std::vector<std::string> &env)
{
    for (const auto &entry : env)
        if (entry.rfind("PATH=", 0) == 0)
            return entry.substr(5);
    return default_path;
}

bool is_regular_file(const std::string &path)
{
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

Result<std::string> check_explicit_path(const std::string &name, int &failure_status)
{
    struct stat info {};
    if (::stat(name.c_str(), &info) != 0) {
        // As a shell: 127 when nothing is there, 126 when something is but cannot be reached.
        failure_status = errno == ENOENT || errno == ENOTDIR ? 127 : 126;
        return Error::from_errno("exec `" + name + "`");
    }
    if (!S_ISREG(info.st_mode) || ::access(name.c_str(), X_OK) != 0) {
        failure_status = 126;
        return Error::system(EACCES, "exec `" + name + "`");
    }
    return name;
}

} // namespace

Result<std::string> find_command(const std::string &name, const std::vector<std::string> &env,
                                 int &failure_status)
{
    if (name.find('/') != std::string::npos)
        return check_explicit_path(name, failure_status);

    std::string search = path_of(env);
    bool found_unexecutable = false;
    size_t start = 0;
    while (start <= search.size()) {
        size_t end = search.find(':', start);
        if (end == std::string::npos)
            end = search.size();
        // An empty PATH entry means the current directory, as in POSIX shells.
        std::string dir = end > start ? search.substr(start, end - start) : ".";
        std::string candidate = dir + "/" + name;
        if (is_regular_file(candidate)) {
            if (::access(candidate.c_str(), X_OK) == 0)
                return candidate;
            found_unexecutable = true;
        }
        start = end + 1;
    }

    if (found_unexecutable) {
        failure_status = 126;
        return Error::system(EACCES, "exec `" + name + "`");
    }
    failure_status = 127;
    return Error::message("exec `" + name + "`: executable file not found in $PATH");
}

} // namespace crunlite::runtime
