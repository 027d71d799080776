#include "service/terminal_extension.h"

#include <nlohmann/json.hpp>
#include <string>

namespace se::service {
namespace {

using nlohmann::json;

Handled<std::string> string_field(const json& payload, const char* name) {
  auto found = payload.find(name);
  if (found == payload.end() || !found->is_string() || found->get_ref<const std::string&>().empty()) {
    return reject("invalid_payload", std::string("terminal request field \"") + name + "\" must be a non-empty string");
  }
  return found->get<std::string>();
}

Handled<uint16_t> size_field(const json& payload, const char* name) {
  auto found = payload.find(name);
  if (found == payload.end() || !found->is_number_integer() || *found < 1 || *found > 65535) {
    return reject("invalid_payload",
                  std::string("terminal request field \"") + name + "\" must be an integer from 1 to 65535");
  }
  return found->get<uint16_t>();
}

Handled<kernel::WindowSize> window_size(const json& payload) {
  kernel::WindowSize size;
  size.rows = TRY_HANDLED(size_field(payload, "rows"));
  size.cols = TRY_HANDLED(size_field(payload, "cols"));
  return size;
}

wire::ExtEnvelope result(const json& value) {
  const std::string text = value.dump();
  return wire::ExtEnvelope{.namespace_ = std::string(kTerminalExtensionNamespace),
                           .payload = wire::Bytes(text.begin(), text.end())};
}

}  // namespace

Handled<wire::ExtEnvelope> handle_terminal_extension(Execution& execution, const wire::ExtEnvelope& request) {
  const json payload = json::parse(request.payload.begin(), request.payload.end(), nullptr, false);
  if (payload.is_discarded() || !payload.is_object()) {
    return reject("invalid_payload", "terminal request payload must be a JSON object");
  }
  const std::string op = TRY_HANDLED(string_field(payload, "op"));
  if (op != "open" && op != "resize") {
    return reject("unknown_operation", "unknown terminal operation \"" + op + "\" (expected open or resize)");
  }
  const std::string process_id = TRY_HANDLED(string_field(payload, "processId"));
  const kernel::WindowSize size = TRY_HANDLED(window_size(payload));
  if (op == "open") {
    TRY_HANDLED(execution.open_terminal(process_id, size));
  } else {
    TRY_HANDLED(execution.resize_terminal(process_id, size));
  }
  return result({{"op", op}, {"processId", process_id}, {"rows", size.rows}, {"cols", size.cols}});
}

}  // namespace se::service
