// The guest module system over the VM filesystem, through the real sidecar: CommonJS resolution
// (relative files, directories, package main, node_modules, exports/imports, JSON, cycles,
// symlinked identity), ES modules (static and dynamic import, CommonJS and builtins from ESM,
// top-level await, import.meta.url), their errors, `node -` reading the program from stdin, and a
// guest hunting for natives through module internals.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using wire::GuestRuntimeKind;

class ModulesTest : public GuestVmTest {
 protected:
  // `node ARGS...` (in /app unless told) as the next process id.
  wire::ExecuteRequest node(std::vector<std::string> args, std::string cwd = "/app") {
    std::string id = "p";
    id += std::to_string(++processes_);  // not "p" + ...: g++ 12 reports a false -Wrestrict there
    return GuestVmTest::node(std::move(id), std::move(args), std::move(cwd));
  }

  client::ProcessResult run_file(const std::string& path, const std::string& source) {
    write(path, source);
    return run(node({path}));
  }

  int processes_ = 0;
};

TEST_F(ModulesTest, RelativeFilesDirectoriesPackagesAndJson) {
  write("/app/lib/a.js", "exports.name = 'a'; exports.file = __filename; exports.dir = __dirname;");
  write("/app/lib/index.js", "module.exports = 'lib index';");
  write("/app/data.json", "{\"answer\": 42}");
  write("/app/node_modules/pkg/package.json", "{\"name\": \"pkg\", \"main\": \"dist/entry\"}");
  write("/app/node_modules/pkg/dist/entry.js", "module.exports = 'pkg main';");
  write("/app/node_modules/@scope/thing/index.js", "module.exports = 'scoped index';");
  write("/app/sub/deep/nested.js", "module.exports = [require('pkg'), require('@scope/thing'), module.paths[0]];");
  auto result = run_file("/app/main.js", R"(
const a = require('./lib/a');
console.log(a.name, a.file, a.dir, a === require('/app/lib/a.js'));
console.log(require('./lib'), require('./data.json').answer, require('./data') === require('./data.json'));
console.log(JSON.stringify(require('./sub/deep/nested')));
console.log(require.resolve('pkg'), require.resolve('./lib/'), module.children.length);
console.log(Object.keys(require.cache).sort().join());)");
  EXPECT_EQ(result.stdout_bytes,
            "a /app/lib/a.js /app/lib true\n"
            "lib index 42 true\n"
            "[\"pkg main\",\"scoped index\",\"/app/sub/deep/node_modules\"]\n"
            "/app/node_modules/pkg/dist/entry.js /app/lib/index.js 4\n"
            "/app/data.json,/app/lib/a.js,/app/lib/index.js,/app/main.js,/app/node_modules/@scope/thing/index.js,"
            "/app/node_modules/pkg/dist/entry.js,/app/sub/deep/nested.js\n");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
}

