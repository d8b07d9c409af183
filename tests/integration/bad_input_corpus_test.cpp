// The bad-input corpus (tests/bad-input/*.json): every case is a bundle, an id and a sequence
// of commands, each with the exit status and the error it must give. After each case the host
// must be as it was (mountinfo, state root, data root, the image), no crun-lite process may be
// left, and the same id must run a good container. tests/bad-input/README.md has the format.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "integration/harness.hpp"
#include "state/container_id.hpp"

using namespace harness;
using nlohmann::json;

namespace {

std::string corpus_dir() { return source_dir() + "/tests/bad-input"; }

// Replaces every {bundle}, {good}, {id} and {image} in `text`.
std::string expand(std::string text, const std::map<std::string, std::string> &values)
{
    for (const auto &[key, value] : values) {
        std::string marker = "{" + key + "}";
        for (size_t at = text.find(marker); at != std::string::npos;
             at = text.find(marker, at + value.size()))
            text.replace(at, marker.size(), value);
    }
    return text;
}

json expand_strings(const json &value, const std::map<std::string, std::string> &values)
{
    if (value.is_string())
        return expand(value.get<std::string>(), values);
    json copy = value;
    if (value.is_structured())
        for (auto &item : copy.items())
            item.value() = expand_strings(item.value(), values);
    return copy;
}

// Each character of `text` (all below U+0100) as one byte: lets a case write bytes that are
// not UTF-8 while the corpus file itself stays valid JSON.
std::string latin1_bytes(const std::string &utf8)
{
    std::string bytes;
    for (size_t i = 0; i < utf8.size(); ++i) {
        auto c = static_cast<unsigned char>(utf8[i]);
        if (c < 0x80) {
            bytes += static_cast<char>(c);
        } else {
            REQUIRE_MESSAGE((c & 0xfe) == 0xc2, "text_latin1 holds a character above U+00FF");
            bytes += static_cast<char>(((c & 0x03) << 6) | (utf8[++i] & 0x3f));
        }
    }
    return bytes;
}

// Writes the case's config.json into `bundle`: the default config with `set` and `remove`
// applied (JSON pointers), or a text of its own.
void write_config(const json &spec, Bundle &bundle, const std::map<std::string, std::string> &values)
{
    std::string path = bundle.dir() + "/config.json";
    if (spec.contains("text")) {
        write_text(path, spec["text"].get<std::string>());
    } else if (spec.contains("text_latin1")) {
        write_text(path, latin1_bytes(spec["text_latin1"].get<std::string>()));
    } else if (spec.contains("text_repeat")) {
        const json &repeat = spec["text_repeat"];
        std::string text = repeat.value("before", "");
        for (int i = 0; i < repeat["count"].get<int>(); ++i)
            text += repeat["unit"].get<std::string>();
        write_text(path, text + repeat.value("after", ""));
    } else {
        // value() returns a copy: kept in a variable, so that items() does not outlive it.
        json edits = spec.value("set", json::object());
        for (const auto &[pointer, value] : edits.items())
            bundle.config[json::json_pointer(pointer)] = expand_strings(value, values);
        json removals = spec.value("remove", json::array());
        for (const auto &pointer : removals) {
            json::json_pointer target(pointer.get<std::string>());
            bundle.config.at(target.parent_pointer()).erase(target.back());
        }
        bundle.write();
    }
    json symlinks = spec.value("symlinks", json::object());
    for (const auto &[name, target] : symlinks.items())
        std::filesystem::create_symlink(target.get<std::string>(), bundle.dir() + "/" + name);
    if (spec.value("config", "") == "missing")
        std::filesystem::remove(path);
    if (spec.value("config", "") == "directory") {
        std::filesystem::remove(path);
        std::filesystem::create_directory(path);
    }
}

std::vector<std::string> arguments_of(const json &step, const std::map<std::string, std::string> &values)
{
    std::vector<std::string> args;
    for (const auto &arg : step["args"])
        args.push_back(expand(arg.get<std::string>(), values));
    return args;
}

void run_case(const json &spec, int number)
{
    Bundle bundle;
    Bundle good("sleep 100");
    std::string id = spec.value("id", "corpus-" + std::to_string(number));
    std::map<std::string, std::string> values = {
        {"bundle", bundle.dir()}, {"good", good.dir()}, {"id", id}, {"image", image_dir()}};
    write_config(spec, bundle, values);

    auto before = HostSnapshot::take();
    json default_step = {{"args", {"run", "--bundle", "{bundle}", "{id}"}},
                         {"exit", 1},
                         {"error", spec.value("error", "")}};
    if (spec.contains("error_lines"))
        default_step["error_lines"] = spec["error_lines"];
    json steps = spec.value("steps", json::array({default_step}));
    for (const auto &step : steps) {
        auto args = arguments_of(step, values);
        // Through files: `create` and `run --detach` leave a container holding their stdio.
        auto outcome = crun_lite_leaving_container(args);
        INFO("command: ", step["args"].dump(), "\nstderr: ", outcome.err);
        CHECK(outcome.status == step.value("exit", 0));
        std::string error = expand(step.value("error", ""), values);
        if (!error.empty())
            CHECK(outcome.err.find(error) != std::string::npos);
        if (step.contains("error_lines"))
            CHECK(std::count(outcome.err.begin(), outcome.err.end(), '\n') ==
                  step["error_lines"].get<int>());
        // One clear error: every line a message of crun-lite's, none a crash or a dump.
        if (outcome.status != 0 && !spec.value("container_output", false)) {
            CHECK(!outcome.err.empty());
            for (size_t start = 0; start < outcome.err.size();) {
                size_t end = outcome.err.find('\n', start);
                CHECK(outcome.err.compare(start, 11, "crun-lite: ") == 0);
                start = end == std::string::npos ? outcome.err.size() : end + 1;
            }
        }
    }

    bool valid_id = bool(crunlite::state::check_container_id(id));
    if (valid_id)
        crun_lite({"delete", "--force", id});
    CHECK(differences(before, HostSnapshot::take()) == "");
    CHECK(processes_matching(bundle.dir()).empty());
    CHECK(processes_matching(good.dir()).empty());

    if (valid_id) {
        Bundle again("echo again");
        auto outcome = crun_lite({"run", "--bundle", again.dir(), id});
        CHECK_MESSAGE(outcome.status == 0, "the id is not usable again: ", outcome.err);
        CHECK(outcome.out == "again\n");
    }
}

std::vector<std::string> corpus_files()
{
    std::set<std::string> sorted;
    for (const auto &entry : std::filesystem::directory_iterator(corpus_dir()))
        if (entry.path().extension() == ".json")
            sorted.insert(entry.path().string());
    return {sorted.begin(), sorted.end()};
}

} // namespace

TEST_CASE("bad-input corpus: every case fails as written and leaves the host as it was")
{
    int number = 0;
    for (const auto &file : corpus_files()) {
        std::ifstream in(file);
        json cases = json::parse(in);
        for (const auto &spec : cases) {
            ++number;
            std::string name = std::filesystem::path(file).stem().string() + ": " +
                               spec["name"].get<std::string>();
            SUBCASE(name.c_str()) { run_case(spec, number); }
        }
    }
    CHECK(number >= 80);
}
