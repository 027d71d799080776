// ConfigureVm mounts through the real sidecar: memory and host_dir mounts seen by the host API and
// by guest `fs`, require() from a mounted node_modules (host_dir, and the moduleAccessCwd
// auto-mount with a symlinked package), EXDEV across mounts, EROFS on read-only mounts, host
// directory confinement, plugin errors, replacement of the mount set and isolation between VMs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

namespace fs = std::filesystem;

void host_write(const fs::path& path, const std::string& data) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

std::string host_read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

wire::MountDescriptor mount(std::string guest_path, std::string plugin, std::string config, bool read_only = false) {
  wire::MountDescriptor descriptor;
  descriptor.guest_path = std::move(guest_path);
  descriptor.read_only = read_only;
  descriptor.plugin.id = std::move(plugin);
  descriptor.plugin.config = std::move(config);
  return descriptor;
}

std::string host_dir_config(const fs::path& path, bool read_only = false) {
  return "{\"hostPath\":\"" + path.string() + "\"" + (read_only ? ",\"readOnly\":true" : "") + "}";
}

class MountsTest : public GuestVmTest {
 protected:
  void SetUp() override {
    GuestVmTest::SetUp();
    host_ = fs::path(temp_.path()) / "host";
    host_write(host_ / "hello.txt", "from the host");
  }

  wire::VmConfiguredResponse configure(std::vector<wire::MountDescriptor> mounts,
                                       std::optional<std::string> module_access_cwd = std::nullopt) {
    wire::ConfigureVmRequest request;
    request.mounts = std::move(mounts);
    request.module_access_cwd = std::move(module_access_cwd);
    auto configured = client().configure_vm(vm_, std::move(request));
    EXPECT_TRUE(configured.has_value()) << configured.error().to_string();
    return configured.value_or(wire::VmConfiguredResponse{});
  }

  client::ProcessResult guest(const std::string& source) {
    std::string id = "p";
    id += std::to_string(++processes_);  // not "p" + ...: g++ 12 reports a false -Wrestrict there
    return run_file(id, "/workspace/" + id + ".js", source);
  }

  TempDir temp_;
  fs::path host_;
  int processes_ = 0;
};

// Prints "code" of the error fn throws, or "ok".
constexpr const char* kCode = R"(
const fs = require('fs');
function code(fn) { try { fn(); return 'ok'; } catch (e) { return e.code; } }
)";

