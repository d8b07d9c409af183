// The foreground end of a container's terminal: `run` without --console-socket keeps the pty
// master and joins it to its caller's stdio. The caller's terminal goes raw (so that ^C, ^Z and
// line editing belong to the container), keystrokes go to the master, the master's output to
// stdout, and the caller's window size follows to the container on every SIGWINCH.
#pragma once

#include <termios.h>

#include <optional>
#include <string>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::runtime {

class TerminalRelay {
public:
    explicit TerminalRelay(UniqueFd master) : master_(std::move(master)) {}
    ~TerminalRelay(); // gives the caller's terminal its settings back
    TerminalRelay(const TerminalRelay &) = delete;
    TerminalRelay &operator=(const TerminalRelay &) = delete;

    // Raw mode on the caller's stdin when it is a terminal, and its window size to the master.
    Status start();

    // Copies whatever is ready, both ways, until `signal_fd` has a signal to read.
    Status pump_until_readable(int signal_fd);

    // The caller's window size to the container's terminal; nothing when the caller has none.
    void follow_window_size();

    // Once the container's process is gone: the output still buffered in the pty.
    void drain();

private:
    void copy_output();
    void read_input();
    void flush_input();

    UniqueFd master_;
    std::optional<termios> saved_; // the caller's settings, while its terminal is raw
    bool master_open_ = true;      // false once the slave side is closed (EIO)
    bool input_open_ = true;       // false at the end of the caller's stdin
    bool output_open_ = true;      // false once stdout refuses output; the rest is discarded
    std::string pending_;          // read from stdin, not yet taken by the master
};

} // namespace crunlite::runtime
