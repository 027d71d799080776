// Resource and runtime limits of one VM (CreateVmConfig `limits`, spec/protocol.md s6.4), with the
// reference's defaults. std::nullopt means "unbounded" where the spec allows that.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>

namespace se::config {

inline constexpr uint64_t kKiB = 1024;
inline constexpr uint64_t kMiB = 1024 * 1024;

// limits.resources: enforced by the kernel.
struct ResourceLimits {
  uint64_t cpu_count = 1;
  uint64_t max_processes = 256;
  uint64_t max_open_fds = 256;
  uint64_t max_pipes = 128;
  uint64_t max_ptys = 128;
  uint64_t max_sockets = 256;
  uint64_t max_connections = 256;
  uint64_t max_socket_buffered_bytes = 4 * kMiB;
  uint64_t max_socket_datagram_queue_len = 1024;
  uint64_t max_filesystem_bytes = 64 * kMiB;
  uint64_t max_inode_count = 16384;
  uint64_t max_blocking_read_ms = 5000;
  uint64_t max_pread_bytes = 64 * kMiB;
  uint64_t max_fd_write_bytes = 64 * kMiB;
  uint64_t max_process_argv_bytes = 1 * kMiB;
  uint64_t max_process_env_bytes = 1 * kMiB;
  uint64_t max_readdir_entries = 4096;
  std::optional<uint64_t> max_wasm_fuel;
  uint64_t max_wasm_memory_bytes = 128 * kMiB;
  std::optional<uint64_t> max_wasm_stack_bytes;
  bool operator==(const ResourceLimits&) const = default;
};

struct HttpLimits {
  uint64_t max_fetch_response_bytes = 16 * kMiB;
  bool operator==(const HttpLimits&) const = default;
};

struct ToolLimits {
  uint64_t default_tool_timeout_ms = 30000;
  uint64_t max_tool_timeout_ms = 300000;
  uint64_t max_registered_toolkits = 64;
  uint64_t max_registered_tools_per_vm = 256;
  uint64_t max_tools_per_toolkit = 64;
  uint64_t max_tool_schema_bytes = 16 * kKiB;
  uint64_t max_tool_examples_per_tool = 16;
  uint64_t max_tool_example_input_bytes = 4 * kKiB;
  bool operator==(const ToolLimits&) const = default;
};

struct PluginLimits {
  uint64_t max_persisted_manifest_bytes = 64 * kMiB;
  uint64_t max_persisted_manifest_file_bytes = 1024 * kMiB;
  bool operator==(const PluginLimits&) const = default;
};

struct AcpLimits {
  uint64_t max_read_line_bytes = 16 * kMiB;
  uint64_t stdout_buffer_byte_limit = 1 * kMiB;
  bool operator==(const AcpLimits&) const = default;
};

struct JsRuntimeLimits {
  uint64_t v8_heap_limit_mb = 128;
  std::optional<uint64_t> sync_rpc_wait_timeout_ms;
  uint64_t captured_output_limit_bytes = 16 * kMiB;
  uint64_t stdin_buffer_limit_bytes = 16 * kMiB;
  uint64_t event_payload_limit_bytes = 1 * kMiB;
  uint64_t v8_ipc_max_frame_bytes = 64 * kMiB;
  bool operator==(const JsRuntimeLimits&) const = default;
};

struct PythonLimits {
  uint64_t output_buffer_max_bytes = 1 * kMiB;
  uint64_t execution_timeout_ms = 300000;
  uint64_t max_old_space_mb = 0;  // 0 = engine default
  uint64_t vfs_rpc_timeout_ms = 30000;
  bool operator==(const PythonLimits&) const = default;
};

struct WasmLimits {
  uint64_t max_module_file_bytes = 256 * kMiB;
  uint64_t captured_output_limit_bytes = 16 * kMiB;
  uint64_t sync_read_limit_bytes = 16 * kMiB;
  bool operator==(const WasmLimits&) const = default;
};

struct Limits {
  ResourceLimits resources;
  HttpLimits http;
  ToolLimits tools;
  PluginLimits plugins;
  AcpLimits acp;
  JsRuntimeLimits js_runtime;
  PythonLimits python;
  WasmLimits wasm;
  bool operator==(const Limits&) const = default;
};

}  // namespace se::config
