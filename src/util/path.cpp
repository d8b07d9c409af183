#include "util/path.hpp"

namespace crunlite {

std::vector<std::string> path_components(const std::string &path)
{
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string::npos)
            end = path.size();
        std::string part = path.substr(start, end - start);
        if (!part.empty() && part != ".")
            parts.push_back(std::move(part));
        start = end + 1;
    }
    return parts;
}

std::string join_path(const std::string &base, const std::string &path)
{
    if (!path.empty() && path.front() == '/')
        return path;
    if (path.empty())
        return base;
    if (!base.empty() && base.back() == '/')
        return base + path;
    return base + "/" + path;
}

} // namespace crunlite
