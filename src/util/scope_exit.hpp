// ScopeExit runs a function when it leaves scope unless dismissed: the undo step of a
// multi-step operation, written right after the step it undoes.
#pragma once

#include <utility>

namespace crunlite {

template <typename F>
class [[nodiscard]] ScopeExit {
public:
    explicit ScopeExit(F undo) : undo_(std::move(undo)) {}
    ScopeExit(const ScopeExit &) = delete;
    ScopeExit &operator=(const ScopeExit &) = delete;
    ~ScopeExit()
    {
        if (armed_)
            undo_();
    }

    // The operation succeeded: keep what it did.
    void dismiss() { armed_ = false; }

private:
    F undo_;
    bool armed_ = true;
};

} // namespace crunlite
