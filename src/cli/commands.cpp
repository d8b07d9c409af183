#include "cli/commands.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "state/container_id.hpp"
#include "sys/sealed_self.hpp"
#include "util/log.hpp"

namespace crunlite::cli {

namespace {

// The object as the user typed it, made safe to print on one line: control characters become
// `?`, and a very long one is cut (the inner message says what is wrong with it).
std::string shown(const std::string &object)
{
    constexpr size_t max_shown = 64;
    std::string text;
    for (char c : object.substr(0, max_shown))
        text += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
    if (object.size() > max_shown)
        text += "...";
    return text;
}

} // namespace

int report_failure(const std::string &verb, const std::string &object, const Error &error)
{
    std::string prefix = verb + " `" + shown(object) + "`: ";
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

std::optional<cxxopts::ParseResult> parse_flags(cxxopts::Options &options, const Arguments &args,
                                                const std::string &verb,
                                                std::vector<std::string> &positional,
                                                int &exit_status)
{
    options.add_options()("h,help", "show this help")(
        "positional", "", cxxopts::value<std::vector<std::string>>());
    options.parse_positional({"positional"});
    cxxopts::ParseResult flags;
    try {
        ArgvView view(args);
        flags = options.parse(view.argc(), view.argv());
    } catch (const cxxopts::exceptions::exception &problem) {
        exit_status = report_usage(verb, problem.what());
        return std::nullopt;
    }
    if (flags.count("help")) {
        std::cout << options.help({""});
        exit_status = 0;
        return std::nullopt;
    }
    positional = flags.count("positional") ? flags["positional"].as<std::vector<std::string>>()
                                           : std::vector<std::string>{};
    return flags;
}

std::optional<std::string> single_id(const std::vector<std::string> &positional,
                                     const std::string &verb, int &exit_status)
{
    if (positional.size() != 1) {
        exit_status = report_usage(verb, "expected one container id");
        return std::nullopt;
    }
    if (auto valid = state::check_container_id(positional[0]); !valid) {
        exit_status = report_failure(verb, positional[0], valid.error());
        return std::nullopt;
    }
    return positional[0];
}

void add_container_flags(cxxopts::Options &options)
{
    options.add_options()
        ("b,bundle", "bundle directory (default: the current directory)", cxxopts::value<std::string>())
        ("pid-file", "write the container process's pid to FILE", cxxopts::value<std::string>())
        ("console-socket", "unix socket to receive the terminal's master fd", cxxopts::value<std::string>())
        ("no-pivot", "move the root onto / and chroot instead of pivot_root (for a ramfs root)")
        ("no-new-keyring", "keep the caller's session keyring (crun-lite never makes a new one)")
        ("preserve-fds", "pass N more fds after stdio (and after LISTEN_FDS)", cxxopts::value<int>()->default_value("0"));
}

namespace {

// systemd socket activation: LISTEN_FDS fds from 3 pass into the container, which sees
// LISTEN_FDS and LISTEN_PID=1 (its first process is the one they were meant for). As the
// protocol says, they are ours only when LISTEN_PID names this process: variables inherited
// past the process they were meant for pass nothing.
int apply_listen_fds(spec::Bundle &bundle)
{
    const char *listen_fds = getenv("LISTEN_FDS");
    const char *listen_pid = getenv("LISTEN_PID");
    if (!listen_fds || !listen_pid || listen_pid != std::to_string(getpid()))
        return 0;
    int count = atoi(listen_fds);
    if (count <= 0 || !bundle.config.process)
        return 0;
    auto &env = bundle.config.process->env;
    std::erase_if(env, [](const std::string &entry) {
        return entry.rfind("LISTEN_FDS=", 0) == 0 || entry.rfind("LISTEN_PID=", 0) == 0;
    });
    env.push_back("LISTEN_FDS=" + std::to_string(count));
    env.push_back("LISTEN_PID=1");
    return count;
}

// The pty master needs a holder: the console socket's owner, or `run` in the foreground. Only
// `run` has --detach, so for `create` the flag never counts.
Status check_console_socket(const spec::Config &config, const cxxopts::ParseResult &flags,
                            const std::string &verb)
{
    bool terminal = config.process && config.process->terminal;
    bool socket = flags.count("console-socket") > 0;
    if (socket && !terminal)
        return Error::message("--console-socket: needs process.terminal, which is false");
    bool foreground = verb == "run" && flags.count("detach") == 0;
    if (terminal && !socket && !foreground)
        return Error::message(
            "process.terminal: needs --console-socket, or `run` in the foreground");
    return Ok{};
}

} // namespace

Result<ContainerRequest> container_request(const GlobalOptions &global,
                                           const cxxopts::ParseResult &flags,
                                           const std::string &id, const std::string &bundle_dir,
                                           const std::string &verb, bool process_required)
{
    TRY(state::check_container_id(id));
    int preserve_fds = flags["preserve-fds"].as<int>();
    if (preserve_fds < 0)
        return Error::message("--preserve-fds: must not be negative");

    spec::ValidateOptions validate;
    validate.process_required = process_required;
    ContainerRequest request{TRY(spec::load_bundle(bundle_dir, validate)), {}, {}};
    // Before any warning is logged: the re-exec starts the command over (main.cpp does it for
    // create, which always needs it, before it reads anything).
    if (verb == "run" && runtime::first_process_reachable_before_exec(request.bundle.config))
        TRY(sys::reexec_from_protected_binary(global.argv));
    for (const auto &warning : request.bundle.warnings)
        log::warning(verb + " `" + id + "`: " + warning);

    TRY(check_console_socket(request.bundle.config, flags, verb));

    request.create.id = id;
    request.create.state_root = global.state_root;
    request.create.data_root = global.data_root;
    request.create.systemd_cgroup = global.systemd_cgroup;
    request.create.no_pivot = flags.count("no-pivot") > 0;
    request.create.preserved_fds = apply_listen_fds(request.bundle) + preserve_fds;
    if (flags.count("console-socket"))
        request.create.console_socket = flags["console-socket"].as<std::string>();
    if (flags.count("pid-file"))
        request.pid_file = flags["pid-file"].as<std::string>();
    return request;
}

ArgvView::ArgvView(const Arguments &args) : storage_(args)
{
    for (auto &arg : storage_)
        pointers_.push_back(arg.data());
    pointers_.push_back(nullptr);
}

} // namespace crunlite::cli
