#pragma once
// A long transfer (an upload to remote storage, a download from it, a migration's stream)
// shown on a terminal while the daemon does it: one line, rewritten in place four times a
// second from the daemon's Progress answers (bytes, rate, and the ETA when the size is
// known), cleared when the call returns; then one summary line. The same for what this
// process moves itself (`restore --no-server`), read from its own TransferProgress. Nothing
// at all when stdout is not a terminal, so that scripts read what they always read.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cli/client.hpp"
#include "util/transfer_progress.hpp"

namespace cedana::cli {

class ProgressDisplay {
public:
    // Gives `client` a request id; on a terminal, polls a client of its own from
    // `make_poller` (the call in flight holds `client`) until destroyed.
    ProgressDisplay(Client& client, const std::function<Client()>& make_poller);
    // On a terminal, shows `transfer`, moved by this process, until destroyed.
    explicit ProgressDisplay(std::shared_ptr<const util::TransferProgress> transfer);
    ~ProgressDisplay();
    ProgressDisplay(const ProgressDisplay&) = delete;
    ProgressDisplay& operator=(const ProgressDisplay&) = delete;

    // After the call: stops the line and, on a terminal, prints what `client`'s call moved.
    void summarize(const Client& client);
    // The same for the transfer this display was made for.
    void summarize();

private:
    // What to show now; nullopt when there is no more to ask for.
    using Poll = std::function<std::optional<util::TransferProgress::Snapshot>()>;
    void start(Poll poll);
    void stop();
    void show_summary(const std::string& line);

    bool terminal_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool shown_ = false;
    std::shared_ptr<const util::TransferProgress> local_;
    std::thread poller_;
};

// "downloading s3://b/k: 12.0 MiB of 48.0 MiB (25%), 20.0 MiB/s, ETA 2 s"; without a total, no
// share and no ETA.
std::string format_progress(const std::string& what, std::uint64_t done, std::uint64_t total, std::uint64_t elapsed_ms);

// The summary of a Client::transfer() trailer: "Uploaded 48.0 MiB to s3://b/k in 0.6 s (80.0
// MiB/s)"; empty for an empty or malformed one.
std::string format_transfer(const std::string& trailer);

}  // namespace cedana::cli
