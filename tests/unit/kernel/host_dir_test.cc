#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "kernel/mount/host_dir_file_system.h"
#include "kernel/mount/plugin_registry.h"

namespace se::kernel::mount {
namespace {

namespace fs = std::filesystem;
using vfs::Parents;

template <typename T>
std::string error_of(const ErrorOr<T>& result) {
  return result ? std::string("<no error>") : result.error().to_string();
}

std::string host_read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void host_write(const fs::path& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

// <tmp>/root is mounted; <tmp>/outside holds a secret the mount must never reach.
class HostDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "host-dir-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    base_ = fs::canonical(pattern);
    root_ = base_ / "root";
    fs::create_directories(root_ / "sub");
    fs::create_directories(base_ / "outside");
    host_write(base_ / "outside" / "secret", "secret");
    host_write(root_ / "sub" / "file.txt", "inside");
    auto opened = HostDirFileSystem::open(root_.string(), 1024);
    ASSERT_TRUE(opened) << error_of(opened);
    host = std::move(*opened);
  }
  void TearDown() override { fs::remove_all(base_); }

  // Errors name the entry relative to the root, without the leading slash.
  static std::string escape_error(const std::string& relative) {
    return "EACCES: permission denied, open '" + relative + "': path escapes host directory";
  }

  fs::path base_, root_;
  std::unique_ptr<HostDirFileSystem> host;
};

TEST_F(HostDirTest, ReadsWritesAndListsTheHostDirectory) {
  EXPECT_EQ(*host->read_file("/sub/file.txt"), "inside");
  ASSERT_TRUE(host->write_file("/new/deep/out.txt", "written", Parents::Create));
  EXPECT_EQ(host_read(root_ / "new" / "deep" / "out.txt"), "written");
  ASSERT_TRUE(host->pwrite("/new/deep/out.txt", 7, "!"));
  EXPECT_EQ(*host->pread("/new/deep/out.txt", 4, 100), "ten!");
  host_write(root_ / "b", "");
  host_write(root_ / "a", "");
  EXPECT_EQ(*host->read_dir("/", 100), (std::vector<std::string>{"a", "b", "new", "sub"}));
  EXPECT_EQ(host->read_dir("/", 3).error().errno_code, ENOMEM);
  EXPECT_EQ(error_of(host->read_file("/missing")), "ENOENT: open 'missing': No such file or directory (os error 2)");
  EXPECT_EQ(host->read_file("/sub").error().errno_code, EISDIR);
}

TEST_F(HostDirTest, StatComesFromTheHost) {
  ASSERT_EQ(::chmod((root_ / "sub" / "file.txt").c_str(), 0640), 0);
  struct stat expected {};
  ASSERT_EQ(::stat((root_ / "sub" / "file.txt").c_str(), &expected), 0);
  auto stat = host->stat("/sub/file.txt", true);
  ASSERT_TRUE(stat) << error_of(stat);
  EXPECT_EQ(stat->mode, 0100640u);
  EXPECT_EQ(stat->size, 6u);
  EXPECT_EQ(stat->ino, expected.st_ino);
  EXPECT_EQ(stat->uid, expected.st_uid);
  EXPECT_EQ(stat->gid, expected.st_gid);
  EXPECT_EQ(stat->mtime_ms, static_cast<uint64_t>(expected.st_mtim.tv_sec) * 1000 + expected.st_mtim.tv_nsec / 1000000);
  EXPECT_TRUE(host->stat("/sub", true)->is_directory);
}

TEST_F(HostDirTest, SymlinksThatStayInsideWork) {
  fs::create_symlink("sub/file.txt", root_ / "inner-link");
  fs::create_symlink("../sub", root_ / "sub" / "self");
  EXPECT_EQ(*host->read_file("/inner-link"), "inside");
  EXPECT_EQ(*host->read_file("/sub/self/file.txt"), "inside");
  EXPECT_EQ(*host->realpath("/inner-link"), "/sub/file.txt");
  EXPECT_EQ(*host->read_link("/inner-link"), "sub/file.txt");
  EXPECT_TRUE(host->stat("/inner-link", false)->is_symbolic_link);
}

TEST_F(HostDirTest, DotDotThroughASymlinkCannotLeave) {
  fs::create_symlink("..", root_ / "up");
  EXPECT_EQ(error_of(host->read_file("/up/outside/secret")), escape_error("up/outside/secret"));
  EXPECT_EQ(host->read_dir("/up", 100).error().errno_code, EACCES);
  EXPECT_EQ(host->stat("/up", true).error().errno_code, EACCES);
}

TEST_F(HostDirTest, RelativeSymlinkOutIsRefused) {
  fs::create_symlink("../outside/secret", root_ / "out");
  EXPECT_EQ(error_of(host->read_file("/out")), escape_error("out"));
  EXPECT_EQ(host->realpath("/out").error().errno_code, EACCES);
  // Writing through it must not create or change anything outside either.
  EXPECT_EQ(host->write_file("/out", "pwned", Parents::Create).error().errno_code, EACCES);
  EXPECT_EQ(host_read(base_ / "outside" / "secret"), "secret");
  fs::create_symlink("../outside", root_ / "outdir");
  EXPECT_EQ(host->write_file("/outdir/new", "pwned", Parents::Create).error().errno_code, EACCES);
  EXPECT_FALSE(fs::exists(base_ / "outside" / "new"));
}

TEST_F(HostDirTest, AbsoluteSymlinksAreRefusedEvenIntoTheRoot) {
  fs::create_symlink(base_ / "outside" / "secret", root_ / "abs-out");
  fs::create_symlink(root_ / "sub" / "file.txt", root_ / "abs-in");
  EXPECT_EQ(error_of(host->read_file("/abs-out")), escape_error("abs-out"));
  EXPECT_EQ(host->read_file("/abs-in").error().errno_code, EACCES);
  // Metadata changes and hard links through it stay inside too.
  EXPECT_EQ(host->chmod("/abs-out", 0777, true).error().errno_code, EACCES);
  EXPECT_EQ(host->truncate("/abs-out", 0).error().errno_code, EACCES);
  EXPECT_EQ(host->link("/abs-out", "/stolen", Parents::MustExist).error().errno_code, EACCES);
  EXPECT_FALSE(fs::exists(root_ / "stolen"));
  EXPECT_EQ(host_read(base_ / "outside" / "secret"), "secret");
}

TEST_F(HostDirTest, MagicLinksAreRefused) {
  fs::create_symlink("/proc/self/root", root_ / "proc-root");
  EXPECT_EQ(host->read_file("/proc-root/etc/passwd").error().errno_code, EACCES);
  EXPECT_EQ(host->read_dir("/proc-root", 100).error().errno_code, EACCES);
}

TEST_F(HostDirTest, WholeFileReadsAreCappedByTheReadLimit) {
  host_write(root_ / "big", std::string(1025, 'x'));
  EXPECT_EQ(error_of(host->read_file("/big")), "EINVAL: file size 1025 exceeds host_dir read limit 1024: /big");
  EXPECT_EQ(host->pread("/big", 0, 2048).error().errno_code, EINVAL);
  EXPECT_EQ(host->pread("/big", 1000, 1024)->size(), 25u);
}

// A FIFO without a peer must not block the VM: reading fails (ESPIPE, positional reads only) and
// so does writing (ENXIO).
TEST_F(HostDirTest, FifosNeverBlock) {
  ASSERT_EQ(::mkfifo((root_ / "fifo").c_str(), 0600), 0);
  EXPECT_EQ(host->read_file("/fifo").error().errno_code, ESPIPE);
  EXPECT_EQ(host->write_file("/fifo", "x", Parents::MustExist).error().errno_code, ENXIO);
}

TEST_F(HostDirTest, NamespaceChanges) {
  ASSERT_TRUE(host->mkdir("/d", Parents::MustExist, false));
  EXPECT_EQ(host->mkdir("/d", Parents::MustExist, false).error().errno_code, EEXIST);
  EXPECT_TRUE(host->mkdir("/d", Parents::MustExist, true));
  ASSERT_TRUE(host->write_file("/d/x", "x", Parents::MustExist));
  EXPECT_EQ(host->remove_dir("/d", false).error().errno_code, ENOTEMPTY);
  ASSERT_TRUE(host->rename("/d/x", "/d/y", Parents::MustExist));
  ASSERT_TRUE(host->link("/d/y", "/d/z", Parents::MustExist));
  EXPECT_EQ(host->stat("/d/z", true)->nlink, 2u);
  ASSERT_TRUE(host->symlink("y", "/d/s", Parents::MustExist));
  EXPECT_EQ(*host->read_file("/d/s"), "x");
  ASSERT_TRUE(host->remove_file("/d/z"));
  ASSERT_TRUE(host->remove_dir("/d", true));
  EXPECT_FALSE(fs::exists(root_ / "d"));
  EXPECT_EQ(host->remove_dir("/", true).error().errno_code, EPERM);
}

TEST(HostDirOpen, RootMustBeAnExistingDirectory) {
  EXPECT_EQ(HostDirFileSystem::open("/nonexistent-host-dir-root", 1024).error().errno_code, ENOENT);
  auto file = HostDirFileSystem::open("/proc/self/stat", 1024);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().errno_code, ENOTDIR);
}

