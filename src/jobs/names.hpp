#pragma once
// Human-friendly job ids: adjective_surnameN, e.g. "steady_lovelace3".

#include <functional>
#include <string>

namespace cedana::jobs {

// A fresh id for which `taken` says false.
std::string generate_jid(const std::function<bool(const std::string&)>& taken);

}  // namespace cedana::jobs
