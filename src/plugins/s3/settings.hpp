#pragma once
// The S3 plugin's configuration, with Cedana's names: aws.access_key_id,
// aws.secret_access_key, aws.region, aws.endpoint (CEDANA_AWS_* override the file). Where
// neither sets a field, the AWS tools' own variables are used: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_REGION (or AWS_DEFAULT_REGION), AWS_ENDPOINT (or
// AWS_ENDPOINT_URL). An endpoint means an S3-compatible server, addressed path-style
// (ENDPOINT/bucket/key); without one, AWS itself (https://bucket.s3.REGION.amazonaws.com).

#include <string>

#include "config/config.hpp"

namespace cedana::plugins::s3 {

struct Settings {
    std::string access_key_id;
    std::string secret_access_key;
    std::string region;
    std::string endpoint;  // without a trailing '/'; empty for AWS
};

// From the plugin's registration.
void add_config_fields();

// Throws cedana::Error(failed_precondition) when credentials are missing, saying where to
// set them.
Settings settings_of(const config::Config& config);

}  // namespace cedana::plugins::s3
