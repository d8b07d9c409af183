#include "state/container_id.hpp"

#include <sys/random.h>

#include <cstdio>

namespace crunlite::state {
namespace {

bool is_id_character(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

std::string random_hex(size_t bytes)
{
    unsigned char buffer[16] = {};
    if (bytes > sizeof buffer)
        bytes = sizeof buffer;
    // getrandom on 16 bytes never returns short once the pool is ready (always, after boot).
    if (getrandom(buffer, bytes, 0) != static_cast<ssize_t>(bytes))
        abort();
    std::string hex;
    for (size_t i = 0; i < bytes; ++i) {
        char pair[3];
        snprintf(pair, sizeof pair, "%02x", buffer[i]);
        hex += pair;
    }
    return hex;
}

} // namespace

Status check_container_id(std::string_view id)
{
    std::string shown;
    for (char c : id.substr(0, 40))
        shown += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
    if (id.size() > 40)
        shown += "...";
    if (id.empty())
        return Error::message("container id must not be empty");
    if (id.size() > max_container_id_length)
        return Error::message("container id `" + shown + "`: longer than " +
                              std::to_string(max_container_id_length) + " characters");
    for (char c : id)
        if (!is_id_character(c))
            return Error::message("container id `" + shown +
                                  "`: may hold only letters, digits, `_`, `.` and `-`");
    if (id.front() == '.' || id.front() == '-')
        return Error::message("container id `" + shown + "`: must not start with `.` or `-`");
    return Ok{};
}

std::string generated_container_id(std::string_view bundle_dir)
{
    while (!bundle_dir.empty() && bundle_dir.back() == '/')
        bundle_dir.remove_suffix(1);
    auto slash = bundle_dir.rfind('/');
    std::string_view name = slash == std::string_view::npos ? bundle_dir : bundle_dir.substr(slash + 1);

    std::string id;
    for (char c : name) {
        if (id.size() >= 48)
            break;
        id += is_id_character(c) ? c : '_';
    }
    while (!id.empty() && (id.front() == '.' || id.front() == '-'))
        id.erase(0, 1);
    if (id.empty())
        id = "container";
    return id + "-" + random_hex(8);
}

} // namespace crunlite::state
