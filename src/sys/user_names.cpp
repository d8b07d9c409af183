#include "sys/user_names.hpp"

#include <charconv>

#include "sys/paths.hpp"

namespace crunlite::sys {
namespace {

// /etc/passwd is small; a larger one is not read, and uids show as `#uid`.
constexpr size_t max_passwd_size = 4 * 1024 * 1024;

// Field `index` (0 is the name, 2 the uid) of a passwd line, or nullopt if it has fewer.
std::optional<std::string_view> passwd_field(std::string_view line, size_t index)
{
    for (size_t skipped = 0; skipped < index; ++skipped) {
        size_t colon = line.find(':');
        if (colon == std::string_view::npos)
            return std::nullopt;
        line.remove_prefix(colon + 1);
    }
    return line.substr(0, line.find(':'));
}

} // namespace

std::optional<std::string> user_name_in(std::string_view passwd_text, uid_t uid)
{
    while (!passwd_text.empty()) {
        size_t end = passwd_text.find('\n');
        std::string_view line = passwd_text.substr(0, end);
        passwd_text.remove_prefix(end == std::string_view::npos ? passwd_text.size() : end + 1);

        auto name = passwd_field(line, 0);
        auto uid_text = passwd_field(line, 2);
        if (!name || name->empty() || !uid_text)
            continue;
        uid_t number = 0;
        auto [last, error] =
            std::from_chars(uid_text->data(), uid_text->data() + uid_text->size(), number);
        if (error == std::errc() && last == uid_text->data() + uid_text->size() && number == uid)
            return std::string(*name);
    }
    return std::nullopt;
}

std::string host_user_name(uid_t uid)
{
    // Read once per command: `list` asks for every container's owner.
    static auto text = read_file(host_passwd_file, max_passwd_size);
    if (text)
        if (auto name = user_name_in(*text, uid))
            return *name;
    return "#" + std::to_string(uid);
}

} // namespace crunlite::sys
