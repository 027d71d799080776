// Tests for parse_create_vm_config: shapes, defaults, null handling, the reference's rejection messages
// and their order (spec/protocol.md s3.3, s6, s7.3; spec/peer-behaviour.md s5).
#include "config/create_vm_config.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace se::config {
namespace {

// The rejection message, or "" when the config is accepted.
std::string error_of(std::string_view json) {
  ErrorOr<CreateVmConfig> config = parse_create_vm_config(json);
  if (config) return "";
  EXPECT_EQ(config.error().errno_code, 0);
  return config.error().message;
}

CreateVmConfig parse_ok(std::string_view json) {
  ErrorOr<CreateVmConfig> config = parse_create_vm_config(json);
  EXPECT_TRUE(config.has_value()) << (config ? "" : config.error().message);
  return config ? *config : CreateVmConfig{};
}

std::string nested_arrays(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

// ---- Defaults and full parse ----------------------------------------------------------------------

TEST(CreateVmConfigTest, EmptyObjectTakesEveryDefault) {
  const CreateVmConfig config = parse_ok("{}");
  EXPECT_EQ(config, CreateVmConfig{});
  EXPECT_FALSE(config.cwd.has_value());
  EXPECT_EQ(config.guest_cwd(), "/workspace");
  EXPECT_TRUE(config.env.empty());
  EXPECT_EQ(config.root_filesystem.mode, RootFilesystemMode::Ephemeral);
  EXPECT_FALSE(config.root_filesystem.disable_default_base_layer);
  EXPECT_TRUE(config.root_filesystem.lowers.empty());
  EXPECT_TRUE(config.root_filesystem.bootstrap_entries.empty());
  EXPECT_FALSE(config.permissions.has_value());
  EXPECT_EQ(config.limits, Limits{});
  EXPECT_FALSE(config.dns.has_value());
  EXPECT_FALSE(config.native_root.has_value());
  EXPECT_FALSE(config.listen.has_value());
  EXPECT_TRUE(config.loopback_exempt_ports.empty());
  EXPECT_EQ(config.js_runtime.platform, JsPlatform::Node);
  EXPECT_EQ(config.js_runtime.module_resolution, JsModuleResolution::Node);
  EXPECT_FALSE(config.js_runtime.allowed_builtins.has_value());
  EXPECT_FALSE(config.js_runtime.snapshot_userland_code.has_value());
}

TEST(CreateVmConfigTest, EveryFieldIsParsed) {
  const CreateVmConfig config = parse_ok(R"json({
    "cwd": "/home/user",
    "env": {"A": "1", "B": ""},
    "rootFilesystem": {
      "mode": "read-only",
      "disableDefaultBaseLayer": true,
      "lowers": [
        {"kind": "snapshot", "entries": [{"path": "/etc/motd", "kind": "file", "content": "hi"}]},
        {"kind": "bundledBaseFilesystem"}
      ],
      "bootstrapEntries": [
        {"path": "/bin/tool", "kind": "file", "mode": 493, "uid": 1000, "gid": 1001, "content": "aGk=",
         "encoding": "base64", "executable": true},
        {"path": "/data", "kind": "directory"},
        {"path": "/link", "kind": "symlink", "target": "/data"}
      ]
    },
    "permissions": {"fs": "allow", "childProcess": "ask"},
    "limits": {"resources": {"maxProcesses": 8, "maxWasmFuel": 1000}, "python": {"maxOldSpaceMb": 0}},
    "dns": {"nameServers": ["9.9.9.9"], "overrides": {"example.test": ["10.0.0.1"]}},
    "listen": {"portMin": 2000, "portMax": 3000, "allowPrivileged": true},
    "loopbackExemptPorts": [5432, 6379],
    "jsRuntime": {"platform": "browser", "moduleResolution": "relative", "snapshotUserlandCode": "globalThis.x = 1"}
  })json");

  EXPECT_EQ(config.cwd, "/home/user");
  EXPECT_EQ(config.guest_cwd(), "/home/user");
  EXPECT_EQ(config.env, (std::map<std::string, std::string>{{"A", "1"}, {"B", ""}}));

  const RootFilesystemConfig& root = config.root_filesystem;
  EXPECT_EQ(root.mode, RootFilesystemMode::ReadOnly);
  EXPECT_TRUE(root.disable_default_base_layer);
  ASSERT_EQ(root.lowers.size(), 2u);
  EXPECT_FALSE(root.lowers[0].bundled_base);
  ASSERT_EQ(root.lowers[0].entries.size(), 1u);
  EXPECT_EQ(root.lowers[0].entries[0].path, "/etc/motd");
  EXPECT_EQ(root.lowers[0].entries[0].content, "hi");
  EXPECT_TRUE(root.lowers[1].bundled_base);
  EXPECT_TRUE(root.lowers[1].entries.empty());

  ASSERT_EQ(root.bootstrap_entries.size(), 3u);
  RootFilesystemEntry tool;
  tool.path = "/bin/tool";
  tool.kind = EntryKind::File;
  tool.mode = 493;
  tool.uid = 1000;
  tool.gid = 1001;
  tool.content = "aGk=";
  tool.encoding = ContentEncoding::Base64;
  tool.executable = true;
  EXPECT_EQ(root.bootstrap_entries[0], tool);
  EXPECT_EQ(root.bootstrap_entries[1].kind, EntryKind::Directory);
  EXPECT_FALSE(root.bootstrap_entries[1].mode.has_value());
  EXPECT_FALSE(root.bootstrap_entries[1].executable);
  EXPECT_EQ(root.bootstrap_entries[2].kind, EntryKind::Symlink);
  EXPECT_EQ(root.bootstrap_entries[2].target, "/data");

  ASSERT_TRUE(config.permissions.has_value());
  EXPECT_EQ(config.permissions->fs, PermissionScope{PermissionMode::Allow});
  EXPECT_EQ(config.permissions->child_process, PermissionScope{PermissionMode::Ask});
  EXPECT_FALSE(config.permissions->network.has_value());

  Limits limits;
  limits.resources.max_processes = 8;
  limits.resources.max_wasm_fuel = 1000;
  limits.python.max_old_space_mb = 0;
  EXPECT_EQ(config.limits, limits);

  ASSERT_TRUE(config.dns.has_value());
  EXPECT_EQ(config.dns->name_servers, std::vector<std::string>{"9.9.9.9"});
  EXPECT_EQ(config.dns->overrides.at("example.test"), std::vector<std::string>{"10.0.0.1"});

  ASSERT_TRUE(config.listen.has_value());
  EXPECT_EQ(*config.listen, (ListenConfig{2000, 3000, true}));
  EXPECT_EQ(config.loopback_exempt_ports, (std::vector<uint16_t>{5432, 6379}));
  EXPECT_EQ(config.js_runtime.platform, JsPlatform::Browser);
  EXPECT_EQ(config.js_runtime.module_resolution, JsModuleResolution::Relative);
  EXPECT_EQ(config.js_runtime.snapshot_userland_code, "globalThis.x = 1");
}

TEST(CreateVmConfigTest, EveryJsPlatformAndModuleResolutionIsAccepted) {
  const std::pair<const char*, JsPlatform> platforms[] = {{"node", JsPlatform::Node},
                                                          {"browser", JsPlatform::Browser},
                                                          {"neutral", JsPlatform::Neutral},
                                                          {"bare", JsPlatform::Bare}};
  const std::pair<const char*, JsModuleResolution> resolutions[] = {{"node", JsModuleResolution::Node},
                                                                    {"relative", JsModuleResolution::Relative},
                                                                    {"none", JsModuleResolution::None}};
  for (const auto& [platform_name, platform] : platforms) {
    for (const auto& [resolution_name, resolution] : resolutions) {
      const std::string json = std::string(R"({"jsRuntime":{"platform":")") + platform_name +
                               R"(","moduleResolution":")" + resolution_name + R"("}})";
      const CreateVmConfig config = parse_ok(json);
      EXPECT_EQ(config.js_runtime.platform, platform) << json;
      EXPECT_EQ(config.js_runtime.module_resolution, resolution) << json;
    }
  }
}

