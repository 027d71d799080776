// Ownership-chain checks, host-only request kinds, extensions and requests that belong to later
// issues (spec/protocol.md s1.5-1.6, s3.18, s3.20; spec/peer-behaviour.md s3).
#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using wire::GuestRuntimeKind;

class OwnershipTest : public SidecarTest {
 protected:
  // conn-1 / session-1 / vm-1 with allow-all permissions.
  client::VmHandle first_vm(client::Client& client) {
    auto vm = client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig);
    if (!vm) {
      ADD_FAILURE() << vm.error().to_string();
      return {};
    }
    return *vm;
  }
  static wire::RequestPayload read_hostname() {
    return client::fs_call(wire::GuestFilesystemOperation::READ_FILE, "/etc/hostname");
  }
};

TEST_F(OwnershipTest, CreateVmNeedsSessionScope) {
  auto& client = start_with_session();
  EXPECT_REJECTED(client.create_vm(client::connection_scope("conn-1"), GuestRuntimeKind::JAVA_SCRIPT, "{}"),
                  "invalid_state", "request requires session ownership scope");
}

TEST_F(OwnershipTest, VmRequestsNeedVmScope) {
  auto& client = start_with_session();
  first_vm(client);
  EXPECT_REJECTED(client.call(client::session_scope("conn-1", "session-1"), read_hostname()), "invalid_state",
                  "request requires VM ownership scope");
  EXPECT_REJECTED(client.call(client::connection_scope("conn-1"), wire::GetZombieTimerCountRequest{}), "invalid_state",
                  "request requires VM ownership scope");
}

TEST_F(OwnershipTest, RejectionsEchoTheRequestOwnership) {
  auto& client = start_with_session();
  const auto scope = client::vm_scope("conn-1", "session-1", "vm-404");
  const auto frame = ASSERT_OK(client.call_frame(scope, read_hostname()));
  EXPECT_EQ(frame.ownership, scope);
  ASSERT_TRUE(std::holds_alternative<wire::RejectedResponse>(frame.payload));
}

TEST_F(OwnershipTest, CreateVmBeforeAuthenticateNamesTheConnection) {
  auto& client = start();
  EXPECT_REJECTED(
      client.create_vm(client::session_scope("client-hint", "session-1"), GuestRuntimeKind::JAVA_SCRIPT, "{}"),
      "invalid_state", "connection client-hint has not authenticated");
}

TEST_F(OwnershipTest, UnknownSession) {
  auto& client = start_with_session();
  EXPECT_REJECTED(client.create_vm(client::session_scope("conn-1", "session-9"), GuestRuntimeKind::JAVA_SCRIPT, "{}"),
                  "invalid_state", "unknown sidecar session session-9");
  EXPECT_REJECTED(client.call(client::vm_scope("conn-1", "session-9", "vm-1"), read_hostname()), "invalid_state",
                  "unknown sidecar session session-9");
}

TEST_F(OwnershipTest, UnknownVm) {
  auto& client = start_with_session();
  first_vm(client);
  EXPECT_REJECTED(client.call(client::vm_scope("conn-1", "session-1", "vm-404"), read_hostname()), "invalid_state",
                  "unknown sidecar VM vm-404");
}

TEST_F(OwnershipTest, UnknownConnectionOnAVmRequest) {
  auto& client = start_with_session();
  first_vm(client);
  EXPECT_REJECTED(client.call(client::vm_scope("conn-999", "session-1", "vm-1"), read_hostname()), "invalid_state",
                  "connection conn-999 has not authenticated");
}

TEST_F(OwnershipTest, SessionOfAnotherConnection) {
  auto& client = start();
  ASSERT_OK(client.authenticate("a", "tok"));  // conn-1
  ASSERT_OK(client.authenticate("b", "tok"));  // conn-2
  ASSERT_OK(client.open_session());            // session-1, owned by conn-2
  EXPECT_REJECTED(client.create_vm(client::session_scope("conn-1", "session-1"), GuestRuntimeKind::JAVA_SCRIPT, "{}"),
                  "invalid_state", "session session-1 is not owned by connection conn-1");
}

