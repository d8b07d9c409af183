// Exit status: the container process's, 128+N for a signal, 127/126 for a command that cannot
// run; signals sent to the runtime reach the container.
#include <doctest/doctest.h>
#include <signal.h>

#include "integration/harness.hpp"

using namespace harness;

TEST_CASE("exit status: 0 and 7 pass through")
{
    Bundle success("exit 0");
    CHECK(crun_lite({"run", success.dir()}).status == 0);
    Bundle seven("exit 7");
    auto outcome = crun_lite({"run", seven.dir()});
    CHECK(outcome.status == 7);
    CHECK(outcome.err == "");
}

TEST_CASE("exit status: a command missing in the image is 127 with a message")
{
    Bundle bundle;
    bundle.config["process"]["args"] = {"no-such-command", "arg"};
    bundle.write();
    auto before = HostSnapshot::take();
    auto outcome = crun_lite({"run", bundle.dir()});
    CHECK(outcome.status == 127);
    CHECK(outcome.err.find(": exec `no-such-command`: executable file not found in $PATH\n") !=
          std::string::npos);
    CHECK(differences(before, HostSnapshot::take()) == "");

    bundle.config["process"]["args"] = {"/no/such/file"};
    bundle.write();
    outcome = crun_lite({"run", bundle.dir()});
    CHECK(outcome.status == 127);
    CHECK(outcome.err.find(": exec `/no/such/file`: No such file or directory\n") !=
          std::string::npos);
}

TEST_CASE("exit status: a file that is not executable is 126")
{
    Bundle bundle;
    bundle.config["process"]["args"] = {"/etc/passwd"};
    bundle.write();
    auto outcome = crun_lite({"run", bundle.dir()});
    CHECK(outcome.status == 126);
    CHECK(outcome.err.find(": exec `/etc/passwd`: Permission denied\n") != std::string::npos);
}

TEST_CASE("exit status: a signal sent to the runtime reaches the container process")
{
    TempDir shared;
    Bundle bundle("trap 'echo got TERM; exit 42' TERM; echo ready > /shared/ready; "
                  "while true; do sleep 0.05; done");
    bundle.config["mounts"].push_back({{"destination", "/shared"}, {"type", "bind"},
                                       {"source", shared.path()}, {"options", {"bind"}}});
    bundle.write();

    auto running = start_crun_lite({"run", bundle.dir()});
    REQUIRE(wait_for_file(shared.path() + "/ready", 10));
    kill(running.pid(), SIGTERM);
    auto outcome = running.wait();
    CHECK(outcome.status == 42);
    CHECK(outcome.out == "got TERM\n");
}

TEST_CASE("exit status: without a pid namespace, death by signal is 128+N and no process is left")
{
    Bundle bundle("sleep 4321 & kill -9 $$");
    auto &namespaces = bundle.config["linux"]["namespaces"];
    for (auto ns = namespaces.begin(); ns != namespaces.end(); ++ns) {
        if ((*ns)["type"] == "pid") {
            namespaces.erase(ns);
            break;
        }
    }
    bundle.write();
    auto outcome = crun_lite({"run", bundle.dir()});
    CHECK(outcome.status == 137);
    CHECK(processes_matching("sleep 4321").empty());
}
