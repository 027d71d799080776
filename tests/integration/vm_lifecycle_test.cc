// CreateVm / DisposeVm, their lifecycle events and config validation (spec/protocol.md s3.3-3.4,
// spec/peer-behaviour.md s5).
#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using wire::GuestRuntimeKind;
using wire::VmLifecycleState;

class VmLifecycleTest : public SidecarTest {};

// Index of the first recorded frame matching `predicate`, or -1.
template <typename Predicate>
int first_frame(const std::vector<wire::ProtocolFrame>& frames, Predicate predicate) {
  for (size_t i = 0; i < frames.size(); ++i) {
    if (predicate(frames[i])) return static_cast<int>(i);
  }
  return -1;
}

bool is_lifecycle(const wire::ProtocolFrame& frame, VmLifecycleState state) {
  const auto* event = std::get_if<wire::EventFrame>(&frame);
  if (event == nullptr) return false;
  const auto* lifecycle = std::get_if<wire::VmLifecycleEvent>(&event->payload);
  return lifecycle != nullptr && lifecycle->state == state;
}

template <typename Payload>
bool is_response(const wire::ProtocolFrame& frame) {
  const auto* response = std::get_if<wire::ResponseFrame>(&frame);
  return response != nullptr && std::holds_alternative<Payload>(response->payload);
}

TEST_F(VmLifecycleTest, CreateVmAnswersVm1InTheSessionScopeThenCreatingAndReady) {
  auto& client = start_with_session();
  wire::CreateVmRequest request;
  request.runtime = GuestRuntimeKind::JAVA_SCRIPT;
  request.config = client::kAllowAllConfig;
  const auto scope = client::session_scope("conn-1", "session-1");
  const auto frame = ASSERT_OK(client.call_frame(scope, request));
  EXPECT_EQ(frame.ownership, scope);
  const auto* created = std::get_if<wire::VmCreatedResponse>(&frame.payload);
  ASSERT_NE(created, nullptr) << client::payload_kind(frame.payload);
  EXPECT_EQ(created->vm_id, "vm-1");

  const auto creating = client.connection().wait_event(
      [](const wire::EventFrame& e) { return std::holds_alternative<wire::VmLifecycleEvent>(e.payload); }, 5s);
  ASSERT_TRUE(creating.has_value());
  EXPECT_EQ(creating->ownership, client::vm_scope("conn-1", "session-1", "vm-1"));
  EXPECT_EQ(std::get<wire::VmLifecycleEvent>(creating->payload).state, VmLifecycleState::CREATING);
  const auto ready = client.connection().wait_event(
      [](const wire::EventFrame& e) { return std::holds_alternative<wire::VmLifecycleEvent>(e.payload); }, 5s);
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->ownership, client::vm_scope("conn-1", "session-1", "vm-1"));
  EXPECT_EQ(std::get<wire::VmLifecycleEvent>(ready->payload).state, VmLifecycleState::READY);

  const auto frames = client.connection().received_frames();
  const int response_at = first_frame(frames, is_response<wire::VmCreatedResponse>);
  const int creating_at =
      first_frame(frames, [](const auto& f) { return is_lifecycle(f, VmLifecycleState::CREATING); });
  const int ready_at = first_frame(frames, [](const auto& f) { return is_lifecycle(f, VmLifecycleState::READY); });
  EXPECT_LT(response_at, creating_at);
  EXPECT_LT(creating_at, ready_at);
}

TEST_F(VmLifecycleTest, VmIdsCountUpAndEveryRuntimeKindIsAccepted) {
  auto& client = start_with_session();
  const auto js = ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, "{}"));
  const auto py = ASSERT_OK(client.create_vm(GuestRuntimeKind::PYTHON, "{}"));
  const auto wasm = ASSERT_OK(client.create_vm(GuestRuntimeKind::WEB_ASSEMBLY, "{}"));
  EXPECT_EQ(js.vm_id, "vm-1");
  EXPECT_EQ(py.vm_id, "vm-2");
  EXPECT_EQ(wasm.vm_id, "vm-3");
  for (const auto* vm : {&js, &py, &wasm}) {
    EXPECT_EQ(vm->lifecycle, (std::vector{VmLifecycleState::CREATING, VmLifecycleState::READY})) << vm->vm_id;
  }
}