TEST(CreateVmConfigTest, ListenDefaultsFillKeysTheClientOmitted) {
  EXPECT_EQ(*parse_ok(R"({"listen":{}})").listen, (ListenConfig{1, 65535, false}));
  EXPECT_EQ(*parse_ok(R"({"listen":{"allowPrivileged":true}})").listen, (ListenConfig{1, 65535, true}));
  EXPECT_EQ(*parse_ok(R"({"listen":{"portMax":80}})").listen, (ListenConfig{1, 80, false}));
}

TEST(CreateVmConfigTest, NativeRootKeepsPluginConfigAsCanonicalJson) {
  const CreateVmConfig config =
      parse_ok(R"({"nativeRoot":{"plugin":{"id":"host_dir","config":{"z":1,"a":[true,null,"s"]}},"readOnly":true}})");
  ASSERT_TRUE(config.native_root.has_value());
  EXPECT_EQ(config.native_root->plugin_id, "host_dir");
  EXPECT_EQ(config.native_root->plugin_config_json, R"({"a":[true,null,"s"],"z":1})");
  EXPECT_TRUE(config.native_root->read_only);

  const CreateVmConfig without_config = parse_ok(R"({"nativeRoot":{"plugin":{"id":"memory"}}})");
  EXPECT_EQ(without_config.native_root->plugin_config_json, "null");
  EXPECT_FALSE(without_config.native_root->read_only);
}

TEST(CreateVmConfigTest, AllowedBuiltinsDistinguishesAbsentEmptyAndList) {
  EXPECT_FALSE(parse_ok(R"({"jsRuntime":{}})").js_runtime.allowed_builtins.has_value());
  EXPECT_EQ(parse_ok(R"({"jsRuntime":{"allowedBuiltins":[]}})").js_runtime.allowed_builtins,
            std::vector<std::string>{});
  EXPECT_EQ(
      parse_ok(R"({"jsRuntime":{"allowedBuiltins":["path","node:fs","fs/promises"]}})").js_runtime.allowed_builtins,
      (std::vector<std::string>{"path", "node:fs", "fs/promises"}));
}

// ---- null handling --------------------------------------------------------------------------------

TEST(CreateVmConfigTest, NullMeansAbsentForOptionalFields) {
  const CreateVmConfig config = parse_ok(R"json({
    "cwd": null, "permissions": null, "limits": null, "dns": null, "nativeRoot": null, "listen": null,
    "jsRuntime": null
  })json");
  EXPECT_EQ(config, CreateVmConfig{});

  EXPECT_EQ(parse_ok(R"({"limits":{"resources":null,"http":{"maxFetchResponseBytes":null}}})").limits, Limits{});
  EXPECT_EQ(*parse_ok(R"({"listen":{"portMin":null,"portMax":null,"allowPrivileged":null}})").listen, ListenConfig{});
  EXPECT_EQ(parse_ok(R"({"jsRuntime":{"allowedBuiltins":null,"snapshotUserlandCode":null}})").js_runtime,
            JsRuntimeConfig{});
  PermissionsPolicy network_only;
  network_only.network = PermissionScope{PermissionRuleSet{}};
  EXPECT_EQ(parse_ok(R"({"permissions":{"fs":null,"network":{"default":null,"rules":[]}}})").permissions, network_only);

  const CreateVmConfig entry_config = parse_ok(R"json({"rootFilesystem":{"bootstrapEntries":[
    {"path":"/f","kind":"file","mode":null,"uid":null,"gid":null,"content":null,"encoding":null,"target":null}]}})json");
  RootFilesystemEntry expected;
  expected.path = "/f";
  EXPECT_EQ(entry_config.root_filesystem.bootstrap_entries.at(0), expected);
  EXPECT_EQ(parse_ok(R"({"nativeRoot":{"plugin":{"id":"p","config":null}}})").native_root->plugin_config_json, "null");
}

TEST(CreateVmConfigTest, NullIsRejectedForFieldsThatAreNotOptional) {
  const std::string prefix = "invalid create VM config JSON: invalid type: null, expected ";
  EXPECT_EQ(error_of(R"({"env":null})"), prefix + "a map at env");
  EXPECT_EQ(error_of(R"({"rootFilesystem":null})"), prefix + "struct RootFilesystemConfig at rootFilesystem");
  EXPECT_EQ(error_of(R"({"loopbackExemptPorts":null})"), prefix + "a sequence at loopbackExemptPorts");
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"mode":null}})"), prefix + "a string at rootFilesystem.mode");
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"disableDefaultBaseLayer":null}})"),
            prefix + "a boolean at rootFilesystem.disableDefaultBaseLayer");
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"lowers":null}})"), prefix + "a sequence at rootFilesystem.lowers");
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/a","kind":"file","executable":null}]}})"),
            prefix + "a boolean at rootFilesystem.bootstrapEntries[0].executable");
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"bootstrapEntries":[{"path":null,"kind":"file"}]}})"),
            prefix + "a string at rootFilesystem.bootstrapEntries[0].path");
  EXPECT_EQ(error_of(R"({"nativeRoot":{"plugin":{"id":"p"},"readOnly":null}})"),
            prefix + "a boolean at nativeRoot.readOnly");
  EXPECT_EQ(error_of(R"({"nativeRoot":{"plugin":null}})"),
            prefix + "struct MountPluginDescriptor at nativeRoot.plugin");
  EXPECT_EQ(error_of(R"({"jsRuntime":{"platform":null}})"), prefix + "a string at jsRuntime.platform");
  EXPECT_EQ(error_of(R"({"dns":{"nameServers":null}})"), prefix + "a sequence at dns.nameServers");
  EXPECT_EQ(error_of(R"({"dns":{"overrides":null}})"), prefix + "a map at dns.overrides");
  EXPECT_EQ(error_of(R"({"permissions":{"fs":{"rules":null}}})"), prefix + "a sequence at permissions.fs.rules");
  EXPECT_EQ(error_of(R"({"permissions":{"fs":{"rules":[{"mode":"allow","operations":null}]}}})"),
            prefix + "a sequence at permissions.fs.rules[0].operations");
}

// ---- Unknown fields -------------------------------------------------------------------------------

TEST(CreateVmConfigTest, UnknownTopLevelFieldNamesItAndTheAcceptedFields) {
  EXPECT_EQ(error_of(R"({"surprise":true})"),
            "invalid create VM config JSON: unknown field `surprise`, expected one of `cwd`, `env`, "
            "`rootFilesystem`, `permissions`, `limits`, `dns`, `nativeRoot`, `listen`, `loopbackExemptPorts`, "
            "`jsRuntime`");
  // This version has no identity fields (s6.1).
  EXPECT_NE(error_of(R"({"hostname":"box"})").find("unknown field `hostname`"), std::string::npos);
  EXPECT_NE(error_of(R"({"user":"root"})").find("unknown field `user`"), std::string::npos);
}

