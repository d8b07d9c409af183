#include "runtime/terminal_relay.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>

#include "util/log.hpp"

namespace crunlite::runtime {
namespace {

constexpr size_t chunk_size = 16384;

bool write_all(int fd, const char *data, size_t size)
{
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

} // namespace

TerminalRelay::~TerminalRelay()
{
    // TCSADRAIN: output already written is still shown as raw mode showed it.
    if (saved_)
        ::tcsetattr(STDIN_FILENO, TCSADRAIN, &*saved_);
}

Status TerminalRelay::start()
{
    // Non-blocking, so a container that stops reading its input never stalls the relay (and
    // with it the signals), and so drain() ends when nothing is left.
    int flags = ::fcntl(master_.get(), F_GETFL);
    if (flags < 0 || ::fcntl(master_.get(), F_SETFL, flags | O_NONBLOCK) != 0)
        return Error::from_errno("make the terminal's master non-blocking");

    if (::isatty(STDIN_FILENO)) {
        termios current{};
        if (::tcgetattr(STDIN_FILENO, &current) != 0)
            return Error::from_errno("read the settings of the caller's terminal");
        termios raw = current;
        ::cfmakeraw(&raw);
        if (::tcsetattr(STDIN_FILENO, TCSANOW, &raw) != 0)
            return Error::from_errno("put the caller's terminal in raw mode");
        saved_ = current;
    }
    follow_window_size();
    return Ok{};
}

Status TerminalRelay::pump_until_readable(int signal_fd)
{
    for (;;) {
        short master_events = static_cast<short>(POLLIN | (pending_.empty() ? 0 : POLLOUT));
        bool reading_input = input_open_ && pending_.empty();
        pollfd fds[3] = {
            {signal_fd, POLLIN, 0},
            {master_open_ ? master_.get() : -1, master_events, 0},
            {reading_input ? STDIN_FILENO : -1, POLLIN, 0},
        };
        if (::poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return Error::from_errno("poll the terminal");
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
            copy_output();
        if (fds[1].revents & POLLOUT)
            flush_input();
        if (fds[2].revents)
            read_input();
        if (fds[0].revents)
            return Ok{};
    }
}

void TerminalRelay::follow_window_size()
{
    winsize size{};
    if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &size) != 0 &&
        ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0)
        return;
    // A terminal that reports 0x0 knows no size: process.consoleSize is better than that.
    if (size.ws_row == 0 && size.ws_col == 0)
        return;
    log::debug("terminal size " + std::to_string(size.ws_row) + "x" +
               std::to_string(size.ws_col));
    if (::ioctl(master_.get(), TIOCSWINSZ, &size) != 0)
        log::warning(std::string("set the container's terminal size: ") + strerror(errno));
}

// A read of the master fails with EIO once no slave fd is open anywhere: the container is done
// with its terminal.
void TerminalRelay::copy_output()
{
    char buffer[chunk_size];
    ssize_t n = ::read(master_.get(), buffer, sizeof buffer);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        master_open_ = false;
        pending_.clear();
        return;
    }
    if (output_open_ && !write_all(STDOUT_FILENO, buffer, static_cast<size_t>(n)))
        output_open_ = false;
}

void TerminalRelay::read_input()
{
    char buffer[chunk_size];
    ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    // The end of the caller's input is not passed on (runc does the same): the container keeps
    // its terminal, and its output still comes.
    if (n <= 0) {
        input_open_ = false;
        return;
    }
    pending_.append(buffer, static_cast<size_t>(n));
    flush_input();
}

void TerminalRelay::flush_input()
{
    if (!master_open_) {
        pending_.clear();
        return;
    }
    ssize_t n = ::write(master_.get(), pending_.data(), pending_.size());
    if (n > 0)
        pending_.erase(0, static_cast<size_t>(n));
    else if (n < 0 && errno != EAGAIN && errno != EINTR)
        pending_.clear();
}

void TerminalRelay::drain()
{
    // EAGAIN instead of EIO means some process still holds the slave: its output is not
    // waited for, or a daemon that kept its terminal would hold `run` forever.
    char buffer[chunk_size];
    for (;;) {
        ssize_t n = ::read(master_.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        if (output_open_ && !write_all(STDOUT_FILENO, buffer, static_cast<size_t>(n)))
            output_open_ = false;
    }
}

} // namespace crunlite::runtime
