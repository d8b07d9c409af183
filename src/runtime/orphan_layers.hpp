// The layers directory (`<data-root>/<id>`) of a container whose state is gone: what a create
// killed before it saved its state, or a state root removed by hand, leaves behind. It would
// block the id for good, since create makes that directory afresh.
#pragma once

#include <string>

#include "state/state.hpp"
#include "util/error.hpp"

namespace crunlite::runtime {

// For `delete --force` of an id no state names: removes `<data_root>/<id>` under a claim of the
// id, so that no create of it runs meanwhile. A symlink there, or a mount anywhere in the tree,
// is refused and nothing is removed. Nothing to do when the directory does not exist, or when a
// container of that id exists again (its own delete removes its layers).
Status remove_orphan_layers(state::StateStore &store, const std::string &data_root,
                            const std::string &id);

} // namespace crunlite::runtime