struct UnknownFieldCase {
  const char* json;
  const char* expected_message;
};

class UnknownFieldTest : public testing::TestWithParam<UnknownFieldCase> {};

TEST_P(UnknownFieldTest, IsRejectedWithFieldAndLocation) {
  EXPECT_EQ(error_of(GetParam().json), std::string("invalid create VM config JSON: ") + GetParam().expected_message);
}

INSTANTIATE_TEST_SUITE_P(
    EveryObjectLevel, UnknownFieldTest,
    testing::Values(
        UnknownFieldCase{R"({"rootFilesystem":{"x":1}})",
                         "unknown field `x`, expected one of `mode`, `disableDefaultBaseLayer`, `lowers`, "
                         "`bootstrapEntries` at rootFilesystem"},
        UnknownFieldCase{R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/a","kind":"file","owner":0}]}})",
                         "unknown field `owner`, expected one of `path`, `kind`, `mode`, `uid`, `gid`, `content`, "
                         "`encoding`, `target`, `executable` at rootFilesystem.bootstrapEntries[0]"},
        UnknownFieldCase{R"({"rootFilesystem":{"lowers":[{"kind":"snapshot","entries":[],"x":1}]}})",
                         "unknown field `x`, expected `entries` at rootFilesystem.lowers[0]"},
        UnknownFieldCase{R"({"rootFilesystem":{"lowers":[{"kind":"bundledBaseFilesystem","entries":[]}]}})",
                         "unknown field `entries`, there are no fields at rootFilesystem.lowers[0]"},
        UnknownFieldCase{
            R"({"rootFilesystem":{"lowers":[{"kind":"snapshot","entries":[{"path":"/a","kind":"file","x":1}]}]}})",
            "unknown field `x`, expected one of `path`, `kind`, `mode`, `uid`, `gid`, `content`, `encoding`, "
            "`target`, `executable` at rootFilesystem.lowers[0].entries[0]"},
        UnknownFieldCase{R"({"permissions":{"filesystem":"allow"}})",
                         "unknown field `filesystem`, expected one of `fs`, `network`, `childProcess`, `process`, "
                         "`env`, `binding` at permissions"},
        UnknownFieldCase{R"({"permissions":{"fs":{"rules":[],"extra":1}}})",
                         "unknown field `extra`, expected `default` or `rules` at permissions.fs"},
        UnknownFieldCase{R"({"permissions":{"fs":{"rules":[{"mode":"allow","operations":["*"],"patterns":["*"]}]}}})",
                         "unknown field `patterns`, expected one of `mode`, `operations`, `paths` at "
                         "permissions.fs.rules[0]"},
        UnknownFieldCase{R"({"permissions":{"env":{"rules":[{"mode":"allow","operations":["*"],"paths":["*"]}]}}})",
                         "unknown field `paths`, expected one of `mode`, `operations`, `patterns` at "
                         "permissions.env.rules[0]"},
        UnknownFieldCase{R"({"limits":{"memory":1}})",
                         "unknown field `memory`, expected one of `resources`, `http`, `tools`, `plugins`, `acp`, "
                         "`jsRuntime`, `python`, `wasm` at limits"},
        UnknownFieldCase{R"({"limits":{"http":{"maxBytes":1}}})",
                         "unknown field `maxBytes`, expected `maxFetchResponseBytes` at limits.http"},
        UnknownFieldCase{R"({"limits":{"acp":{"x":1}}})",
                         "unknown field `x`, expected `maxReadLineBytes` or `stdoutBufferByteLimit` at limits.acp"},
        UnknownFieldCase{R"({"limits":{"resources":{"maxRecursiveFsDepth":1}}})",
                         "unknown field `maxRecursiveFsDepth`, expected one of `cpuCount`, `maxProcesses`, "
                         "`maxOpenFds`, `maxPipes`, `maxPtys`, `maxSockets`, `maxConnections`, "
                         "`maxSocketBufferedBytes`, `maxSocketDatagramQueueLen`, `maxFilesystemBytes`, "
                         "`maxInodeCount`, `maxBlockingReadMs`, `maxPreadBytes`, `maxFdWriteBytes`, "
                         "`maxProcessArgvBytes`, `maxProcessEnvBytes`, `maxReaddirEntries`, `maxWasmFuel`, "
                         "`maxWasmMemoryBytes`, `maxWasmStackBytes` at limits.resources"},
        UnknownFieldCase{R"({"limits":{"tools":{"x":1}}})",
                         "unknown field `x`, expected one of `defaultToolTimeoutMs`, `maxToolTimeoutMs`, "
                         "`maxRegisteredToolkits`, `maxRegisteredToolsPerVm`, `maxToolsPerToolkit`, "
                         "`maxToolSchemaBytes`, `maxToolExamplesPerTool`, `maxToolExampleInputBytes` at limits.tools"},
        UnknownFieldCase{R"({"limits":{"plugins":{"x":1}}})",
                         "unknown field `x`, expected `maxPersistedManifestBytes` or "
                         "`maxPersistedManifestFileBytes` at limits.plugins"},
        UnknownFieldCase{R"({"limits":{"jsRuntime":{"x":1}}})",
                         "unknown field `x`, expected one of `v8HeapLimitMb`, `syncRpcWaitTimeoutMs`, "
                         "`capturedOutputLimitBytes`, `stdinBufferLimitBytes`, `eventPayloadLimitBytes`, "
                         "`v8IpcMaxFrameBytes` at limits.jsRuntime"},
        UnknownFieldCase{R"({"limits":{"python":{"x":1}}})",
                         "unknown field `x`, expected one of `outputBufferMaxBytes`, `executionTimeoutMs`, "
                         "`maxOldSpaceMb`, `vfsRpcTimeoutMs` at limits.python"},
        UnknownFieldCase{R"({"limits":{"wasm":{"x":1}}})",
                         "unknown field `x`, expected one of `maxModuleFileBytes`, `capturedOutputLimitBytes`, "
                         "`syncReadLimitBytes` at limits.wasm"},
        UnknownFieldCase{R"({"dns":{"servers":[]}})",
                         "unknown field `servers`, expected `nameServers` or `overrides` at dns"},
        UnknownFieldCase{R"({"listen":{"port":80}})",
                         "unknown field `port`, expected one of `portMin`, `portMax`, `allowPrivileged` at listen"},
        UnknownFieldCase{R"({"nativeRoot":{"plugin":{"id":"p"},"x":1}})",
                         "unknown field `x`, expected `plugin` or `readOnly` at nativeRoot"},
        UnknownFieldCase{R"({"nativeRoot":{"plugin":{"id":"p","readOnly":true}}})",
                         "unknown field `readOnly`, expected `id` or `config` at nativeRoot.plugin"},
        UnknownFieldCase{R"({"jsRuntime":{"highResolutionTime":true}})",
                         "unknown field `highResolutionTime`, expected one of `platform`, `moduleResolution`, "
                         "`allowedBuiltins`, `snapshotUserlandCode` at jsRuntime"}));

// ---- Wrong types and values -----------------------------------------------------------------------

