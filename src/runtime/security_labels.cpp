#include "runtime/security_labels.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "util/unique_fd.hpp"

namespace crunlite::runtime {
namespace {

// An attribute file takes the whole value in one write, or refuses it.
Status write_attribute(const std::string &path, const std::string &value, const std::string &field)
{
    UniqueFd file(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!file)
        return Error::from_errno(field + ": open `" + path + "`");
    if (::write(file.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
        return Error::from_errno(field + ": write `" + value + "` to `" + path + "`");
    return Ok{};
}

} // namespace

Status set_exec_labels(const spec::Process &process, const spec::HostSecurity &host)
{
    // The per-module file first appeared in Linux 5.8; the shared one is AppArmor's before it.
    if (!process.apparmor_profile.empty() && host.apparmor) {
        std::string value = "exec " + process.apparmor_profile;
        auto written = write_attribute("/proc/self/attr/apparmor/exec", value,
                                       "process.apparmorProfile");
        if (!written)
            TRY(write_attribute("/proc/self/attr/exec", value, "process.apparmorProfile"));
    }
    // Per thread: SELinux refuses a write to another thread's attribute.
    if (!process.selinux_label.empty() && host.selinux)
        TRY(write_attribute("/proc/thread-self/attr/exec", process.selinux_label,
                            "process.selinuxLabel"));
    return Ok{};
}

} // namespace crunlite::runtime
