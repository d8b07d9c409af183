// Images: tools/image imports what podman saves and what a tarball holds, and `crun-lite
// container` runs it in one line. Each test keeps its images in a directory of its own; the
// shared busybox image is only ever read.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "integration/harness.hpp"

using namespace harness;

namespace {

std::string tool() { return source_dir() + "/tools/image"; }
std::string fixtures() { return source_dir() + "/tests/integration/images/fixtures.py"; }

Outcome image_tool(const std::string &images, std::vector<std::string> args)
{
    args.insert(args.begin(), {tool(), "--images", images});
    return run_program(args);
}

Outcome container(const std::string &images, std::vector<std::string> args)
{
    args.insert(args.begin(), {"container", "--images", images});
    return crun_lite(args);
}

// The podman-made two-layer image, as oci-archive and docker-archive: made once per test
// process (podman takes a few seconds), kept until it ends.
const TempDir &podman_archives()
{
    static TempDir archives;
    static bool made = [] {
        auto outcome = run_program({source_dir() + "/tests/integration/images/make-podman-archives",
                                    image_dir(), archives.path()});
        INFO(outcome.err);
        REQUIRE(outcome.status == 0);
        return true;
    }();
    (void)made;
    return archives;
}

size_t entries_in(const std::string &dir)
{
    if (!exists(dir))
        return 0;
    size_t count = 0;
    for ([[maybe_unused]] const auto &entry : std::filesystem::directory_iterator(dir))
        ++count;
    return count;
}

std::string unique_id(const std::string &prefix)
{
    return prefix + "-" + std::to_string(getpid());
}

} // namespace

TEST_CASE("images: a podman oci-archive runs in one line: both layers, deletions, Cmd and Env")
{
    TempDir images;
    REQUIRE(image_tool(images.path(), {"import", "layered", podman_archives().path() + "/oci.tar"})
                .status == 0);

    auto by_cmd = container(images.path(), {unique_id("img-cmd"), "layered"});
    CHECK(by_cmd.status == 0);
    CHECK(by_cmd.out == "cmd hello-from-env\nfrom-layer-2\n");

    auto looked = container(images.path(),
                            {unique_id("img-look"), "layered", "sh", "-c",
                             "cat /newdir/file /etc/motd-changed; tail -n1 /etc/passwd; "
                             "[ -x /bin/busybox ] && echo base-layer; "
                             "[ -e /bin/vi ] || echo vi-deleted; [ -e /home ] || echo home-deleted"});
    CHECK(looked.status == 0);
    CHECK(looked.out == "inside\nchanged\nedited\nbase-layer\nvi-deleted\nhome-deleted\n");
}

TEST_CASE("images: the docker-archive of the same image shares its layers, each stored once")
{
    TempDir images;
    REQUIRE(image_tool(images.path(), {"import", "from-oci", podman_archives().path() + "/oci.tar"})
                .status == 0);
    REQUIRE(image_tool(images.path(),
                       {"import", "from-docker", podman_archives().path() + "/docker.tar"})
                .status == 0);

    CHECK(entries_in(images.path() + "/.layers/sha256") == 2);
    auto layers = image_tool(images.path(), {"layers"});
    CHECK(layers.status == 0);
    size_t shared = 0;
    for (size_t at = 0; (at = layers.out.find("\tfrom-docker,from-oci\n", at)) != std::string::npos;
         ++at)
        ++shared;
    CHECK(shared == 2);

    auto outcome = container(images.path(), {"-e", "GREETING=overridden", unique_id("img-docker"),
                                             "from-docker", "sh", "-c", "echo $GREETING"});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "overridden\n");
}

TEST_CASE("images: a layer an image uses cannot be removed; rm and gc remove image and layers")
{
    TempDir images;
    REQUIRE(image_tool(images.path(), {"import", "layered", podman_archives().path() + "/oci.tar"})
                .status == 0);
    std::string store = images.path() + "/.layers/sha256";
    std::string digest = "sha256:" + std::filesystem::directory_iterator(store)->path()
                                         .filename().string();

    auto refused = image_tool(images.path(), {"rm-layer", digest});
    CHECK(refused.status == 1);
    CHECK(refused.err.find("is used by layered") != std::string::npos);
    CHECK(entries_in(store) == 2);

    CHECK(image_tool(images.path(), {"rm", "layered"}).status == 0);
    CHECK_FALSE(exists(images.path() + "/layered"));
    CHECK(image_tool(images.path(), {"gc"}).status == 0);
    CHECK(entries_in(store) == 0);
}