TEST(CreateVmConfigTest, WrongTypesAreParseErrors) {
  const std::string prefix = "invalid create VM config JSON: ";
  EXPECT_EQ(error_of("[]"), prefix + "invalid type: sequence, expected struct CreateVmConfig");
  EXPECT_EQ(error_of("null"), prefix + "invalid type: null, expected struct CreateVmConfig");
  EXPECT_EQ(error_of(R"({"cwd":5})"), prefix + "invalid type: integer `5`, expected a string at cwd");
  EXPECT_EQ(error_of(R"({"env":{"A":1}})"), prefix + "invalid type: integer `1`, expected a string at env.A");
  EXPECT_EQ(error_of(R"({"env":["A"]})"), prefix + "invalid type: sequence, expected a map at env");
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"mode":"readonly"}})"),
            prefix + "unknown variant `readonly`, expected `ephemeral` or `read-only` at rootFilesystem.mode");
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"disableDefaultBaseLayer":"yes"}})"),
            prefix + "invalid type: string \"yes\", expected a boolean at rootFilesystem.disableDefaultBaseLayer");
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/a","kind":"fifo"}]}})"),
            prefix +
                "unknown variant `fifo`, expected one of `file`, `directory`, `symlink` at "
                "rootFilesystem.bootstrapEntries[0].kind");
  EXPECT_EQ(
      error_of(R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/a","kind":"file","encoding":"hex"}]}})"),
      prefix + "unknown variant `hex`, expected `utf8` or `base64` at rootFilesystem.bootstrapEntries[0].encoding");
  EXPECT_EQ(error_of(R"({"jsRuntime":{"platform":"deno"}})"),
            prefix +
                "unknown variant `deno`, expected one of `node`, `browser`, `neutral`, `bare` at "
                "jsRuntime.platform");
  EXPECT_EQ(error_of(R"({"jsRuntime":{"moduleResolution":"bundler"}})"),
            prefix +
                "unknown variant `bundler`, expected one of `node`, `relative`, `none` at "
                "jsRuntime.moduleResolution");
  EXPECT_EQ(error_of(R"({"jsRuntime":{"allowedBuiltins":"fs"}})"),
            prefix + "invalid type: string \"fs\", expected a sequence at jsRuntime.allowedBuiltins");
  EXPECT_EQ(error_of(R"({"nativeRoot":{"plugin":{"id":7}}})"),
            prefix + "invalid type: integer `7`, expected a string at nativeRoot.plugin.id");
  EXPECT_EQ(error_of(R"({"dns":{"overrides":{"h":"1.2.3.4"}}})"),
            prefix + "invalid type: string \"1.2.3.4\", expected a sequence at dns.overrides.h");
}

TEST(CreateVmConfigTest, MissingRequiredFieldsAreNamed) {
  const std::string prefix = "invalid create VM config JSON: missing field ";
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"bootstrapEntries":[{"kind":"file"}]}})"),
            prefix + "`path` at rootFilesystem.bootstrapEntries[0]");
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/a"}]}})"),
            prefix + "`kind` at rootFilesystem.bootstrapEntries[0]");
  EXPECT_EQ(error_of(R"({"nativeRoot":{}})"), prefix + "`plugin` at nativeRoot");
  EXPECT_EQ(error_of(R"({"nativeRoot":{"plugin":{}}})"), prefix + "`id` at nativeRoot.plugin");
  EXPECT_EQ(error_of(R"({"permissions":{"network":{"rules":[{"operations":["*"],"patterns":["*"]}]}}})"),
            prefix + "`mode` at permissions.network.rules[0]");
}

TEST(CreateVmConfigTest, LowersAreInternallyTaggedByKind) {
  const std::string prefix = "invalid create VM config JSON: ";
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"lowers":[{"entries":[]}]}})"),
            prefix + "missing field `kind` at rootFilesystem.lowers[0]");
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"lowers":[{"kind":"overlay"}]}})"),
            prefix +
                "unknown variant `overlay`, expected `snapshot` or `bundledBaseFilesystem` at "
                "rootFilesystem.lowers[0]");
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"lowers":[{"kind":1}]}})"),
            prefix + "invalid type: integer `1`, expected variant identifier at rootFilesystem.lowers[0].kind");
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"lowers":["snapshot"]}})"),
            prefix +
                "invalid type: string \"snapshot\", expected internally tagged enum "
                "RootFilesystemLowerDescriptor at rootFilesystem.lowers[0]");
  // `entries` defaults to empty and may precede the tag.
  const CreateVmConfig config = parse_ok(R"({"rootFilesystem":{"lowers":[{"kind":"snapshot"},
      {"entries":[{"path":"/x","kind":"directory"}],"kind":"snapshot"}]}})");
  ASSERT_EQ(config.root_filesystem.lowers.size(), 2u);
  EXPECT_TRUE(config.root_filesystem.lowers[0].entries.empty());
  EXPECT_EQ(config.root_filesystem.lowers[1].entries.at(0).path, "/x");
}

TEST(CreateVmConfigTest, IntegersMustBeNonNegativeWholeNumbersInRange) {
  const std::string prefix = "invalid create VM config JSON: ";
  EXPECT_EQ(error_of(R"({"limits":{"resources":{"maxProcesses":-1}}})"),
            prefix + "invalid value: integer `-1`, expected u64 at limits.resources.maxProcesses");
  EXPECT_EQ(error_of(R"({"limits":{"resources":{"maxProcesses":1.5}}})"),
            prefix + "invalid type: floating point `1.5`, expected u64 at limits.resources.maxProcesses");
  EXPECT_EQ(error_of(R"({"limits":{"resources":{"maxProcesses":2.0}}})"),
            prefix + "invalid type: floating point `2.0`, expected u64 at limits.resources.maxProcesses");
  EXPECT_EQ(error_of(R"({"limits":{"resources":{"maxProcesses":"8"}}})"),
            prefix + "invalid type: string \"8\", expected u64 at limits.resources.maxProcesses");
  EXPECT_EQ(error_of(R"({"limits":{"resources":{"maxProcesses":true}}})"),
            prefix + "invalid type: boolean `true`, expected u64 at limits.resources.maxProcesses");
  EXPECT_NE(error_of(R"({"limits":{"resources":{"maxProcesses":18446744073709551616}}})")
                .find("invalid type: floating point"),
            std::string::npos);
  EXPECT_EQ(parse_ok(R"({"limits":{"resources":{"maxFilesystemBytes":18446744073709551615}}})")
                .limits.resources.max_filesystem_bytes,
            18446744073709551615ull);

  EXPECT_EQ(error_of(R"({"listen":{"portMax":65536}})"),
            prefix + "invalid value: integer `65536`, expected u16 at listen.portMax");
  EXPECT_EQ(error_of(R"({"loopbackExemptPorts":[80,70000]})"),
            prefix + "invalid value: integer `70000`, expected u16 at loopbackExemptPorts[1]");
  EXPECT_EQ(error_of(R"({"loopbackExemptPorts":[-5]})"),
            prefix + "invalid value: integer `-5`, expected u16 at loopbackExemptPorts[0]");
  EXPECT_EQ(error_of(R"({"loopbackExemptPorts":["80"]})"),
            prefix + "invalid type: string \"80\", expected u16 at loopbackExemptPorts[0]");
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/a","kind":"file","uid":4294967296}]}})"),
            prefix + "invalid value: integer `4294967296`, expected u32 at rootFilesystem.bootstrapEntries[0].uid");
  EXPECT_EQ(parse_ok(R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/a","kind":"file","gid":4294967295}]}})")
                .root_filesystem.bootstrap_entries.at(0)
                .gid,
            4294967295u);
}

