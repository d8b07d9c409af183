// `crun-lite run`: output from inside, both command-line forms, the example bundle.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include "integration/harness.hpp"

using namespace harness;

TEST_CASE("run: a command's output comes from inside the container")
{
    Bundle bundle("echo hello from $(hostname)");
    auto before = HostSnapshot::take();

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK(outcome.status == 0);
    CHECK(outcome.out == "hello from crun-lite\n");
    CHECK(outcome.err == "");
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("run: the OCI form takes the id and --bundle")
{
    Bundle bundle("echo oci form");
    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "my-container"});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "oci form\n");
}

TEST_CASE("run: the example bundle prints from inside the container")
{
    auto outcome = crun_lite({"run", source_dir() + "/bundles/busybox"});
    CHECK(outcome.status == 0);
    CHECK(outcome.out.find("hello from inside the container") != std::string::npos);
    CHECK(outcome.out.find("pid=1") != std::string::npos);
}

TEST_CASE("run: while running, the id is taken in the state root and the overlay is in place")
{
    TempDir scratch;
    Bundle bundle("sleep 30");
    auto running = start_crun_lite(
        {"run", "--bundle", bundle.dir(), "--pid-file", scratch.path() + "/pid", "busy-id"});
    REQUIRE(wait_for_file(scratch.path() + "/pid", 10));

    CHECK(exists(state_root() + "/busy-id/state.json"));
    CHECK(exists(data_root() + "/busy-id/upper"));
    auto second = crun_lite({"run", "--bundle", bundle.dir(), "busy-id"});
    CHECK(second.status == 1);
    CHECK(second.err == "crun-lite: run `busy-id`: container `busy-id` already exists\n");

    kill(std::stoi(read_text(scratch.path() + "/pid")), SIGKILL);
    auto outcome = running.wait();
    CHECK(outcome.status == 137);
    CHECK_FALSE(exists(state_root() + "/busy-id"));
    CHECK_FALSE(exists(data_root() + "/busy-id"));
}

TEST_CASE("run: --help explains how the two forms are told apart")
{
    auto outcome = crun_lite({"run", "--help"});
    CHECK(outcome.status == 0);
    CHECK(outcome.out.find("holding `/`") != std::string::npos);
}

TEST_CASE("run: killing the runtime takes the container with it, whatever user it runs as")
{
    for (unsigned uid : {0u, 1000u}) {
        CAPTURE(uid);
        TempDir scratch;
        Bundle bundle;
        // A duration unique to this test run, so another run's sleeps are never counted.
        std::string seconds = std::to_string(100000 + getpid());
        bundle.config["process"]["args"] = {"sleep", seconds};
        bundle.config["process"]["user"] = {{"uid", uid}, {"gid", uid}};
        bundle.write();
        auto running = start_crun_lite(
            {"run", "--bundle", bundle.dir(), "--pid-file", scratch.path() + "/pid", "orphan"});
        REQUIRE(wait_for_file(scratch.path() + "/pid", 10));

        kill(running.pid(), SIGKILL);
        running.wait();
        bool gone = false;
        for (int i = 0; i < 200 && !gone; ++i) {
            gone = processes_matching("sleep " + seconds).empty();
            usleep(10000);
        }
        CHECK(gone);
        // The killed runtime could not clean up: delete does, and frees the id.
        CHECK(crun_lite({"delete", "--force", "orphan"}).status == 0);
    }
}

TEST_CASE("run: --no-pivot (MS_MOVE and chroot) runs the container on the same root")
{
    Bundle bundle("ls /; hostname; echo x > /written && cat /written");
    auto pivoted = crun_lite({"run", "--bundle", bundle.dir(), "pivot"});
    auto moved = crun_lite({"run", "--no-pivot", "--bundle", bundle.dir(), "no-pivot"});
    CHECK(pivoted.status == 0);
    CHECK(moved.status == 0);
    CHECK(moved.err == "");
    CHECK(moved.out == pivoted.out);
    CHECK(moved.out.find("crun-lite\nx\n") != std::string::npos);
}

TEST_CASE("run: runc's global --rootless and --criu are taken; a --rootless that cannot hold says why")
{
    Bundle bundle("echo ran");
    auto taken = crun_lite({"--rootless", "auto", "--criu", "/usr/sbin/criu", "run", bundle.dir()});
    CHECK(taken.status == 0);
    CHECK(taken.out == "ran\n");
    CHECK(crun_lite({"--rootless=false", "run", bundle.dir()}).out == "ran\n");

    // These tests run as root.
    auto refused = crun_lite({"--rootless", "true", "run", bundle.dir()});
    CHECK(refused.status == 1);
    CHECK(refused.err == "crun-lite: --rootless true: crun-lite runs as root because of who runs "
                         "it (uid 0); use `auto`\n");
    CHECK(crun_lite({"--rootless", "maybe", "run", bundle.dir()}).err ==
          "crun-lite: --rootless: expected `true`, `false` or `auto`, got `maybe`\n");
}
