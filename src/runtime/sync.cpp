#include "runtime/sync.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "sys/fd_passing.hpp"

namespace crunlite::runtime {
namespace {

// Wire form: kind (1 byte), exit status (4 bytes, host order), then the text.
constexpr size_t header_size = 5;
constexpr size_t max_datagram = 8192;

} // namespace

Status SyncChannel::send(const SyncMessage &message)
{
    std::string datagram(header_size, '\0');
    datagram[0] = static_cast<char>(message.kind);
    int32_t status = message.exit_status;
    memcpy(&datagram[1], &status, sizeof status);
    datagram += message.text.substr(0, max_datagram - header_size);

    int fd = message.fd.get();
    ssize_t sent = sys::send_with_fd(fd_.get(), datagram.data(), datagram.size(), fd);
    if (sent < 0)
        return Error::from_errno("send to the container process");
    return Ok{};
}

Result<std::optional<SyncMessage>> SyncChannel::receive()
{
    char buffer[max_datagram];
    UniqueFd passed;
    ssize_t received = sys::receive_with_fd(fd_.get(), buffer, sizeof buffer, passed);
    // A peer killed with our last message unread resets the connection: it is gone all the
    // same, and the caller asks how it ended.
    if (received == 0 || (received < 0 && errno == ECONNRESET))
        return std::optional<SyncMessage>();
    if (received < 0)
        return Error::from_errno("receive from the container process");
    if (static_cast<size_t>(received) < header_size)
        return Error::message("receive from the container process: short message");

    SyncMessage message;
    message.kind = static_cast<SyncKind>(buffer[0]);
    int32_t status = 0;
    memcpy(&status, &buffer[1], sizeof status);
    message.exit_status = status;
    message.text.assign(buffer + header_size, static_cast<size_t>(received) - header_size);
    message.fd = std::move(passed);
    return std::optional<SyncMessage>(std::move(message));
}

Status await_exec(SyncChannel &channel, UniqueFd *terminal)
{
    auto message = TRY(channel.receive());
    if (message && message->kind == SyncKind::terminal && terminal) {
        *terminal = std::move(message->fd);
        return Ok{};
    }
    if (message && message->kind == SyncKind::error)
        return Error::message(message->text).with_exit_status(message->exit_status);
    return Ok{};
}

Result<std::pair<SyncChannel, SyncChannel>> make_sync_channels()
{
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0)
        return Error::from_errno("create the sync socket");
    return std::pair<SyncChannel, SyncChannel>(SyncChannel(UniqueFd(ends[0])),
                                               SyncChannel(UniqueFd(ends[1])));
}

} // namespace crunlite::runtime
