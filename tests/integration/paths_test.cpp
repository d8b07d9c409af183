// linux.maskedPaths, readonlyPaths, sysctl and rootfsPropagation: what the container sees,
// what it cannot change, and that the host stays as it was.
#include <doctest/doctest.h>

#include <filesystem>

#include "integration/harness.hpp"

using namespace harness;

namespace {

// Runs the bundle, which must be refused at validation with `error` and change nothing.
void check_refused(const Bundle &bundle, const std::string &error)
{
    auto before = HostSnapshot::take();
    auto outcome = crun_lite({"run", "--bundle", bundle.dir(), "paths-bad"});
    CHECK(outcome.status == 1);
    CHECK(outcome.out == "");
    CHECK(outcome.err == "crun-lite: run `paths-bad`: " + error + "\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}

} // namespace

TEST_CASE("paths: a masked directory is empty and read-only, a masked file reads empty")
{
    // /proc/kcore does not exist on this kernel: skipped, as podman's configs need.
    Bundle bundle("ls -A /proc/acpi | wc -l; wc -c < /proc/timer_list; "
                  "touch /proc/acpi/x 2>/dev/null && echo dir-writable; "
                  "echo x > /proc/timer_list && wc -c < /proc/timer_list; "
                  "grep -c timer_list /proc/self/mountinfo");
    bundle.config["linux"]["maskedPaths"] = {"/proc/acpi", "/proc/timer_list", "/proc/kcore"};
    bundle.write();
    REQUIRE(exists("/proc/acpi"));
    REQUIRE(exists("/proc/timer_list"));
    auto before = HostSnapshot::take();

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK(outcome.err == "");
    CHECK(outcome.status == 0);
    // A write to a masked file goes to /dev/null: accepted, and lost.
    CHECK(outcome.out == "0\n0\n0\n1\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}

TEST_CASE("paths: a read-only path refuses writes, keeps its flags, and others stay writable")
{
    Bundle bundle("echo x > /proc/sys/kernel/domainname; "
                  "echo 1 > /proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward; "
                  "grep ' /proc/sys/kernel ' /proc/self/mountinfo | cut -d' ' -f6");
    bundle.config["linux"]["readonlyPaths"] = {"/proc/sys/kernel", "/proc/missing"};
    bundle.config["mounts"][0]["options"] = {"nosuid", "noexec", "nodev"}; // flags to keep
    nlohmann::json net_admin = {"CAP_NET_ADMIN"}; // a net sysctl needs it
    bundle.config["process"]["capabilities"] = {
        {"bounding", net_admin}, {"effective", net_admin}, {"permitted", net_admin}};
    bundle.write();
    std::string host_forward = read_text("/proc/sys/net/ipv4/ip_forward");

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK(outcome.status == 0);
    CHECK(outcome.err ==
          "sh: can't create /proc/sys/kernel/domainname: Read-only file system\n");
    CHECK(outcome.out == "1\nro,nosuid,nodev,noexec,relatime\n");
    CHECK(read_text("/proc/sys/net/ipv4/ip_forward") == host_forward);
}

TEST_CASE("paths: a sysctl is set inside the container and the host keeps its value")
{
    Bundle bundle("cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni");
    bundle.config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}, {"kernel.shmmni", "1234"}};
    bundle.config["linux"]["readonlyPaths"] = {"/proc/sys"};
    bundle.write();
    std::string host_forward = read_text("/proc/sys/net/ipv4/ip_forward");
    std::string host_shmmni = read_text("/proc/sys/kernel/shmmni");
    REQUIRE(host_forward != "1\n");
    REQUIRE(host_shmmni != "1234\n");

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK(outcome.err == "");
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "1\n1234\n");
    CHECK(read_text("/proc/sys/net/ipv4/ip_forward") == host_forward);
    CHECK(read_text("/proc/sys/kernel/shmmni") == host_shmmni);
}

TEST_CASE("paths: a sysctl is refused where the image has no procfs of its own")
{
    // Without a /proc mount, /proc/sys/... is whatever the image put there: never written.
    Bundle bundle("true");
    use_private_rootfs(bundle);
    std::filesystem::create_directories(bundle.dir() + "/rootfs/proc/sys/net/ipv4");
    write_text(bundle.dir() + "/rootfs/proc/sys/net/ipv4/ip_forward", "0\n");
    auto &mounts = bundle.config["mounts"];
    mounts.erase(mounts.begin()); // /proc
    bundle.config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
    bundle.write();

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK(outcome.status == 1);
    CHECK(outcome.err.find("linux.sysctl.net.ipv4.ip_forward: `/proc/sys/net/ipv4/ip_forward` "
                           "is not on a procfs") != std::string::npos);
    CHECK(read_text(bundle.dir() + "/rootfs/proc/sys/net/ipv4/ip_forward") == "0\n");
}

TEST_CASE("paths: refusals name the field, and the host stays as it was")
{
    struct Refusal {
        const char *name;
        nlohmann::json linux_section;
        std::string error;
    };
    for (const auto &refusal : std::vector<Refusal>{
             {"not namespaced", {{"sysctl", {{"vm.swappiness", "10"}}}},
              "linux.sysctl.vm.swappiness: not a namespaced sysctl"},
             {"climbs", {{"sysctl", {{"net/../../vm/swappiness", "10"}}}},
              "linux.sysctl.net/../../vm/swappiness: not a valid sysctl name: dot-separated, "
              "no empty part, no `/`"},
             {"relative masked", {{"maskedPaths", {"/proc/kcore", "proc/acpi"}}},
              "linux.maskedPaths[1]: must be an absolute path, got `proc/acpi`"},
             {"relative read-only", {{"readonlyPaths", {"sys"}}},
              "linux.readonlyPaths[0]: must be an absolute path, got `sys`"},
             {"propagation", {{"rootfsPropagation", "everywhere"}},
              "linux.rootfsPropagation: unknown propagation `everywhere`, expected shared, "
              "slave, private or unbindable, or the same with an `r`"},
         }) {
        CAPTURE(refusal.name);
        Bundle bundle;
        for (const auto &[key, value] : refusal.linux_section.items())
            bundle.config["linux"][key] = value;
        bundle.write();
        check_refused(bundle, refusal.error);
    }
}

TEST_CASE("paths: a network sysctl without a new network namespace is refused")
{
    Bundle bundle;
    auto &namespaces = bundle.config["linux"]["namespaces"];
    for (auto it = namespaces.begin(); it != namespaces.end(); ++it) {
        if ((*it)["type"] == "network") {
            namespaces.erase(it);
            break;
        }
    }
    bundle.config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
    bundle.write();
    check_refused(bundle, "linux.sysctl.net.ipv4.ip_forward: needs a new network namespace");
}

TEST_CASE("paths: rootfsPropagation sets the propagation of the container's `/`")
{
    // Field 7 of a mountinfo line is the first optional field, or `-` when there is none.
    for (auto example : std::vector<std::pair<const char *, const char *>>{
             {"private", "-\n"},
             {"rshared", "shared\n"},
         }) {
        // Named variables, not a structured binding: clang 14 (the sanitizer build) cannot
        // capture a binding in CAPTURE's lambda.
        const char *propagation = example.first, *expected = example.second;
        CAPTURE(propagation);
        Bundle bundle("awk '$5 == \"/\" { split($7, f, \":\"); print f[1] }' /proc/self/mountinfo");
        bundle.config["linux"]["rootfsPropagation"] = propagation;
        bundle.write();
        auto before = HostSnapshot::take();

        auto outcome = crun_lite({"run", bundle.dir()});

        CHECK(outcome.err == "");
        CHECK(outcome.status == 0);
        CHECK(outcome.out == expected);
        CHECK(differences(before, HostSnapshot::take()) == "");
    }
}

TEST_CASE("paths: a masked path through a symlink in the rootfs stays inside the rootfs")
{
    TempDir host_target;
    write_text(host_target.path() + "/secret", "host\n");
    Bundle bundle("wc -c < /escape/secret; cat /escape/other");
    use_private_rootfs(bundle);
    // /escape names the host directory's path; resolved as the container would, that path is
    // inside the rootfs, and so is what gets masked.
    std::filesystem::create_directory_symlink(host_target.path(), bundle.dir() + "/rootfs/escape");
    std::string inside = bundle.dir() + "/rootfs" + host_target.path();
    std::filesystem::create_directories(inside);
    write_text(inside + "/secret", "inside\n");
    write_text(inside + "/other", "other\n");
    bundle.config["linux"]["maskedPaths"] = {"/escape/secret", "/escape/../escape/missing"};
    bundle.config["linux"]["readonlyPaths"] = {"/escape"};
    bundle.write();
    auto before = HostSnapshot::take();

    auto outcome = crun_lite({"run", bundle.dir()});

    CHECK(outcome.err == "");
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "0\nother\n");
    CHECK(read_text(host_target.path() + "/secret") == "host\n");
    CHECK(read_text(inside + "/secret") == "inside\n");
    CHECK(differences(before, HostSnapshot::take()) == "");
}
