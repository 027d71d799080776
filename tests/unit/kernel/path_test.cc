#include "kernel/vfs/path.h"

#include <gtest/gtest.h>

#include <string>

namespace se::kernel::vfs {
namespace {

TEST(NormalizePath, MapsEmptyAndRelativePathsOntoRoot) {
  EXPECT_EQ(normalize_path(""), "/");
  EXPECT_EQ(normalize_path("/"), "/");
  EXPECT_EQ(normalize_path("w/bin.dat"), "/w/bin.dat");
  EXPECT_EQ(normalize_path("."), "/");
}

TEST(NormalizePath, DropsEmptyAndDotComponentsAndTrailingSlashes) {
  EXPECT_EQ(normalize_path("//a///b/./c/"), "/a/b/c");
  EXPECT_EQ(normalize_path("/a/./"), "/a");
}

TEST(NormalizePath, ResolvesDotDotLexicallyWithoutEscapingRoot) {
  EXPECT_EQ(normalize_path("/w/../w/x"), "/w/x");
  EXPECT_EQ(normalize_path("/../../etc/hostname"), "/etc/hostname");
  EXPECT_EQ(normalize_path("/a/b/../../.."), "/");
  EXPECT_EQ(normalize_path("a/.."), "/");
}

TEST(NormalizePath, KeepsNamesThatOnlyLookLikeDots) {
  EXPECT_EQ(normalize_path("/a/.../..b/.c"), "/a/.../..b/.c");
}

TEST(CheckedPath, RejectsNulBytes) {
  auto result = checked_path(std::string("/a\0b", 4));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().to_string(), "EINVAL: path contains NUL byte");
}

TEST(CheckedPath, RejectsControlBytesNamingTheByte) {
  EXPECT_EQ(checked_path("/a\x1f").error().to_string(), "EINVAL: path contains control character byte 0x1f");
  EXPECT_EQ(checked_path("/a\n").error().to_string(), "EINVAL: path contains control character byte 0x0a");
  EXPECT_EQ(checked_path("/a\x7f").error().to_string(), "EINVAL: path contains control character byte 0x7f");
}

TEST(CheckedPath, AcceptsNonAsciiBytes) {
  EXPECT_EQ(checked_path("/caf\xc3\xa9").value(), "/caf\xc3\xa9");
}

TEST(CheckedPath, LimitsTheNormalisedLengthTo4096Bytes) {
  const std::string longest = "/" + std::string(4095, 'a');
  EXPECT_EQ(checked_path(longest).value(), longest);
  const std::string too_long = "/" + std::string(4096, 'a');
  auto result = checked_path(too_long);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().errno_code, ENAMETOOLONG);
  EXPECT_EQ(result.error().message, "file name too long: " + too_long);
  // Length is judged after normalisation.
  EXPECT_TRUE(checked_path("/" + std::string(4095, 'a') + "/./"));
}

TEST(PathParts, SplitsParentAndBaseName) {
  EXPECT_EQ(parent_path("/"), "/");
  EXPECT_EQ(parent_path("/a"), "/");
  EXPECT_EQ(parent_path("/a/b/c"), "/a/b");
  EXPECT_EQ(base_name("/"), "");
  EXPECT_EQ(base_name("/a/b/c"), "c");
  EXPECT_EQ(join_path("/", "a"), "/a");
  EXPECT_EQ(join_path("/a", "b"), "/a/b");
}

TEST(PathParts, DescendantTestRespectsComponentBoundaries) {
  EXPECT_TRUE(is_strict_descendant("/a/b", "/a"));
  EXPECT_TRUE(is_strict_descendant("/a", "/"));
  EXPECT_FALSE(is_strict_descendant("/a", "/a"));
  EXPECT_FALSE(is_strict_descendant("/ab", "/a"));
  EXPECT_FALSE(is_strict_descendant("/", "/"));
}

}  // namespace
}  // namespace se::kernel::vfs
