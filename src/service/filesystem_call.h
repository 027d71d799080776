// GuestFilesystemCall (spec/protocol.md s3.9): one host filesystem operation on a VM's kernel
// filesystem, subject to the VM's fs policy and limits. Thread-safety: caller serialises per VM.
#pragma once

#include "service/rejection.h"
#include "service/vm.h"
#include "wire/protocol.h"

namespace se::service {

Handled<wire::GuestFilesystemResultResponse> handle_guest_filesystem_call(
    Vm& vm, const wire::GuestFilesystemCallRequest& request);

}  // namespace se::service
