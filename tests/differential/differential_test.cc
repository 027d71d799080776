// Differential tests: each scenario runs against our sidecar and against the published reference
// binary (env SECURE_EXEC_REFERENCE_BIN, else third_party/_deps/reference/package/secure-exec-sidecar;
// the tests skip only when neither exists), and every response and event is compared field by field.
// Ignored: volatile stat fields (timestamps, ino, dev). The scenarios avoid the documented deliberate
// differences of spec/README.md (D1 malformed frames, D4 tokens, D10 dangling symlinks, D11
// recursive REMOVE_DIR, D13 cwd) and reference bugs (absolute symlinks read back relative after a
// shadow-directory sync, spec/peer-behaviour.md s7). A request our sidecar answers with
// RejectedResponse{unsupported} is reported as not implemented rather than compared.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <tuple>
#include <vector>

#include "sidecar_fixture.h"

namespace se::differential {
namespace {

using namespace std::chrono_literals;
using integration::TempDir;
using Op = wire::GuestFilesystemOperation;

const char* const kVolatileStatFields[] = {"atimeMs", "mtimeMs", "ctimeMs", "birthtimeMs", "ino", "dev"};

struct Exchange {
  std::string label;
  nlohmann::json request;
  nlohmann::json response;
};

struct Transcript {
  std::vector<Exchange> exchanges;
  std::vector<nlohmann::json> events;
  std::optional<int> exit_status;
  std::string failure;  // set when the scenario could not run to the end
};

// Removes volatile fields from every "stat" object.
void normalise(nlohmann::json& value) {
  if (value.is_object()) {
    for (auto& [key, member] : value.items()) {
      if (key == "stat" && member.is_object()) {
        for (const char* field : kVolatileStatFields) member.erase(field);
      }
      normalise(member);
    }
  } else if (value.is_array()) {
    for (auto& item : value) normalise(item);
  }
}

nlohmann::json normalised(const nlohmann::json& value) {
  nlohmann::json copy = value;
  normalise(copy);
  return copy;
}

// What a scenario sees: one sidecar, and a way to record a request and its response.
class Session {
 public:
  explicit Session(client::Client& client) : client_(client) {}

  void send(std::string label, const wire::OwnershipScope& scope, wire::RequestPayload payload) {
    Exchange exchange{std::move(label), wire::to_json_value(payload), nullptr};
    auto frame = client_.call_frame(scope, std::move(payload));
    if (!frame) {
      exchange.response = {{"client_error", frame.error().to_string()}};
    } else {
      exchange.response = {{"ownership", wire::to_json_value(frame->ownership)},
                           {"payload", wire::to_json_value(frame->payload)}};
    }
    transcript.exchanges.push_back(std::move(exchange));
  }

  Transcript transcript;