TEST_F(ModulesTest, PackageExportsAndImportsFollowConditions) {
  write("/app/package.json", R"({"name": "app", "exports": "./main.js",
    "imports": {"#util": {"require": "./util.cjs", "default": "./util.mjs"}, "#dep": "pkg"}})");
  write("/app/util.cjs", "module.exports = 'util for require';");
  write("/app/util.mjs", "export default 'util for import';");
  write("/app/node_modules/pkg/index.js", "module.exports = 'pkg';");
  write("/app/node_modules/cond/package.json", R"({"name": "cond", "exports": {
    ".": {"import": "./esm.mjs", "require": "./cjs.js"},
    "./feature": {"node": {"require": "./feature-node.js"}, "default": "./feature-default.js"},
    "./utils/*": "./lib/*.js",
    "./private/*": null}})");
  write("/app/node_modules/cond/esm.mjs", "export default 'cond for import';");
  write("/app/node_modules/cond/cjs.js", "module.exports = 'cond for require';");
  write("/app/node_modules/cond/feature-node.js", "module.exports = 'feature node';");
  write("/app/node_modules/cond/lib/x.js", "module.exports = 'utils x';");
  write("/app/node_modules/cond/private/y.js", "module.exports = 'private y';");
  auto result = run_file("/app/main.js", R"(
console.log(require('cond'), require('cond/feature'), require('cond/utils/x'));
for (const request of ['cond/private/y', 'cond/package.json', 'cond/lib/x.js']) {
  try { require(request); } catch (e) { console.log(e.code, e.message); }
}
console.log(require('#util'), require('#dep'), require('app') === module.exports);
import('cond').then((ns) => console.log(ns.default));
import('#util').then((ns) => console.log(ns.default));)");
  EXPECT_EQ(result.stdout_bytes,
            "cond for require feature node utils x\n"
            "ERR_PACKAGE_PATH_NOT_EXPORTED Package subpath './private/y' is not defined by \"exports\" in "
            "/app/node_modules/cond/package.json\n"
            "ERR_PACKAGE_PATH_NOT_EXPORTED Package subpath './package.json' is not defined by \"exports\" in "
            "/app/node_modules/cond/package.json\n"
            "ERR_PACKAGE_PATH_NOT_EXPORTED Package subpath './lib/x.js' is not defined by \"exports\" in "
            "/app/node_modules/cond/package.json\n"
            "util for require pkg true\n"
            "cond for import\n"
            "util for import\n");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
}

TEST_F(ModulesTest, CyclesSeePartialExports) {
  write("/app/a.js",
        "exports.early = 'a early'; const b = require('./b'); exports.late = 'a late';"
        "exports.fromB = b.seenFromA;");
  write("/app/b.js", "const a = require('./a'); exports.seenFromA = JSON.stringify(a);");
  auto result = run_file("/app/main.js", "const a = require('./a'); console.log(a.fromB, a.late);");
  EXPECT_EQ(result.stdout_bytes, "{\"early\":\"a early\"} a late\n");
}

TEST_F(ModulesTest, SymlinkedPathsShareOneCacheEntry) {
  write("/app/real/mod.js", "module.exports = { loads: (globalThis.loads = (globalThis.loads || 0) + 1) };");
  ASSERT_OK(client_->symlink(vm_, "/app/real", "/app/link"));
  auto result = run_file("/app/main.js", R"(
const viaLink = require('./link/mod');
console.log(viaLink === require('./real/mod'), globalThis.loads, require.resolve('./link/mod'));)");
  EXPECT_EQ(result.stdout_bytes, "true 1 /app/real/mod.js\n");
}

TEST_F(ModulesTest, MissingModulesAreNamedWithTheirRequireStack) {
  write("/app/inner.js", "require('./nope');");
  auto caught = run_file("/app/main.js", R"(
try { require('./inner'); } catch (e) {
  console.log(e.code, JSON.stringify(e.requireStack));
  console.log(e.message);
})");
  EXPECT_EQ(caught.stdout_bytes,
            "MODULE_NOT_FOUND [\"/app/inner.js\",\"/app/main.js\"]\n"
            "Cannot find module './nope'\nRequire stack:\n- /app/inner.js\n- /app/main.js\n");

  auto uncaught = run_file("/app/uncaught.js", "require('left-pad');");
  EXPECT_EQ(uncaught.exit_code, 1);
  EXPECT_NE(uncaught.stderr_bytes.find("Error: Cannot find module 'left-pad'\nRequire stack:\n- /app/uncaught.js"),
            std::string::npos)
      << uncaught.stderr_bytes;
  EXPECT_NE(uncaught.stderr_bytes.find("code: 'MODULE_NOT_FOUND'"), std::string::npos) << uncaught.stderr_bytes;
}