TEST_F(MountsTest, MemoryAndHostDirMountsServeTheHostApiAndGuests) {
  EXPECT_EQ(configure({mount("/scratch", "memory", "null"), mount("/host", "host_dir", host_dir_config(host_))})
                .applied_mounts,
            2u);

  EXPECT_EQ(ASSERT_OK(client().read_file(vm_, "/host/hello.txt")), "from the host");
  ASSERT_OK(client().write_file(vm_, "/host/from-api.txt", "api"));
  EXPECT_EQ(host_read(host_ / "from-api.txt"), "api");
  ASSERT_OK(client().write_file(vm_, "/scratch/a.txt", "scratch"));
  const std::vector<std::string> root = ASSERT_OK(client().read_dir(vm_, "/"));
  EXPECT_NE(std::find(root.begin(), root.end(), "host"), root.end());
  EXPECT_NE(std::find(root.begin(), root.end(), "scratch"), root.end());
  EXPECT_EQ(ASSERT_OK(client().realpath(vm_, "/host/hello.txt")), "/host/hello.txt");

  auto result = guest(kCode + std::string(R"(
console.log(fs.readFileSync('/host/hello.txt', 'utf8'));
console.log(code(() => fs.writeFileSync('/host/missing-dir/f.txt', 'x')));
)"));
  EXPECT_EQ(result.stdout_bytes, "from the host\nENOENT\n") << result.stderr_bytes;

  result = guest(R"(
const fs = require('fs');
fs.mkdirSync('/host/made', { recursive: true });
fs.writeFileSync('/host/made/g.txt', 'guest');
console.log(fs.readdirSync('/host').join(','));
console.log(fs.readFileSync('/scratch/a.txt', 'utf8'), fs.statSync('/scratch').isDirectory());
fs.appendFileSync('/scratch/a.txt', '+more');
console.log(fs.readFileSync('/scratch/a.txt', 'utf8'));
)");
  EXPECT_EQ(result.stdout_bytes, "from-api.txt,hello.txt,made\nscratch true\nscratch+more\n") << result.stderr_bytes;
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
  EXPECT_EQ(host_read(host_ / "made" / "g.txt"), "guest");
}

TEST_F(MountsTest, RequireFromAHostDirNodeModules) {
  host_write(host_ / "node_modules" / "greet" / "package.json", R"({"name":"greet","main":"lib/greet.js"})");
  host_write(host_ / "node_modules" / "greet" / "lib" / "greet.js", "module.exports = (n) => 'hello ' + n;");
  host_write(host_ / "main.js", "console.log(require('greet')('mount'), require.resolve('greet'));");
  configure({mount("/app", "host_dir", host_dir_config(host_), /*read_only=*/true)});
  auto result = run(node("main", {"/app/main.js"}, "/app"));
  EXPECT_EQ(result.stdout_bytes, "hello mount /app/node_modules/greet/lib/greet.js\n") << result.stderr_bytes;
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
}

TEST_F(MountsTest, ModuleAccessCwdMountsNodeModulesAndSymlinkedPackages) {
  const fs::path project = fs::path(temp_.path()) / "project";
  host_write(project / "node_modules" / "plain" / "index.js", "module.exports = 'plain package';");
  host_write(project / "node_modules" / "@scope" / "tool" / "index.js", "module.exports = 'scoped';");
  // A linked package (npm link / workspaces) lives outside node_modules.
  const fs::path linked = fs::path(temp_.path()) / "linked-source";
  host_write(linked / "index.js", "module.exports = 'linked ' + require('./part');");
  host_write(linked / "part.js", "module.exports = 'part';");
  fs::create_symlink(linked, project / "node_modules" / "linked");

  EXPECT_EQ(configure({}, project.string()).applied_mounts, 2u);  // node_modules + the linked package
  auto result = guest(kCode + std::string(R"(
console.log(require('/root/node_modules/plain'), require('/root/node_modules/@scope/tool'));
console.log(require('/root/node_modules/linked'));
console.log(fs.readdirSync('/root/node_modules').join(','));
console.log(code(() => fs.writeFileSync('/root/node_modules/plain/x.js', '')));
)"));
  EXPECT_EQ(result.stdout_bytes, "plain package scoped\nlinked part\n@scope,linked,plain\nEROFS\n")
      << result.stderr_bytes;
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;

  write("/root/app.js", "console.log(require('plain'));");
  result = run(node("bare", {"/root/app.js"}, "/root"));
  EXPECT_EQ(result.stdout_bytes, "plain package\n") << result.stderr_bytes;

  // module_access refuses a root that is not a node_modules directory.
  wire::ConfigureVmRequest request;
  request.mounts = {mount("/m", "module_access", host_dir_config(host_))};
  EXPECT_REJECTED(
      client().configure_vm(vm_, std::move(request)), "plugin_error",
      "EINVAL: module_access roots must resolve to a node_modules directory: " + fs::canonical(host_).string());
}

TEST_F(MountsTest, RenameAndLinkAcrossMountsAreExdevInTheGuest) {
  configure({mount("/scratch", "memory", "null")});
  auto result = guest(kCode + std::string(R"(
fs.writeFileSync('/scratch/a.txt', 'a');
fs.writeFileSync('/workspace/b.txt', 'b');
console.log(code(() => fs.renameSync('/scratch/a.txt', '/workspace/a.txt')));
console.log(code(() => fs.renameSync('/workspace/b.txt', '/scratch/b.txt')));
console.log(code(() => fs.linkSync('/scratch/a.txt', '/workspace/l.txt')));
console.log(code(() => fs.symlinkSync('/workspace/b.txt', '/scratch/s')));
console.log(code(() => fs.renameSync('/scratch/a.txt', '/scratch/c.txt')), fs.readFileSync('/scratch/c.txt', 'utf8'));
)"));
  EXPECT_EQ(result.stdout_bytes, "EXDEV\nEXDEV\nEXDEV\nEXDEV\nok a\n") << result.stderr_bytes;
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
  EXPECT_REJECTED(client().rename(vm_, "/scratch/c.txt", "/workspace/c.txt"), "kernel_error",
                  "EXDEV: rename across mounts: /scratch/c.txt -> /workspace/c.txt");
}

TEST_F(MountsTest, ReadOnlyMountsRefuseWritesWithErofs) {
  configure({mount("/ro", "host_dir", host_dir_config(host_), /*read_only=*/true),
             mount("/ro-config", "host_dir", host_dir_config(host_, /*read_only=*/true))});
  auto result = guest(kCode + std::string(R"(
console.log(fs.readFileSync('/ro/hello.txt', 'utf8'));
console.log(code(() => fs.writeFileSync('/ro/new.txt', 'x')), code(() => fs.writeFileSync('/ro-config/new.txt', 'x')));
console.log(code(() => fs.unlinkSync('/ro/hello.txt')), code(() => fs.mkdirSync('/ro/d')));
console.log(code(() => fs.renameSync('/ro/hello.txt', '/ro/moved.txt')), code(() => fs.chmodSync('/ro/hello.txt', 0o600)));
)"));
  EXPECT_EQ(result.stdout_bytes, "from the host\nEROFS EROFS\nEROFS EROFS\nEROFS EROFS\n") << result.stderr_bytes;
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
  // /proc/mounts lists them in mount-table order: longest path first, the root last.
  EXPECT_EQ(guest("process.stdout.write(require('fs').readFileSync('/proc/mounts', 'utf8'))").stdout_bytes,
            "host_dir /ro-config host_dir ro 0 0\nhost_dir /ro host_dir ro 0 0\nroot / root rw 0 0\n");
  EXPECT_REJECTED(client().write_file(vm_, "/ro/api.txt", "x"), "kernel_error",
                  "EROFS: read-only filesystem: /api.txt");
  EXPECT_FALSE(fs::exists(host_ / "new.txt"));
  EXPECT_FALSE(fs::exists(host_ / "api.txt"));
  EXPECT_EQ(host_read(host_ / "hello.txt"), "from the host");
}

TEST_F(MountsTest, HostDirSymlinksCannotEscape) {
  host_write(fs::path(temp_.path()) / "outside" / "secret", "secret");
  fs::create_symlink("../outside", host_ / "relative-out");
  fs::create_symlink(fs::path(temp_.path()) / "outside" / "secret", host_ / "absolute-out");
  fs::create_symlink("/proc/self/root", host_ / "proc-root");
  fs::create_symlink("hello.txt", host_ / "inside");
  configure({mount("/host", "host_dir", host_dir_config(host_))});
  auto result = guest(kCode + std::string(R"(
console.log(code(() => fs.readFileSync('/host/relative-out/secret')));
console.log(code(() => fs.readFileSync('/host/absolute-out')));
console.log(code(() => fs.readdirSync('/host/proc-root/etc')));
console.log(code(() => fs.writeFileSync('/host/relative-out/planted', 'x')));
console.log(fs.readFileSync('/host/inside', 'utf8'));
)"));
  EXPECT_EQ(result.stdout_bytes, "EACCES\nEACCES\nEACCES\nEACCES\nfrom the host\n") << result.stderr_bytes;
  EXPECT_FALSE(fs::exists(fs::path(temp_.path()) / "outside" / "planted"));
  EXPECT_REJECTED_PREFIX(client().read_file(vm_, "/host/absolute-out"), "kernel_error", "EACCES: ");
}

TEST_F(MountsTest, PluginErrors) {
  wire::ConfigureVmRequest request;
  request.mounts = {mount("/x", "no-such-plugin", "{}")};
  EXPECT_REJECTED(client().configure_vm(vm_, request), "plugin_error",
                  "ENOSYS: filesystem plugin is not registered: no-such-plugin");
  request.mounts = {mount("/x", "memory", "{not json")};
  EXPECT_REJECTED_PREFIX(client().configure_vm(vm_, request), "invalid_state",
                         "mount plugin config for memory is not valid JSON: ");
  request.mounts = {mount("/x", "host_dir", "{}")};
  EXPECT_REJECTED_PREFIX(client().configure_vm(vm_, request), "plugin_error", "EINVAL: ");
  request.mounts = {mount("/x", "host_dir", host_dir_config(host_ / "hello.txt"))};
  EXPECT_REJECTED_PREFIX(client().configure_vm(vm_, request), "plugin_error", "ENOTDIR: ");
  request.mounts = {mount("/x", "js_bridge", "null")};
  EXPECT_REJECTED_PREFIX(client().configure_vm(vm_, request), "plugin_error", "ENOSYS: ");
  request.mounts = {mount("/", "memory", "null")};
  EXPECT_REJECTED(client().configure_vm(vm_, request), "kernel_error", "EINVAL: cannot mount over root");
}

TEST_F(MountsTest, ConfigureReplacesTheMountSetAndOtherVmsAreUnaffected) {
  configure({mount("/scratch", "memory", "null")});
  ASSERT_OK(client().write_file(vm_, "/scratch/a.txt", "first"));

  auto other = ASSERT_OK(client().create_vm(wire::GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig));
  EXPECT_FALSE(ASSERT_OK(client().exists(other, "/scratch/a.txt")));
  EXPECT_FALSE(ASSERT_OK(client().exists(other, "/scratch")));

  // A new set replaces the old one: a fresh memory filesystem at the same path is empty.
  EXPECT_EQ(configure({mount("/scratch", "memory", "null"), mount("/more", "memory", "null")}).applied_mounts, 2u);
  EXPECT_FALSE(ASSERT_OK(client().exists(vm_, "/scratch/a.txt")));
  EXPECT_EQ(configure({}).applied_mounts, 0u);
  ASSERT_OK(client().write_file(vm_, "/more/root.txt", "root"));
  EXPECT_EQ(ASSERT_OK(client().read_file(vm_, "/more/root.txt")), "root");
  auto snapshot = ASSERT_OK(client().snapshot_root_filesystem(vm_));
  bool saw_root_file = false;
  for (const auto& entry : snapshot) saw_root_file = saw_root_file || entry.path == "/more/root.txt";
  EXPECT_TRUE(saw_root_file);  // written to the root once the mount is gone
}

}  // namespace
}  // namespace se::integration