// ---- JSON text ------------------------------------------------------------------------------------

TEST(CreateVmConfigTest, BlankInputReportsEofLikeTheReference) {
  EXPECT_EQ(error_of(""), "invalid create VM config JSON: EOF while parsing a value at line 1 column 0");
  EXPECT_EQ(error_of(" \n  "), "invalid create VM config JSON: EOF while parsing a value at line 2 column 2");
}

TEST(CreateVmConfigTest, MalformedJsonIsAParseErrorWithPosition) {
  const std::string truncated = error_of("{");
  EXPECT_TRUE(truncated.starts_with("invalid create VM config JSON: parse error at line 1, column 2")) << truncated;
  EXPECT_TRUE(error_of("{} x").starts_with("invalid create VM config JSON: parse error")) << error_of("{} x");
  EXPECT_TRUE(error_of(R"({"cwd":"/a",})").starts_with("invalid create VM config JSON: parse error"));
  EXPECT_TRUE(error_of("{/*c*/}").starts_with("invalid create VM config JSON: parse error"));
  EXPECT_TRUE(error_of("{\"cwd\":\"\xff\"}").starts_with("invalid create VM config JSON: parse error"));
  EXPECT_EQ(error_of("\xEF\xBB\xBF{}"), "invalid create VM config JSON: expected value at line 1 column 1");
  EXPECT_TRUE(
      error_of(R"({"limits":{"resources":{"cpuCount":1e400}}})").starts_with("invalid create VM config JSON: "));
}

TEST(CreateVmConfigTest, NestingIsLimitedLikeSerde) {
  // The document object, nativeRoot and plugin take three levels; config adds the rest. serde accepts
  // 127 levels and reports the 128th opening bracket.
  const std::string prefix = R"({"nativeRoot":{"plugin":{"id":"p","config":)";
  EXPECT_EQ(error_of(prefix + nested_arrays(124) + "}}}"), "");
  EXPECT_EQ(error_of(prefix + nested_arrays(125) + "}}}"),
            "invalid create VM config JSON: recursion limit exceeded at line 1 column " +
                std::to_string(prefix.size() + 125));
  EXPECT_EQ(error_of(nested_arrays(200000)),
            "invalid create VM config JSON: recursion limit exceeded at line 1 column 128");
  // Brackets inside strings do not count.
  EXPECT_EQ(error_of(R"({"env":{"A":")" + std::string(300, '[') + R"(\"["}})"), "");
}

TEST(CreateVmConfigTest, DuplicateStructFieldsAreRejectedButMapsKeepTheLastValue) {
  EXPECT_EQ(error_of(R"({"cwd":"/a","cwd":"/b"})"), "invalid create VM config JSON: duplicate field `cwd`");
  EXPECT_EQ(error_of(R"({"permissions":{"fs":"allow","fs":"deny"}})"),
            "invalid create VM config JSON: duplicate field `fs` at permissions");
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/a","kind":"file"},
              {"path":"/b","path":"/c","kind":"file"}]}})"),
            "invalid create VM config JSON: duplicate field `path` at rootFilesystem.bootstrapEntries[1]");
  EXPECT_EQ(parse_ok(R"({"env":{"A":"1","A":"2"}})").env.at("A"), "2");
  EXPECT_EQ(parse_ok(R"({"nativeRoot":{"plugin":{"id":"p","config":{"k":1,"k":2}}}})").native_root->plugin_config_json,
            R"({"k":2})");
}

TEST(CreateVmConfigTest, FirstProblemInDocumentOrderIsReported) {
  EXPECT_EQ(error_of(R"({"surprise":1,"cwd":5})"),
            "invalid create VM config JSON: unknown field `surprise`, expected one of `cwd`, `env`, "
            "`rootFilesystem`, `permissions`, `limits`, `dns`, `nativeRoot`, `listen`, `loopbackExemptPorts`, "
            "`jsRuntime`");
  EXPECT_EQ(error_of(R"({"cwd":5,"surprise":1})"),
            "invalid create VM config JSON: invalid type: integer `5`, expected a string at cwd");
}

// ---- CreateVmConfig.validate (s6.2) ---------------------------------------------------------------

struct ValidationCase {
  const char* json;
  const char* message;  // after "invalid create VM config: "
};

class ValidationTest : public testing::TestWithParam<ValidationCase> {};

TEST_P(ValidationTest, RejectsWithTheReferenceMessage) {
  EXPECT_EQ(error_of(GetParam().json), std::string("invalid create VM config: ") + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Messages, ValidationTest,
    testing::Values(
        ValidationCase{R"({"cwd":"workspace"})", "cwd must be absolute"},
        ValidationCase{R"({"cwd":""})", "cwd must be absolute"},
        ValidationCase{R"({"cwd":"/a/../b"})", "cwd must not contain '..'"},
        ValidationCase{R"({"cwd":"/a/.."})", "cwd must not contain '..'"},
        ValidationCase{R"({"rootFilesystem":{"bootstrapEntries":[{"path":"etc","kind":"directory"}]}})",
                       "root filesystem entry path must be absolute"},
        ValidationCase{R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/etc/../x","kind":"directory"}]}})",
                       "root filesystem entry path must not contain '..'"},
        ValidationCase{
            R"({"rootFilesystem":{"lowers":[{"kind":"snapshot","entries":[{"path":"rel","kind":"file"}]}]}})",
            "root filesystem entry path must be absolute"},
        ValidationCase{R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/f","kind":"file","target":"/x"}]}})",
                       "file entry /f must not include target"},
        ValidationCase{R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/d","kind":"directory","content":""}]}})",
                       "directory entry /d must not include content, encoding, or target"},
        ValidationCase{
            R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/d","kind":"directory","encoding":"utf8"}]}})",
            "directory entry /d must not include content, encoding, or target"},
        ValidationCase{R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/d","kind":"directory","target":"/"}]}})",
                       "directory entry /d must not include content, encoding, or target"},
        ValidationCase{R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/l","kind":"symlink"}]}})",
                       "symlink entry /l requires target"},
        ValidationCase{R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/l","kind":"symlink","target":""}]}})",
                       "symlink entry /l requires target"},
        ValidationCase{
            R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/l","kind":"symlink","target":"/t","content":"x"}]}})",
            "symlink entry /l must not include content or encoding"},
        ValidationCase{R"({"nativeRoot":{"plugin":{"id":"  "}}})", "nativeRoot.plugin.id is required"},
        ValidationCase{R"({"nativeRoot":{"plugin":{"id":"p"}},
                          "rootFilesystem":{"bootstrapEntries":[{"path":"/d","kind":"directory"}]}})",
                       "nativeRoot does not support rootFilesystem.bootstrapEntries"},
        ValidationCase{R"({"dns":{"nameServers":["1.1.1.1"," "]}})", "dns.nameServers entries must not be empty"},
        ValidationCase{R"({"dns":{"overrides":{"":["1.1.1.1"]}}})", "dns.overrides keys must not be empty"},
        ValidationCase{R"({"dns":{"overrides":{"a.test":[]}}})",
                       "dns.overrides.a.test must contain at least one address"},
        ValidationCase{R"({"listen":{"portMin":0}})", "listen.portMin must be between 1 and 65535"},
        ValidationCase{R"({"listen":{"portMax":0}})", "listen.portMax must be between 1 and 65535"},
        ValidationCase{R"({"listen":{"portMin":5000,"portMax":4000}})", "listen.portMin must be <= listen.portMax"},
        ValidationCase{R"({"limits":{"http":{"maxFetchResponseBytes":0}}})",
                       "limits.http.maxFetchResponseBytes must be greater than zero"},
        ValidationCase{R"({"limits":{"http":{"maxFetchResponseBytes":16777217}}})",
                       "limits.http.maxFetchResponseBytes (16777217) must be <= the sidecar wire frame cap (16777216)"},
        ValidationCase{R"({"limits":{"tools":{"defaultToolTimeoutMs":10,"maxToolTimeoutMs":5}}})",
                       "limits.tools.defaultToolTimeoutMs must be <= limits.tools.maxToolTimeoutMs"},
        ValidationCase{R"({"jsRuntime":{"platform":"browser","allowedBuiltins":[]}})",
                       "jsRuntime.allowedBuiltins is only valid when jsRuntime.platform is \"node\""},
        ValidationCase{R"({"jsRuntime":{"allowedBuiltins":["path","nope"]}})",
                       "jsRuntime.allowedBuiltins contains unknown builtin \"nope\""},
        ValidationCase{R"({"jsRuntime":{"allowedBuiltins":["node:"]}})",
                       "jsRuntime.allowedBuiltins contains unknown builtin \"node:\""},
        ValidationCase{R"({"jsRuntime":{"allowedBuiltins":["say \"hi\"\n"]}})",
                       "jsRuntime.allowedBuiltins contains unknown builtin \"say \\\"hi\\\"\\n\""}));

