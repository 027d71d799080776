#include <gtest/gtest.h>

#include "base/base64.h"
#include "base/error.h"
#include "base/utf8.h"

namespace se {
namespace {

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\x00\x01\xff", 3)), "AAH/");
}

TEST(Base64, DecodesAndRoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t length = 0; length <= all.size(); length += 37) {
    std::string slice = all.substr(0, length);
    auto decoded = base64_decode(base64_encode(slice));
    ASSERT_TRUE(decoded.has_value()) << length;
    EXPECT_EQ(*decoded, slice);
  }
  EXPECT_EQ(base64_decode("AAH/"), std::string("\x00\x01\xff", 3));
}

// Each reason was checked against the reference sidecar's answer for the same WRITE_FILE content.
TEST(Base64, RejectsMalformedInputLikeTheReference) {
  const std::pair<const char*, const char*> cases[] = {
      {"!!!", "Invalid symbol 33, offset 0."},
      {"AA!A", "Invalid symbol 33, offset 2."},
      {"QU-D", "Invalid symbol 45, offset 2."},
      {"AAAA=", "Invalid symbol 61, offset 4."},
      {"AA==AA==", "Invalid symbol 61, offset 2."},
      {"Q===", "Invalid symbol 61, offset 1."},
      {"QQ===", "Invalid symbol 61, offset 4."},
      {"AAAA====", "Invalid symbol 61, offset 4."},
      {"A=AA", "Invalid symbol 61, offset 1."},
      {"=AAA", "Invalid symbol 61, offset 0."},
      {"Q", "Invalid input length: 1"},
      {"AAAAA", "Invalid input length: 5"},
      {"QUJDQ", "Invalid input length: 5"},
      {"AAA", "Invalid padding"},
      {"QQ=", "Invalid padding"},
      {"QQ", "Invalid padding"},
      {"QUJDQQ", "Invalid padding"},
      {"QR==", "Invalid last symbol 82, offset 1."},
  };
  for (const auto& [input, expected] : cases) {
    std::string reason;
    EXPECT_FALSE(base64_decode(input, &reason).has_value()) << input;
    EXPECT_EQ(reason, expected) << input;
  }
  EXPECT_EQ(base64_decode("QUI="), "AB");
  EXPECT_EQ(base64_decode("QQ=="), "A");
}

TEST(Utf8, AcceptsValidSequences) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("hello"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9"));          // U+00E9
  EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));      // U+20AC
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));  // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
}

TEST(Utf8, RejectsInvalidSequences) {
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\xc3\x28"));          // bad continuation
}

ErrorOr<int> parse_positive(int value) {
  if (value <= 0) return fail(EINVAL, "not positive: " + std::to_string(value));
  return value;
}

ErrorOr<int> doubled(int value) {
  int checked = TRY(parse_positive(value));
  return checked * 2;
}

TEST(Error, TryPropagatesFailuresAndValues) {
  auto ok = doubled(4);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 8);
  auto failed = doubled(-1);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().errno_code, EINVAL);
  EXPECT_EQ(failed.error().to_string(), "EINVAL: not positive: -1");
}

TEST(Error, NamesErrnoValues) {
  EXPECT_EQ(errno_name(ENOENT), "ENOENT");
  EXPECT_EQ(errno_name(ENOTEMPTY), "ENOTEMPTY");
  EXPECT_EQ(errno_name(0), "");
  EXPECT_EQ(errno_name(4095), "E4095");
  EXPECT_EQ(Error::plain("just text").to_string(), "just text");
}

}  // namespace
}  // namespace se
