// The sidecar loads its JavaScript engine (V8) from libsecure-exec-js.so next to its own
// executable, in the background: without that module it still serves everything but Execute,
// which it rejects naming the problem; with it, a copy of the two files runs guests anywhere.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using wire::GuestRuntimeKind;

constexpr const char* kModuleFile = "libsecure-exec-js.so";

class EngineModuleTest : public SidecarTest {
 protected:
  void SetUp() override {
    const std::filesystem::path binary = sidecar_under_test();
    ASSERT_FALSE(binary.empty()) << "no secure-exec-sidecar binary to test";
    if (!std::filesystem::exists(binary.parent_path() / kModuleFile)) {
      GTEST_SKIP() << binary << " has no " << kModuleFile << " next to it (a sidecar that links its engine)";
    }
  }

  // A copy of the sidecar under test in its own directory; `with_module` copies the module too.
  std::string copy_sidecar(bool with_module) {
    const std::filesystem::path binary = sidecar_under_test();
    const std::filesystem::path copy = std::filesystem::path(dir_.path()) / binary.filename();
    std::filesystem::copy_file(binary, copy);
    if (with_module) std::filesystem::copy_file(binary.parent_path() / kModuleFile, copy.parent_path() / kModuleFile);
    return copy.string();
  }

  static wire::ExecuteRequest eval(std::string process_id, std::string code) {
    wire::ExecuteRequest request;
    request.process_id = std::move(process_id);
    request.command = "node";
    request.args = {"-e", std::move(code)};
    return request;
  }

  TempDir dir_;
};

TEST_F(EngineModuleTest, WithoutTheModuleExecuteIsRejectedAndEverythingElseWorks) {
  auto& client = start_with_session({.binary = copy_sidecar(false)});
  auto vm = ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig));
  EXPECT_REJECTED_PREFIX(client.execute(vm, eval("p1", "console.log('hi')")), "execution_error",
                         "JavaScript runtime unavailable: ");
  // Nothing was started, and the VM, its filesystem and other VMs keep working.
  auto processes = ASSERT_OK(client.get_process_snapshot(vm));
  EXPECT_TRUE(processes.processes.empty());
  ASSERT_OK(client.write_file(vm, "/workspace/a.txt", "still here"));
  EXPECT_EQ(ASSERT_OK(client.read_file(vm, "/workspace/a.txt")), "still here");
  auto other = ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig));
  EXPECT_REJECTED_PREFIX(client.execute(other, eval("p2", "1")), "execution_error", "JavaScript runtime unavailable: ");
  ASSERT_OK(client.dispose_vm(other));
  ASSERT_OK(client.dispose_vm(vm));
}

TEST_F(EngineModuleTest, AModuleThatIsNotALibraryIsReportedByTheDynamicLoader) {
  const std::string binary = copy_sidecar(false);
  std::ofstream(std::filesystem::path(binary).parent_path() / kModuleFile) << "not an ELF file";
  auto& client = start_with_session({.binary = binary});
  auto vm = ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig));
  auto started = client.execute(vm, eval("p1", "1"));
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, "execution_error");
  EXPECT_NE(started.error().message.find(kModuleFile), std::string::npos) << started.error().message;
}

TEST_F(EngineModuleTest, TheModuleIsFoundNextToTheExecutable) {
  auto& client = start_with_session({.binary = copy_sidecar(true)});
  auto vm = ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig));
  ASSERT_OK(client.execute(vm, eval("p1", "console.log(6 * 7)")));
  auto result = ASSERT_OK(client.wait_process(vm, "p1", 10s));
  EXPECT_EQ(result.stdout_bytes, "42\n");
  EXPECT_EQ(result.exit_code, 0);
}

}  // namespace
}  // namespace se::integration
