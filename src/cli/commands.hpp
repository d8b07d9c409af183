// The command line: global options, the table of subcommands, and how failures are reported.
// Each subcommand lives in its own file and stays thin: read flags, call the library, turn the
// result into an exit status.
#pragma once

#include <cxxopts.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runtime/container.hpp"
#include "spec/bundle.hpp"
#include "util/error.hpp"

namespace crunlite::cli {

struct GlobalOptions {
    std::string state_root; // --root
    std::string data_root;  // --data-root
    bool systemd_cgroup = false; // --systemd-cgroup: cgroupsPath is `slice:prefix:name`
    char **argv = nullptr;       // the whole command line, for a re-exec (sys/sealed_self.hpp)
};

// argv after the subcommand's name; args[0] is "crun-lite <verb>" for help and error text.
using Arguments = std::vector<std::string>;

int container_command(const GlobalOptions &global, const Arguments &args);
int create_command(const GlobalOptions &global, const Arguments &args);
int delete_command(const GlobalOptions &global, const Arguments &args);
int exec_command(const GlobalOptions &global, const Arguments &args);
int features_command(const GlobalOptions &global, const Arguments &args);
int kill_command(const GlobalOptions &global, const Arguments &args);
int list_command(const GlobalOptions &global, const Arguments &args);
int pause_command(const GlobalOptions &global, const Arguments &args);
int ps_command(const GlobalOptions &global, const Arguments &args);
int resume_command(const GlobalOptions &global, const Arguments &args);
int run_command(const GlobalOptions &global, const Arguments &args);
int spec_command(const GlobalOptions &global, const Arguments &args);
int start_command(const GlobalOptions &global, const Arguments &args);
int state_command(const GlobalOptions &global, const Arguments &args);
int update_command(const GlobalOptions &global, const Arguments &args);
int events_command(const GlobalOptions &global, const Arguments &args);

// Logs `error` as the failure of `verb` on `object`, one line per problem
// ("run `c1`: process.args: must not be empty"), and returns the exit status it calls for.
int report_failure(const std::string &verb, const std::string &object, const Error &error);

// A usage error: the message and a pointer to --help. Returns the exit status for it.
int report_usage(const std::string &verb, const std::string &message);

// Parses a subcommand's flags. Returns nullopt when the command is already answered: --help was
// printed (`exit_status` 0) or the flags were wrong (reported, `exit_status` 1). Positional
// arguments are in `positional` afterwards.
std::optional<cxxopts::ParseResult> parse_flags(cxxopts::Options &options, const Arguments &args,
                                                const std::string &verb,
                                                std::vector<std::string> &positional,
                                                int &exit_status);

// The one container id a command takes, checked; nullopt after reporting what is wrong.
std::optional<std::string> single_id(const std::vector<std::string> &positional,
                                     const std::string &verb, int &exit_status);

// The flags `create` and `run` share: --bundle, --pid-file, --console-socket, --no-pivot,
// --no-new-keyring, --preserve-fds.
void add_container_flags(cxxopts::Options &options);

// A bundle loaded and checked for `verb`, and how to create its container from the flags.
struct ContainerRequest {
    spec::Bundle bundle;
    runtime::CreateOptions create;
    std::string pid_file;
};
Result<ContainerRequest> container_request(const GlobalOptions &global,
                                           const cxxopts::ParseResult &flags,
                                           const std::string &id, const std::string &bundle_dir,
                                           const std::string &verb, bool process_required);

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