TEST_F(OwnershipTest, VmOfAnotherSession) {
  auto& client = start_with_session();  // conn-1, session-1
  first_vm(client);                     // vm-1 in session-1
  ASSERT_OK(client.open_session());     // session-2
  EXPECT_REJECTED(client.call(client::vm_scope("conn-1", "session-2", "vm-1"), read_hostname()), "invalid_state",
                  "VM vm-1 is not owned by conn-1/session-2");
}

TEST_F(OwnershipTest, VmOfAnotherConnection) {
  auto& client = start_with_session();         // conn-1, session-1
  first_vm(client);                            // vm-1
  ASSERT_OK(client.authenticate("b", "tok"));  // conn-2
  ASSERT_OK(client.open_session());            // session-2 of conn-2
  EXPECT_REJECTED(client.call(client::vm_scope("conn-2", "session-2", "vm-1"), read_hostname()), "invalid_state",
                  "VM vm-1 is not owned by conn-2/session-2");
}

TEST_F(OwnershipTest, HostDirectionRequestsAreUnsupportedInAnyScope) {
  auto& client = start();
  const std::string message = "host callback request categories are sidecar-to-host only in this scaffold";
  wire::HostFilesystemCallRequest host_fs;
  host_fs.operation = wire::FilesystemOperation::READ;
  host_fs.path = "/x";
  wire::PersistenceLoadRequest load;
  load.key = "k";
  wire::PersistenceFlushRequest flush;
  flush.key = "k";
  flush.payload_size_bytes = 3;
  // Before authentication, with a bare connection hint.
  EXPECT_REJECTED(client.call(client::connection_scope("client-hint"), host_fs), "unsupported_direction", message);
  EXPECT_REJECTED(client.call(client::connection_scope("client-hint"), load), "unsupported_direction", message);
  EXPECT_REJECTED(client.call(client::connection_scope("client-hint"), flush), "unsupported_direction", message);
  ASSERT_OK(client.authenticate("a", "tok"));
  ASSERT_OK(client.open_session());
  const auto vm = first_vm(client);
  EXPECT_REJECTED(client.call(vm.ownership(), host_fs), "unsupported_direction", message);
  EXPECT_REJECTED(client.call(client::session_scope("conn-1", "session-1"), load), "unsupported_direction", message);
  EXPECT_REJECTED(client.call(vm.ownership(), flush), "unsupported_direction", message);
}

TEST_F(OwnershipTest, ExtensionEnvelopesHaveNoRegisteredNamespace) {
  auto& client = start_with_session();
  const auto vm = first_vm(client);
  wire::ExtEnvelope envelope;
  envelope.namespace_ = "nope";
  envelope.payload = {1};
  EXPECT_REJECTED(client.call(vm.ownership(), envelope), "unknown_extension",
                  "no extension registered for namespace nope");
  EXPECT_REJECTED(client.call(client::connection_scope("conn-1"), envelope), "unknown_extension",
                  "no extension registered for namespace nope");
}

TEST_F(OwnershipTest, ZombieTimerCountOfAFreshVmIsZero) {
  auto& client = start_with_session();
  const auto vm = first_vm(client);
  SKIP_IF_NOT_IMPLEMENTED(client.get_zombie_timer_count(vm));
  EXPECT_EQ(ASSERT_OK(client.get_zombie_timer_count(vm)), 0u);
}

TEST_F(OwnershipTest, SignalStateOfAnUnknownProcessIsEmpty) {
  auto& client = start_with_session();
  const auto vm = first_vm(client);
  SKIP_IF_NOT_IMPLEMENTED(client.get_signal_state(vm, "nobody"));
  const auto signals = ASSERT_OK(client.get_signal_state(vm, "nobody"));
  EXPECT_EQ(signals.process_id, "nobody");
  EXPECT_TRUE(signals.handlers.empty());
}

TEST_F(OwnershipTest, ProcessSnapshotOfAFreshVmIsEmpty) {
  auto& client = start_with_session();
  const auto vm = first_vm(client);
  SKIP_IF_NOT_IMPLEMENTED(client.get_process_snapshot(vm));
  EXPECT_TRUE(ASSERT_OK(client.get_process_snapshot(vm)).processes.empty());
}

