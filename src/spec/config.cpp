#include "spec/config.hpp"

#include <array>
#include <utility>

namespace crunlite::spec {
namespace {

constexpr std::array<std::pair<NamespaceType, const char *>, 8> namespace_names = {{
    {NamespaceType::pid, "pid"},
    {NamespaceType::network, "network"},
    {NamespaceType::mount, "mount"},
    {NamespaceType::ipc, "ipc"},
    {NamespaceType::uts, "uts"},
    {NamespaceType::user, "user"},
    {NamespaceType::cgroup, "cgroup"},
    {NamespaceType::time, "time"},
}};

} // namespace

const char *namespace_type_name(NamespaceType type)
{
    for (const auto &[known, name] : namespace_names)
        if (known == type)
            return name;
    return "unknown";
}

std::optional<NamespaceType> namespace_type_from_name(const std::string &name)
{
    for (const auto &[type, known] : namespace_names)
        if (name == known)
            return type;
    return std::nullopt;
}

} // namespace crunlite::spec
