#include "cli/commands.hpp"

#include "util/log.hpp"

namespace crunlite::cli {

int report_failure(const std::string &verb, const std::string &object, const Error &error)
{
    std::string prefix = verb + " `" + object + "`: ";
    // Parse and validation errors list one problem per line; each is logged whole.
    std::string text = error.render();
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        log::error(prefix + text.substr(start, end - start));
        start = end + 1;
    }
    return error.exit_status();
}

int report_usage(const std::string &verb, const std::string &message)
{
    log::error(verb + ": " + message + " (see `crun-lite " + verb + " --help`)");
    return 1;
}

ArgvView::ArgvView(const Arguments &args) : storage_(args)
{
    for (auto &arg : storage_)
        pointers_.push_back(arg.data());
    pointers_.push_back(nullptr);
}

} // namespace crunlite::cli
