// Layered images as the runtime reads them: layers named by digest, each a real directory of
// the store beside the image, nothing else.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "spec/image.hpp"

using namespace crunlite::spec;
namespace fs = std::filesystem;

namespace {

const std::string digest_hex(64, 'a');

// <tmp>/images/app/image.json and one layer in <tmp>/images/.layers/sha256.
struct ImageTree {
    ImageTree()
    {
        char pattern[] = "/tmp/crun-lite-image-test-XXXXXX";
        root = mkdtemp(pattern);
        fs::create_directories(root + "/images/app");
        fs::create_directories(root + "/images/.layers/sha256/" + digest_hex);
    }
    ~ImageTree() { fs::remove_all(root); }

    std::string image() const { return root + "/images/app"; }
    void manifest(const std::string &layers) const
    {
        std::ofstream(image() + "/image.json")
            << R"({"layers": )" << layers << R"(, "process": {"cmd": ["sh"], "cwd": "/w"}})";
    }

    std::string root;
};

} // namespace

TEST_CASE("layered image: its layers are the store's directories named by their digests")
{
    ImageTree tree;
    tree.manifest(R"(["sha256:)" + digest_hex + R"("])");
    CHECK(is_layered_image(tree.image()));
    auto image = read_layered_image(tree.image());
    REQUIRE(image.ok());
    CHECK(image->layer_dirs ==
          std::vector<std::string>{tree.root + "/images/.layers/sha256/" + digest_hex});
    CHECK(image->defaults.cmd == std::vector<std::string>{"sh"});
    CHECK(image->defaults.cwd == "/w");
}

TEST_CASE("layered image: a digest that is a path, a missing layer or a symlinked one is refused")
{
    ImageTree tree;
    fs::create_directory(tree.root + "/elsewhere");
    fs::create_directory_symlink(tree.root + "/elsewhere",
                                 tree.root + "/images/.layers/sha256/" + std::string(64, 'b'));
    struct Case {
        std::string layers;
        std::string message;
    } cases[] = {
        {R"(["sha256:../../../etc"])", "expected a digest `sha256:<64 hex digits>`"},
        {R"(["sha256:)" + std::string(64, 'c') + R"("])", "No such file or directory"},
        {R"(["sha256:)" + std::string(64, 'b') + R"("])", "not a directory"},
        {"[]", "expected a non-empty array of digests"},
    };
    for (const auto &each : cases) {
        CAPTURE(each.layers);
        tree.manifest(each.layers);
        auto image = read_layered_image(tree.image());
        REQUIRE_FALSE(image.ok());
        CHECK(image.error().render().find(each.message) != std::string::npos);
    }
}
