// The command line: global options, the table of subcommands, and how failures are reported.
// Each subcommand lives in its own file and stays thin: read flags, call the library, turn the
// result into an exit status.
#pragma once

#include <string>
#include <vector>

#include "util/error.hpp"

namespace crunlite::cli {

struct GlobalOptions {
    std::string state_root; // --root
    std::string data_root;  // --data-root
};

// argv after the subcommand's name; args[0] is "crun-lite <verb>" for help and error text.
using Arguments = std::vector<std::string>;

int run_command(const GlobalOptions &global, const Arguments &args);
int spec_command(const GlobalOptions &global, const Arguments &args);

// Logs `error` as the failure of `verb` on `object`, one line per problem
// ("run `c1`: process.args: must not be empty"), and returns the exit status it calls for.
int report_failure(const std::string &verb, const std::string &object, const Error &error);

// A usage error: the message and a pointer to --help. Returns the exit status for it.
int report_usage(const std::string &verb, const std::string &message);

// cxxopts wants argc/argv; this keeps the strings alive for it.
class ArgvView {
public:
    explicit ArgvView(const Arguments &args);
    int argc() const { return static_cast<int>(pointers_.size()) - 1; }
    char **argv() { return pointers_.data(); }

private:
    Arguments storage_;
    std::vector<char *> pointers_;
};

} // namespace crunlite::cli
