// Races: many containers made and removed at once, and commands racing on one id. Each command
// succeeds or gives one clear refusal, what `state` says afterwards holds, and nothing of any
// container is left behind (state and layers directories, cgroups, mounts, processes).
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <regex>

#include "integration/harness.hpp"

using namespace harness;
using nlohmann::json;

namespace {

// `"$@"` in `script` stands for crun-lite with the test's roots.
Invocation shell(const std::string &script)
{
    return Invocation({}, {"/bin/sh", "-c", script, "sh"});
}

// The refusals a command racing with others on container `id` may give: each says plainly why.
bool clear_refusal(const Outcome &outcome, const std::string &id)
{
    std::regex refusal("crun-lite: (create|start|kill|delete|state) `" + id + "`: (container `" +
                       id + "` (already exists|does not exist)|cannot start a container that is "
                            "(stopped|running)|container not running|the container's first "
                            "process is gone)\n");
    return outcome.status == 1 && outcome.out.empty() && std::regex_match(outcome.err, refusal);
}

void check_nothing_left(const std::string &id)
{
    std::string left;
    bool clean = eventually([&] { return (left = leftovers_of(id)).empty(); });
    CHECK_MESSAGE(clean, id << ":\n" << left);
}

} // namespace

TEST_CASE("races: 50 containers created, started and deleted in parallel leave nothing behind")
{
    constexpr int count = 50;
    std::vector<std::unique_ptr<Bundle>> bundles;
    std::vector<std::string> ids;
    std::vector<Invocation> lifecycles;
    for (int i = 0; i < count; ++i) {
        ids.push_back(unique_id("race", "parallel-" + std::to_string(i)));
        bundles.push_back(std::make_unique<Bundle>("exec sleep 100"));
        mark_with_id(*bundles.back(), ids.back());
        const std::string &id = ids.back();
        lifecycles.push_back(shell("\"$@\" create --bundle " + bundles.back()->dir() + " " + id +
                                   " >/dev/null && \"$@\" start " + id + " && \"$@\" state " +
                                   id + " | grep -q '\"status\": \"running\"' && " +
                                   "\"$@\" delete --force " + id));
    }

    auto outcomes = crun_lite_together(lifecycles);
    for (int i = 0; i < count; ++i) {
        CAPTURE(ids[i]);
        CHECK(outcomes[i].status == 0);
        CHECK(outcomes[i].err == "");
        check_nothing_left(ids[i]);
    }
}

TEST_CASE("races: of 10 creates racing for one id, exactly one wins; the others say it exists")
{
    std::string id = unique_id("race", "creates");
    Bundle bundle("exec sleep 100");
    mark_with_id(bundle, id);
    std::vector<Invocation> creates(10, Invocation({"create", "--bundle", bundle.dir(), id}));

    auto outcomes = crun_lite_together(creates);
    auto winners = std::count_if(outcomes.begin(), outcomes.end(),
                                 [](const Outcome &outcome) { return outcome.status == 0; });
    CHECK(winners == 1);
    for (const auto &outcome : outcomes)
        if (outcome.status != 0)
            CHECK(outcome.err ==
                  "crun-lite: create `" + id + "`: container `" + id + "` already exists\n");
    CHECK(json::parse(crun_lite({"state", id}).out)["status"] == "created");
    CHECK(crun_lite({"delete", id}).status == 0);
    check_nothing_left(id);
}

TEST_CASE("races: create, start, kill, delete and state racing on one id end clearly and clean")
{
    std::mt19937 random(7); // a fixed seed: each run races the same orders
    Bundle bundle("exec sleep 100");
    for (int round = 0; round < 6; ++round) {
        std::string id = unique_id("race", "mixed-" + std::to_string(round));
        CAPTURE(id);
        mark_with_id(bundle, id);
        // Every other round the container exists before the race, so that start, kill and
        // delete find it more often.
        if (round % 2 == 1)
            REQUIRE(crun_lite_leaving_container({"create", "--bundle", bundle.dir(), id}).status ==
                    0);
        std::vector<Invocation> commands;
        for (int twice = 0; twice < 2; ++twice)
            for (const auto &args : std::vector<std::vector<std::string>>{
                     {"create", "--bundle", bundle.dir(), id},
                     {"start", id},
                     {"kill", id, "KILL"},
                     {"delete", "--force", id},
                     {"state", id}})
                commands.emplace_back(args);
        std::shuffle(commands.begin(), commands.end(), random);

        auto outcomes = crun_lite_together(commands);
        for (size_t i = 0; i < outcomes.size(); ++i) {
            CAPTURE(commands[i].args[0]);
            // As runc: forcing the delete of what is not (or no longer) there is no failure.
            if (commands[i].args[0] == "delete")
                CHECK_MESSAGE(outcomes[i].status == 0, outcomes[i].err);
            else if (outcomes[i].status != 0)
                CHECK_MESSAGE(clear_refusal(outcomes[i], id), outcomes[i].err);
        }

        // No command is at work any more: the container is gone, or is what its state says.
        auto state = crun_lite({"state", id});
        if (state.status == 0) {
            auto document = json::parse(state.out);
            std::string status = document["status"];
            CHECK((status == "created" || status == "running" || status == "stopped"));
            if (status != "stopped")
                CHECK(exists("/proc/" + std::to_string(document["pid"].get<int>())));
        } else {
            CHECK(state.err ==
                  "crun-lite: state `" + id + "`: container `" + id + "` does not exist\n");
        }
        CHECK(crun_lite({"delete", "--force", id}).status == 0);
        check_nothing_left(id);
    }
}

TEST_CASE("races: a delete that comes between a create's claim of the id and its lock waits")
{
    std::string id = unique_id("race", "claim");
    Bundle bundle("exec sleep 100");
    mark_with_id(bundle, id);
    std::string dir = state_root() + "/" + id;
    // strace holds create for a second at each flock, so the delete, which starts as soon as
    // the container's directory exists, comes while create has made it and not yet locked it.
    Invocation create({"create", "--bundle", bundle.dir(), id},
                      strace_wrapper({"-o", "/dev/null", "-e", "trace=flock", "-e",
                                      "inject=flock:delay_enter=1s"}));
    Invocation delete_when_claimed = shell("for i in $(seq 1000); do [ -d " + dir +
                                           " ] && break; sleep 0.01; done; \"$@\" delete --force " +
                                           id);

    auto outcomes = crun_lite_together({create, delete_when_claimed});
    CHECK_MESSAGE(outcomes[0].status == 0, outcomes[0].err);
    CHECK_MESSAGE(outcomes[1].status == 0, outcomes[1].err);
    CHECK(crun_lite({"delete", "--force", id}).status == 0);
    check_nothing_left(id);
}
