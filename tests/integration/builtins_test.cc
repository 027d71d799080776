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

class BuiltinsTest : public GuestVmTest {};

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