TEST_F(ModulesTest, ErrorsInRequiredModulesPointAtTheirFileAndLine) {
  write("/app/thrower.js", "'use strict';\n\nexports.fail = () => {\n  throw new Error('deep failure');\n};\n");
  auto result = run_file("/app/main.js", R"(
try { require('./thrower').fail(); } catch (e) { console.log(e.stack.split('\n').slice(0, 2).join('|')); }
require('./thrower').fail();)");
  EXPECT_EQ(result.stdout_bytes.substr(0, result.stdout_bytes.find('\n')),
            "Error: deep failure|    at exports.fail (/app/thrower.js:4:9)");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(result.stderr_bytes.starts_with("/app/thrower.js:4\n  throw new Error('deep failure');\n"))
      << result.stderr_bytes;
}

TEST_F(ModulesTest, EsModulesImportModulesCommonJsAndBuiltins) {
  write("/app/dep.mjs", "export const named = 'named'; export default 'dep default';");
  write("/app/legacy.cjs", "module.exports = { kind: 'cjs', meta: typeof require };");
  write("/app/dyn.mjs", "export const late = import.meta.url;");
  write("/app/note.txt", "from the vm");
  write("/app/esm-pkg/package.json", "{\"type\": \"module\"}");
  write("/app/esm-pkg/main.js", "console.log('module package', import.meta.url, typeof require);");
  auto result = run_file("/app/main.mjs", R"(
import dep, { named } from './dep.mjs';
import legacy, { kind } from './legacy.cjs';
import fs, { readFileSync } from 'node:fs';
import { join } from 'path';
console.log(dep, named, legacy.meta, kind, fs.readFileSync === readFileSync, join('a', 'b'));
console.log(readFileSync(new URL('./note.txt', import.meta.url).pathname, 'utf8'), import.meta.url);
const { late } = await import('./dyn.mjs');
console.log(late, await new Promise((resolve) => setTimeout(() => resolve('after timer'), 5)));)");
  EXPECT_EQ(result.stdout_bytes,
            "dep default named function cjs true a/b\n"
            "from the vm file:///app/main.mjs\n"
            "file:///app/dyn.mjs after timer\n");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;

  auto typed = run(node({"esm-pkg/main.js"}));
  EXPECT_EQ(typed.stdout_bytes, "module package file:///app/esm-pkg/main.js undefined\n");
  EXPECT_EQ(typed.exit_code, 0) << typed.stderr_bytes;
}

TEST_F(ModulesTest, RequireOfAnEsModuleIsRefused) {
  write("/app/esm.mjs", "export default 1;");
  write("/app/esm-pkg/package.json", "{\"type\": \"module\"}");
  write("/app/esm-pkg/index.js", "export default 2;");
  auto result = run_file("/app/main.js", R"(
for (const request of ['./esm.mjs', './esm-pkg/index.js']) {
  try { require(request); } catch (e) { console.log(e.code, e.message.split('\n')[0]); }
}
import('./esm-pkg/index.js').then((ns) => console.log('import works', ns.default));)");
  EXPECT_EQ(result.stdout_bytes,
            "ERR_REQUIRE_ESM require() of ES Module /app/esm.mjs from /app/main.js not supported.\n"
            "ERR_REQUIRE_ESM require() of ES Module /app/esm-pkg/index.js from /app/main.js not supported.\n"
            "import works 2\n");
}

TEST_F(ModulesTest, EsModuleFailuresExitOneWithTheErrorOnStderr) {
  auto syntax = run_file("/app/bad.mjs", "console.log('never');\nexport const = 1;\n");
  EXPECT_EQ(syntax.exit_code, 1);
  EXPECT_EQ(syntax.stdout_bytes, "");
  EXPECT_TRUE(syntax.stderr_bytes.starts_with("file:///app/bad.mjs:2\nexport const = 1;\n")) << syntax.stderr_bytes;
  EXPECT_NE(syntax.stderr_bytes.find("SyntaxError: Unexpected token '='"), std::string::npos) << syntax.stderr_bytes;

  auto missing = run_file("/app/missing.mjs", "import './nowhere.mjs';\n");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.stderr_bytes.find("Cannot find module '/app/nowhere.mjs' imported from /app/missing.mjs"),
            std::string::npos)
      << missing.stderr_bytes;

  auto rejected = run_file("/app/tla.mjs", "await Promise.reject(new Error('tla failure'));\n");
  EXPECT_EQ(rejected.exit_code, 1);
  EXPECT_NE(rejected.stderr_bytes.find("Error: tla failure"), std::string::npos) << rejected.stderr_bytes;
}

