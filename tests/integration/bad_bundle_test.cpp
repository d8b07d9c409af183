// Bad bundles: each fails with its message, exit status 1, and leaves the host as it was:
// mounts, state root, data root and image; the same id then runs.
#include <doctest/doctest.h>

#include <filesystem>

#include "integration/harness.hpp"

using namespace harness;

namespace {

// Runs `run --bundle DIR ID`, checks the error and that nothing was left, then that ID runs.
void check_refused(const Bundle &bundle, const std::string &expected_error)
{
    auto before = HostSnapshot::take();
    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "bad-one"});
    CHECK(outcome.status == 1);
    CHECK(outcome.out == "");
    CHECK(outcome.err == expected_error);
    CHECK(differences(before, HostSnapshot::take()) == "");

    Bundle good("echo good");
    auto again = crun_lite({"run", "--bundle", good.dir(), "bad-one"});
    CHECK(again.status == 0);
    CHECK(again.out == "good\n");
}

} // namespace

TEST_CASE("bad bundle: no config.json")
{
    Bundle bundle;
    std::filesystem::remove(bundle.dir() + "/config.json");
    check_refused(bundle, "crun-lite: run `bad-one`: bundle `" + bundle.dir() + "`: open `" +
                              bundle.dir() + "/config.json`: No such file or directory\n");
}

TEST_CASE("bad bundle: the bundle directory does not exist")
{
    auto before = HostSnapshot::take();
    auto outcome = crun_lite({"run", "/nonexistent/bundle"});
    CHECK(outcome.status == 1);
    CHECK(outcome.err == "crun-lite: run `/nonexistent/bundle`: bundle `/nonexistent/bundle`: "
                         "No such file or directory\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("bad bundle: malformed JSON names the line and column")
{
    Bundle bundle;
    write_text(bundle.dir() + "/config.json", "{\n  \"ociVersion\": \"1.2.0\",\n  oops\n}\n");
    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "bad-one"});
    CHECK(outcome.status == 1);
    CHECK(outcome.err.rfind("crun-lite: run `bad-one`: config.json: line 3, column 3: ", 0) == 0);
    check_refused(bundle, outcome.err);
}

TEST_CASE("bad bundle: root.path that does not exist")
{
    Bundle bundle;
    bundle.config["root"]["path"] = "missing-rootfs";
    bundle.write();
    check_refused(bundle, "crun-lite: run `bad-one`: root.path: `" + bundle.dir() +
                              "/missing-rootfs` does not exist\n");
}

TEST_CASE("bad bundle: empty process.args, and every problem is reported")
{
    Bundle bundle;
    bundle.config["process"]["args"] = nlohmann::json::array();
    bundle.config["process"]["cwd"] = "relative";
    bundle.write();
    check_refused(bundle, "crun-lite: run `bad-one`: process.args: must not be empty\n"
                          "crun-lite: run `bad-one`: process.cwd: must be an absolute path, "
                          "got `relative`\n");
}

TEST_CASE("bad bundle: a huge page size the kernel does not offer is refused before anything")
{
    // No kernel has 3MB pages (x86 offers 2MB and 1GB); the sizes it does offer end the line.
    Bundle bundle;
    bundle.config["linux"]["resources"]["hugepageLimits"] = {{{"pageSize", "3MB"}, {"limit", 0}}};
    bundle.write();
    auto before = HostSnapshot::take();
    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "bad-one"});
    CHECK(outcome.status == 1);
    CHECK(outcome.out == "");
    CHECK(outcome.err.rfind("crun-lite: run `bad-one`: linux.resources.hugepageLimits[0].pageSize: "
                            "the kernel offers no `3MB` huge pages (",
                            0) == 0);
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("bad bundle: a wrong type names its JSON path")
{
    Bundle bundle;
    bundle.config["process"]["args"][1] = 5;
    bundle.write();
    check_refused(bundle, "crun-lite: run `bad-one`: process.args[1]: expected a string, got "
                          "a number\n");
}

TEST_CASE("bad bundle: a field not supported yet is refused by name")
{
    Bundle bundle;
    bundle.config["linux"]["intelRdt"] = {{"closID", "x"}};
    bundle.write();
    check_refused(bundle, "crun-lite: run `bad-one`: linux.intelRdt: not supported yet\n");
}

TEST_CASE("bad bundle: a mount that fails inside the container is reported and undone")
{
    Bundle bundle;
    bundle.config["mounts"].push_back(
        {{"destination", "/data"}, {"type", "no-such-fs"}, {"source", "none"}});
    bundle.write();
    size_t index = bundle.config["mounts"].size() - 1;
    check_refused(bundle, "crun-lite: run `bad-one`: mounts[" + std::to_string(index) +
                              "]: mount `no-such-fs` on `/data`: No such device\n");
}

TEST_CASE("bad id: refused before anything is touched")
{
    Bundle bundle;
    auto before = HostSnapshot::take();
    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), ".hidden"});
    CHECK(outcome.status == 1);
    CHECK(outcome.err ==
          "crun-lite: run `.hidden`: container id `.hidden`: must not start with `.` or `-`\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}
