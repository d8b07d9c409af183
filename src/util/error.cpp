#include "util/error.hpp"

#include <cstring>

namespace crunlite {

std::string Error::render() const
{
    std::string text;
    for (auto part = context_.rbegin(); part != context_.rend(); ++part) {
        if (part->empty())
            continue;
        if (!text.empty())
            text += ": ";
        text += *part;
    }
    if (errnum_ != 0) {
        if (!text.empty())
            text += ": ";
        text += std::strerror(errnum_);
    }
    return text;
}

} // namespace crunlite
