// The quick form's config: the generator's defaults, then the image's config, then the flags.
#include <doctest/doctest.h>

#include "spec/container_config.hpp"

using namespace crunlite::spec;

namespace {

ContainerConfigOptions layered_image()
{
    ContainerConfigOptions options;
    options.image_dir = "/images/app";
    options.layered = true;
    options.image.entrypoint = {"/entry"};
    options.image.cmd = {"serve", "--port=80"};
    options.image.env = {"PATH=/app/bin", "MODE=image"};
    options.image.cwd = "/app";
    options.image.uid = 33;
    options.image.gid = 34;
    return options;
}

} // namespace

TEST_CASE("container config: the image's Entrypoint, Cmd, Env, WorkingDir and User fill process")
{
    auto config = container_config(layered_image());
    REQUIRE(config.ok());
    const auto &process = (*config)["process"];
    CHECK(process["args"] == nlohmann::json({"/entry", "serve", "--port=80"}));
    CHECK(process["env"] == nlohmann::json({"PATH=/app/bin", "TERM=xterm", "MODE=image"}));
    CHECK(process["cwd"] == "/app");
    CHECK(process["user"]["uid"] == 33);
    CHECK(process["user"]["gid"] == 34);
    CHECK((*config)["annotations"]["io.crun-lite.rootfs"] == "layers");
    CHECK((*config)["root"]["path"] == "/images/app");
}

TEST_CASE("container config: a CMD replaces the image's Cmd and keeps its Entrypoint; flags win")
{
    auto options = layered_image();
    options.command = {"check"};
    options.env = {"MODE=flag"};
    options.cwd = "/";
    options.uid = 0;
    options.readonly = true;
    options.mounts = {{"/host/data", "/data", true}};
    auto config = container_config(options);
    REQUIRE(config.ok());
    const auto &process = (*config)["process"];
    CHECK(process["args"] == nlohmann::json({"/entry", "check"}));
    CHECK(process["env"].back() == "MODE=flag");
    CHECK(process["cwd"] == "/");
    CHECK(process["user"]["uid"] == 0);
    CHECK(process["user"]["gid"] == 34);
    CHECK((*config)["root"]["readonly"] == true);
    CHECK((*config)["mounts"].back() == nlohmann::json({{"destination", "/data"},
                                                         {"type", "bind"},
                                                         {"source", "/host/data"},
                                                         {"options", {"rbind", "ro"}}}));
}

TEST_CASE("container config: a root filesystem without a command is refused; with one, overlay")
{
    ContainerConfigOptions options;
    options.image_dir = "/images/busybox";
    auto refused = container_config(options);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().render() == "no command given, and the image names none");

    options.command = {"true"};
    auto config = container_config(options);
    REQUIRE(config.ok());
    CHECK((*config)["annotations"]["io.crun-lite.rootfs"] == "overlay");
}

TEST_CASE("container config: --mount and --user are read strictly")
{
    auto relative = parse_bind_request("data:/data", "/work");
    REQUIRE(relative.ok());
    CHECK(relative->source == "/work/data");
    CHECK_FALSE(relative->readonly);
    CHECK(parse_bind_request("/a:/b:ro", "/")->readonly);
    for (const char *bad : {"/a", "/a:/b:rx", ":/b", "/a:", "/a:/b:ro:x"})
        CHECK_FALSE(parse_bind_request(bad, "/").ok());

    CHECK(parse_user_request("1000")->first == 1000);
    CHECK_FALSE(parse_user_request("1000")->second.has_value());
    CHECK(parse_user_request("1:2")->second == 2u);
    for (const char *bad : {"", "www-data", "1:", "1:x", "-1"})
        CHECK_FALSE(parse_user_request(bad).ok());
}
