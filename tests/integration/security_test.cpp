// Security: the container must not reach the host through symlinks in its rootfs, fds leaked
// from the runtime's caller, or the image under its overlay.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "integration/harness.hpp"

using namespace harness;

TEST_CASE("security: a mount destination through an absolute symlink stays inside the rootfs")
{
    TempDir host_target;
    Bundle bundle("ls -d /escape/sub && grep -c ' /tmp/.*/sub ' /proc/self/mountinfo");
    use_private_rootfs(bundle);
    // In the rootfs, /escape points at the host directory's path, which, resolved as the
    // container would, is a path inside the rootfs.
    std::filesystem::create_directory_symlink(host_target.path(), bundle.dir() + "/rootfs/escape");
    bundle.config["mounts"].push_back(
        {{"destination", "/escape/sub"}, {"type", "tmpfs"}, {"source", "tmpfs"}});
    bundle.write();
    auto before = HostSnapshot::take();

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK(outcome.status == 0);
    CHECK(outcome.out == "/escape/sub\n1\n");
    CHECK_FALSE(exists(host_target.path() + "/sub"));
    CHECK(exists(bundle.dir() + "/rootfs" + host_target.path() + "/sub"));
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("security: a mount destination through a `..` symlink stays inside the rootfs")
{
    Bundle bundle("true");
    use_private_rootfs(bundle);
    std::filesystem::create_directory_symlink("../../../../../../../../tmp",
                                              bundle.dir() + "/rootfs/climb");
    std::string marker = "crun-lite-climb-" + std::to_string(getpid());
    bundle.config["mounts"].push_back(
        {{"destination", "/climb/" + marker}, {"type", "tmpfs"}, {"source", "tmpfs"}});
    bundle.write();

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK(outcome.status == 0);
    CHECK_FALSE(exists("/tmp/" + marker));
    CHECK(exists(bundle.dir() + "/rootfs/tmp/" + marker));
}

TEST_CASE("security: only stdin, stdout and stderr pass into the container")
{
    // An fd the caller left open without close-on-exec, as careless callers do.
    int leaked = open("/etc/hostname", O_RDONLY);
    REQUIRE(leaked >= 0);
    REQUIRE(dup2(leaked, 57) == 57);
    close(leaked);

    Bundle bundle("ls /proc/self/fd");
    auto outcome = crun_lite({"run", bundle.dir()});
    close(57);

    CHECK(outcome.status == 0);
    // ls's own directory fd is 3; nothing else is there.
    CHECK(outcome.out == "0\n1\n2\n3\n");
}

TEST_CASE("security: the image stays unchanged even when the container removes all it can")
{
    Bundle bundle("rm -rf /bin /etc /usr 2>/dev/null; echo gone > /new-file; true");
    auto image_before = tree_hash(image_dir());
    auto outcome = crun_lite({"run", bundle.dir()});
    CHECK(outcome.status == 0);
    CHECK(tree_hash(image_dir()) == image_before);
}

namespace {

// A copy of crun-lite in a directory of its own, run with this test's roots, so an attack that
// gets through changes the copy, not the build.
class RuntimeCopy {
public:
    RuntimeCopy() : binary_(dir_.path() + "/crun-lite")
    {
        std::filesystem::copy_file(std::getenv("CRUN_LITE_BIN"), binary_);
        std::filesystem::permissions(binary_, std::filesystem::perms::owner_all);
        before_ = tree_hash(dir_.path());
    }

    // Its exit status; its output is of no interest.
    int run(const std::vector<std::string> &args) const
    {
        std::vector<std::string> all = {binary_, "--root", state_root(), "--data-root",
                                        data_root()};
        all.insert(all.end(), args.begin(), args.end());
        std::string line;
        for (const auto &arg : all)
            line += "'" + arg + "' ";
        return std::system((line + ">/dev/null 2>&1 </dev/null").c_str());
    }

    bool unchanged() const { return tree_hash(dir_.path()) == before_; }

private:
    TempDir dir_;
    std::string binary_;
    std::string before_;
};

// What a process in the container does: open the first process's binary while it is still
// crun-lite, then try to write it, again and again, as that process moves on to the program.
const std::string attack_on_first_process =
    "exec 3</proc/1/exe; for i in $(seq 100); do echo X >> /proc/self/fd/3 && break; "
    "sleep 0.02; done";

} // namespace

// CVE-2019-5736: until start, a created container's first process is crun-lite itself. Were
// it the binary on disk, a process exec'd into the container could open /proc/1/exe and write
// the host's runtime once the first process moves on to the program.
TEST_CASE("security: a created container's first process runs a binary nobody can write")
{
    RuntimeCopy runtime;
    Bundle bundle("sleep 2");
    std::string id = "sec-sealed";
    REQUIRE(runtime.run({"create", "--bundle", bundle.dir(), id}) == 0);
    auto state = nlohmann::json::parse(crun_lite({"state", id}).out);
    CHECK(runs_protected_binary(state["pid"].get<pid_t>()));

    auto attack = crun_lite_leaving_container(
        {"exec", "--detach", id, "sh", "-c", attack_on_first_process});
    CHECK(attack.status == 0);
    CHECK(runtime.run({"start", id}) == 0);
    usleep(500000);
    crun_lite({"delete", "--force", id});
    CHECK(runtime.unchanged());
}

// `run` skips the protected binary only when nothing can reach its first process before the
// program: a startContainer hook, resolved in the image, can.
TEST_CASE("security: run protects its binary from a startContainer hook of the image")
{
    RuntimeCopy runtime;
    Bundle bundle("sleep 2");
    bundle.config["hooks"]["startContainer"] = nlohmann::json::array(
        {{{"path", "/bin/sh"},
          {"args", {"sh", "-c", "(" + attack_on_first_process + ") >/dev/null 2>&1 &"}}}});
    bundle.write();
    std::string id = "sec-run-hook";

    // Detached, so that once the program runs no crun-lite process holds the binary busy.
    CHECK(runtime.run({"run", "--detach", "--bundle", bundle.dir(), id}) == 0);
    usleep(500000);
    crun_lite({"delete", "--force", id});
    CHECK(runtime.unchanged());
}

// CVE-2024-21626's kind: a created container's first process must hold no directory of the
// host's, or a process exec'd into the container could walk /proc/1/fd/N/.. to the host's root.
TEST_CASE("security: a created container's first process holds no host directory open")
{
    Bundle bundle("sleep 100");
    std::string id = "sec-fds";
    REQUIRE(crun_lite_leaving_container({"create", "--bundle", bundle.dir(), id}).status == 0);
    auto dirs = crun_lite({"exec", id, "sh", "-c",
                           "for f in /proc/1/fd/*; do [ -d \"$f\" ] && echo \"$f\"; done; true"});
    crun_lite({"delete", "--force", id});
    CHECK(dirs.status == 0);
    CHECK(dirs.out == "");
}
