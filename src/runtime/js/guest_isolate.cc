#include "runtime/js/guest_isolate.h"

#include <v8-local-handle.h>
#include <v8-microtask-queue.h>
#include <v8-snapshot.h>

#include "runtime/js/embedded_snapshot.h"
#include "runtime/js/native_bindings.h"

namespace se::runtime::js {

std::unique_ptr<GuestIsolate> GuestIsolate::create(size_t heap_limit_mib) {
  ensure_v8_initialized();
  static v8::StartupData blob{embedded_snapshot().data(), static_cast<int>(embedded_snapshot().size())};

  std::unique_ptr<GuestIsolate> guest(new GuestIsolate());
  guest->heap_limit_mib_ = heap_limit_mib;
  guest->tasks_ = std::make_shared<ForegroundTaskQueue>();
  guest->allocator_ = std::make_shared<CountingArrayBufferAllocator>(heap_limit_mib * 1024 * 1024);

  v8::Isolate::CreateParams params;
  params.snapshot_blob = &blob;
  params.external_references = external_references();
  params.array_buffer_allocator_shared = guest->allocator_;
  params.constraints.ConfigureDefaultsFromHeapSize(0, heap_limit_mib * 1024 * 1024);

  guest->isolate_ = v8::Isolate::Allocate();
  register_foreground_queue(guest->isolate_, guest->tasks_);
  v8::Isolate::Initialize(guest->isolate_, params);
  guest->isolate_->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
  // Errors remember where they were created, so a fatal unhandled rejection can point there.
  guest->isolate_->SetCaptureStackTraceForUncaughtExceptions(true, 10);

  v8::Isolate::Scope isolate_scope(guest->isolate_);
  v8::HandleScope handle_scope(guest->isolate_);
  v8::Local<v8::Context> context = v8::Context::New(guest->isolate_);
  guest->context_.Reset(guest->isolate_, context);
  v8::Local<v8::Object> host_entry =
      context->GetDataFromSnapshotOnce<v8::Object>(kHostEntrySnapshotIndex).ToLocalChecked();
  guest->host_entry_.Reset(guest->isolate_, host_entry);
  return guest;
}

GuestIsolate::~GuestIsolate() {
  if (isolate_ == nullptr) return;
  host_entry_.Reset();
  context_.Reset();
  tasks_->clear();
  isolate_->Dispose();
  unregister_foreground_queue(isolate_, tasks_.get());
}

}  // namespace se::runtime::js