TEST_F(ModulesTest, NodeDashReadsTheProgramFromStdin) {
  write("/app/lib/a.js", "exports.name = 'from a';");
  auto request = node({"-", "extra"});
  ASSERT_OK(client_->execute(vm_, request));
  std::string first = "console.log(require('./lib/a').name, __filename);\n";
  std::string second = "console.log(JSON.stringify(process.argv.slice(1)));\n";
  ASSERT_OK(client_->write_stdin(vm_, request.process_id, wire::Bytes(first.begin(), first.end())));
  ASSERT_OK(client_->write_stdin(vm_, request.process_id, wire::Bytes(second.begin(), second.end())));
  ASSERT_OK(client_->close_stdin(vm_, request.process_id));
  auto result = ASSERT_OK(client_->wait_process(vm_, request.process_id, 20s));
  EXPECT_EQ(result.stdout_bytes, "from a [stdin]\n[\"-\",\"extra\"]\n");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;

  auto bare = node({});
  ASSERT_OK(client_->execute(vm_, bare));
  std::string program = "throw new Error('from stdin');";
  ASSERT_OK(client_->write_stdin(vm_, bare.process_id, wire::Bytes(program.begin(), program.end())));
  ASSERT_OK(client_->close_stdin(vm_, bare.process_id));
  auto failed = ASSERT_OK(client_->wait_process(vm_, bare.process_id, 20s));
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_TRUE(failed.stderr_bytes.starts_with("[stdin]:1\n")) << failed.stderr_bytes;
}

TEST_F(ModulesTest, ModuleInternalsGiveAHostileGuestNothing) {
  write("/app/victim.js", "module.exports = { secret: 1 };");
  write("/app/addon.node", "not really a shared object");
  auto result = run_file("/app/main.js", R"(
const Module = require('module');
require('./victim');
const reached = [];
const seen = new Set();
function walk(value, path, depth) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value) || depth > 8) {
    return;
  }
  seen.add(value);
  for (const key of Reflect.ownKeys(value)) {
    let child;
    try { child = value[key]; } catch { continue; }
    if (typeof child === 'function' && /^(compileFunction|module[A-Z]|fs[A-Z]|write|exit|raiseSignal)$/.test(child.name)) {
      reached.push(`${path}.${String(key)}`);
    }
    walk(child, `${path}.${String(key)}`, depth + 1);
  }
}
for (const [name, root] of [['Module', Module], ['module', module], ['require', require], ['cache', require.cache],
                            ['proto', Module.prototype], ['ctor', module.constructor]]) {
  walk(root, name, 0);
}
Error.prepareStackTrace = (error, frames) =>
  frames.filter((frame) => String(frame.getFileName()).startsWith('se:')).map((frame) => typeof frame.getFunction());
const frames = (() => { try { Module._load('./nope', module, false); } catch (e) { return e.stack; } })();
console.log(JSON.stringify(reached), frames.includes('function') ? 'saw a loader function' : 'no loader functions');
for (const probe of [() => process.binding('fs'), () => process._linkedBinding('fs'), () => process.dlopen({}, '/x.node')]) {
  try { probe(); console.log('reached a binding'); } catch (e) { console.log(e.code); }
}
try { require('./addon.node'); } catch (e) { console.log(e.code); })");
  EXPECT_EQ(result.stdout_bytes,
            "[] no loader functions\nERR_ACCESS_DENIED\nERR_ACCESS_DENIED\nERR_ACCESS_DENIED\nERR_DLOPEN_FAILED\n");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
}

}  // namespace
}  // namespace se::integration
