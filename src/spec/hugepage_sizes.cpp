#include "spec/hugepage_sizes.hpp"

#include <charconv>
#include <filesystem>
#include <string_view>

namespace crunlite::spec {

std::string hugepage_size_name(uint64_t kibibytes)
{
    constexpr uint64_t per_unit = 1024;
    if (kibibytes % (per_unit * per_unit) == 0)
        return std::to_string(kibibytes / (per_unit * per_unit)) + "GB";
    if (kibibytes % per_unit == 0)
        return std::to_string(kibibytes / per_unit) + "MB";
    return std::to_string(kibibytes) + "KB";
}

std::vector<std::string> kernel_hugepage_sizes(const std::string &dir)
{
    constexpr std::string_view prefix = "hugepages-", suffix = "kB";
    std::vector<std::string> sizes;
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator(dir, error)) {
        std::string name = entry.path().filename();
        std::string_view text = name;
        if (!text.starts_with(prefix) || !text.ends_with(suffix))
            continue;
        text = text.substr(prefix.size(), text.size() - prefix.size() - suffix.size());
        uint64_t kibibytes = 0;
        auto [end, failed] = std::from_chars(text.data(), text.data() + text.size(), kibibytes);
        if (failed == std::errc() && end == text.data() + text.size() && kibibytes > 0)
            sizes.push_back(hugepage_size_name(kibibytes));
    }
    return sizes;
}

} // namespace crunlite::spec
