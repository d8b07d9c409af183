// sys::parse_signal: the signal names and numbers `crun-lite kill` takes, and what it refuses.
#include <doctest/doctest.h>
#include <signal.h>

#include <string>

#include "sys/signals.hpp"

using crunlite::sys::parse_signal;

TEST_CASE("signals: names are taken with or without SIG, in any case")
{
    struct Case {
        const char *text;
        int number;
    };
    const Case cases[] = {
        {"TERM", SIGTERM},   {"SIGTERM", SIGTERM}, {"sigterm", SIGTERM}, {"term", SIGTERM},
        {"SigTerm", SIGTERM}, {"KILL", SIGKILL},   {"sigkill", SIGKILL}, {"HUP", SIGHUP},
        {"SIGINT", SIGINT},  {"usr1", SIGUSR1},    {"SIGUSR2", SIGUSR2}, {"CHLD", SIGCHLD},
        {"SIGCONT", SIGCONT}, {"stop", SIGSTOP},   {"WINCH", SIGWINCH},  {"SIGPWR", SIGPWR},
        {"SIGSYS", SIGSYS},  {"IOT", SIGABRT},     {"POLL", SIGIO},      {"sigalrm", SIGALRM},
    };
    for (const auto &known : cases) {
        auto parsed = parse_signal(known.text);
        REQUIRE_MESSAGE(parsed.has_value(), known.text);
        CHECK_MESSAGE(*parsed == known.number, known.text);
    }
}

TEST_CASE("signals: every number from 1 to 64 is taken as it is")
{
    REQUIRE(SIGRTMAX == 64);
    for (int number = 1; number <= 64; ++number) {
        auto parsed = parse_signal(std::to_string(number));
        REQUIRE_MESSAGE(parsed.has_value(), number);
        CHECK(*parsed == number);
    }
}

TEST_CASE("signals: 0 is taken as the liveness check, but only as a number")
{
    CHECK(parse_signal("0") == 0);
    CHECK_FALSE(parse_signal("SIG0").has_value());
}

TEST_CASE("signals: real-time signals are named from RTMIN up and from RTMAX down")
{
    CHECK(parse_signal("SIGRTMIN") == SIGRTMIN);
    CHECK(parse_signal("rtmin") == SIGRTMIN);
    CHECK(parse_signal("SIGRTMIN+0") == SIGRTMIN);
    CHECK(parse_signal("SIGRTMIN+3") == SIGRTMIN + 3);
    CHECK(parse_signal("sigrtmin+1") == SIGRTMIN + 1);
    CHECK(parse_signal("RTMIN+" + std::to_string(SIGRTMAX - SIGRTMIN)) == SIGRTMAX);
    CHECK(parse_signal("SIGRTMAX") == SIGRTMAX);
    CHECK(parse_signal("RTMAX-1") == SIGRTMAX - 1);
    CHECK(parse_signal("SIGRTMAX-2") == SIGRTMAX - 2);
    CHECK(parse_signal("RTMAX-" + std::to_string(SIGRTMAX - SIGRTMIN)) == SIGRTMIN);
}

TEST_CASE("signals: anything that names no signal is refused")
{
    for (const char *text :
         {"SIG0", "65", "-1", "", "SIGFOO", "FOO", "SIG", "sig", "RTMIN+99", "9x", "x9", " 9", "9 ",
          "+9", "SIG9", "SIGRTMIN+", "RTMIN-1", "RTMAX+1", "RTMAX-99", "RTMIN+-1", "SIGSIGTERM",
          "TERM ", "1000000000000"}) {
        CHECK_MESSAGE(!parse_signal(text).has_value(), "`" << text << "`");
    }
    CHECK_FALSE(parse_signal("RTMIN+" + std::to_string(SIGRTMAX - SIGRTMIN + 1)).has_value());
    CHECK_FALSE(parse_signal("RTMAX-" + std::to_string(SIGRTMAX - SIGRTMIN + 1)).has_value());
}
