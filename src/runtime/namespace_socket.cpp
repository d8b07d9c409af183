#include "runtime/namespace_socket.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "sys/fd_passing.hpp"

namespace crunlite::runtime {

const std::array<ServedNamespace, served_namespace_count> served_namespaces = {{
    {"user", CLONE_NEWUSER},
    {"mnt", CLONE_NEWNS},
    {"pid", CLONE_NEWPID},
    {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS},
    {"net", CLONE_NEWNET},
    {"cgroup", CLONE_NEWCGROUP},
}};

namespace {

// Through the directory's fd: the state directory's own path may be longer than sun_path.
sockaddr_un socket_address(int state_dir_fd)
{
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string path = "/proc/self/fd/" + std::to_string(state_dir_fd) + "/" +
                       namespace_socket_name;
    strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    return address;
}

} // namespace

Result<UniqueFd> listen_for_namespace_requests(int state_dir_fd)
{
    UniqueFd listener(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    if (!listener)
        return Error::from_errno("create the namespace socket");
    sockaddr_un address = socket_address(state_dir_fd);
    if (::bind(listener.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
        ::listen(listener.get(), 16) != 0)
        return Error::from_errno(std::string("listen on `") + namespace_socket_name + "`");
    return listener;
}

Result<NamespaceFds> open_own_namespaces()
{
    NamespaceFds namespaces;
    for (size_t i = 0; i < served_namespace_count; ++i) {
        std::string path = std::string("/proc/self/ns/") + served_namespaces[i].name;
        namespaces[i].reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!namespaces[i])
            return Error::from_errno("open `" + path + "`");
    }
    return namespaces;
}

void answer_namespace_request(int listener, const NamespaceFds &namespaces)
{
    UniqueFd peer(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!peer)
        return;
    for (size_t i = 0; i < served_namespace_count; ++i) {
        char index = static_cast<char>(i);
        if (sys::send_with_fd(peer.get(), &index, 1, namespaces[i].get()) != 1)
            return;
    }
}

std::optional<NamespaceFds> request_namespaces(int state_dir_fd)
{
    UniqueFd peer(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un address = socket_address(state_dir_fd);
    if (!peer ||
        ::connect(peer.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
        return std::nullopt;
    NamespaceFds namespaces;
    for (size_t i = 0; i < served_namespace_count; ++i) {
        char index = -1;
        if (sys::receive_with_fd(peer.get(), &index, 1, namespaces[i]) != 1 ||
            index != static_cast<char>(i) || !namespaces[i])
            return std::nullopt;
    }
    return namespaces;
}

} // namespace crunlite::runtime
