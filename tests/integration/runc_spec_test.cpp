// Configs real clients wrote: the one `runc spec` writes (tests/configs/runc-spec, as runc 1.x
// wrote it on this host), which crun-lite runs with its args changed and every field applied,
// and `crun-lite spec` writes the same defaults; and one podman 4.3 wrote for a busybox
// container (tests/configs/podman-busybox), which runs with only its host paths replaced.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include "integration/harness.hpp"

using namespace harness;
using nlohmann::json;

namespace {

json runc_default_config()
{
    return json::parse(read_text(source_dir() + "/tests/configs/runc-spec/config.json"));
}

} // namespace

TEST_CASE("runc spec: runc's default config runs with every field applied")
{
    TempDir bundle;
    std::filesystem::copy(image_dir(), bundle.path() + "/rootfs",
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::copy_symlinks);
    json config = runc_default_config();
    config["process"]["args"] = {
        "sh", "-c",
        "id; hostname; grep -E 'CapBnd|CapAmb|NoNewPrivs' /proc/self/status; ulimit -n; "
        "touch /written 2>/dev/null || echo read-only root; wc -c < /proc/keys; "
        "(echo x > /proc/sys/kernel/domainname) 2>/dev/null || echo read-only /proc/sys; "
        "[ -t 0 ] && echo terminal"};
    write_text(bundle.path() + "/config.json", config.dump(2));

    auto outcome = crun_lite({"run", "--bundle", bundle.path(), "runc-default"});

    CHECK(outcome.status == 0);
    // runc's terminal, relayed: lines end in CR LF.
    CHECK(outcome.out == "uid=0(root) gid=0(root)\r\nrunc\r\nCapBnd:\t0000000020000420\r\n"
                         "CapAmb:\t0000000000000000\r\nNoNewPrivs:\t1\r\n1024\r\n"
                         "read-only root\r\n0\r\nread-only /proc/sys\r\nterminal\r\n");
    // runc lists ambient capabilities that are not inheritable; the kernel would not keep them.
    for (const char *name : {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"})
        CHECK(outcome.err.find(std::string("`") + name + "` is not both permitted and "
                               "inheritable; not raised") != std::string::npos);
    CHECK(!exists(bundle.path() + "/rootfs/written"));
}

TEST_CASE("runc spec: crun-lite spec writes runc's defaults")
{
    TempDir dir;
    REQUIRE(crun_lite({"spec", "--bundle", dir.path()}).status == 0);
    json ours = json::parse(read_text(dir.path() + "/config.json"));
    json runc = runc_default_config();

    CHECK(ours["process"]["terminal"] == runc["process"]["terminal"]);
    CHECK(ours["process"]["args"] == runc["process"]["args"]);
    CHECK(ours["process"]["rlimits"] == runc["process"]["rlimits"]);
    CHECK(ours["process"]["noNewPrivileges"] == runc["process"]["noNewPrivileges"]);
    for (const char *set : {"bounding", "effective", "permitted"})
        CHECK(ours["process"]["capabilities"][set] == runc["process"]["capabilities"][set]);
    CHECK(!ours["process"]["capabilities"].contains("ambient"));
    CHECK(ours["mounts"] == runc["mounts"]);
    CHECK(ours["linux"] == runc["linux"]);
    // crun-lite's own: the image is an overlay's lower layer, the root above it writable.
    CHECK(ours["annotations"] == json{{"io.crun-lite.rootfs", "overlay"}});
    CHECK(ours["root"] == json{{"path", "rootfs"}, {"readonly", false}});
}

TEST_CASE("podman's config: runs with only its host paths replaced, seccomp and cgroups applied")
{
    TempDir dir;
    std::string root = dir.path() + "/rootfs", data = dir.path() + "/userdata";
    std::filesystem::copy(image_dir(), root,
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::copy_symlinks);
    std::filesystem::create_directories(data + "/shm");
    write_text(data + "/hosts", "127.0.0.1 localhost\n");
    write_text(data + "/hostname", "from-podman\n");
    write_text(data + "/.containerenv", "");
    std::filesystem::create_directory(dir.path() + "/bundle");

    json config =
        json::parse(read_text(source_dir() + "/tests/configs/podman-busybox/config.json"));
    // Only what names podman's storage on the machine that wrote it changes.
    config["root"]["path"] = root;
    for (auto &mount : config["mounts"]) {
        std::string source = mount.value("source", "");
        if (auto at = source.find("/userdata/"); at != std::string::npos)
            mount["source"] = data + source.substr(at + 9);
    }
    config["process"]["args"] = {
        "sh", "-c",
        "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; grep -c libpod /proc/self/cgroup; "
        "cat /etc/hostname; ulimit -n; mkdir /tmp/x && echo mkdir works"};
    write_text(dir.path() + "/bundle/config.json", config.dump(2));
    std::string cgroup = "/sys/fs/cgroup/pids" + config["linux"]["cgroupsPath"].get<std::string>();

    auto outcome = crun_lite({"run", "--bundle", dir.path() + "/bundle", "podman-config"});

    // In its own cgroup in every hierarchy mounted here (a v1 hierarchy left unmounted
    // elsewhere cannot be reached): one mountinfo line each on this host.
    std::istringstream mountinfo(read_text("/proc/self/mountinfo"));
    int count = 0;
    for (std::string line; std::getline(mountinfo, line);)
        if (line.find(" - cgroup ") != std::string::npos ||
            line.find(" - cgroup2 ") != std::string::npos)
            ++count;
    CHECK(outcome.status == 0);
    CHECK(outcome.err == "");
    CHECK(outcome.out == "NoNewPrivs:\t0\nSeccomp:\t2\n" + std::to_string(count) +
                             "\nfrom-podman\n20000\nmkdir works\n");
    CHECK(!exists(cgroup));
}
