// Shared support for the integration tests: spawns the real secure-exec-sidecar (from
// $SECURE_EXEC_SIDECAR_BIN, else next to the test binary, else PATH) through the C++ client, each in
// its own TMPDIR with stderr captured to a file, and checks on teardown that its stdout carried
// valid frames only and that it exits 0 on EOF. Also builders for hand-made frames.
// Thread-safety: one fixture per test, used from the test thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/client.h"

namespace se::integration {

using namespace std::chrono_literals;

// Evaluates a client::Result; fails the test (returning from it) when it holds an error, otherwise
// yields the value.
#define ASSERT_OK(expr)                                                                           \
  ({                                                                                              \
    auto&& se_assert_ok_ = (expr);                                                                \
    ASSERT_TRUE(se_assert_ok_.has_value()) << #expr << ": " << se_assert_ok_.error().to_string(); \
    std::move(se_assert_ok_).value();                                                             \
  })

// Expects a RejectedResponse with exactly this code and message.
#define EXPECT_REJECTED(expr, expected_code, expected_message)                                     \
  do {                                                                                             \
    auto&& se_rejected_ = (expr);                                                                  \
    ASSERT_FALSE(se_rejected_.has_value()) << #expr << " succeeded; expected " << (expected_code); \
    EXPECT_TRUE(se_rejected_.error().rejected) << se_rejected_.error().to_string();                \
    EXPECT_EQ(se_rejected_.error().code, (expected_code));                                         \
    EXPECT_EQ(se_rejected_.error().message, (expected_message));                                   \
  } while (0)

// Expects a RejectedResponse with this code whose message starts with `prefix`.
#define EXPECT_REJECTED_PREFIX(expr, expected_code, prefix)                                        \
  do {                                                                                             \
    auto&& se_rejected_ = (expr);                                                                  \
    ASSERT_FALSE(se_rejected_.has_value()) << #expr << " succeeded; expected " << (expected_code); \
    EXPECT_TRUE(se_rejected_.error().rejected) << se_rejected_.error().to_string();                \
    EXPECT_EQ(se_rejected_.error().code, (expected_code));                                         \
    EXPECT_TRUE(se_rejected_.error().message.starts_with(prefix))                                  \
        << "message: " << se_rejected_.error().message << "\nexpected prefix: " << (prefix);       \
  } while (0)

// Skips the test when the sidecar answers that it does not implement this request kind yet
// (code "unsupported"); any other answer is left for the test to check.
#define SKIP_IF_NOT_IMPLEMENTED(expr)                                                   \
  do {                                                                                  \
    auto&& se_probe_ = (expr);                                                          \
    if (!se_probe_.has_value() && se_probe_.error().code == "unsupported") {            \
      GTEST_SKIP() << "not implemented by this sidecar: " << se_probe_.error().message; \
    }                                                                                   \
  } while (0)

// A directory removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct SidecarOptions {
  std::vector<std::string> args = {};
  std::map<std::string, std::string> env = {};
  std::vector<std::string> env_unset = {};
  std::string binary = {};  // empty: the sidecar under test
};

// The binary under test, or an empty string when none can be found.
std::string sidecar_under_test();

class SidecarTest : public ::testing::Test {
 protected:
  void TearDown() override;

  // Starts a sidecar (recording every frame it sends). Fails the test when none can be spawned.
  client::Client& start(const SidecarOptions& options = {});
  // start() + authenticate + open_session.
  client::Client& start_with_session(const SidecarOptions& options = {});
  // The stderr the sidecar started by the n-th start() wrote so far.
  std::string sidecar_stderr(size_t index = 0) const;

 private:
  struct Running {
    std::unique_ptr<TempDir> tmpdir;
    std::string stderr_path;
    std::unique_ptr<client::Client> client;
  };
  std::vector<Running> running_;
};

// A sidecar with a session and one JavaScript VM (allow-all policy), and the ways tests run guest
// programs in it.
class GuestVmTest : public SidecarTest {
 protected:
  void SetUp() override;

  client::Client& client() { return *client_; }
  // Writes a guest file; fails the test on error.
  void write(const client::VmHandle& vm, const std::string& path, const std::string& content);
  void write(const std::string& path, const std::string& content) { write(vm_, path, content); }
  // Execute of an entrypoint file / of `node ARGS...` (cwd: the VM default when empty).
  static wire::ExecuteRequest entrypoint(std::string process_id, std::string path);
  static wire::ExecuteRequest node(std::string process_id, std::vector<std::string> args, std::string cwd = {});
  // Executes and waits for the exit; failures fail the test and yield an empty result.
  client::ProcessResult run(const client::VmHandle& vm, const wire::ExecuteRequest& request,
                            std::chrono::milliseconds timeout = 30s);
  client::ProcessResult run(const wire::ExecuteRequest& request) { return run(vm_, request); }
  // Writes `source` to `path` and runs it as the entrypoint of process `process_id`.
  client::ProcessResult run_file(const std::string& process_id, const std::string& path, const std::string& source);
  // The bytes of the next output event of `process_id` ("" when none comes within 30 s).
  std::string next_output(const std::string& process_id);

  client::Client* client_ = nullptr;
  client::VmHandle vm_;
};

// The resident set of a process in KiB (VmRSS of /proc/<pid>/status), 0 when unreadable.
uint64_t resident_kib(pid_t pid);
// AddressSanitizer (the sidecar of a sanitizer build) keeps freed memory in quarantine, so memory
// bounds are checked only in the other builds.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kResidentSizeIsMeaningful = false;
#else
inline constexpr bool kResidentSizeIsMeaningful = true;
#endif

// Frame builders for malformed-input tests.
wire::RequestFrame request_frame(int64_t request_id, wire::OwnershipScope ownership, wire::RequestPayload payload);
// 4-byte big-endian length followed by the payload.
wire::Bytes framed(const wire::Bytes& payload);
wire::Bytes framed_with_length(uint32_t declared_length, const wire::Bytes& payload);
// Replaces the first occurrence of `needle` in `bytes`; fails the calling test when absent.
bool replace_bytes(wire::Bytes& bytes, const std::string& needle, const wire::Bytes& replacement);

}  // namespace se::integration
