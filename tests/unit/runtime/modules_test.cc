// The module system without a kernel: builtin modules through require and import, ES module main
// programs (static and dynamic import, import.meta, top-level await, failures), -e globals, and
// that module internals lead nowhere near the natives. File resolution over the VFS is covered by
// tests/integration/modules_test.cc.
#include <gtest/gtest.h>

#include "runtime_test_support.h"

namespace se::runtime::js::testing {
namespace {

RunResult run_module(std::string source) {
  return run(file_options(std::move(source), "/workspace/main.mjs"));
}

TEST(Modules, BuiltinsThroughRequireShareOneExportsObject) {
  auto result = run_js(R"(
const events = require('events');
console.log(events === require('node:events'), typeof events, require('module').isBuiltin('node:fs'));
const { builtinModules } = require('module');
console.log(builtinModules.includes('fs'), builtinModules.includes('events'), builtinModules.includes('node:fs'));
console.log(require('process') === process, require.main === module, module.id, __filename, __dirname);)");
  EXPECT_EQ(result.out, "true function true\ntrue true false\ntrue true . /workspace/main.js /workspace\n");
  EXPECT_EQ(result.status.code, 0) << result.err;
}

TEST(Modules, UnknownBuiltinsAndMissingFilesAreNamed) {
  auto result = run_js(R"(
for (const name of ['node:nope', './missing', 'left-pad']) {
  try { require(name); } catch (e) { console.log(e.code, JSON.stringify(e.message), JSON.stringify(e.requireStack)); }
})");
  EXPECT_EQ(result.out,
            "ERR_UNKNOWN_BUILTIN_MODULE \"No such built-in module: node:nope\" undefined\n"
            "MODULE_NOT_FOUND \"Cannot find module './missing'\\nRequire stack:\\n- /workspace/main.js\" "
            "[\"/workspace/main.js\"]\n"
            "MODULE_NOT_FOUND \"Cannot find module 'left-pad'\\nRequire stack:\\n- /workspace/main.js\" "
            "[\"/workspace/main.js\"]\n");
}

TEST(Modules, EsMainImportsBuiltinsAndAwaitsAtTopLevel) {
  auto result = run_module(R"(
import events, { EventEmitter } from 'node:events';
import * as path from 'path';
console.log(events === EventEmitter, typeof path.join, import.meta.url);
const value = await new Promise((resolve) => setTimeout(() => resolve(42), 5));
console.log('awaited', value);
const dynamic = await import('node:events');
console.log(dynamic.default === events, typeof require, typeof module);)");
  EXPECT_EQ(result.out, "true function file:///workspace/main.mjs\nawaited 42\ntrue undefined undefined\n");
  EXPECT_EQ(result.status.code, 0) << result.err;
}

TEST(Modules, EsMainFailuresExitOneWithTheErrorOnStderr) {
  auto thrown = run_module("console.log('before');\nthrow new Error('esm boom');\n");
  EXPECT_EQ(thrown.out, "before\n");
  EXPECT_EQ(thrown.status.code, 1);
  EXPECT_NE(thrown.err.find("file:///workspace/main.mjs:2\n"), std::string::npos) << thrown.err;
  EXPECT_NE(thrown.err.find("Error: esm boom"), std::string::npos) << thrown.err;

  auto rejected = run_module("await Promise.reject(new Error('late boom'));\n");
  EXPECT_EQ(rejected.status.code, 1);
  EXPECT_NE(rejected.err.find("Error: late boom"), std::string::npos) << rejected.err;

  auto syntax = run_module("export const = 1;\n");
  EXPECT_EQ(syntax.status.code, 1);
  EXPECT_NE(syntax.err.find("file:///workspace/main.mjs:1"), std::string::npos) << syntax.err;
  EXPECT_NE(syntax.err.find("SyntaxError"), std::string::npos) << syntax.err;

  auto missing = run_module("import { nope } from 'node:events';\n");
  EXPECT_EQ(missing.status.code, 1);
  EXPECT_NE(missing.err.find("does not provide an export named 'nope'"), std::string::npos) << missing.err;
}

TEST(Modules, UnsettledTopLevelAwaitExitsThirteen) {
  auto result = run_module("await new Promise(() => {});\n");
  EXPECT_EQ(result.status.code, 13);
  EXPECT_NE(result.err.find("Warning: Detected unsettled top-level await at file:///workspace/main.mjs"),
            std::string::npos)
      << result.err;
}

TEST(Modules, DynamicImportRunsAfterTheImportersSynchronousCode) {
  auto result = run_js(R"(
const loading = import('node:events');
console.log('sync');
loading.then((ns) => {
  console.log('loaded', typeof ns.default, typeof ns.EventEmitter);
  return import('node:nope');
}).catch((e) => console.log(e.code));)");
  EXPECT_EQ(result.out, "sync\nloaded function function\nERR_UNKNOWN_BUILTIN_MODULE\n");
}

TEST(Modules, EvalScriptsSeeRequireAndModuleGlobals) {
  ProcessOptions options = file_options(
      "console.log(typeof require('events'), __filename, __dirname, module.id, typeof exports);"
      "import('node:events').then((ns) => console.log(typeof ns.default))");
  options.entry = EntryKind::kEval;
  options.argv = {"/usr/bin/node"};
  auto result = run(options);
  EXPECT_EQ(result.out, "function [eval] . [eval] object\nfunction\n");
}

TEST(Modules, ModuleInternalsDoNotLeadToNatives) {
  auto result = run_js(R"(
const Module = require('module');
const seen = new Set();
const found = [];
function walk(value, path, depth) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value) || depth > 6) return;
  seen.add(value);
  for (const key of Reflect.ownKeys(value)) {
    let child;
    try { child = value[key]; } catch { continue; }
    if (typeof child === 'function' && /^(compileFunction|module[A-Z]|write|exit|fs[A-Z])/.test(child.name)) {
      found.push(path + '.' + String(key));
    }
    walk(child, path + '.' + String(key), depth + 1);
  }
}
walk(Module, 'Module', 0);
walk(module, 'module', 0);
walk(require, 'require', 0);
walk(require.cache, 'cache', 0);
console.log(JSON.stringify(found));
for (const probe of [() => process.binding('fs'), () => process._linkedBinding('x'), () => process.dlopen({}, '/x')]) {
  try { probe(); console.log('reached'); } catch (e) { console.log(e.code); }
}
console.log(module.constructor === Module, Object.getPrototypeOf(module) === Module.prototype);
console.log(typeof module.require, (() => { try { return String(require.caller); } catch (e) { return e.name; } })());)");
  EXPECT_EQ(result.out, "[]\nERR_ACCESS_DENIED\nERR_ACCESS_DENIED\nERR_ACCESS_DENIED\ntrue true\nfunction TypeError\n");
}

}  // namespace
}  // namespace se::runtime::js::testing
