#pragma once
// Per-step timings of one request, filled in by the chain as it runs.

#include <chrono>
#include <string>
#include <vector>

namespace cedana::pipeline {

struct Step {
    std::string name;
    std::string component;
    std::chrono::nanoseconds self{0};  // excluding the steps it called
};

class Profile {
public:
    // Reserves a slot so that steps are listed in the order they started, even though an
    // outer step only knows its time after the inner ones finished.
    std::size_t begin(std::string name, std::string component) {
        steps_.push_back({std::move(name), std::move(component), {}});
        return steps_.size() - 1;
    }
    void finish(std::size_t slot, std::chrono::nanoseconds self) { steps_[slot].self = self; }

    [[nodiscard]] const std::vector<Step>& steps() const { return steps_; }

private:
    std::vector<Step> steps_;
};

}  // namespace cedana::pipeline
