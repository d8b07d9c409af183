// Logging: one process-wide logger set up from the global flags (--debug, --log, --log-format).
//
// Text lines go to stderr unless --log names a file. JSON lines hold `level`, `msg` and `time`
// (RFC 3339), one object per line, as containerd and podman read them. An error logged to a file
// is also printed on stderr, so the user sees it wherever the log goes.
#pragma once

#include <string>
#include <string_view>

namespace crunlite::log {

enum class Level { error, warning, info, debug };
enum class Format { text, json };

struct Options {
    Level level = Level::warning;
    Format format = Format::text;
    std::string file; // empty: stderr
};

// Applies the options; returns false with a message if the log file cannot be opened.
bool configure(const Options &options, std::string &problem);

bool enabled(Level level);

void write(Level level, std::string_view message);

inline void error(std::string_view message) { write(Level::error, message); }
inline void warning(std::string_view message) { write(Level::warning, message); }
inline void info(std::string_view message) { write(Level::info, message); }
inline void debug(std::string_view message)
{
    if (enabled(Level::debug))
        write(Level::debug, message);
}

} // namespace crunlite::log
