#include "kernel/base64.h"

#include <gtest/gtest.h>

namespace se::kernel {
namespace {

TEST(Base64Decode, DecodesPaddedStandardAlphabet) {
  EXPECT_EQ(base64_decode("").value(), "");
  EXPECT_EQ(base64_decode("QQ==").value(), "A");
  EXPECT_EQ(base64_decode("QUI=").value(), "AB");
  EXPECT_EQ(base64_decode("QUJD").value(), "ABC");
  EXPECT_EQ(base64_decode("aGVsbG8gd29ybGQ=").value(), "hello world");
  EXPECT_EQ(base64_decode("AP8+/w==").value(), std::string("\x00\xff\x3e\xff", 4));
}

TEST(Base64Decode, RejectsInvalidSymbolsWithTheirOffset) {
  auto result = base64_decode("QU!D");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().errno_code, 0);
  EXPECT_EQ(result.error().message, "Invalid symbol 33, offset 2.");
  EXPECT_EQ(base64_decode("QU-D").error().message, "Invalid symbol 45, offset 2.");  // url-safe alphabet
}

TEST(Base64Decode, RejectsBadLengthAndPadding) {
  EXPECT_EQ(base64_decode("QUJ").error().message, "Invalid input length.");
  EXPECT_EQ(base64_decode("Q===").error().message, "Invalid padding");
  EXPECT_EQ(base64_decode("====").error().message, "Invalid padding");
  EXPECT_EQ(base64_decode("Q=JD").error().message, "Invalid padding");
}

TEST(Base64Decode, RejectsNonCanonicalTrailingBits) {
  EXPECT_EQ(base64_decode("QR==").error().message, "Invalid last symbol 82, offset 1.");
}

}  // namespace
}  // namespace se::kernel