TEST(CreateVmConfigTest, PathsWithDotsThatAreNotParentSegmentsAreAccepted) {
  EXPECT_EQ(error_of(R"({"cwd":"/a/...b/..c/./d"})"), "");
  EXPECT_EQ(error_of(R"({"cwd":"/"})"), "");
  EXPECT_EQ(error_of(R"({"rootFilesystem":{"bootstrapEntries":[{"path":"/x..y","kind":"directory"}]}})"), "");
}

TEST(CreateVmConfigTest, EveryKnownBuiltinIsAcceptedWithOrWithoutNodePrefix) {
  for (const char* name : {"assert", "dns/promises", "fs/promises", "path/win32", "sqlite", "stream/web",
                           "timers/promises", "util/types", "wasi", "worker_threads", "zlib"}) {
    EXPECT_EQ(error_of(std::string(R"({"jsRuntime":{"allowedBuiltins":[")") + name + R"("]}})"), "") << name;
    EXPECT_EQ(error_of(std::string(R"({"jsRuntime":{"allowedBuiltins":["node:)") + name + R"("]}})"), "") << name;
  }
}

TEST(CreateVmConfigTest, ValidationRunsInTheReferenceOrder) {
  // cwd, entries, nativeRoot, dns, listen, limits, jsRuntime; then permissions; then sidecar checks.
  EXPECT_EQ(error_of(R"({"jsRuntime":{"allowedBuiltins":["nope"]},"listen":{"portMin":0},"cwd":"rel"})"),
            "invalid create VM config: cwd must be absolute");
  EXPECT_EQ(error_of(R"({"jsRuntime":{"allowedBuiltins":["nope"]},"listen":{"portMin":0}})"),
            "invalid create VM config: listen.portMin must be between 1 and 65535");
  EXPECT_EQ(error_of(R"({"dns":{"nameServers":[""]},"nativeRoot":{"plugin":{"id":""}}})"),
            "invalid create VM config: nativeRoot.plugin.id is required");
  EXPECT_EQ(error_of(R"({"permissions":{"fs":{"rules":[{"mode":"allow"}]}},"cwd":"rel"})"),
            "invalid create VM config: cwd must be absolute");
  EXPECT_EQ(error_of(R"({"permissions":{"fs":{"rules":[{"mode":"allow"}]}},
                         "limits":{"acp":{"maxReadLineBytes":0}}})"),
            "invalid permissions policy: fs.rules[0].operations must not be empty; use [\"*\"] for wildcard");
  EXPECT_EQ(error_of(R"({"limits":{"acp":{"maxReadLineBytes":0}},"dns":{"nameServers":["bogus"]}})"),
            "limits.acp.max_read_line_bytes must be greater than zero");
  EXPECT_EQ(error_of(R"({"dns":{"nameServers":["bogus"]},"nativeRoot":{"plugin":{"id":"p"}},
                         "rootFilesystem":{"lowers":[{"kind":"bundledBaseFilesystem"}]}})"),
            "invalid network.dns.servers entry bogus; expected IP or IP:port");
}

// ---- Permissions inside the config ----------------------------------------------------------------

TEST(CreateVmConfigTest, PermissionRuleListsMustNotBeEmpty) {
  EXPECT_EQ(error_of(R"({"permissions":{"fs":{"rules":[{"mode":"deny","operations":[],"paths":["/x"]}]}}})"),
            "invalid permissions policy: fs.rules[0].operations must not be empty; use [\"*\"] for wildcard");
  EXPECT_EQ(error_of(R"({"permissions":{"childProcess":{"rules":[{"mode":"deny","operations":["spawn"]}]}}})"),
            "invalid permissions policy: child_process.rules[0].patterns must not be empty; use [\"*\"] for wildcard");
}

TEST(CreateVmConfigTest, PermissionScopeShapeErrorsCarryTheirPath) {
  EXPECT_EQ(error_of(R"({"permissions":{"fs":"maybe"}})"),
            "invalid create VM config JSON: data did not match any variant of untagged enum FsPermissionScope at "
            "permissions.fs");
  EXPECT_EQ(error_of(R"({"permissions":{"binding":true}})"),
            "invalid create VM config JSON: data did not match any variant of untagged enum PatternPermissionScope at "
            "permissions.binding");
}

// ---- Limits (s6.4) --------------------------------------------------------------------------------

TEST(CreateVmConfigTest, LimitDefaultsMatchTheSpec) {
  const Limits limits = parse_ok(R"({"limits":{}})").limits;
  EXPECT_EQ(limits.resources.cpu_count, 1u);
  EXPECT_EQ(limits.resources.max_processes, 256u);
  EXPECT_EQ(limits.resources.max_filesystem_bytes, 64u * 1024 * 1024);
  EXPECT_EQ(limits.resources.max_inode_count, 16384u);
  EXPECT_FALSE(limits.resources.max_wasm_fuel.has_value());
  EXPECT_FALSE(limits.resources.max_wasm_stack_bytes.has_value());
  EXPECT_EQ(limits.http.max_fetch_response_bytes, 16u * 1024 * 1024);
  EXPECT_EQ(limits.tools.default_tool_timeout_ms, 30000u);
  EXPECT_EQ(limits.tools.max_tool_timeout_ms, 300000u);
  EXPECT_EQ(limits.plugins.max_persisted_manifest_file_bytes, 1024u * 1024 * 1024);
  EXPECT_EQ(limits.js_runtime.v8_heap_limit_mb, 128u);
  EXPECT_FALSE(limits.js_runtime.sync_rpc_wait_timeout_ms.has_value());
  EXPECT_EQ(limits.python.execution_timeout_ms, 300000u);
  EXPECT_EQ(limits.wasm.max_module_file_bytes, 256u * 1024 * 1024);
}

