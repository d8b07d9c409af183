// A real distribution image: Debian 12 with nodejs, made by mmdebstrap from the machine's
// configured Debian mirror (tools/make-debian-image, once per build directory), runs `node`
// under podman and in crun-lite's own bundle form, its root the read-only image below an
// overlay.
#include <doctest/doctest.h>

#include <filesystem>
#include <memory>

#include "integration/clients.hpp"

using namespace harness;

namespace {

// What node prints about itself, the same wherever it runs; "wrote" shows the root writable.
constexpr const char *node_script =
    "const fs = require('fs'); fs.writeFileSync('/tmp/proof', 'x');"
    "console.log('node', process.version.split('.')[0], require('os').platform(), 6 * 7,"
    " fs.existsSync('/tmp/proof') ? 'wrote' : 'no write')";

// The image's tarball, built on first use; "" after saying why when it cannot be had.
std::string debian_tarball()
{
    if (!clients::installed("mmdebstrap")) {
        MESSAGE("skipped: mmdebstrap is not installed (tools/install-deps installs it)");
        return "";
    }
    std::string binary_dir = std::filesystem::path(getenv("CRUN_LITE_BIN")).parent_path();
    std::string tarball = binary_dir + "/images/debian-node.tar";
    // mmdebstrap downloads about 30 MB and unpacks them: minutes on a busy machine.
    auto made = run_program({source_dir() + "/tools/make-debian-image", tarball}, {}, 900);
    REQUIRE_MESSAGE(made.status == 0, made.out << made.err);
    return tarball;
}

} // namespace

TEST_CASE("Debian image: node runs under podman")
{
    if (!clients::installed("podman") || !clients::installed("conmon")) {
        MESSAGE("skipped: podman or conmon is not installed (tools/install-deps installs them)");
        return;
    }
    std::string tarball = debian_tarball();
    if (tarball.empty())
        return;
    clients::Podman podman;
    podman.import(tarball, "localhost/crun-lite-debian-node:latest");

    auto outcome = podman({"run", "--rm", "localhost/crun-lite-debian-node:latest", "node", "-e",
                           node_script});

    CHECK_MESSAGE(outcome.status == 0, outcome.err);
    CHECK(outcome.out == "node v18 linux 42 wrote\n");
}

TEST_CASE("Debian image: node runs in crun-lite's own bundle form, its writes kept off the image")
{
    std::string tarball = debian_tarball();
    if (tarball.empty())
        return;
    TempDir image;
    auto unpacked = run_program({"tar", "--numeric-owner", "-xf", tarball, "-C", image.path()});
    REQUIRE_MESSAGE(unpacked.status == 0, unpacked.err);
    Bundle bundle;
    bundle.config["root"]["path"] = image.path();
    bundle.config["process"]["args"] = {"node", "-e", node_script};
    bundle.write();

    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "debian-node"});

    CHECK_MESSAGE(outcome.status == 0, outcome.err);
    CHECK(outcome.out == "node v18 linux 42 wrote\n");
    // The write went to the container's own upper layer.
    CHECK(!exists(image.path() + "/tmp/proof"));
}
