#include <gtest/gtest.h>

#include "cli/progress_display.hpp"

namespace cedana::cli {
namespace {

TEST(ProgressLine, ShareRateAndEtaWhenTheSizeIsKnown) {
    EXPECT_EQ(format_progress("downloading s3://b/k", 12u << 20, 48u << 20, 1000), "downloading s3://b/k: 12.0 MiB of 48.0 MiB (25%), 12.0 MiB/s, ETA 3 s");
}

TEST(ProgressLine, OnlyBytesAndRateWhileTheSizeIsUnknown) {
    EXPECT_EQ(format_progress("uploading to s3://b/k", 8u << 20, 0, 2000), "uploading to s3://b/k: 8.0 MiB, 4.0 MiB/s");
    EXPECT_EQ(format_progress("uploading to s3://b/k", 0, 0, 0), "uploading to s3://b/k: 0 B, -");
}

TEST(TransferSummary, PastTenseOfWhatTheDaemonDid) {
    EXPECT_EQ(format_transfer("uploading to s3://b/k.tar.lz4\t50331648\t600"), "Uploaded 48.0 MiB to s3://b/k.tar.lz4 in 0.6 s (80.0 MiB/s)");
    EXPECT_EQ(format_transfer("downloading s3://b/k\t1048576\t1000"), "Downloaded 1.0 MiB from s3://b/k in 1.0 s (1.0 MiB/s)");
    EXPECT_EQ(format_transfer("reading cedana://b/k\t4194304\t2000"), "Read 4.0 MiB from cedana://b/k in 2.0 s (2.0 MiB/s)");
    EXPECT_EQ(format_transfer("sending to 10.0.0.7:8080\t2097152\t500"), "Sent 2.0 MiB to 10.0.0.7:8080 in 0.5 s (4.0 MiB/s)");
}

TEST(TransferSummary, NothingForAMalformedTrailer) {
    EXPECT_EQ(format_transfer(""), "");
    EXPECT_EQ(format_transfer("uploading to x\tmany\t5"), "");
    EXPECT_EQ(format_transfer("uploading to x\t5"), "");
}

}  // namespace
}  // namespace cedana::cli
