// The layer requests (spec/protocol.md s3.8: CreateLayer, SealLayer, ImportSnapshot, ExportSnapshot,
// CreateOverlay) mapped onto a VM's kernel LayerStore. Store failures are invalid_state with the
// store's message; imported entries convert as BootstrapRootFilesystem's do (base64 errors are
// invalid_state), exported ones as SnapshotRootFilesystem's.
// Thread-safety: not thread-safe; called by the dispatcher with the VM's state serialised.
#pragma once

#include <type_traits>

#include "kernel/layer_store.h"
#include "service/rejection.h"
#include "wire/protocol.h"

namespace se::service {

template <typename Payload>
inline constexpr bool kIsLayerRequest =
    std::is_same_v<Payload, wire::CreateLayerRequest> || std::is_same_v<Payload, wire::SealLayerRequest> ||
    std::is_same_v<Payload, wire::ImportSnapshotRequest> || std::is_same_v<Payload, wire::ExportSnapshotRequest> ||
    std::is_same_v<Payload, wire::CreateOverlayRequest>;

Handled<wire::ResponsePayload> handle_layer_request(kernel::LayerStore& store, const wire::CreateLayerRequest& request);
Handled<wire::ResponsePayload> handle_layer_request(kernel::LayerStore& store, const wire::SealLayerRequest& request);
Handled<wire::ResponsePayload> handle_layer_request(kernel::LayerStore& store,
                                                    const wire::ImportSnapshotRequest& request);
Handled<wire::ResponsePayload> handle_layer_request(kernel::LayerStore& store,
                                                    const wire::ExportSnapshotRequest& request);
Handled<wire::ResponsePayload> handle_layer_request(kernel::LayerStore& store,
                                                    const wire::CreateOverlayRequest& request);

}  // namespace se::service
