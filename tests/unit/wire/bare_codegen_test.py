#!/usr/bin/env python3
"""Tests of tools/bare_codegen.py: naming, the C++ shapes other layers rely on, and schema rejection.

Usage: bare_codegen_test.py REPO_ROOT
"""

import importlib.util
import pathlib
import sys
import tempfile
import unittest

ROOT = pathlib.Path(sys.argv.pop(1) if len(sys.argv) > 1 else pathlib.Path(__file__).parents[3])
spec = importlib.util.spec_from_file_location("bare_codegen", ROOT / "tools" / "bare_codegen.py")
codegen = importlib.util.module_from_spec(spec)
sys.modules["bare_codegen"] = codegen
spec.loader.exec_module(codegen)


def generate(text: str) -> tuple[str, str]:
    schema = codegen.Schema(codegen.Parser(text).parse())
    generator = codegen.Generator(schema, "test.bare")
    return generator.header(), generator.source()


class Naming(unittest.TestCase):
    def test_fields_become_snake_case_and_keywords_get_an_underscore(self):
        cases = {"requestId": "request_id", "isSymbolicLink": "is_symbolic_link", "atimeMs": "atime_ms",
                 "headersJson": "headers_json", "default": "default_", "namespace": "namespace_",
                 "path": "path"}
        for name, expected in cases.items():
            self.assertEqual(codegen.field_name(name), expected)

    def test_enum_parsers_are_named_after_the_type(self):
        self.assertEqual(codegen.snake_case("GuestRuntimeKind"), "guest_runtime_kind")
        self.assertEqual(codegen.snake_case("JsonUtf8"), "json_utf8")
        self.assertEqual(codegen.snake_case("VmOwnership"), "vm_ownership")


class ProtocolSchema(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        text = (ROOT / "schema" / "secure_exec_sidecar_v1.bare").read_text(encoding="utf-8")
        cls.header, cls.source = generate(text)

    def test_contract_shapes(self):
        for line in [
            "using JsonUtf8 = std::string;",
            "using RequestId = int64_t;",
            "enum class GuestRuntimeKind : uint32_t { JAVA_SCRIPT = 0, PYTHON = 1, WEB_ASSEMBLY = 2 };",
            "std::optional<GuestRuntimeKind> parse_guest_runtime_kind(std::string_view name);",
            "std::string_view to_string(GuestRuntimeKind value);",
            "struct CreateLayerRequest {\n  bool operator==(const CreateLayerRequest&) const = default;\n};",
            "using OwnershipScope = std::variant<ConnectionOwnership, SessionOwnership, VmOwnership>;",
            "using FsPermissionScope = std::variant<PermissionMode, FsPermissionRuleSet>;",
            "  RequestId request_id = 0;",
            "  std::optional<PermissionMode> default_;",
            "  std::string namespace_;",
            "  GuestFilesystemOperation operation = GuestFilesystemOperation::READ_FILE;",
            "  std::optional<std::vector<std::string>> entries;",
            "  std::map<uint32_t, SignalHandlerRegistration> handlers;",
            "ErrorOr<void> decode(Decoder& d, ProtocolFrame& out);",
            "nlohmann::json to_json_value(const ProtocolFrame& value);",
        ]:
            self.assertIn(line, self.header)

    def test_types_follow_what_they_contain(self):
        self.assertLess(self.header.index("struct RequestFrame {"), self.header.index("using ProtocolFrame ="))
        self.assertLess(self.header.index("using OwnershipScope ="), self.header.index("struct RequestFrame {"))


class Rejection(unittest.TestCase):
    def assert_rejected(self, text: str, fragment: str):
        with self.assertRaises(codegen.SchemaError) as raised:
            generate(text)
        self.assertIn(fragment, str(raised.exception))

    def test_unknown_type(self):
        self.assert_rejected("type A struct { b: Missing }", "unknown type Missing")

    def test_list_of_u8(self):
        self.assert_rejected("type A struct { b: list<u8> }", "data instead of list<u8>")

    def test_list_of_void(self):
        self.assert_rejected("type V void\ntype A struct { b: list<V> }", "must not be void")

    def test_self_containing_type(self):
        self.assert_rejected("type A struct { b: optional<A> }", "contains itself")

    def test_duplicate_type(self):
        self.assert_rejected("type A str\ntype A u8", "defined twice")

    def test_union_of_primitive_alias(self):
        self.assert_rejected("type S str\ntype U union { S }", "must name a struct, void or enum")

    def test_bool_map_key(self):
        self.assert_rejected("type A struct { m: map<bool><str> }", "map keys")

    def test_unions_with_the_same_members(self):
        self.assert_rejected("type V void\ntype U union { V }\ntype W union { V }", "same members")

    def test_unsupported_primitive(self):
        self.assert_rejected("type A struct { f: f64 }", "not supported")

    def test_syntax_errors_name_the_line(self):
        self.assert_rejected("type A struct {\n  b str\n}", "line 2")
        self.assert_rejected("type A struct { b: str ", "unexpected end of schema")
        self.assert_rejected("type A = str", "unexpected character '='")


class CommandLine(unittest.TestCase):
    def test_writes_both_files(self):
        with tempfile.TemporaryDirectory() as out:
            schema = pathlib.Path(out) / "s.bare"
            schema.write_text("type A struct { b: str }\n", encoding="utf-8")
            sys.argv = ["bare_codegen.py", str(schema), str(pathlib.Path(out) / "gen")]
            self.assertEqual(codegen.main(), 0)
            self.assertIn("struct A {", (pathlib.Path(out) / "gen" / "protocol.h").read_text(encoding="utf-8"))
            self.assertIn("ErrorOr<void> decode(Decoder& d, A& out)",
                          (pathlib.Path(out) / "gen" / "protocol.cc").read_text(encoding="utf-8"))


if __name__ == "__main__":
    unittest.main()
