// The natives behind guest/net.js and guest/dgram.js (net_natives.cc): one thin callback per
// GuestSystem socket call.
// Thread-safety: callbacks run on the isolate's thread.
#pragma once

#include <span>

#include "runtime/js/native_bindings.h"

namespace se::runtime::js {

// Installed on the `native` object and listed as snapshot external references after the core
// table, like kernel_natives().
std::span<const NativeFunction> net_natives();

}  // namespace se::runtime::js