TEST_F(OwnershipTest, NoListenersOrSocketsOnAFreshVm) {
  auto& client = start_with_session();
  const auto vm = first_vm(client);
  wire::FindListenerRequest listener;
  listener.port = 8080;
  SKIP_IF_NOT_IMPLEMENTED(client.find_listener(vm, listener));
  EXPECT_FALSE(ASSERT_OK(client.find_listener(vm, listener)).listener.has_value());
  EXPECT_FALSE(ASSERT_OK(client.find_bound_udp(vm, wire::FindBoundUdpRequest{})).socket.has_value());
}

TEST_F(OwnershipTest, ProcessSnapshotNeedsProcessInspectPermission) {
  auto& client = start_with_session();
  const auto vm = ASSERT_OK(client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, R"({"permissions":{"fs":"allow"}})"));
  SKIP_IF_NOT_IMPLEMENTED(client.get_process_snapshot(vm));
  EXPECT_REJECTED(client.get_process_snapshot(vm), "execution_error",
                  "EACCES: permission denied, process://snapshot: blocked by process.inspect policy");
}

// VmFetch arrives with guest networking; until then it is answered honestly and the VM stays usable.
TEST_F(OwnershipTest, VmFetchIsRejectedAndTheVmKeepsWorking) {
  auto& client = start_with_session();
  const auto vm = first_vm(client);
  ASSERT_OK(client.write_file(vm, "/workspace/hi.js", "console.log('hi')"));
  wire::VmFetchRequest fetch;
  fetch.port = 1;
  fetch.method = "GET";
  fetch.path = "/";
  fetch.headers_json = "{}";
  const auto frame = ASSERT_OK(client.call_frame(vm.ownership(), fetch));
  EXPECT_TRUE(std::holds_alternative<wire::RejectedResponse>(frame.payload)) << client::payload_kind(frame.payload);
  EXPECT_EQ(frame.ownership, vm.ownership());
  EXPECT_EQ(ASSERT_OK(client.read_file(vm, "/workspace/hi.js")), "console.log('hi')");
}

TEST_F(OwnershipTest, LayerStore) {
  auto& client = start_with_session();
  const auto vm = first_vm(client);
  SKIP_IF_NOT_IMPLEMENTED(client.export_snapshot(vm, "layer-0"));
  EXPECT_EQ(ASSERT_OK(client.create_layer(vm)), "layer-1");
  EXPECT_EQ(ASSERT_OK(client.seal_layer(vm, "layer-1")), "layer-2");
  EXPECT_REJECTED(client.seal_layer(vm, "layer-1"), "invalid_state", "unknown layer: layer-1");
  EXPECT_REJECTED(client.seal_layer(vm, "layer-2"), "invalid_state", "layer layer-2 is not writable");
  EXPECT_REJECTED(client.export_snapshot(vm, "layer-99"), "invalid_state", "unknown layer: layer-99");

  wire::RootFilesystemEntry file;
  file.path = "/imported.txt";
  file.kind = wire::RootFilesystemEntryKind::FILE;
  file.content = "imported";
  const auto imported = ASSERT_OK(client.import_snapshot(vm, {file}));
  EXPECT_EQ(imported, "layer-3");
  const auto exported = ASSERT_OK(client.export_snapshot(vm, imported));
  EXPECT_EQ(exported.layer_id, imported);
  bool found = false;
  for (const auto& entry : exported.entries) {
    if (entry.path == "/imported.txt") {
      found = true;
      EXPECT_EQ(entry.kind, wire::RootFilesystemEntryKind::FILE);
      EXPECT_EQ(entry.content, std::optional<std::string>("imported"));
    }
  }
  EXPECT_TRUE(found);

  wire::CreateOverlayRequest overlay;
  overlay.mode = wire::RootFilesystemMode::EPHEMERAL;
  overlay.lower_layer_ids = {imported};
  EXPECT_EQ(ASSERT_OK(client.create_overlay(vm, overlay)), "layer-4");
  overlay.lower_layer_ids = {"layer-77"};
  EXPECT_REJECTED(client.create_overlay(vm, overlay), "invalid_state", "unknown lower layer: layer-77");
}

