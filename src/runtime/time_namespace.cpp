#include "runtime/time_namespace.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "util/log.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::runtime {

Status make_time_namespace(const spec::Config &config)
{
    if (!config.creates_namespace(spec::NamespaceType::time))
        return Ok{};
    if (::unshare(CLONE_NEWTIME) != 0)
        return Error::from_errno("create a time namespace");
    if (config.linux.time_offsets.empty())
        return Ok{};

    // One line per clock, "<clock> <secs> <nanosecs>", all in one write.
    std::string lines;
    for (const auto &[clock, offset] : config.linux.time_offsets)
        lines += clock + " " + std::to_string(offset.secs) + " " +
                 std::to_string(offset.nanosecs) + "\n";
    UniqueFd file(::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC));
    if (!file)
        return Error::from_errno("linux.timeOffsets: open `/proc/self/timens_offsets`");
    if (::write(file.get(), lines.data(), lines.size()) != static_cast<ssize_t>(lines.size()))
        return Error::from_errno("linux.timeOffsets: write the offsets");
    log::debug("time namespace offsets: " + lines);
    return Ok{};
}

} // namespace crunlite::runtime