ErrorOr<OpenedFileSystem> open_plugin(std::string_view id, const nlohmann::json& config) {
  return PluginRegistry::builtin().open(
      id, PluginOpenRequest{.guest_path = "/m", .config = config, .max_read_bytes = 64, .memory_limits = {}});
}

TEST_F(HostDirTest, BuiltinPlugins) {
  auto memory = open_plugin("memory", nullptr);
  ASSERT_TRUE(memory) << error_of(memory);
  EXPECT_FALSE(memory->read_only);
  EXPECT_TRUE(memory->fs->write_file("/x", "x", Parents::Create));

  auto dir = open_plugin("host_dir", {{"hostPath", root_.string()}, {"readOnly", true}, {"ignored", 1}});
  ASSERT_TRUE(dir) << error_of(dir);
  EXPECT_TRUE(dir->read_only);
  EXPECT_EQ(*dir->fs->read_file("/sub/file.txt"), "inside");
  EXPECT_EQ(error_of(open_plugin("host_dir", nlohmann::json::object())),
            "EINVAL: host_dir mount config requires a string hostPath");
  EXPECT_EQ(open_plugin("host_dir", {{"hostPath", root_.string()}, {"readOnly", "yes"}}).error().errno_code, EINVAL);

  EXPECT_EQ(error_of(open_plugin("module_access", {{"hostPath", root_.string()}})),
            "EINVAL: module_access roots must resolve to a node_modules directory: " + root_.string());
  fs::create_directories(root_ / "node_modules");
  fs::create_symlink(root_ / "node_modules", base_ / "modules-link");
  auto modules = open_plugin("module_access", {{"hostPath", (base_ / "modules-link").string()}});
  ASSERT_TRUE(modules) << error_of(modules);
  EXPECT_TRUE(modules->read_only);

  EXPECT_EQ(open_plugin("js_bridge", nullptr).error().errno_code, ENOSYS);
  EXPECT_EQ(error_of(open_plugin("nope", nullptr)), "ENOSYS: filesystem plugin is not registered: nope");
}

TEST(PluginRegistryTest, ValidatesIds) {
  PluginRegistry registry;
  auto factory = [](const PluginOpenRequest&) -> ErrorOr<OpenedFileSystem> { return OpenedFileSystem{}; };
  EXPECT_EQ(error_of(registry.add("", factory)), "EINVAL: invalid filesystem plugin id: ");
  EXPECT_EQ(error_of(registry.add("bad id", factory)), "EINVAL: invalid filesystem plugin id: bad id");
  EXPECT_TRUE(registry.add("my.plugin_1-x", factory));
  EXPECT_EQ(error_of(registry.add("my.plugin_1-x", factory)),
            "EEXIST: filesystem plugin already registered: my.plugin_1-x");
  EXPECT_TRUE(registry.open(
      "my.plugin_1-x",
      PluginOpenRequest{.guest_path = "/m", .config = nullptr, .max_read_bytes = 64, .memory_limits = {}}));
}

}  // namespace
}  // namespace se::kernel::mount
