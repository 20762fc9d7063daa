#include "plugins/containerd/record.hpp"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "plugins/containerd/spec.hpp"
#include "util/error.hpp"

namespace cedana::plugins::containerd {

namespace {

std::string base64(const std::string& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string unbase64(const std::string& text, const std::string& origin) {
    if (text.empty()) return "";
    std::string out(3 * (text.size() / 4) + 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0) fail(ErrorKind::invalid_argument, "{}: the runtime options are not base64", origin);
    // EVP_DecodeBlock counts the padding as bytes.
    std::size_t size = static_cast<std::size_t>(n);
    for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) --size;
    out.resize(size);
    return out;
}

}  // namespace

std::string record_to_json(const ContainerRecord& record) {
    nlohmann::json doc;
    doc["id"] = record.id();
    doc["image"] = record.image();
    doc["labels"] = nlohmann::json::object();
    for (const auto& [key, value] : record.labels()) doc["labels"][key] = value;
    doc["runtime"] = {{"name", record.runtime().name()},
                      {"options_type", record.runtime().options().type_url()},
                      {"options", base64(record.runtime().options().value())}};
    doc["spec"] = nlohmann::json::parse(record.spec().value(), nullptr, false);
    doc["snapshotter"] = record.snapshotter();
    doc["snapshot_key"] = record.snapshot_key();
    return doc.dump(2);
}

ContainerRecord record_from_json(const std::string& text, const std::string& origin) {
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (!doc.is_object() || !doc.contains("id") || !doc.contains("spec") || !doc["spec"].is_object()) {
        fail(ErrorKind::invalid_argument, "{} is not a container record", origin);
    }
    ContainerRecord record;
    try {
        record.set_id(doc.at("id").get<std::string>());
        record.set_image(doc.value("image", ""));
        const auto labels = doc.value("labels", nlohmann::json::object());
        for (const auto& [key, value] : labels.items()) (*record.mutable_labels())[key] = value.get<std::string>();
        const auto runtime = doc.value("runtime", nlohmann::json::object());
        record.mutable_runtime()->set_name(runtime.value("name", ""));
        if (!runtime.value("options_type", "").empty()) {
            record.mutable_runtime()->mutable_options()->set_type_url(runtime.value("options_type", ""));
            record.mutable_runtime()->mutable_options()->set_value(unbase64(runtime.value("options", ""), origin));
        }
        record.mutable_spec()->set_type_url(kSpecTypeUrl);
        record.mutable_spec()->set_value(doc.at("spec").dump());
        record.set_snapshotter(doc.value("snapshotter", ""));
        record.set_snapshot_key(doc.value("snapshot_key", ""));
    } catch (const nlohmann::json::exception& e) {
        fail(ErrorKind::invalid_argument, "{} is not a container record: {}", origin, e.what());
    }
    return record;
}

}  // namespace cedana::plugins::containerd
