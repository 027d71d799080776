// Guest JavaScript's `fs` over the VM kernel, through the real sidecar: round trips, Node-shaped
// errors, descriptors (positional I/O, stdio, EMFILE), filesystem limits, permission policy, and
// one filesystem shared by guests and the host API.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using namespace std::chrono_literals;
using wire::GuestRuntimeKind;

class GuestFsTest : public SidecarTest {
 protected:
  void SetUp() override { client_ = &start_with_session(); }

  client::VmHandle create_vm(const char* config = client::kAllowAllConfig) {
    auto vm = client_->create_vm(GuestRuntimeKind::JAVA_SCRIPT, config);
    EXPECT_TRUE(vm.has_value()) << vm.error().to_string();
    return vm.value_or(client::VmHandle{});
  }

  wire::ExecuteRequest script(const client::VmHandle& vm, const std::string& id, const std::string& source) {
    const std::string path = "/workspace/" + id + ".js";
    EXPECT_TRUE(client_->write_file(vm, path, source).has_value());
    wire::ExecuteRequest request;
    request.process_id = id;
    request.command = "node";
    request.args = {path};
    return request;
  }

  client::ProcessResult run(const client::VmHandle& vm, const std::string& id, const std::string& source) {
    auto started = client_->execute(vm, script(vm, id, source));
    EXPECT_TRUE(started.has_value()) << started.error().to_string();
    auto result = client_->wait_process(vm, id, 20s);
    EXPECT_TRUE(result.has_value()) << result.error().to_string();
    return result.value_or(client::ProcessResult{});
  }

  // Runs `source` and expects exit 0 with exactly `expected` on stdout.
  void expect_output(const client::VmHandle& vm, const std::string& id, const std::string& source,
                     const std::string& expected) {
    const client::ProcessResult result = run(vm, id, source);
    EXPECT_EQ(result.stdout_bytes, expected) << "stderr: " << result.stderr_bytes;
    EXPECT_EQ(result.exit_code, 0) << "stderr: " << result.stderr_bytes;
  }

  client::Client* client_ = nullptr;
};

// Prints one line per caught error: code errno syscall path [dest] | message.
constexpr const char* kShowError = R"(
const fs = require('fs');
function show(fn) {
  try { fn(); console.log('no error'); }
  catch (e) { console.log([e.code, e.errno, e.syscall, e.path, e.dest].filter(x => x !== undefined).join(' ') +
                          ' | ' + e.message); }
}
)";

TEST_F(GuestFsTest, FileRoundTrips) {
  const auto vm = create_vm();
  expect_output(vm, "roundtrip", R"(
const fs = require('fs');
fs.mkdirSync('/w/a/b', { recursive: true });
fs.writeFileSync('/w/a/b/f.txt', 'hello');
fs.appendFileSync('/w/a/b/f.txt', ' world');
console.log(fs.readFileSync('/w/a/b/f.txt', 'utf8'));
console.log(fs.readFileSync('/w/a/b/f.txt').length, fs.statSync('/w/a/b/f.txt').size);
const st = fs.statSync('/w/a/b');
console.log(st.isDirectory(), st.isFile(), st.mtime instanceof Date, (st.mode & 0o777).toString(8));
process.chdir('/w/a');
fs.writeFileSync('b/rel.txt', Buffer.from([0, 255, 1]));
console.log(JSON.stringify([...fs.readFileSync('/w/a/b/rel.txt')]), process.cwd());
console.log(fs.readdirSync('b').join(','));
console.log(fs.readdirSync('/w/a', { withFileTypes: true }).map(d => d.name + ':' + d.isDirectory()).join(','));
fs.renameSync('/w/a/b/f.txt', '/w/a/g.txt');
console.log(fs.existsSync('/w/a/b/f.txt'), fs.existsSync('/w/a/g.txt'));
fs.symlinkSync('/w/a/g.txt', '/w/link');
console.log(fs.readlinkSync('/w/link'), fs.realpathSync('/w/link'), fs.lstatSync('/w/link').isSymbolicLink());
console.log(fs.readFileSync('/w/link', 'utf8'));
fs.copyFileSync('/w/a/g.txt', '/w/copy.txt');
fs.rmSync('/w/a', { recursive: true });
fs.unlinkSync('/w/link');
console.log(fs.existsSync('/w/a'), fs.readdirSync('/w').join(','), fs.readFileSync('/w/copy.txt', 'utf8'));
)",
                "hello world\n"
                "11 11\n"
                "true false true 755\n"
                "[0,255,1] /w/a\n"
                "f.txt,rel.txt\n"
                "b:true\n"
                "false true\n"
                "/w/a/g.txt /w/a/g.txt true\n"
                "hello world\n"
                "false copy.txt hello world\n");
}