TEST(CreateVmConfigTest, EveryLimitLeafCanBeOverridden) {
  const CreateVmConfig config = parse_ok(R"json({"limits":{
    "resources":{"cpuCount":2,"maxProcesses":3,"maxOpenFds":4,"maxPipes":5,"maxPtys":6,"maxSockets":7,
      "maxConnections":8,"maxSocketBufferedBytes":9,"maxSocketDatagramQueueLen":10,"maxFilesystemBytes":11,
      "maxInodeCount":12,"maxBlockingReadMs":13,"maxPreadBytes":14,"maxFdWriteBytes":15,"maxProcessArgvBytes":16,
      "maxProcessEnvBytes":17,"maxReaddirEntries":18,"maxWasmFuel":19,"maxWasmMemoryBytes":20,"maxWasmStackBytes":21},
    "http":{"maxFetchResponseBytes":22},
    "tools":{"defaultToolTimeoutMs":23,"maxToolTimeoutMs":24,"maxRegisteredToolkits":25,"maxRegisteredToolsPerVm":26,
      "maxToolsPerToolkit":27,"maxToolSchemaBytes":28,"maxToolExamplesPerTool":29,"maxToolExampleInputBytes":30},
    "plugins":{"maxPersistedManifestBytes":31,"maxPersistedManifestFileBytes":32},
    "acp":{"maxReadLineBytes":33,"stdoutBufferByteLimit":34},
    "jsRuntime":{"v8HeapLimitMb":35,"syncRpcWaitTimeoutMs":36,"capturedOutputLimitBytes":37,
      "stdinBufferLimitBytes":38,"eventPayloadLimitBytes":39,"v8IpcMaxFrameBytes":40},
    "python":{"outputBufferMaxBytes":41,"executionTimeoutMs":42,"maxOldSpaceMb":43,"vfsRpcTimeoutMs":44},
    "wasm":{"maxModuleFileBytes":45,"capturedOutputLimitBytes":46,"syncReadLimitBytes":47}}})json");
  Limits expected;
  expected.resources = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21};
  expected.http = {22};
  expected.tools = {23, 24, 25, 26, 27, 28, 29, 30};
  expected.plugins = {31, 32};
  expected.acp = {33, 34};
  expected.js_runtime = {35, 36, 37, 38, 39, 40};
  expected.python = {41, 42, 43, 44};
  expected.wasm = {45, 46, 47};
  EXPECT_EQ(config.limits, expected);
}

TEST(CreateVmConfigTest, LimitsThatMayBeZeroAreAccepted) {
  const Limits limits = parse_ok(R"({"limits":{"resources":{"cpuCount":0,"maxWasmFuel":0},
      "tools":{"maxToolExamplesPerTool":0},"plugins":{"maxPersistedManifestFileBytes":0},
      "python":{"maxOldSpaceMb":0},"jsRuntime":{"syncRpcWaitTimeoutMs":0}}})")
                            .limits;
  EXPECT_EQ(limits.resources.cpu_count, 0u);
  EXPECT_EQ(limits.resources.max_wasm_fuel, 0u);
  EXPECT_EQ(limits.js_runtime.sync_rpc_wait_timeout_ms, 0u);
}

struct ZeroLimitCase {
  const char* group;
  const char* key;
  const char* message;
};

class ZeroLimitTest : public testing::TestWithParam<ZeroLimitCase> {};