TEST_F(VmLifecycleTest, DisposeVmAnswersThenDisposingAndDisposedAndForgetsTheVm) {
  auto& client = start_with_session();
  auto vm = ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig));
  const auto disposed = ASSERT_OK(client.dispose_vm(vm));
  EXPECT_EQ(disposed.vm_id, "vm-1");
  EXPECT_EQ(vm.lifecycle, (std::vector{VmLifecycleState::CREATING, VmLifecycleState::READY, VmLifecycleState::DISPOSING,
                                       VmLifecycleState::DISPOSED}));
  const auto frames = client.connection().received_frames();
  EXPECT_LT(first_frame(frames, is_response<wire::VmDisposedResponse>),
            first_frame(frames, [](const auto& f) { return is_lifecycle(f, VmLifecycleState::DISPOSING); }));

  EXPECT_REJECTED(client.read_file(vm, "/etc/hostname"), "invalid_state", "unknown sidecar VM vm-1");
  EXPECT_REJECTED(client.dispose_vm(vm), "invalid_state", "unknown sidecar VM vm-1");
  // Ids are not reused.
  EXPECT_EQ(ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, "{}")).vm_id, "vm-2");
}

TEST_F(VmLifecycleTest, EmptyConfigIsNotJson) {
  auto& client = start_with_session();
  EXPECT_REJECTED(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, ""), "invalid_state",
                  "invalid create VM config JSON: EOF while parsing a value at line 1 column 0");
}

TEST_F(VmLifecycleTest, UnknownConfigFieldIsRejected) {
  auto& client = start_with_session();
  auto created = client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, R"({"surprise":1})");
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, "invalid_state");
  EXPECT_TRUE(created.error().message.starts_with("invalid create VM config JSON: unknown field"))
      << created.error().message;
  EXPECT_NE(created.error().message.find("surprise"), std::string::npos) << created.error().message;
}

