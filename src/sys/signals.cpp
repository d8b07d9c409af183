#include "sys/signals.hpp"

#include <signal.h>

#include <cctype>
#include <charconv>
#include <string>

namespace crunlite::sys {
namespace {

struct NamedSignal {
    std::string_view name;
    int number;
};

constexpr NamedSignal named_signals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},     {"IOT", SIGIOT},     {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL},     {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},   {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},     {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},         {"POLL", SIGPOLL},   {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

std::optional<int> parse_number(std::string_view text)
{
    int value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty())
        return std::nullopt;
    return value;
}

// RTMIN, RTMIN+N, RTMAX, RTMAX-N, each within the real-time range.
std::optional<int> parse_realtime(std::string_view name)
{
    for (auto [base, sign] : {std::pair<std::string_view, char>{"RTMIN", '+'}, {"RTMAX", '-'}}) {
        if (name.substr(0, base.size()) != base)
            continue;
        int origin = base == "RTMIN" ? SIGRTMIN : SIGRTMAX;
        std::string_view rest = name.substr(base.size());
        if (rest.empty())
            return origin;
        if (rest.front() != sign)
            return std::nullopt;
        auto offset = parse_number(rest.substr(1));
        if (!offset || *offset < 0 || *offset > SIGRTMAX - SIGRTMIN)
            return std::nullopt;
        return sign == '+' ? origin + *offset : origin - *offset;
    }
    return std::nullopt;
}

} // namespace

std::optional<int> parse_signal(std::string_view text)
{
    // 0 is no signal but a liveness check, as kill(2) and runc take it; `SIG0` names nothing.
    if (auto number = parse_number(text))
        return *number >= 0 && *number <= SIGRTMAX ? number : std::nullopt;

    std::string name;
    for (char c : text)
        name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string_view bare = name;
    if (bare.substr(0, 3) == "SIG")
        bare.remove_prefix(3);
    for (const auto &known : named_signals)
        if (known.name == bare)
            return known.number;
    return parse_realtime(bare);
}

} // namespace crunlite::sys