TEST_CASE("images: an opaque directory and a whiteout in an upper layer hide the lower's files")
{
    TempDir work;
    REQUIRE(run_program({fixtures(), "opaque", work.path(), image_dir() + "/bin/busybox"})
                .status == 0);
    std::string images = work.path() + "/images";
    REQUIRE(image_tool(images, {"import", "opaque", work.path() + "/opaque-layout"}).status == 0);

    // The image's Cmd: `ls /d; ls /gone 2>&1`.
    auto outcome = container(images, {unique_id("img-opaque"), "opaque"});
    CHECK(outcome.out == "new\nls: /gone: No such file or directory\n");
}

TEST_CASE("images: hostile tarballs are refused and write nothing outside the store")
{
    TempDir work;
    std::string outside = work.path() + "/outside";
    std::filesystem::create_directory(outside);
    REQUIRE(run_program({fixtures(), "hostile", work.path() + "/tars", outside,
                         image_dir() + "/bin/busybox"})
                .status == 0);
    struct stat shadow_before {};
    REQUIRE(stat("/etc/shadow", &shadow_before) == 0);
    std::string images = work.path() + "/images";

    for (const char *attack : {"parent", "absolute", "symlink", "hardlink"}) {
        CAPTURE(attack);
        auto outcome = image_tool(images, {"import-rootfs", attack,
                                           work.path() + "/tars/" + attack + ".tar"});
        CHECK(outcome.status == 1);
        CHECK(outcome.err.find("refused") != std::string::npos);
        CHECK_FALSE(exists(images + "/" + attack));
    }
    auto layered = image_tool(images, {"import", "layered", work.path() + "/tars/hostile-layout"});
    CHECK(layered.status == 1);
    CHECK(layered.err.find("nothing is written through one") != std::string::npos);
    CHECK_FALSE(exists(images + "/layered"));

    CHECK(entries_in(outside) == 0);
    CHECK_FALSE(exists(work.path() + "/escaped-parent"));
    CHECK_FALSE(exists(work.path() + "/tars/escaped-parent"));
    struct stat shadow_after {};
    REQUIRE(stat("/etc/shadow", &shadow_after) == 0);
    CHECK(shadow_after.st_nlink == shadow_before.st_nlink);
    // Only the clean first layer of the layout made it into the store; no half-unpacked one.
    CHECK(entries_in(images + "/.layers/sha256") == 1);
    CHECK(entries_in(images + "/.layers/tmp") == 0);
}

TEST_CASE("container: the quick form on a root filesystem takes its flags and leaves nothing")
{
    TempDir shared;
    write_text(shared.path() + "/in", "from-host\n");
    // Readable for the user the container runs as.
    std::filesystem::permissions(shared.path(), std::filesystem::perms(0755));
    std::filesystem::permissions(shared.path() + "/in", std::filesystem::perms(0644));
    std::string images = source_dir() + "/images";
    auto before = HostSnapshot::take();

    auto outcome = container(
        images, {"-e", "ANSWER=42", "--cwd", "/tmp", "--hostname", "quick", "--user", "1000:1001",
                 "--read-only", "--mount", shared.path() + ":/shared:ro", unique_id("quick"),
                 "busybox", "sh", "-c",
                 "echo $ANSWER $(pwd) $(hostname) $(id -u):$(id -g); cat /shared/in; "
                 "touch /x 2>/dev/null || echo root-read-only; "
                 "touch /shared/y 2>/dev/null || echo mount-read-only; exit 5"});

    CHECK(outcome.status == 5);
    CHECK(outcome.out == "42 /tmp quick 1000:1001\nfrom-host\nroot-read-only\nmount-read-only\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("container: an image name that would leave the images directory is refused")
{
    std::string images = source_dir() + "/images";
    for (const char *name : {"..", "../images/busybox", "/", ".layers", "no-such-image"}) {
        CAPTURE(name);
        auto outcome = container(images, {unique_id("quick-bad"), name, "true"});
        CHECK(outcome.status == 1);
        CHECK(outcome.err.find("crun-lite: container `" + unique_id("quick-bad") + "`: image") !=
              std::string::npos);
    }
}

TEST_CASE("container: an image not found names the absolute images directory and how to choose one")
{
    // Run from another directory, without --images or $CRUN_LITE_IMAGES: ./images is looked in.
    TempDir elsewhere;
    std::string id = unique_id("quick-where");
    auto outcome = run_program(
        {"sh", "-c", "cd \"$1\" && shift && exec env -u CRUN_LITE_IMAGES \"$@\"", "sh",
         elsewhere.path(), getenv("CRUN_LITE_BIN"), "--root", state_root(), "--data-root",
         data_root(), "container", id, "busybox", "true"});

    CHECK(outcome.status == 1);
    CHECK(outcome.err == "crun-lite: container `" + id + "`: image `busybox`: no such image in `" +
                             elsewhere.path() +
                             "/images` (choose the images directory with --images DIR or "
                             "$CRUN_LITE_IMAGES)\n");
}
