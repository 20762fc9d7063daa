#pragma once
// Keys that one operation holds at a time, e.g. the PIDs being dumped: a second operation on
// the same key is refused at once instead of interleaving with the first.

#include <mutex>
#include <set>

namespace cedana::util {

template <typename Key>
class BusySet {
public:
    // Holds `key` until destroyed; `held()` is false when another holder had it already.
    class Claim {
    public:
        Claim(BusySet& set, Key key) : set_(set), key_(std::move(key)) {
            const std::lock_guard lock(set_.mutex_);
            held_ = set_.keys_.insert(key_).second;
        }
        ~Claim() {
            if (!held_) return;
            const std::lock_guard lock(set_.mutex_);
            set_.keys_.erase(key_);
        }
        Claim(const Claim&) = delete;
        Claim& operator=(const Claim&) = delete;

        [[nodiscard]] bool held() const { return held_; }

    private:
        BusySet& set_;
        Key key_;
        bool held_ = false;
    };

private:
    std::mutex mutex_;
    std::set<Key> keys_;
};

}  // namespace cedana::util
