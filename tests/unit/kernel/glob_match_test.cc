#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "kernel/permission_engine.h"

namespace se::kernel {
namespace {

TEST(GlobMatch, LiteralsMatchExactlyAndAnchoredAtBothEnds) {
  EXPECT_TRUE(glob_match("/tmp/a", "/tmp/a"));
  EXPECT_FALSE(glob_match("/tmp/a", "/tmp/ab"));
  EXPECT_FALSE(glob_match("/tmp/a", "x/tmp/a"));
  EXPECT_FALSE(glob_match("/tmp/a", "/tmp/A"));  // case-sensitive
}

TEST(GlobMatch, EmptyPatternAndEmptyText) {
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_FALSE(glob_match("", "a"));
  EXPECT_FALSE(glob_match("a", ""));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("**", ""));
  EXPECT_FALSE(glob_match("?", ""));
}

TEST(GlobMatch, QuestionMarkIsOneByteOtherThanSlash) {
  EXPECT_TRUE(glob_match("/tmp/?", "/tmp/a"));
  EXPECT_FALSE(glob_match("/tmp/?", "/tmp/"));
  EXPECT_FALSE(glob_match("/tmp/?", "/tmp/ab"));
  EXPECT_FALSE(glob_match("/tmp?a", "/tmp/a"));
  // Byte-wise: a two-byte UTF-8 character needs two question marks.
  EXPECT_FALSE(glob_match("/?", "/\xc3\xa9"));
  EXPECT_TRUE(glob_match("/??", "/\xc3\xa9"));
}

TEST(GlobMatch, SingleStarStaysWithinOneSegment) {
  EXPECT_TRUE(glob_match("/workspace/*", "/workspace/a"));
  EXPECT_TRUE(glob_match("/workspace/*", "/workspace/"));
  EXPECT_FALSE(glob_match("/workspace/*", "/workspace/a/b"));
  EXPECT_FALSE(glob_match("/tmp/*", "/tmp"));
  EXPECT_TRUE(glob_match("/a/*.txt", "/a/notes.txt"));
  EXPECT_FALSE(glob_match("/a/*.txt", "/a/b/notes.txt"));
  EXPECT_TRUE(glob_match("*", "abc"));
  EXPECT_FALSE(glob_match("*", "a/c"));
  EXPECT_TRUE(glob_match("/*/*/c", "/a/b/c"));
}

TEST(GlobMatch, DoubleStarCrossesSegments) {
  EXPECT_TRUE(glob_match("/workspace/**", "/workspace/a"));
  EXPECT_TRUE(glob_match("/workspace/**", "/workspace/a/b"));
  EXPECT_TRUE(glob_match("/tmp/**", "/tmp/a/b/c"));
  EXPECT_FALSE(glob_match("/tmp/**", "/tmp"));
  EXPECT_TRUE(glob_match("**", "/anything/at/all"));
  EXPECT_TRUE(glob_match("tcp://**", "tcp://127.0.0.1:8080"));
  EXPECT_FALSE(glob_match("tcp://**", "udp://127.0.0.1:53"));
  EXPECT_TRUE(glob_match("/a/**/z", "/a/b/c/z"));
  EXPECT_TRUE(glob_match("/a/**/z", "/a//z"));
  EXPECT_FALSE(glob_match("/a/**/z", "/a/z"));
  EXPECT_TRUE(glob_match("/a/**z", "/a/z"));
}

TEST(GlobMatch, ThreeOrMoreStarsBehaveLikeTwo) {
  EXPECT_TRUE(glob_match("/a/***", "/a/b/c"));
  EXPECT_TRUE(glob_match("/a/*****/c", "/a/x/y/c"));
}

TEST(GlobMatch, MixedWildcards) {
  EXPECT_TRUE(glob_match("/home/*/.?sh*", "/home/u/.bshrc"));
  EXPECT_FALSE(glob_match("/home/*/.?sh*", "/home/u/x/.bshrc"));
  EXPECT_TRUE(glob_match("**/*.js", "/a/b/c.js"));
  EXPECT_TRUE(glob_match("**/*.js", "/c.js"));
  EXPECT_FALSE(glob_match("**/*.js", "/a/b.js/c"));
  EXPECT_TRUE(glob_match("dns://*.example.com", "dns://api.example.com"));
  EXPECT_FALSE(glob_match("dns://*.example.com", "dns://example.com"));
  EXPECT_TRUE(glob_match("toolkit:*", "toolkit:tool"));
}

TEST(GlobMatch, OtherBytesAreLiteral) {
  EXPECT_TRUE(glob_match("/a[b]", "/a[b]"));
  EXPECT_FALSE(glob_match("/a[b]", "/ab"));
  EXPECT_TRUE(glob_match("/a{b,c}", "/a{b,c}"));
  EXPECT_TRUE(glob_match("/a\\*", "/a\\x"));  // no escaping: the backslash is literal
}

TEST(GlobMatch, PathologicalPatternsFinishQuickly) {
  const std::string text(20000, 'a');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*b", text));
  EXPECT_FALSE(glob_match("**a**a**a**a**a**a**a**b", text));
  EXPECT_TRUE(glob_match("*a*a*a*a*a*a*a*a*a*a*", text));
  const std::string long_pattern = std::string(300, '?') + "*";
  EXPECT_TRUE(glob_match(long_pattern, text));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(1));
}

}  // namespace
}  // namespace se::kernel
