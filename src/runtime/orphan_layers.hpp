// The layers directory (`<data-root>/<id>`) of a container whose state is gone: what a create
// killed before it saved its state, or a state root removed by hand, leaves behind. It would
// block the id for good, since create makes that directory afresh.
#pragma once

#include <string>

#include "state/state.hpp"
#include "util/error.hpp"

namespace crunlite::runtime {

// Written by create into each layers directory it makes: the state root whose container owns
// it. The data root may be shared by several state roots (both default to one place), and only
// this tells an orphan from a live container of another root.
Status record_layers_owner(const std::string &layers_dir, const std::string &state_root);

// For `delete --force` of an id no state names: removes `<data_root>/<id>` under a claim of the
// id, so that no create of it runs meanwhile. Only a directory recorded as this state root's, or
// an empty one (a create killed right after making it), is removed: another root's is refused,
// as are a symlink there and a mount anywhere in the tree. Nothing to do when the directory does not exist, or when a
// container of that id exists again (its own delete removes its layers).
Status remove_orphan_layers(state::StateStore &store, const std::string &data_root,
                            const std::string &id);

} // namespace crunlite::runtime