TEST_P(ZeroLimitTest, IsRejectedWithTheSnakeCaseName) {
  const std::string json = std::string(R"({"limits":{")") + GetParam().group + R"(":{")" + GetParam().key + R"(":0}}})";
  EXPECT_EQ(error_of(json), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    CrossChecks, ZeroLimitTest,
    testing::Values(
        ZeroLimitCase{"tools", "maxRegisteredToolkits",
                      "limits.tools.max_registered_toolkits must be greater than zero"},
        ZeroLimitCase{"tools", "maxRegisteredToolsPerVm",
                      "limits.tools.max_registered_tools_per_vm must be greater than zero"},
        ZeroLimitCase{"tools", "maxToolsPerToolkit", "limits.tools.max_tools_per_toolkit must be greater than zero"},
        ZeroLimitCase{"tools", "maxToolSchemaBytes", "limits.tools.max_tool_schema_bytes must be greater than zero"},
        ZeroLimitCase{"tools", "maxToolExampleInputBytes",
                      "limits.tools.max_tool_example_input_bytes must be greater than zero"},
        ZeroLimitCase{"plugins", "maxPersistedManifestBytes",
                      "limits.plugins.max_persisted_manifest_bytes must be greater than zero"},
        ZeroLimitCase{"acp", "maxReadLineBytes", "limits.acp.max_read_line_bytes must be greater than zero"},
        ZeroLimitCase{"acp", "stdoutBufferByteLimit", "limits.acp.stdout_buffer_byte_limit must be greater than zero"},
        ZeroLimitCase{"jsRuntime", "capturedOutputLimitBytes",
                      "limits.js_runtime.captured_output_limit_bytes must be greater than zero"},
        ZeroLimitCase{"jsRuntime", "stdinBufferLimitBytes",
                      "limits.js_runtime.stdin_buffer_limit_bytes must be greater than zero"},
        ZeroLimitCase{"jsRuntime", "eventPayloadLimitBytes",
                      "limits.js_runtime.event_payload_limit_bytes must be greater than zero"},
        ZeroLimitCase{"jsRuntime", "v8IpcMaxFrameBytes",
                      "limits.js_runtime.v8_ipc_max_frame_bytes must be greater than zero"},
        ZeroLimitCase{"jsRuntime", "v8HeapLimitMb", "limits.js_runtime.v8_heap_limit_mb must be greater than zero"},
        ZeroLimitCase{"python", "outputBufferMaxBytes",
                      "limits.python.output_buffer_max_bytes must be greater than zero"},
        ZeroLimitCase{"python", "executionTimeoutMs", "limits.python.execution_timeout_ms must be greater than zero"},
        ZeroLimitCase{"python", "vfsRpcTimeoutMs", "limits.python.vfs_rpc_timeout_ms must be greater than zero"},
        ZeroLimitCase{"wasm", "capturedOutputLimitBytes",
                      "limits.wasm.captured_output_limit_bytes must be greater than zero"},
        ZeroLimitCase{"wasm", "syncReadLimitBytes", "limits.wasm.sync_read_limit_bytes must be greater than zero"},
        ZeroLimitCase{"wasm", "maxModuleFileBytes", "limits.wasm.max_module_file_bytes must be greater than zero"}));

TEST(CreateVmConfigTest, ToolTimeoutsAgainstADefaultUseTheSidecarMessage) {
  EXPECT_EQ(error_of(R"({"limits":{"tools":{"defaultToolTimeoutMs":400000}}})"),
            "limits.tools.default_tool_timeout_ms (400000) must be <= limits.tools.max_tool_timeout_ms (300000)");
  EXPECT_EQ(error_of(R"({"limits":{"tools":{"maxToolTimeoutMs":1000}}})"),
            "limits.tools.default_tool_timeout_ms (30000) must be <= limits.tools.max_tool_timeout_ms (1000)");
  EXPECT_EQ(error_of(R"({"limits":{"tools":{"defaultToolTimeoutMs":5,"maxToolTimeoutMs":5}}})"), "");
}

TEST(CreateVmConfigTest, ThirtyTwoBitLimitsMustFit) {
  EXPECT_EQ(error_of(R"({"limits":{"jsRuntime":{"v8HeapLimitMb":4294967296}}})"),
            "limits.jsRuntime.v8HeapLimitMb value 4294967296 does not fit this platform");
  EXPECT_EQ(error_of(R"({"limits":{"jsRuntime":{"v8IpcMaxFrameBytes":4294967296}}})"),
            "limits.jsRuntime.v8IpcMaxFrameBytes value 4294967296 does not fit this platform");
  EXPECT_EQ(parse_ok(R"({"limits":{"jsRuntime":{"v8HeapLimitMb":4294967295}}})").limits.js_runtime.v8_heap_limit_mb,
            4294967295u);
}

TEST(CreateVmConfigTest, FetchLimitAtTheFrameCapIsAccepted) {
  EXPECT_EQ(parse_ok(R"({"limits":{"http":{"maxFetchResponseBytes":16777216}}})").limits.http.max_fetch_response_bytes,
            16777216u);
}

// ---- dns (s6.5) -----------------------------------------------------------------------------------

TEST(CreateVmConfigTest, NameServersAreParsedWithDefaultPort53) {
  const CreateVmConfig config =
      parse_ok(R"({"dns":{"nameServers":["8.8.8.8","1.1.1.1:5353","[2001:db8::1]:853","::1","0.0.0.0:00053"]}})");
  const auto& servers = config.dns->parsed_name_servers;
  ASSERT_EQ(servers.size(), 5u);
  EXPECT_EQ(servers[0].address.to_string(), "8.8.8.8");
  EXPECT_EQ(servers[0].address.family, IpAddress::Family::V4);
  EXPECT_EQ(servers[0].port, 53);
  EXPECT_EQ(servers[1].address.to_string(), "1.1.1.1");
  EXPECT_EQ(servers[1].port, 5353);
  EXPECT_EQ(servers[2].address.to_string(), "2001:db8::1");
  EXPECT_EQ(servers[2].address.family, IpAddress::Family::V6);
  EXPECT_EQ(servers[2].port, 853);
  EXPECT_EQ(servers[3].address.to_string(), "::1");
  EXPECT_EQ(servers[3].port, 53);
  EXPECT_EQ(servers[4].port, 53);
}

TEST(CreateVmConfigTest, BadNameServersAreRejected) {
  for (const char* server : {"dns.google", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1", "[1.2.3.4]:53", "::1]:53",
                             "2001:db8::1:53x", "01.2.3.4", "1.2.3", " 1.2.3.4", "[::1]"}) {
    EXPECT_EQ(error_of(std::string(R"({"dns":{"nameServers":[")") + server + R"("]}})"),
              std::string("invalid network.dns.servers entry ") + server + "; expected IP or IP:port")
        << server;
  }
}

TEST(CreateVmConfigTest, OverrideHostnamesAreNormalisedAndAddressesParsed) {
  const CreateVmConfig config =
      parse_ok(R"({"dns":{"overrides":{" Example.TEST.. ":["10.0.0.1","fe80::1"],"b.test":["192.0.2.7"]}}})");
  const auto& overrides = config.dns->parsed_overrides;
  ASSERT_EQ(overrides.size(), 2u);
  ASSERT_EQ(overrides.at("example.test").size(), 2u);
  EXPECT_EQ(overrides.at("example.test")[0].to_string(), "10.0.0.1");
  EXPECT_EQ(overrides.at("example.test")[1].to_string(), "fe80::1");
  EXPECT_EQ(overrides.at("b.test").at(0).to_string(), "192.0.2.7");
  // The raw form is kept as written.
  EXPECT_TRUE(config.dns->overrides.contains(" Example.TEST.. "));
}

TEST(CreateVmConfigTest, BadOverridesAreRejected) {
  EXPECT_EQ(error_of(R"({"dns":{"overrides":{"a.test":["10.0.0.1","nope"]}}})"),
            "invalid DNS override a.test=nope: invalid IP address syntax");
  EXPECT_EQ(error_of(R"({"dns":{"overrides":{"..":["10.0.0.1"]}}})"), "DNS hostname must not be empty");
}

// ---- nativeRoot (s6.7) ----------------------------------------------------------------------------

TEST(CreateVmConfigTest, NativeRootRejectsLowers) {
  EXPECT_EQ(error_of(R"({"nativeRoot":{"plugin":{"id":"p"}},"rootFilesystem":{"lowers":[{"kind":"snapshot"}]}})"),
            "native root filesystems do not support rootFilesystem.lowers");
}

// ---- peer-behaviour.md s5 -------------------------------------------------------------------------

TEST(CreateVmConfigTest, PeerBehaviourExamples) {
  EXPECT_EQ(error_of(""), "invalid create VM config JSON: EOF while parsing a value at line 1 column 0");
  EXPECT_TRUE(error_of(R"({"surprise":1})").starts_with("invalid create VM config JSON: unknown field `surprise`"));
  EXPECT_EQ(error_of(R"({"cwd":"relative/dir"})"), "invalid create VM config: cwd must be absolute");
  EXPECT_EQ(error_of(R"({"cwd":"/tmp/../etc"})"), "invalid create VM config: cwd must not contain '..'");
  EXPECT_EQ(error_of(R"({"jsRuntime":{"allowedBuiltins":["nope"]}})"),
            "invalid create VM config: jsRuntime.allowedBuiltins contains unknown builtin \"nope\"");
  EXPECT_EQ(error_of(R"({"permissions":{"fs":{"rules":[{"mode":"allow","operations":[],"paths":["/**"]}]}}})"),
            "invalid permissions policy: fs.rules[0].operations must not be empty; use [\"*\"] for wildcard");

  const CreateVmConfig accepted = parse_ok(R"json({
    "rootFilesystem": {"mode": "read-only", "bootstrapEntries": [{"path": "/data/x.txt", "kind": "file", "content": "x"}]},
    "limits": {"resources": {"maxProcesses": 16}},
    "env": {"FOO": "bar"},
    "jsRuntime": {"platform": "node"},
    "permissions": {"fs":"allow","network":"allow","childProcess":"allow","process":"allow","env":"allow","binding":"allow"}
  })json");
  EXPECT_EQ(accepted.permissions, PermissionsPolicy::allow_all());
  EXPECT_EQ(accepted.root_filesystem.mode, RootFilesystemMode::ReadOnly);
  EXPECT_EQ(accepted.limits.resources.max_processes, 16u);
}

// ---- IP literals ----------------------------------------------------------------------------------

TEST(IpAddressTest, ParsesOnlyStrictLiterals) {
  ASSERT_TRUE(parse_ip_address("127.0.0.1").has_value());
  EXPECT_EQ(parse_ip_address("127.0.0.1")->bytes[0], 127);
  EXPECT_EQ(parse_ip_address("::ffff:1.2.3.4")->to_string(), "::ffff:1.2.3.4");
  EXPECT_EQ(parse_ip_address("2001:DB8::A")->to_string(), "2001:db8::a");
  for (const char* bad : {"", "1.2.3.4.5", "256.0.0.1", "01.0.0.1", "fe80::1%eth0", "1.2.3.4 ", "localhost"}) {
    EXPECT_FALSE(parse_ip_address(bad).has_value()) << bad;
  }
  EXPECT_FALSE(parse_ip_address(std::string_view("1.2.3.4\0", 8)).has_value());
}

}  // namespace
}  // namespace se::config