TEST_F(VmLifecycleTest, ConfigValidationMessages) {
  auto& client = start_with_session();
  EXPECT_REJECTED(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, R"({"cwd":"relative/dir"})"), "invalid_state",
                  "invalid create VM config: cwd must be absolute");
  EXPECT_REJECTED(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, R"({"cwd":"/a/../b"})"), "invalid_state",
                  "invalid create VM config: cwd must not contain '..'");
  EXPECT_REJECTED(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, R"({"jsRuntime":{"allowedBuiltins":["nope"]}})"),
                  "invalid_state",
                  "invalid create VM config: jsRuntime.allowedBuiltins contains unknown builtin \"nope\"");
  EXPECT_REJECTED(
      client.create_vm(GuestRuntimeKind::JAVA_SCRIPT,
                       R"({"permissions":{"fs":{"rules":[{"mode":"allow","operations":[],"paths":["/**"]}]}}})"),
      "invalid_state",
      "invalid permissions policy: fs.rules[0].operations must not be empty; use [\"*\"] for wildcard");
  // The session still creates VMs afterwards.
  ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, "{}"));
}

TEST_F(VmLifecycleTest, AcceptedConfigShapes) {
  auto& client = start_with_session();
  ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, R"({"rootFilesystem":{"mode":"read-only"}})"));
  ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT,
                             R"({"env":{"A":"1"},"limits":{"resources":{"maxProcesses":8}}})"));
  ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT,
                             R"({"jsRuntime":{"platform":"node","allowedBuiltins":["fs","node:path"]}})"));
}

TEST_F(VmLifecycleTest, BootstrapEntriesOfTheConfigAreVisible) {
  auto& client = start_with_session();
  const auto vm = ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, R"({
    "permissions":{"fs":"allow"},
    "rootFilesystem":{"bootstrapEntries":[
      {"path":"/seed/hello.txt","kind":"file","content":"seeded"},
      {"path":"/seed/bin.dat","kind":"file","content":"AAH/","encoding":"base64"},
      {"path":"/seed/link","kind":"symlink","target":"/seed/hello.txt"}]}})"));
  EXPECT_EQ(ASSERT_OK(client.read_file(vm, "/seed/hello.txt")), "seeded");
  EXPECT_EQ(ASSERT_OK(client.read_file(vm, "/seed/bin.dat")), std::string("\x00\x01\xff", 3));
  EXPECT_EQ(ASSERT_OK(client.read_link(vm, "/seed/link")), "/seed/hello.txt");
}

TEST_F(VmLifecycleTest, ReadOnlyRootRefusesWrites) {
  auto& client = start_with_session();
  const auto vm = ASSERT_OK(client.create_vm(
      GuestRuntimeKind::JAVA_SCRIPT, R"({"permissions":{"fs":"allow"},"rootFilesystem":{"mode":"read-only"}})"));
  EXPECT_EQ(ASSERT_OK(client.read_file(vm, "/etc/hostname")), "secure-exec\n");
  EXPECT_REJECTED_PREFIX(client.write_file(vm, "/workspace/x.txt", "x"), "kernel_error", "EROFS: ");
}

TEST_F(VmLifecycleTest, DefaultPolicyDeniesEveryFilesystemCall) {
  auto& client = start_with_session();
  const auto vm = ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, "{}"));
  EXPECT_REJECTED_PREFIX(client.read_file(vm, "/etc/hostname"), "kernel_error", "EACCES: permission denied, ");
  EXPECT_REJECTED_PREFIX(client.write_file(vm, "/workspace/a.txt", "x"), "kernel_error", "EACCES: permission denied, ");
  EXPECT_REJECTED_PREFIX(client.read_dir(vm, "/"), "kernel_error", "EACCES: permission denied, ");
  EXPECT_REJECTED_PREFIX(client.stat(vm, "/tmp"), "kernel_error", "EACCES: permission denied, ");
  EXPECT_REJECTED_PREFIX(client.mkdir(vm, "/workspace/d"), "kernel_error", "EACCES: permission denied, ");
  auto denied = client.read_file(vm, "/etc/hostname");
  ASSERT_FALSE(denied.has_value());
  EXPECT_NE(denied.error().message.find("blocked by fs."), std::string::npos) << denied.error().message;
}

TEST_F(VmLifecycleTest, PathRulesAllowSomeAndDenyOthers) {
  auto& client = start_with_session();
  const auto vm = ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, R"({"permissions":{"fs":{
    "default":"allow",
    "rules":[{"mode":"deny","operations":["write"],"paths":["/data/**"]}]}}})"));
  ASSERT_OK(client.write_file(vm, "/workspace/ok.txt", "fine"));
  EXPECT_REJECTED(client.write_file(vm, "/data/host.txt", "no"), "kernel_error",
                  "EACCES: permission denied, write '/data/host.txt': blocked by fs.write policy");
  EXPECT_EQ(ASSERT_OK(client.read_file(vm, "/workspace/ok.txt")), "fine");
}

TEST_F(VmLifecycleTest, VmsAreIsolatedFromEachOther) {
  auto& client = start_with_session();
  const auto a = ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig));
  const auto b = ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig));
  ASSERT_OK(client.write_file(a, "/workspace/only-a.txt", "a"));
  EXPECT_TRUE(ASSERT_OK(client.exists(a, "/workspace/only-a.txt")));
  EXPECT_FALSE(ASSERT_OK(client.exists(b, "/workspace/only-a.txt")));
}

}  // namespace
}  // namespace se::integration