 private:
  client::Client& client_;
};

using Scenario = std::function<void(Session&)>;

Transcript run_scenario(const std::string& binary, const Scenario& scenario) {
  TempDir tmpdir;
  std::filesystem::create_directory(tmpdir.path() + "/tmp");
  client::ClientOptions options;
  options.sidecar_path = binary;
  options.env["TMPDIR"] = tmpdir.path() + "/tmp";
  options.stderr_mode = client::StderrMode::kFile;
  options.stderr_path = tmpdir.path() + "/stderr";
  options.request_timeout = 20s;
  auto client = client::Client::spawn(options);
  if (!client) return Transcript{{}, {}, std::nullopt, client.error().to_string()};
  Session session(**client);
  scenario(session);
  // Every frame written before this response has arrived once it is answered; the reference may
  // drop frames still queued at exit (spec/protocol.md s1.10), so EOF comes only after it.
  session.send("barrier", client::connection_scope("client-hint"), wire::ExtEnvelope{});
  auto& connection = (*client)->connection();
  connection.close_stdin();
  session.transcript.exit_status = connection.wait_exit(10s);
  for (const auto& event : connection.take_events()) session.transcript.events.push_back(wire::to_json_value(event));
  return std::move(session.transcript);
}

std::string reference_binary() {
  if (const char* path = std::getenv("SECURE_EXEC_REFERENCE_BIN"); path != nullptr && *path != '\0') {
    if (std::filesystem::exists(path)) return path;
  }
  if (std::filesystem::exists(SE_REFERENCE_SIDECAR_DEFAULT)) return SE_REFERENCE_SIDECAR_DEFAULT;
  return {};
}

bool is_not_implemented(const nlohmann::json& response) {
  const auto payload = response.find("payload");
  return payload != response.end() && (*payload)["type"] == "RejectedResponse" &&
         (*payload)["value"]["code"] == "unsupported";
}

// Runs `scenario` on both binaries and compares the transcripts.
void compare(const Scenario& scenario) {
  const std::string reference = reference_binary();
  if (reference.empty()) GTEST_SKIP() << "reference sidecar not found: run scripts/fetch-reference.sh";
  const std::string ours = integration::sidecar_under_test();
  ASSERT_FALSE(ours.empty()) << "our secure-exec-sidecar was not found: set SECURE_EXEC_SIDECAR_BIN";

  const Transcript theirs = run_scenario(reference, scenario);
  const Transcript mine = run_scenario(ours, scenario);
  ASSERT_EQ(theirs.failure, "") << "reference";
  ASSERT_EQ(mine.failure, "") << "ours";
  ASSERT_EQ(mine.exchanges.size(), theirs.exchanges.size());

  std::vector<std::string> not_implemented;
  for (size_t i = 0; i < mine.exchanges.size(); ++i) {
    const auto& a = mine.exchanges[i];
    const auto& b = theirs.exchanges[i];
    if (is_not_implemented(a.response) && !is_not_implemented(b.response)) {
      not_implemented.push_back(a.label);
      continue;
    }
    EXPECT_EQ(normalised(a.response).dump(), normalised(b.response).dump())
        << "step " << i << ": " << a.label << "\nrequest: " << a.request.dump() << "\n(first: ours, second: reference)";
  }
  std::vector<std::string> my_events;
  std::vector<std::string> their_events;
  for (const auto& event : mine.events) my_events.push_back(normalised(event).dump());
  for (const auto& event : theirs.events) their_events.push_back(normalised(event).dump());
  EXPECT_EQ(my_events, their_events) << "events (first: ours, second: reference)";
  EXPECT_EQ(mine.exit_status, theirs.exit_status) << "exit status after EOF (first: ours)";
  if (!not_implemented.empty() && !::testing::Test::HasFailure()) {
    std::string labels;
    for (const auto& label : not_implemented) labels += "\n  " + label;
    GTEST_SKIP() << "our sidecar does not implement yet:" << labels;
  }
}

// Scenario building blocks.
const wire::OwnershipScope kConn = client::connection_scope("conn-1");
const wire::OwnershipScope kSession = client::session_scope("conn-1", "session-1");
const wire::OwnershipScope kVm = client::vm_scope("conn-1", "session-1", "vm-1");

wire::AuthenticateRequest authenticate(uint16_t protocol_version) {
  wire::AuthenticateRequest request;
  request.client_name = "sidecar-client-py";
  request.auth_token = "tok";
  request.protocol_version = protocol_version;
  request.bridge_version = wire::kBridgeVersion;
  return request;
}

wire::CreateVmRequest create_vm(std::string config) {
  wire::CreateVmRequest request;
  request.runtime = wire::GuestRuntimeKind::JAVA_SCRIPT;
  request.config = std::move(config);
  return request;
}

void open_vm(Session& s, const std::string& config) {
  s.send("authenticate", client::connection_scope("client-hint"), authenticate(wire::kProtocolVersion));
  wire::OpenSessionRequest open;
  open.placement = wire::SidecarPlacementShared{};
  s.send("open session", kConn, open);
  s.send("create vm", kSession, create_vm(config));
}

struct FsStep {
  std::string label;
  wire::GuestFilesystemCallRequest request;
};

FsStep fs(Op op, std::string path, std::function<void(wire::GuestFilesystemCallRequest&)> fill = {}) {
  auto request = client::fs_call(op, path);
  if (fill) fill(request);
  return {std::string(wire::to_string(op)) + " " + path, std::move(request)};
}

void run_fs(Session& s, const std::vector<FsStep>& steps) {
  for (const auto& step : steps) s.send(step.label, kVm, step.request);
}

auto content(std::string text) {
  return [text](wire::GuestFilesystemCallRequest& r) { r.content = text; };
}
auto destination(std::string path) {
  return [path](wire::GuestFilesystemCallRequest& r) { r.destination_path = path; };
}
auto base64(std::string text) {
  return [text](wire::GuestFilesystemCallRequest& r) {
    r.content = text;
    r.encoding = wire::RootFilesystemEntryEncoding::BASE64;
  };
}
auto target(std::string path) {
  return [path](wire::GuestFilesystemCallRequest& r) { r.target = path; };
}

constexpr const char* kAllowAll =
    R"({"rootFilesystem": {"mode": "ephemeral"}, "permissions": {"fs": "allow", "network": "allow", "childProcess": "allow", "process": "allow", "env": "allow", "binding": "allow"}})";

// tests/data/reference-session.jsonl without its JavaScript executions.
TEST(Differential, ReferenceSessionWithoutJavaScript) {
  compare([](Session& s) {
    s.send("authenticate with protocol 6", client::connection_scope("client-hint"), authenticate(6));
    open_vm(s, kAllowAll);
    run_fs(s, {
                  fs(Op::MKDIR, "/w", [](auto& r) { r.recursive = true; }),
                  fs(Op::WRITE_FILE, "/w/a.txt", content("hello")),
                  fs(Op::WRITE_FILE, "/w/b.bin",
                     [](auto& r) {
                       r.content = "AAH/";
                       r.encoding = wire::RootFilesystemEntryEncoding::BASE64;
                     }),
                  fs(Op::READ_FILE, "/w/a.txt"),
                  fs(Op::READ_FILE, "/w/b.bin"),
                  fs(Op::STAT, "/w/a.txt"),
                  fs(Op::READ_DIR, "/w"),
                  fs(Op::READ_FILE, "/w/missing"),
                  fs(Op::SYMLINK, "/w/l", target("/w/a.txt")),
                  fs(Op::READ_LINK, "/w/l"),
              });
    s.send("get zombie timer count", kVm, wire::GetZombieTimerCountRequest{});
    s.send("create layer", kVm, wire::CreateLayerRequest{});
    wire::FindListenerRequest listener;
    listener.port = 8080;
    s.send("find listener", kVm, listener);
    wire::PersistenceLoadRequest load;
    load.key = "k";
    s.send("persistence load", kVm, load);
    wire::ExtEnvelope envelope;
    envelope.namespace_ = "nope";
    envelope.payload = {1};
    s.send("ext envelope", kVm, envelope);
    wire::DisposeVmRequest dispose;
    dispose.reason = wire::DisposeReason::REQUESTED;
    s.send("dispose vm", kVm, dispose);
  });
}

// Every operation of spec/peer-behaviour.md s7 on its success path, on an allow-all VM.
TEST(Differential, EveryFilesystemOperation) {
  compare([](Session& s) {
    open_vm(s, kAllowAll);
    run_fs(s, {
                  fs(Op::MKDIR, "/w", [](auto& r) { r.recursive = true; }),
                  fs(Op::WRITE_FILE, "/w/f.txt", content("hello")),
                  fs(Op::WRITE_FILE, "/nodir/f.txt", content("parents are created")),
                  fs(Op::READ_FILE, "/nodir/f.txt"),
                  fs(Op::MKDIR, "/x/y"),
                  fs(Op::MKDIR, "/w", [](auto& r) { r.recursive = true; }),
                  fs(Op::CREATE_DIR, "/w/cd"),
                  fs(Op::STAT, "/w/f.txt"),
                  fs(Op::STAT, "/w"),
                  fs(Op::STAT, "/w/cd"),
                  fs(Op::LSTAT, "/w/f.txt"),
                  fs(Op::EXISTS, "/w/f.txt"),
                  fs(Op::EXISTS, "/w/nope"),
                  fs(Op::EXISTS, "/"),
                  fs(Op::WRITE_FILE, "/w/b", content("")),
                  fs(Op::WRITE_FILE, "/w/A", content("upper")),
                  fs(Op::READ_DIR, "/w"),
                  fs(Op::READ_DIR, "/w/cd"),
                  fs(Op::SYMLINK, "/w/rel", target("f.txt")),
                  fs(Op::LSTAT, "/w/rel"),
                  fs(Op::STAT, "/w/rel"),
                  fs(Op::READ_LINK, "/w/rel"),
                  fs(Op::READ_FILE, "/w/rel"),
                  fs(Op::REALPATH, "/w/rel"),
                  fs(Op::REALPATH, "/w/../w/./f.txt"),
                  fs(Op::LINK, "/w/f.txt", destination("/w/hard")),
                  fs(Op::STAT, "/w/hard"),
                  fs(Op::CHMOD, "/w/f.txt", [](auto& r) { r.mode = 0600; }),
                  fs(Op::STAT, "/w/f.txt"),
                  fs(Op::CHOWN, "/w/f.txt",
                     [](auto& r) {
                       r.uid = 0;
                       r.gid = 42;
                     }),
                  fs(Op::STAT, "/w/f.txt"),
                  fs(Op::UTIMES, "/w/f.txt",
                     [](auto& r) {
                       r.atime_ms = 1000000000000;
                       r.mtime_ms = 1100000000000;
                     }),
                  fs(Op::TRUNCATE, "/w/f.txt", [](auto& r) { r.len = 3; }),
                  fs(Op::READ_FILE, "/w/f.txt"),
                  fs(Op::TRUNCATE, "/w/f.txt", [](auto& r) { r.len = 5; }),
                  fs(Op::READ_FILE, "/w/f.txt"),
                  fs(Op::WRITE_FILE, "/w/p.txt", content("hello")),
                  fs(Op::PREAD, "/w/p.txt",
                     [](auto& r) {
                       r.offset = 1;
                       r.len = 3;
                     }),
                  fs(Op::PREAD, "/w/p.txt",
                     [](auto& r) {
                       r.offset = 10;
                       r.len = 3;
                     }),
                  fs(Op::RENAME, "/w/p.txt", destination("/w/q.txt")),
                  fs(Op::READ_FILE, "/w/q.txt"),
                  fs(Op::EXISTS, "/w/p.txt"),
                  fs(Op::MKDIR, "/w/tree/inner", [](auto& r) { r.recursive = true; }),
                  fs(Op::WRITE_FILE, "/w/tree/inner/x", content("x")),
                  fs(Op::RENAME, "/w/tree", destination("/w/moved")),
                  fs(Op::READ_FILE, "/w/moved/inner/x"),
                  fs(Op::REMOVE_FILE, "/w/q.txt"),
                  fs(Op::EXISTS, "/w/q.txt"),
                  fs(Op::REMOVE_DIR, "/w/cd"),
                  fs(Op::EXISTS, "/w/cd"),
                  fs(Op::WRITE_FILE, "/w/bin.dat", content("data")),
                  fs(Op::READ_FILE, "w/bin.dat"),
                  fs(Op::READ_FILE, "/w/../w/bin.dat"),
                  fs(Op::READ_FILE, "/../../etc/hostname"),
                  fs(Op::READ_DIR, ""),
                  fs(Op::READ_FILE, "/etc/alpine-release"),
                  fs(Op::STAT, "/workspace"),
                  fs(Op::STAT, "/tmp"),
                  fs(Op::STAT, "/etc/hostname"),
                  fs(Op::READ_LINK, "/etc/os-release"),
                  fs(Op::READ_DIR, "/workspace"),
              });
  });
}

// The error answers of spec/peer-behaviour.md s7 and the missing-field messages of protocol.md s3.9.
TEST(Differential, FilesystemErrors) {
  compare([](Session& s) {
    open_vm(s, kAllowAll);
    run_fs(s, {
                  fs(Op::MKDIR, "/w/a2", [](auto& r) { r.recursive = true; }),
                  fs(Op::WRITE_FILE, "/w/a2/x", content("x")),
                  fs(Op::WRITE_FILE, "/w/f.txt", content("hello")),
                  fs(Op::WRITE_FILE, "/w", content("x")),
                  fs(Op::READ_FILE, "/w/nope"),
                  fs(Op::READ_FILE, "/w"),
                  fs(Op::MKDIR, "/w"),
                  fs(Op::CREATE_DIR, "/w/a2"),
                  fs(Op::STAT, "/w/nope"),
                  fs(Op::LSTAT, "/w/nope"),
                  fs(Op::READ_DIR, "/w/nope"),
                  fs(Op::READ_DIR, "/w/f.txt"),
                  fs(Op::SYMLINK, "/w/link", target("f.txt")),
                  fs(Op::SYMLINK, "/w/link", target("other")),
                  fs(Op::READ_LINK, "/w/f.txt"),
                  fs(Op::READ_LINK, "/w/nope"),
                  fs(Op::REALPATH, "/w/nope"),
                  fs(Op::LINK, "/w/nope", destination("/w/hard")),
                  fs(Op::CHMOD, "/w/nope", [](auto& r) { r.mode = 0600; }),
                  fs(Op::CHOWN, "/w/nope",
                     [](auto& r) {
                       r.uid = 1;
                       r.gid = 1;
                     }),
                  fs(Op::UTIMES, "/w/nope",
                     [](auto& r) {
                       r.atime_ms = 1;
                       r.mtime_ms = 1;
                     }),
                  fs(Op::TRUNCATE, "/w/nope", [](auto& r) { r.len = 1; }),
                  fs(Op::PREAD, "/w/nope",
                     [](auto& r) {
                       r.offset = 0;
                       r.len = 1;
                     }),
                  fs(Op::RENAME, "/w/nope", destination("/w/x")),
                  fs(Op::WRITE_FILE, "/w/r.txt", content("r")),
                  fs(Op::RENAME, "/w/r.txt", destination("/missing-dir/r.txt")),
                  fs(Op::REMOVE_FILE, "/w/nope"),
                  fs(Op::REMOVE_FILE, "/w/a2"),
                  fs(Op::REMOVE_DIR, "/w/a2"),
                  fs(Op::REMOVE_DIR, "/w/f.txt"),
                  fs(Op::REMOVE_DIR, "/w/nope"),
                  fs(Op::WRITE_FILE, "/w/x"),
                  fs(Op::WRITE_FILE, "/w/x", base64("!!!")),
                  fs(Op::WRITE_FILE, "/w/x", base64("AAA")),
                  fs(Op::WRITE_FILE, "/w/x", base64("AA!A")),
                  fs(Op::WRITE_FILE, "/w/x", base64("AAAA=")),
                  fs(Op::WRITE_FILE, "/w/x", base64("AA==AA==")),
                  fs(Op::RENAME, "/w/f.txt"),
                  fs(Op::SYMLINK, "/w/l2"),
                  fs(Op::LINK, "/w/f.txt"),
                  fs(Op::CHMOD, "/w/f.txt"),
                  fs(Op::CHOWN, "/w/f.txt"),
                  fs(Op::CHOWN, "/w/f.txt", [](auto& r) { r.uid = 1; }),
                  fs(Op::UTIMES, "/w/f.txt"),
                  fs(Op::UTIMES, "/w/f.txt", [](auto& r) { r.atime_ms = 1; }),
                  fs(Op::TRUNCATE, "/w/f.txt"),
                  fs(Op::PREAD, "/w/f.txt"),
                  fs(Op::PREAD, "/w/f.txt", [](auto& r) { r.offset = 0; }),
                  fs(Op::READ_FILE, "/w/f.txt"),
              });
  });
}

// Handshake, ownership and lifecycle errors.
TEST(Differential, HandshakeOwnershipAndLifecycle) {
  compare([](Session& s) {
    wire::OpenSessionRequest open;
    open.placement = wire::SidecarPlacementShared{};
    s.send("open session before authenticate", client::connection_scope("client-hint"), open);
    wire::AuthenticateRequest bad_bridge = authenticate(wire::kProtocolVersion);
    bad_bridge.bridge_version = 2;
    s.send("bridge version 2", client::connection_scope("client-hint"), bad_bridge);
    s.send("authenticate from session scope", kSession, authenticate(wire::kProtocolVersion));
    open_vm(s, kAllowAll);
    s.send("authenticate again", client::connection_scope("client-hint"), authenticate(wire::kProtocolVersion));
    s.send("open session 2", kConn, open);
    s.send("open session on conn-999", client::connection_scope("conn-999"), open);
    s.send("create vm from connection scope", kConn, create_vm("{}"));
    s.send("create vm in unknown session", client::session_scope("conn-1", "session-9"), create_vm("{}"));
    s.send("create vm in session of another connection", client::session_scope("conn-2", "session-1"), create_vm("{}"));
    s.send("create vm with empty config", kSession, create_vm(""));
    s.send("create vm with relative cwd", kSession, create_vm(R"({"cwd":"rel"})"));
    s.send("create vm with unknown builtin", kSession, create_vm(R"({"jsRuntime":{"allowedBuiltins":["nope"]}})"));
    s.send("create vm with empty rule operations", kSession,
           create_vm(R"({"permissions":{"fs":{"rules":[{"mode":"allow","operations":[],"paths":["/**"]}]}}})"));
    s.send("create vm 2", kSession, create_vm("{}"));
    const auto read = client::fs_call(Op::READ_FILE, "/etc/hostname");
    s.send("vm request from session scope", kSession, read);
    s.send("unknown vm", client::vm_scope("conn-1", "session-1", "vm-404"), read);
    s.send("vm of another session", client::vm_scope("conn-1", "session-2", "vm-1"), read);
    s.send("read hostname", kVm, read);
    wire::HostFilesystemCallRequest host_fs;
    host_fs.path = "/x";
    s.send("host filesystem call", kVm, host_fs);
    wire::PersistenceFlushRequest flush;
    flush.key = "k";
    s.send("persistence flush", kConn, flush);
    wire::DisposeVmRequest dispose;
    s.send("dispose vm-1", kVm, dispose);
    s.send("read after dispose", kVm, read);
    s.send("dispose vm-1 again", kVm, dispose);
    s.send("dispose vm-2", client::vm_scope("conn-1", "session-1", "vm-2"), dispose);
  });
}

wire::ConfigureVmRequest configure_mounts(std::vector<std::tuple<std::string, std::string, std::string, bool>> mounts) {
  wire::ConfigureVmRequest request;
  for (auto& [guest_path, plugin, config, read_only] : mounts) {
    wire::MountDescriptor descriptor;
    descriptor.guest_path = guest_path;
    descriptor.read_only = read_only;
    descriptor.plugin.id = plugin;
    descriptor.plugin.config = config;
    request.mounts.push_back(std::move(descriptor));
  }
  return request;
}

// ConfigureVm mounts seen through the host filesystem API: memory and host_dir mounts, EXDEV
// across mounts, EROFS on read-only mounts, symlink escapes and plugin errors. The host directory
// is rebuilt before each run so both sidecars start from the same host state.
TEST(Differential, Mounts) {
  TempDir host_base;
  const std::string host = host_base.path() + "/host";
  compare([&host](Session& s) {
    std::filesystem::remove_all(host);
    std::filesystem::create_directories(host + "/sub");
    std::ofstream(host + "/hello.txt") << "from the host";
    std::ofstream(host + "/sub/inner.txt") << "inner";
    std::filesystem::create_symlink("..", host + "/up");
    std::filesystem::create_symlink("hello.txt", host + "/inside");
    const std::string rw = "{\"hostPath\":\"" + host + "\"}";
    const std::string ro = "{\"hostPath\":\"" + host + "\",\"readOnly\":true}";
    const std::string file_config = "{\"hostPath\":\"" + host + "/hello.txt\"}";

    open_vm(s, kAllowAll);
    s.send("configure mounts", kVm,
           configure_mounts({{"/scratch", "memory", "null", false},
                             {"/mnt/host", "host_dir", rw, false},
                             {"/mnt/ro", "host_dir", rw, true},
                             {"/mnt/ro-config", "host_dir", ro, false}}));
    run_fs(s, {
                  fs(Op::WRITE_FILE, "/scratch/a.txt", content("scratch")),
                  fs(Op::READ_FILE, "/scratch/a.txt"),
                  fs(Op::READ_DIR, "/scratch"),
                  fs(Op::STAT, "/scratch/a.txt"),
                  fs(Op::READ_DIR, "/mnt"),
                  fs(Op::READ_FILE, "/mnt/host/hello.txt"),
                  fs(Op::READ_FILE, "/mnt/host/inside"),
                  fs(Op::READ_FILE, "/mnt/host/sub/inner.txt"),
                  fs(Op::WRITE_FILE, "/mnt/host/new.txt", content("new")),
                  fs(Op::READ_DIR, "/mnt/host"),
                  fs(Op::EXISTS, "/mnt/host/new.txt"),
                  fs(Op::REALPATH, "/mnt/host/inside"),
                  fs(Op::RENAME, "/scratch/a.txt", destination("/mnt/host/a.txt")),
                  fs(Op::LINK, "/scratch/a.txt", destination("/mnt/host/l.txt")),
                  fs(Op::RENAME, "/mnt/host/new.txt", destination("/mnt/host/renamed.txt")),
                  fs(Op::READ_FILE, "/mnt/ro/renamed.txt"),
                  fs(Op::WRITE_FILE, "/mnt/ro/x.txt", content("x")),
                  fs(Op::WRITE_FILE, "/mnt/ro-config/x.txt", content("x")),
                  fs(Op::MKDIR, "/mnt/ro/d"),
                  fs(Op::REMOVE_FILE, "/mnt/ro/hello.txt"),
                  fs(Op::RENAME, "/mnt/ro/hello.txt", destination("/mnt/ro/moved.txt")),
                  fs(Op::READ_FILE, "/mnt/host/up/host/hello.txt"),
                  fs(Op::READ_FILE, "/mnt/host/missing.txt"),
              });
    // Not compared: what the root shows at an unmounted path (the reference's shadow-directory sync
    // copies mounted files into the root) and the wording of JSON syntax errors (serde's).
    s.send("reconfigure without mounts", kVm, configure_mounts({}));
    s.send("unknown plugin", kVm, configure_mounts({{"/x", "no-such-plugin", "{}", false}}));
    s.send("host_dir root is a file", kVm, configure_mounts({{"/x", "host_dir", file_config, false}}));
    s.send("mount over root", kVm, configure_mounts({{"/", "memory", "null", false}}));
  });
}

// ConfigureVm mounts are the client's configuration, applied under a temporary allow-all policy:
// a policy denying fs.mount_sensitive does not stop a mount under /etc (both sidecars accept it).
TEST(Differential, MountSensitivePaths) {
  compare([](Session& s) {
    open_vm(s,
            R"({"permissions": {"fs": {"default": "allow", "rules": [
                 {"mode": "deny", "operations": ["mount_sensitive"], "paths": ["/**"]}]}}})");
    s.send("mount under /etc", kVm, configure_mounts({{"/etc/extra", "memory", "null", false}}));
    s.send("mount elsewhere", kVm, configure_mounts({{"/data", "memory", "null", false}}));
  });
}

}  // namespace
}  // namespace se::differential
