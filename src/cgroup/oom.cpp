#include "cgroup/oom.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <sstream>

#include "sys/paths.hpp"

namespace crunlite::cgroup {
namespace {

uint64_t oom_kills(const std::string &memory_dir)
{
    auto text = sys::read_file(memory_dir + "/memory.events", 4096);
    std::istringstream lines(text ? *text : "");
    std::string key;
    uint64_t value = 0;
    while (lines >> key >> value)
        if (key == "oom_kill")
            return value;
    return 0;
}

} // namespace

Result<OomWatch> OomWatch::open(const Cgroups &cgroups)
{
    OomWatch watch;
    std::string unified = cgroups.dir_of("");
    watch.memory_dir_ = cgroups.dir_of("memory");
    watch.v2_ = watch.memory_dir_ == unified;
    if (watch.memory_dir_.empty())
        return watch;

    if (watch.v2_) {
        std::string events = watch.memory_dir_ + "/memory.events";
        watch.fd_ = UniqueFd(::open(events.c_str(), O_RDONLY | O_CLOEXEC));
        if (!watch.fd_ && errno != ENOENT) // no memory controller in this v2 cgroup: no OOM
            return Error::from_errno("open `" + events + "`");
        watch.kills_seen_ = oom_kills(watch.memory_dir_);
        return watch;
    }

    watch.fd_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!watch.fd_)
        return Error::from_errno("create an eventfd");
    std::string control = watch.memory_dir_ + "/memory.oom_control";
    UniqueFd oom_control(::open(control.c_str(), O_RDONLY | O_CLOEXEC));
    if (!oom_control)
        return Error::from_errno("open `" + control + "`");
    std::string request = std::to_string(watch.fd_.get()) + " " + std::to_string(oom_control.get());
    TRY(write_value(watch.memory_dir_ + "/cgroup.event_control", request));
    return watch;
}

bool OomWatch::take()
{
    if (!fd_)
        return false;
    if (v2_) {
        uint64_t kills = oom_kills(memory_dir_);
        bool more = kills > kills_seen_;
        kills_seen_ = kills;
        return more;
    }
    uint64_t count = 0;
    if (::read(fd_.get(), &count, sizeof count) != sizeof count)
        return false;
    // v1 also signals the eventfd when the cgroup is removed: not an OOM.
    return ::access((memory_dir_ + "/cgroup.event_control").c_str(), F_OK) == 0;
}

} // namespace crunlite::cgroup
