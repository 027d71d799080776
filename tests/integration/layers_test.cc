#include <iostream>
#include "sidecar_fixture.h"
#include "wire/json_value.h"

namespace se::integration {
namespace {
using wire::GuestRuntimeKind;
class LayersProbe : public SidecarTest {};

void show(const char* label, client::Client& c, const client::VmHandle& vm, wire::RequestPayload p) {
  auto frame = c.call_frame(vm.ownership(), std::move(p));
  if (!frame) { std::cout << label << ": transport " << frame.error().to_string() << "\n"; return; }
  std::cout << label << ": " << wire::to_json_value(frame->payload).dump() << "\n";
}

wire::RootFilesystemEntry entry(std::string path, wire::RootFilesystemEntryKind kind) {
  wire::RootFilesystemEntry e; e.path = path; e.kind = kind; return e;
}

TEST_F(LayersProbe, Probe) {
  auto& client = start_with_session();
  auto vm = client.create_vm(GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig).value();
  using K = wire::RootFilesystemEntryKind;
  show("create", client, vm, wire::CreateLayerRequest{});
  show("export writable", client, vm, wire::ExportSnapshotRequest{.layer_id = "layer-1"});
  show("seal", client, vm, wire::SealLayerRequest{.layer_id = "layer-1"});
  show("export sealed", client, vm, wire::ExportSnapshotRequest{.layer_id = "layer-2"});
  auto f = entry("/a/b/file.txt", K::FILE); f.content = "aGVsbG8="; f.encoding = wire::RootFilesystemEntryEncoding::BASE64;
  auto bin = entry("/bin.dat", K::FILE); bin.content = "AAH/"; bin.encoding = wire::RootFilesystemEntryEncoding::BASE64; bin.mode = 0700; bin.uid = 5; bin.gid = 6;
  auto exe = entry("/x/../exe", K::FILE); exe.content = "#!"; exe.executable = true;
  auto d = entry("/dir", K::DIRECTORY); d.mode = 0700;
  auto l = entry("/link", K::SYMLINK); l.target = "a/b";
  auto dup = entry("/a/b/file.txt", K::FILE); dup.content = "second";
  auto m = entry("/modeful", K::FILE); m.mode = 0100600; m.content = "";
  show("import", client, vm, wire::ImportSnapshotRequest{.entries = {f, bin, exe, d, l, dup, m}});
  show("export imported", client, vm, wire::ExportSnapshotRequest{.layer_id = "layer-3"});
  auto badlink = entry("/bad", K::SYMLINK);
  show("import bad symlink", client, vm, wire::ImportSnapshotRequest{.entries = {badlink}});
  auto bad64 = entry("/bad", K::FILE); bad64.content = "%%%"; bad64.encoding = wire::RootFilesystemEntryEncoding::BASE64;
  show("import bad base64", client, vm, wire::ImportSnapshotRequest{.entries = {bad64}});
  show("import empty", client, vm, wire::ImportSnapshotRequest{.entries = {}});
  auto up = entry("/a/b/file.txt", K::FILE); up.content = "upper";
  auto updir = entry("/a", K::DIRECTORY); updir.mode = 0711;
  auto newdir = entry("/newdir", K::DIRECTORY); newdir.mode = 0711;
  auto dev = entry("/dev/x", K::FILE); dev.content = "x";
  show("import upper", client, vm, wire::ImportSnapshotRequest{.entries = {updir, up, newdir, dev}});
  show("export upper", client, vm, wire::ExportSnapshotRequest{.layer_id = "layer-5"});
  wire::CreateOverlayRequest o; o.mode = wire::RootFilesystemMode::EPHEMERAL; o.upper_layer_id = "layer-5"; o.lower_layer_ids = {"layer-3"};
  show("overlay", client, vm, o);
  show("export overlay", client, vm, wire::ExportSnapshotRequest{.layer_id = "layer-6"});
  wire::CreateOverlayRequest o2; o2.mode = wire::RootFilesystemMode::READ_ONLY; o2.lower_layer_ids = {};
  show("overlay none", client, vm, o2);
  show("export overlay none", client, vm, wire::ExportSnapshotRequest{.layer_id = "layer-7"});
  wire::CreateOverlayRequest o3; o3.mode = wire::RootFilesystemMode::EPHEMERAL; o3.lower_layer_ids = {"layer-6", "layer-3"}; o3.upper_layer_id = "layer-99";
  show("overlay bad upper", client, vm, o3);
  o3.upper_layer_id = std::nullopt;
  show("overlay of overlay", client, vm, o3);
  show("export overlay of overlay", client, vm, wire::ExportSnapshotRequest{.layer_id = "layer-8"});
  show("create writable", client, vm, wire::CreateLayerRequest{});
  wire::CreateOverlayRequest o4; o4.mode = wire::RootFilesystemMode::EPHEMERAL; o4.lower_layer_ids = {"layer-3"}; o4.upper_layer_id = "layer-9";
  show("overlay writable upper", client, vm, o4);
  show("export overlay writable upper", client, vm, wire::ExportSnapshotRequest{.layer_id = "layer-10"});
  show("seal writable", client, vm, wire::SealLayerRequest{.layer_id = "layer-9"});
  show("export overlay after seal", client, vm, wire::ExportSnapshotRequest{.layer_id = "layer-10"});
  show("seal snapshot", client, vm, wire::SealLayerRequest{.layer_id = "layer-3"});
  show("seal overlay", client, vm, wire::SealLayerRequest{.layer_id = "layer-10"});
  show("seal unknown", client, vm, wire::SealLayerRequest{.layer_id = "nope"});
  for (int i = 0; i < 250; ++i) { auto r = client.call_frame(vm.ownership(), wire::CreateLayerRequest{}); }
  show("create at limit", client, vm, wire::CreateLayerRequest{});
  show("import at limit", client, vm, wire::ImportSnapshotRequest{.entries = {}});
  show("overlay at limit", client, vm, o2);
  show("seal at limit", client, vm, wire::SealLayerRequest{.layer_id = "layer-12"});
}
}  // namespace
}  // namespace se::integration
