// The overlay model: the image is the read-only lower dir, each container writes its own upper
// dir, and a plain OCI bundle (no annotation) runs on its rootfs as runc would.
#include <doctest/doctest.h>

#include <filesystem>

#include "integration/harness.hpp"

using namespace harness;

TEST_CASE("overlay: a file written inside exists neither in the image nor on the host after")
{
    Bundle bundle("echo data > /written-inside && cat /written-inside && rm /bin/ls && "
                  "[ ! -e /bin/ls ] && echo removed");
    auto before = HostSnapshot::take();

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK(outcome.status == 0);
    CHECK(outcome.out == "data\nremoved\n");
    CHECK_FALSE(exists(image_dir() + "/written-inside"));
    CHECK(exists(image_dir() + "/bin/ls"));
    // Same image tree, and the container's upper dir is gone with it.
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("overlay: two containers on one image at once never see each other's files")
{
    TempDir shared;
    // Each writes its own file, waits for the other to have written, then looks for it.
    auto script = [](const std::string &me, const std::string &other) {
        return "echo " + me + " > /" + me + "-file && touch /shared/" + me +
               "-ready && i=0; while [ ! -e /shared/" + other +
               "-ready ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; "
               "[ -e /shared/" + other + "-ready ] || exit 3; [ -e /" + other +
               "-file ] && echo saw-other || echo isolated";
    };
    Bundle first(script("a", "b"));
    Bundle second(script("b", "a"));
    for (auto *bundle : {&first, &second}) {
        bundle->config["mounts"].push_back(
            {{"destination", "/shared"}, {"type", "bind"}, {"source", shared.path()},
             {"options", {"rbind", "rw"}}});
        bundle->write();
    }

    auto running_first = start_crun_lite({"run", first.dir()});
    auto running_second = start_crun_lite({"run", second.dir()});
    auto outcome_first = running_first.wait();
    auto outcome_second = running_second.wait();

    CHECK(outcome_first.status == 0);
    CHECK(outcome_second.status == 0);
    CHECK(outcome_first.out == "isolated\n");
    CHECK(outcome_second.out == "isolated\n");
}

TEST_CASE("overlay: one bundle runs twice at once under the short form")
{
    TempDir shared;
    Bundle bundle("touch /shared/$(cat /proc/sys/kernel/random/uuid); sleep 1");
    bundle.config["mounts"].push_back({{"destination", "/shared"}, {"type", "bind"},
                                       {"source", shared.path()}, {"options", {"bind"}}});
    bundle.write();
    auto first = start_crun_lite({"run", bundle.dir()});
    auto second = start_crun_lite({"run", bundle.dir()});
    CHECK(first.wait().status == 0);
    CHECK(second.wait().status == 0);
    size_t count = 0;
    for ([[maybe_unused]] const auto &entry : std::filesystem::directory_iterator(shared.path()))
        ++count;
    CHECK(count == 2);
}

TEST_CASE("overlay: root.readonly makes the container's root read-only")
{
    Bundle bundle("touch /x 2>&1; echo status=$?");
    bundle.config["root"]["readonly"] = true;
    bundle.write();
    auto outcome = crun_lite({"run", bundle.dir()});
    CHECK(outcome.status == 0);
    CHECK(outcome.out.find("Read-only file system") != std::string::npos);
    CHECK(outcome.out.find("status=1") != std::string::npos);
}

TEST_CASE("plain OCI bundle: without the annotation, the rootfs beside config.json is used as is")
{
    Bundle bundle("echo plain > /written && cat /written");
    use_private_rootfs(bundle);
    bundle.write();
    auto before = HostSnapshot::take();

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK(outcome.status == 0);
    CHECK(outcome.out == "plain\n");
    // As with runc, the container wrote its rootfs directly; no overlay layers were made.
    CHECK(read_text(bundle.dir() + "/rootfs/written") == "plain\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}