TEST_F(OwnershipTest, BootstrapAndSnapshotRootFilesystem) {
  auto& client = start_with_session();
  const auto vm = first_vm(client);
  wire::RootFilesystemEntry dir;
  dir.path = "/boot-strapped";
  dir.kind = wire::RootFilesystemEntryKind::DIRECTORY;
  wire::RootFilesystemEntry file;
  file.path = "/boot-strapped/tool.sh";
  file.kind = wire::RootFilesystemEntryKind::FILE;
  file.content = "#!/bin/sh\n";
  file.executable = true;
  const auto bootstrapped = ASSERT_OK(client.bootstrap_root_filesystem(vm, {dir, file}));
  EXPECT_EQ(bootstrapped.entry_count, 2u);
  EXPECT_EQ(ASSERT_OK(client.stat(vm, "/boot-strapped/tool.sh")).mode, 0100755u);

  ASSERT_OK(client.write_file(vm, "/workspace/snap.txt", "in the snapshot"));
  const auto entries = ASSERT_OK(client.snapshot_root_filesystem(vm));
  std::map<std::string, wire::RootFilesystemEntry> by_path;
  for (const auto& entry : entries) by_path[entry.path] = entry;
  ASSERT_TRUE(by_path.contains("/workspace/snap.txt"));
  EXPECT_EQ(by_path["/workspace/snap.txt"].content, std::optional<std::string>("in the snapshot"));
  ASSERT_TRUE(by_path.contains("/etc/hostname"));
  ASSERT_TRUE(by_path.contains("/boot-strapped/tool.sh"));
  EXPECT_TRUE(by_path["/boot-strapped/tool.sh"].executable);
  ASSERT_TRUE(by_path.contains("/workspace"));
  EXPECT_EQ(by_path["/workspace"].kind, wire::RootFilesystemEntryKind::DIRECTORY);
}

TEST_F(OwnershipTest, ConfigureVmWithNothingToMount) {
  auto& client = start_with_session();
  const auto vm = first_vm(client);
  const auto configured = ASSERT_OK(client.configure_vm(vm, wire::ConfigureVmRequest{}));
  EXPECT_EQ(configured.applied_mounts, 0u);
  EXPECT_EQ(configured.applied_software, 0u);
  EXPECT_EQ(ASSERT_OK(client.read_file(vm, "/etc/hostname")), "secure-exec\n");
}

TEST_F(OwnershipTest, ConfigureVmReplacesThePolicy) {
  auto& client = start_with_session();
  const auto vm = first_vm(client);
  wire::ConfigureVmRequest request;
  wire::PermissionsPolicy deny_fs;
  deny_fs.fs = wire::FsPermissionScope(wire::PermissionMode::DENY);
  request.permissions = deny_fs;
  ASSERT_OK(client.configure_vm(vm, request));
  EXPECT_REJECTED_PREFIX(client.read_file(vm, "/etc/hostname"), "kernel_error", "EACCES: permission denied, ");
}

TEST_F(OwnershipTest, PipelinedRequestsAreAnsweredInOrderWithTheirIds) {
  auto& client = start_with_session();
  const auto vm = first_vm(client);
  auto& connection = client.connection();
  std::vector<client::PendingResponse> pending;
  for (int i = 0; i < 64; ++i) {
    auto request = client::fs_call(wire::GuestFilesystemOperation::WRITE_FILE, "/workspace/p" + std::to_string(i));
    request.content = std::to_string(i);
    auto sent = connection.send_request(vm.ownership(), request);
    ASSERT_TRUE(sent.has_value()) << sent.error().to_string();
    pending.push_back(*sent);
  }
  for (const auto& p : pending) {
    const auto response = p.wait(10s);
    ASSERT_TRUE(response.has_value()) << response.error().to_string();
    EXPECT_EQ(response->request_id, p.request_id());
    EXPECT_TRUE(std::holds_alternative<wire::GuestFilesystemResultResponse>(response->payload));
  }
  std::vector<int64_t> order;
  for (const auto& frame : connection.received_frames()) {
    if (const auto* response = std::get_if<wire::ResponseFrame>(&frame)) order.push_back(response->request_id);
  }
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
  EXPECT_EQ(ASSERT_OK(client.read_file(vm, "/workspace/p63")), "63");
}

}  // namespace
}  // namespace se::integration
