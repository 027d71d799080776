#include "service/layer_requests.h"

#include <utility>

#include "service/wire_mapping.h"

namespace se::service {

namespace {

template <typename T>
Handled<T> stored(ErrorOr<T> result) {
  if (result) return std::move(result).value();
  const Error& error = result.error();
  if (error.errno_code == 0) return invalid_state(error.message);
  return kernel_error(error);
}

config::RootFilesystemMode mode_from_wire(wire::RootFilesystemMode mode) {
  return mode == wire::RootFilesystemMode::READ_ONLY ? config::RootFilesystemMode::ReadOnly
                                                     : config::RootFilesystemMode::Ephemeral;
}

}  // namespace

Handled<wire::ResponsePayload> handle_layer_request(kernel::LayerStore& store, const wire::CreateLayerRequest&) {
  return wire::LayerCreatedResponse{.layer_id = TRY_HANDLED(stored(store.create_layer()))};
}

Handled<wire::ResponsePayload> handle_layer_request(kernel::LayerStore& store, const wire::SealLayerRequest& request) {
  return wire::LayerSealedResponse{.layer_id = TRY_HANDLED(stored(store.seal_layer(request.layer_id)))};
}

Handled<wire::ResponsePayload> handle_layer_request(kernel::LayerStore& store,
                                                    const wire::ImportSnapshotRequest& request) {
  std::vector<kernel::SnapshotEntry> entries;
  entries.reserve(request.entries.size());
  for (const auto& entry : request.entries) {
    entries.push_back(TRY_HANDLED(stored(kernel::snapshot_entry(entry_from_wire(entry)))));
  }
  return wire::SnapshotImportedResponse{.layer_id = TRY_HANDLED(stored(store.import_snapshot(std::move(entries))))};
}

Handled<wire::ResponsePayload> handle_layer_request(kernel::LayerStore& store,
                                                    const wire::ExportSnapshotRequest& request) {
  const std::vector<kernel::SnapshotEntry> entries = TRY_HANDLED(stored(store.export_snapshot(request.layer_id)));
  wire::SnapshotExportedResponse response{.layer_id = request.layer_id, .entries = {}};
  response.entries.reserve(entries.size());
  for (const kernel::SnapshotEntry& entry : entries) response.entries.push_back(entry_to_wire(entry));
  return response;
}

Handled<wire::ResponsePayload> handle_layer_request(kernel::LayerStore& store,
                                                    const wire::CreateOverlayRequest& request) {
  return wire::OverlayCreatedResponse{
      .layer_id = TRY_HANDLED(
          stored(store.create_overlay(mode_from_wire(request.mode), request.upper_layer_id, request.lower_layer_ids)))};
}

}  // namespace se::service