TEST_F(GuestFsTest, ErrorsLookLikeNodes) {
  const auto vm = create_vm();
  expect_output(vm, "errors", std::string(kShowError) + R"(
fs.mkdirSync('/w/d/sub', { recursive: true });
fs.writeFileSync('/w/file', 'x');
show(() => fs.readFileSync('/w/missing'));
show(() => fs.readFileSync('missing.txt'));
show(() => fs.mkdirSync('/w/d'));
show(() => fs.readFileSync('/w/d'));
show(() => fs.readdirSync('/w/file'));
show(() => fs.rmdirSync('/w/d'));
show(() => fs.renameSync('/w/nope', '/w/other'));
show(() => fs.writeFileSync('/w/no/such/dir.txt', 'x'));
show(() => fs.openSync('/w/file', 'wx'));
show(() => fs.statSync('/w/file/below'));
show(() => process.chdir('/w/nope'));
show(() => process.chdir('/w/file'));
show(() => fs.readFileSync(42));
show(() => fs.readFileSync());
console.log(fs.statSync('/w/missing', { throwIfNoEntry: false }));
)",
                "ENOENT -2 open /w/missing | ENOENT: no such file or directory, open '/w/missing'\n"
                "ENOENT -2 open missing.txt | ENOENT: no such file or directory, open 'missing.txt'\n"
                "EEXIST -17 mkdir /w/d | EEXIST: file already exists, mkdir '/w/d'\n"
                "EISDIR -21 read | EISDIR: illegal operation on a directory, read\n"
                "ENOTDIR -20 scandir /w/file | ENOTDIR: not a directory, scandir '/w/file'\n"
                "ENOTEMPTY -39 rmdir /w/d | ENOTEMPTY: directory not empty, rmdir '/w/d'\n"
                "ENOENT -2 rename /w/nope /w/other | ENOENT: no such file or directory, rename '/w/nope' -> "
                "'/w/other'\n"
                "ENOENT -2 open /w/no/such/dir.txt | ENOENT: no such file or directory, open '/w/no/such/dir.txt'\n"
                "EEXIST -17 open /w/file | EEXIST: file already exists, open '/w/file'\n"
                "ENOTDIR -20 stat /w/file/below | ENOTDIR: not a directory, stat '/w/file/below'\n"
                "ENOENT -2 chdir /workspace /w/nope | ENOENT: no such file or directory, chdir '/workspace' -> "
                "'/w/nope'\n"
                "ENOTDIR -20 chdir /workspace /w/file | ENOTDIR: not a directory, chdir '/workspace' -> '/w/file'\n"
                "EBADF -9 fstat | EBADF: bad file descriptor, fstat\n"
                "ERR_INVALID_ARG_TYPE | The \"path\" argument must be of type string or an instance of Buffer or "
                "URL. Received undefined\n"
                "undefined\n");
}

TEST_F(GuestFsTest, DenyPolicyIsEacces) {
  const auto vm = create_vm(R"({"permissions":{"fs":{"default":"allow",
    "rules":[{"mode":"deny","operations":["*"],"paths":["/secret/**"]}]},"childProcess":"allow"},
    "rootFilesystem":{"bootstrapEntries":[{"path":"/secret/key","kind":"file","content":"hidden"}]}})");
  const client::ProcessResult result = run(vm, "deny", std::string(kShowError) + R"(
show(() => fs.readFileSync('/secret/key'));
show(() => fs.writeFileSync('/secret/new.txt', 'x'));
show(() => fs.mkdirSync('/secret/dir'));
fs.writeFileSync('/workspace/fine.txt', 'ok');
console.log(fs.readFileSync('/workspace/fine.txt', 'utf8'));
)");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
  EXPECT_EQ(result.stdout_bytes,
            "EACCES -13 open /secret/key | EACCES: permission denied, open '/secret/key'\n"
            "EACCES -13 open /secret/new.txt | EACCES: permission denied, open '/secret/new.txt'\n"
            "EACCES -13 mkdir /secret/dir | EACCES: permission denied, mkdir '/secret/dir'\n"
            "ok\n");
}

