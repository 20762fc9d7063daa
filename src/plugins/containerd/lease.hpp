#pragma once
// A containerd lease for the time something is being made: what containerd creates under it
// (a snapshot before the container that will own it exists) is safe from its garbage
// collector until the lease goes, with this object. It expires by itself should we die.

#include <string>

#include "plugins/containerd/client.hpp"

namespace cedana::plugins::containerd {

class Lease {
public:
    // Creates the lease and makes `client` call under it until destroyed.
    explicit Lease(Client& client);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

private:
    Client& client_;
    std::string id_;
};

}  // namespace cedana::plugins::containerd
