// One V8 isolate restored from the embedded startup snapshot, with its context (the bootstrap
// already evaluated), the bootstrap's host-entry object, its foreground task queue and its
// ArrayBuffer allocator. This is the unit the warm pool prepares ahead of time.
// Thread-safety: confined to the thread that created it (it enters the isolate there and
// disposes it in the destructor on the same thread).
#pragma once

#include <v8-context.h>
#include <v8-isolate.h>
#include <v8-object.h>
#include <v8-persistent-handle.h>

#include <cstddef>
#include <memory>

#include "runtime/js/array_buffer_allocator.h"
#include "runtime/js/v8_platform.h"

namespace se::runtime::js {

class GuestIsolate {
 public:
  // Creates the isolate (heap capped at heap_limit_mib) and a context from the snapshot.
  static std::unique_ptr<GuestIsolate> create(size_t heap_limit_mib);
  ~GuestIsolate();
  GuestIsolate(const GuestIsolate&) = delete;
  GuestIsolate& operator=(const GuestIsolate&) = delete;

  v8::Isolate* isolate() const { return isolate_; }
  v8::Local<v8::Context> context() const { return context_.Get(isolate_); }
  v8::Local<v8::Object> host_entry() const { return host_entry_.Get(isolate_); }
  ForegroundTaskQueue& tasks() const { return *tasks_; }
  CountingArrayBufferAllocator& allocator() const { return *allocator_; }
  size_t heap_limit_mib() const { return heap_limit_mib_; }

 private:
  GuestIsolate() = default;

  size_t heap_limit_mib_ = 0;
  std::shared_ptr<ForegroundTaskQueue> tasks_;
  std::shared_ptr<CountingArrayBufferAllocator> allocator_;
  v8::Isolate* isolate_ = nullptr;
  v8::Global<v8::Context> context_;
  v8::Global<v8::Object> host_entry_;
};

}  // namespace se::runtime::js