TEST_F(GuestFsTest, DescriptorsWithPositionalIo) {
  const auto vm = create_vm();
  expect_output(vm, "fds", std::string(kShowError) + R"(
const fd = fs.openSync('/w.txt', 'w+');
console.log(fd >= 3, fs.writeSync(fd, 'hello world'));
fs.writeSync(fd, 'J', 6);
const buffer = Buffer.alloc(5);
console.log(fs.readSync(fd, buffer, 0, 5, 0), buffer.toString());
console.log(fs.readSync(fd, buffer, 0, 5, 6), buffer.toString());
console.log(fs.readSync(fd, buffer, { position: 100 }));
fs.ftruncateSync(fd, 4);
console.log(fs.fstatSync(fd).size, fs.fstatSync(fd).isFile());
fs.closeSync(fd);
show(() => fs.closeSync(fd));
show(() => fs.writeSync(fd, 'x'));
console.log(fs.readFileSync('/w.txt', 'utf8'));
const ro = fs.openSync('/w.txt', 'r');
show(() => fs.writeSync(ro, 'x'));
fs.closeSync(ro);
const ap = fs.openSync('/w.txt', 'a');
fs.writeSync(ap, '++');
fs.closeSync(ap);
console.log(fs.readFileSync('/w.txt', 'utf8'));
)",
                "true 11\n"
                "5 hello\n"
                "5 Jorld\n"
                "0\n"
                "4 true\n"
                "EBADF -9 close | EBADF: bad file descriptor, close\n"
                "EBADF -9 write | EBADF: bad file descriptor, write\n"
                "hell\n"
                "EBADF -9 write | EBADF: bad file descriptor, write\n"
                "hell++\n");
}

TEST_F(GuestFsTest, StdoutDescriptorsStayInOrderWithProcessStdout) {
  const auto vm = create_vm();
  const client::ProcessResult result = run(vm, "stdio", R"(
const fs = require('fs');
process.stdout.write('a');
fs.writeSync(1, 'b');
process.stdout.write('c');
fs.writeSync(1, Buffer.from('d\n'));
fs.writeSync(2, 'to stderr\n');
console.log(fs.fstatSync(1).isCharacterDevice());
)");
  EXPECT_EQ(result.stdout_bytes, "abcd\ntrue\n");
  EXPECT_EQ(result.stderr_bytes, "to stderr\n");
  EXPECT_EQ(result.exit_code, 0);
}

TEST_F(GuestFsTest, ReadSyncOfDescriptorZeroReadsStdin) {
  const auto vm = create_vm();
  ASSERT_OK(client_->execute(vm, script(vm, "cat", R"(
const fs = require('fs');
const buffer = Buffer.alloc(4);
let text = '', reads = 0, n;
while ((n = fs.readSync(0, buffer, 0, 4, null)) > 0) { text += buffer.toString('utf8', 0, n); reads++; }
console.log(JSON.stringify(text), reads >= 3);
)")));
  ASSERT_OK(client_->write_stdin(vm, "cat", wire::Bytes{'h', 'e', 'l', 'l', 'o', ' '}));
  ASSERT_OK(client_->write_stdin(vm, "cat", wire::Bytes{'s', 't', 'd', 'i', 'n'}));
  ASSERT_OK(client_->close_stdin(vm, "cat"));
  const auto result = ASSERT_OK(client_->wait_process(vm, "cat", 20s));
  EXPECT_EQ(result.stdout_bytes, "\"hello stdin\" true\n");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
}

TEST_F(GuestFsTest, StdinAlreadyHandedToProcessStdinGoesToTheNextReadSync) {
  const auto vm = create_vm();
  ASSERT_OK(client_->execute(vm, script(vm, "late", R"(
const fs = require('fs');
process.stdin.once('readable', () => {
  const buffer = Buffer.alloc(2);
  const first = fs.readSync(0, buffer);
  const rest = fs.readFileSync(0, 'utf8');
  console.log(JSON.stringify(buffer.toString('utf8', 0, first)), JSON.stringify(rest));
});
)")));
  ASSERT_OK(client_->write_stdin(vm, "late", wire::Bytes{'a', 'b', 'c', 'd'}));
  ASSERT_OK(client_->close_stdin(vm, "late"));
  const auto result = ASSERT_OK(client_->wait_process(vm, "late", 20s));
  EXPECT_EQ(result.stdout_bytes, "\"ab\" \"cd\"\n");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
}

TEST_F(GuestFsTest, OpeningMoreThanMaxOpenFdsIsEmfile) {
  const auto vm = create_vm(R"({"permissions":{"fs":"allow","childProcess":"allow"},
    "limits":{"resources":{"maxOpenFds":8}}})");
  expect_output(vm, "emfile", R"(
const fs = require('fs');
fs.writeFileSync('/f', 'x');
const fds = [];
try { for (let i = 0; i < 20; i++) fds.push(fs.openSync('/f', 'r')); }
catch (e) { console.log(e.code, e.errno, e.syscall, fds.length); }
fs.closeSync(fds.pop());
console.log(typeof fs.openSync('/f', 'r'));
)",
                "EMFILE -24 open 5\n"
                "number\n");
}

TEST_F(GuestFsTest, FilesystemFullIsEnospcAndTheVmKeepsAnswering) {
  const auto vm = create_vm(R"({"permissions":{"fs":"allow","childProcess":"allow"},
    "limits":{"resources":{"maxFilesystemBytes":2097152}}})");
  expect_output(vm, "fill", R"(
const fs = require('fs');
const chunk = Buffer.alloc(64 * 1024, 120);
const fd = fs.openSync('/workspace/fill.bin', 'w');
let written = 0;
try { for (;;) written += fs.writeSync(fd, chunk); }
catch (e) { console.log(e.code, e.errno, e.syscall, written > 0); }
let appended = 0;
try { for (;;) { fs.appendFileSync('/workspace/more.bin', chunk); appended++; } }
catch (e) { console.log(e.code); }
console.log(fs.fstatSync(fd).size === written);
)",
                "ENOSPC -28 write true\n"
                "ENOSPC\n"
                "true\n");
  expect_output(vm, "after", "console.log(require('fs').existsSync('/workspace/fill.bin'))", "true\n");
  EXPECT_TRUE(ASSERT_OK(client_->exists(vm, "/workspace/fill.bin")));
}

