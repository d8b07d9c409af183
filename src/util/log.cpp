#include "util/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "util/time.hpp"

namespace crunlite::log {
namespace {

Options current;
int log_fd = STDERR_FILENO;

const char *level_name(Level level)
{
    switch (level) {
    case Level::error:
        return "error";
    case Level::warning:
        return "warning";
    case Level::info:
        return "info";
    case Level::debug:
        return "debug";
    }
    return "unknown";
}

// One write(2) per line, so lines from concurrent processes sharing a log never interleave.
void write_line(int fd, const std::string &line)
{
    const char *data = line.data();
    size_t left = line.size();
    while (left > 0) {
        ssize_t written = ::write(fd, data, left);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return;
        data += written;
        left -= static_cast<size_t>(written);
    }
}

} // namespace

bool configure(const Options &options, std::string &problem)
{
    current = options;
    if (options.file.empty()) {
        log_fd = STDERR_FILENO;
        return true;
    }
    int fd = ::open(options.file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        problem = "open log file `" + options.file + "`: " + strerror(errno);
        return false;
    }
    log_fd = fd;
    return true;
}

bool enabled(Level level) { return static_cast<int>(level) <= static_cast<int>(current.level); }

void write(Level level, std::string_view message)
{
    if (!enabled(level))
        return;

    std::string line;
    if (current.format == Format::json) {
        nlohmann::json record = {{"level", level_name(level)},
                                 {"msg", std::string(message)},
                                 {"time", rfc3339_now()}};
        line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    } else {
        line = "crun-lite: ";
        if (level != Level::error)
            line += std::string(level_name(level)) + ": ";
        line += std::string(message) + "\n";
    }
    write_line(log_fd, line);

    // The user must see a fatal error even when the log goes to a file.
    if (level == Level::error && log_fd != STDERR_FILENO)
        write_line(STDERR_FILENO, "crun-lite: " + std::string(message) + "\n");
}

} // namespace crunlite::log
