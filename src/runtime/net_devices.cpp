#include "runtime/net_devices.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "util/log.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::runtime {
namespace {

// An RTM_NEWLINK request: the interface by index, the target namespace by pid, and the name it
// takes there (the kernel renames as it moves, so no other interface there can clash midway).
struct LinkRequest {
    nlmsghdr header;
    ifinfomsg info;
    char attributes[64];
};

void add_attribute(LinkRequest &request, unsigned short type, const void *data, size_t size)
{
    auto *attribute = reinterpret_cast<rtattr *>(reinterpret_cast<char *>(&request) +
                                                 NLMSG_ALIGN(request.header.nlmsg_len));
    attribute->rta_type = type;
    attribute->rta_len = static_cast<unsigned short>(RTA_LENGTH(size));
    std::memcpy(RTA_DATA(attribute), data, size);
    request.header.nlmsg_len = NLMSG_ALIGN(request.header.nlmsg_len) + RTA_ALIGN(attribute->rta_len);
}

// Sends the request and reads the kernel's acknowledgement: 0, or the errno it refused with.
int send_and_acknowledge(int sock, LinkRequest &request)
{
    if (::send(sock, &request, request.header.nlmsg_len, 0) < 0)
        return errno;
    char reply[512];
    ssize_t length = ::recv(sock, reply, sizeof reply, 0);
    if (length < 0)
        return errno;
    auto *header = reinterpret_cast<nlmsghdr *>(reply);
    if (!NLMSG_OK(header, static_cast<unsigned>(length)) || header->nlmsg_type != NLMSG_ERROR)
        return EPROTO;
    return -reinterpret_cast<nlmsgerr *>(NLMSG_DATA(header))->error;
}

Status move_net_device(int sock, const std::string &host_name, const std::string &name, pid_t pid)
{
    std::string path = "linux.netDevices." + host_name;
    unsigned index = ::if_nametoindex(host_name.c_str());
    if (index == 0)
        return Error::from_errno(path + ": find interface `" + host_name + "` on the host");

    LinkRequest request{};
    request.header.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
    request.header.nlmsg_type = RTM_NEWLINK;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    request.info.ifi_family = AF_UNSPEC;
    request.info.ifi_index = static_cast<int>(index);
    uint32_t target = static_cast<uint32_t>(pid);
    add_attribute(request, IFLA_NET_NS_PID, &target, sizeof target);
    const std::string &new_name = name.empty() ? host_name : name;
    add_attribute(request, IFLA_IFNAME, new_name.c_str(), new_name.size() + 1);

    if (int errnum = send_and_acknowledge(sock, request); errnum != 0)
        return Error::system(errnum, path + ": move `" + host_name + "` into the container as `" +
                                         new_name + "`");
    log::debug("moved interface " + host_name + " into the container as " + new_name);
    return Ok{};
}

} // namespace

Status move_net_devices(const spec::Linux &linux_config, pid_t pid)
{
    if (linux_config.net_devices.empty())
        return Ok{};
    UniqueFd sock(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!sock)
        return Error::from_errno("open a netlink socket");
    for (const auto &[host_name, name] : linux_config.net_devices)
        TRY(move_net_device(sock.get(), host_name, name, pid));
    return Ok{};
}

} // namespace crunlite::runtime