TEST_F(GuestFsTest, GuestAndHostShareOneFilesystem) {
  const auto vm = create_vm();
  ASSERT_OK(client_->write_file(vm, "/workspace/from-host.txt", "host bytes"));
  expect_output(vm, "share", R"(
const fs = require('fs');
console.log(fs.readFileSync('/workspace/from-host.txt', 'utf8'));
fs.writeFileSync('/workspace/from-guest.txt', 'guest bytes');
)",
                "host bytes\n");
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm, "/workspace/from-guest.txt")), "guest bytes");
}

TEST_F(GuestFsTest, ProcAndDevAreReachableByPath) {
  const auto vm = create_vm();
  expect_output(vm, "special", R"(
const fs = require('fs');
fs.writeFileSync('/dev/null', 'discarded');
console.log(fs.readFileSync('/dev/null').length, fs.statSync('/dev/null').isCharacterDevice());
console.log(fs.readdirSync('/dev').includes('null'), fs.existsSync('/proc/self'), fs.existsSync('/proc/nope'));
const fd = fs.openSync('/dev/null', 'w');
console.log(fs.writeSync(fd, 'xyz'), fs.fstatSync(fd).isCharacterDevice());
fs.closeSync(fd);
try { fs.unlinkSync('/dev/null'); } catch (e) { console.log(e.code, e.syscall, e.path); }
console.log(fs.readFileSync('/proc/self/cmdline', 'utf8').split('\0')[1]);
)",
                "0 true\n"
                "true true false\n"
                "3 true\n"
                "EPERM unlink /dev/null\n"
                "/workspace/special.js\n");
}

TEST_F(GuestFsTest, CallbackPromiseAndStreamForms) {
  const auto vm = create_vm();
  expect_output(vm, "async", R"(
const fs = require('fs');
const fsp = require('fs/promises');
fs.writeFile('/cb.txt', 'cb data', (err) => {
  console.log('write', err);
  fs.readFile('/cb.txt', 'utf8', (err, text) => {
    console.log('read', err, text);
    fs.stat('/none', async (err) => {
      console.log('stat', err.code);
      await fsp.writeFile('/p.txt', 'promised');
      const handle = await fsp.open('/p.txt', 'r');
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(8), 0, 8, 0);
      await handle.close();
      console.log('promise', bytesRead, buffer.toString());
      await fsp.readFile('/none').catch((e) => console.log('rejected', e.code));
      const out = fs.createWriteStream('/s.txt');
      out.write('stream ');
      out.end('data', () => {
        let text = '';
        fs.createReadStream('/s.txt', { encoding: 'utf8' })
          .on('data', (chunk) => { text += chunk; })
          .on('end', () => console.log('stream', text));
      });
    });
  });
});
)",
                "write null\n"
                "read null cb data\n"
                "stat ENOENT\n"
                "promise 8 promised\n"
                "rejected ENOENT\n"
                "stream stream data\n");
}

}  // namespace
}  // namespace se::integration
