#include "runtime/terminal.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "sys/fd_passing.hpp"
#include "sys/paths.hpp"
#include "util/log.hpp"

namespace crunlite::runtime {
namespace {

// dup2 onto 0, 1 and 2 would silently close a pty fd that happens to hold one of those numbers
// (the runtime may have been started with stdio closed), so both ends move above them first.
Status move_above_stdio(UniqueFd &fd, const char *what)
{
    if (fd.get() > STDERR_FILENO)
        return Ok{};
    UniqueFd moved(::fcntl(fd.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1));
    if (!moved)
        return Error::from_errno(std::string("move the pty's ") + what + " above stdio");
    fd = std::move(moved);
    return Ok{};
}

Status set_console_size(int slave, const spec::ConsoleSize &console)
{
    winsize size{};
    size.ws_row = static_cast<unsigned short>(std::min<uint32_t>(console.height, 0xffff));
    size.ws_col = static_cast<unsigned short>(std::min<uint32_t>(console.width, 0xffff));
    if (::ioctl(slave, TIOCSWINSZ, &size) != 0)
        return Error::from_errno("set the terminal size from process.consoleSize");
    return Ok{};
}

// runtime-spec: /dev/console is set up when terminal is enabled. The empty file is only a mount
// point; the bind comes from the slave's own fd (open_tree), so no path names the pty and no
// /proc is needed, which the container may not mount.
Status bind_console(int slave)
{
    UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        return Error::from_errno("open the container root");
    auto console = TRY(sys::make_file_in_root(root.get(), "/dev/console", 0600));

    UniqueFd tree(::open_tree(slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
    if (!tree)
        return Error::from_errno("clone a mount of the pty's slave");
    if (::move_mount(tree.get(), "", console.get(), "",
                     MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
        return Error::from_errno("bind the pty's slave onto `/dev/console`");
    return Ok{};
}

// setsid first: only a session leader without a terminal can take one with TIOCSCTTY. The
// process is never a group leader here (clone leaves it in the runtime's group), so it can.
Status make_controlling_terminal(int slave)
{
    if (::setsid() < 0)
        return Error::from_errno("start a new session for the terminal");
    if (::ioctl(slave, TIOCSCTTY, 0) != 0)
        return Error::from_errno("make the pty the controlling terminal");
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd)
        if (::dup2(slave, fd) != fd)
            return Error::from_errno("make the pty fd " + std::to_string(fd));
    return Ok{};
}

// The slave's path in the container. Not ptsname(), which checks the path in the caller's own
// mount namespace, where `/dev/pts` is another devpts instance.
std::string pty_name(int master)
{
    unsigned int number = 0;
    if (::ioctl(master, TIOCGPTN, &number) != 0)
        return "pty";
    return "/dev/pts/" + std::to_string(number);
}

} // namespace

Result<UniqueFd> make_container_terminal(const spec::Process &process, ConsoleBinding console)
{
    // `/dev/ptmx` leads to `pts/ptmx`, the container's own devpts instance (newinstance), so the
    // pty is numbered and visible in the container, not on the host.
    UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master)
        return Error::from_errno("open `/dev/ptmx`");
    if (::unlockpt(master.get()) != 0)
        return Error::from_errno("unlock the pty");
    // Through the master, not by path: nothing in the image can stand in for the slave.
    UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave)
        return Error::from_errno("open the pty's slave");
    TRY(move_above_stdio(master, "master"));
    TRY(move_above_stdio(slave, "slave"));
    log::debug("terminal: `" + pty_name(master.get()) + "`");

    if (process.console_size)
        TRY(set_console_size(slave.get(), *process.console_size));
    // The user owns their terminal, as after a login; the group stays devpts's (gid=).
    if (::fchown(slave.get(), process.user.uid, static_cast<gid_t>(-1)) != 0)
        return Error::from_errno("give the pty to uid " + std::to_string(process.user.uid));
    if (console == ConsoleBinding::bind)
        TRY(bind_console(slave.get()));
    TRY(make_controlling_terminal(slave.get()));
    return master;
}

Status send_to_console_socket(const std::string &path, int master)
{
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path)
        return Error::message("console socket `" + path + "`: path too long for a unix socket");
    memcpy(address.sun_path, path.c_str(), path.size() + 1);

    UniqueFd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!socket)
        return Error::from_errno("create a socket for console socket `" + path + "`");
    if (::connect(socket.get(), reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
        return Error::from_errno("connect to console socket `" + path + "`");

    // A stream carries no fd without at least one byte; the pty's name is the usual payload.
    std::string name = pty_name(master);
    if (sys::send_with_fd(socket.get(), name.data(), name.size(), master) < 0)
        return Error::from_errno("send the terminal to console socket `" + path + "`");
    log::debug("sent terminal `" + name + "` to console socket `" + path + "`");
    return Ok{};
}

} // namespace crunlite::runtime
