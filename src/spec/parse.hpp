// parse: config.json text -> spec::Config.
//
// Input is untrusted text. Every problem names its JSON path and what was expected
// (`process.args[1]: expected a string, got a number`); parsing goes on after a wrong type, so
// one pass reports them all. Unknown keys are ignored, as the spec asks; known spec fields that
// crun-lite does not implement yet are listed in Config::unsupported for validation to refuse.
// Nothing on the host is looked at.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "spec/config.hpp"

namespace crunlite::spec {

struct ParseResult {
    Config config;                     // meaningful only when problems is empty
    std::vector<std::string> problems; // each "<json path>: <what is wrong>"

    bool ok() const { return problems.empty(); }
};

ParseResult parse_config(std::string_view json_text);

// process.json, as `exec --process` takes it: one object read exactly as config.json's
// `process`, so problems name `process.<field>`. Fills config.process only.
ParseResult parse_process(std::string_view json_text);

// A linux.resources object, as `update --resources` takes it: problems name
// `linux.resources.<field>`, or `what` for the document itself. Fills config.linux.resources
// and config.unsupported only.
ParseResult parse_resources(std::string_view json_text, const std::string &what);

} // namespace crunlite::spec
