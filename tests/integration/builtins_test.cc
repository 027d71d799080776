// Builtins that depend on the VM a guest runs in, through the real sidecar: os reports the VM's
// identity (its /etc/hostname), never the host machine's.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <climits>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using namespace std::chrono_literals;
using wire::GuestRuntimeKind;

class BuiltinsTest : public SidecarTest {
 protected:
  void SetUp() override {
    client_ = &start_with_session();
    auto vm = client_->create_vm(GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig);
    ASSERT_TRUE(vm.has_value()) << vm.error().to_string();
    vm_ = *vm;
  }

  client::ProcessResult run_file(std::string process_id, std::string path, std::string source) {
    EXPECT_TRUE(client_->write_file(vm_, path, source).has_value());
    wire::ExecuteRequest request;
    request.process_id = std::move(process_id);
    request.runtime = GuestRuntimeKind::JAVA_SCRIPT;
    request.entrypoint = std::move(path);
    auto started = client_->execute(vm_, request);
    EXPECT_TRUE(started.has_value()) << started.error().to_string();
    auto result = client_->wait_process(vm_, request.process_id, 10s);
    EXPECT_TRUE(result.has_value()) << result.error().to_string();
    return result.value_or(client::ProcessResult{});
  }

  client::Client* client_ = nullptr;
  client::VmHandle vm_;
};

TEST_F(BuiltinsTest, OsHostnameIsTheVmsEtcHostname) {
  char host[HOST_NAME_MAX + 1] = {};
  ASSERT_EQ(gethostname(host, sizeof(host)), 0);
  ASSERT_NE(std::string(host), "guest-box-7");
  ASSERT_TRUE(client_->write_file(vm_, "/etc/hostname", "guest-box-7\n").has_value());
  auto result = run_file("p1", "/workspace/host.js", "console.log(require('os').hostname())");
  EXPECT_EQ(result.stdout_bytes, "guest-box-7\n") << result.stderr_bytes;
  EXPECT_EQ(result.exit_code, 0);
}

TEST_F(BuiltinsTest, CryptoAndStreamsWorkInAVm) {
  auto result = run_file("p2", "/workspace/c.js", R"JS(const { createHash } = require('node:crypto');
const { Readable } = require('node:stream');
Readable.from(['a', 'b', 'c']).on('data', (c) => process.stdout.write(c)).on('end', () =>
  console.log('', createHash('sha256').update('abc').digest('hex')));)JS");
  EXPECT_EQ(result.stdout_bytes, "abc ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n")
      << result.stderr_bytes;
}

}  // namespace
}  // namespace se::integration
