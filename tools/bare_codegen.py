#!/usr/bin/env python3
"""Generates C++ wire types and codecs from a BARE schema.

Usage: bare_codegen.py SCHEMA OUT_DIR
Writes OUT_DIR/protocol.h and OUT_DIR/protocol.cc (namespace se::wire). The output builds on the
hand-written src/wire/bare.h (BARE primitives and containers) and src/wire/json_value.h (JSON form).

Mapping: struct -> struct with snake_case fields and `= default` equality; enum -> `enum class : uint32_t`
plus to_string/parse_<name>; union -> std::variant of its members in schema order (index == wire tag);
`type X void` -> empty struct; `type X <other type>` -> using-alias. Supported types: u8 u16 u32 u64 i32
i64 bool str data, optional<T>, list<T>, map<K><V> and named types. Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import dataclasses
import pathlib
import re
import sys

PRIMITIVES = {
    # name: (C++ type, smallest encoding in bytes, default member initialiser)
    "u8": ("uint8_t", 1, "0"),
    "u16": ("uint16_t", 2, "0"),
    "u32": ("uint32_t", 4, "0"),
    "u64": ("uint64_t", 8, "0"),
    "i32": ("int32_t", 4, "0"),
    "i64": ("int64_t", 8, "0"),
    "bool": ("bool", 1, "false"),
    "str": ("std::string", 1, None),
    "data": ("Bytes", 1, None),
}
MAP_KEY_PRIMITIVES = {"u8", "u16", "u32", "u64", "i32", "i64", "str"}

CPP_KEYWORDS = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case",
    "catch", "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval",
    "constexpr", "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype",
    "default", "delete", "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern",
    "false", "float", "for", "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new",
    "noexcept", "not", "not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected", "public",
    "register", "reinterpret_cast", "requires", "return", "short", "signed", "sizeof", "static",
    "static_assert", "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true",
    "try", "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile",
    "wchar_t", "while", "xor", "xor_eq",
}


class SchemaError(Exception):
    pass


# ---------------------------------------------------------------------------------------------------
# Model


@dataclasses.dataclass(frozen=True)
class Primitive:
    name: str


@dataclasses.dataclass(frozen=True)
class Named:
    name: str
    line: int


@dataclasses.dataclass(frozen=True)
class Optional:
    inner: "TypeExpr"


@dataclasses.dataclass(frozen=True)
class ListOf:
    inner: "TypeExpr"


@dataclasses.dataclass(frozen=True)
class MapOf:
    key: "TypeExpr"
    value: "TypeExpr"


TypeExpr = Primitive | Named | Optional | ListOf | MapOf


@dataclasses.dataclass
class Field:
    name: str
    type: TypeExpr
    line: int


@dataclasses.dataclass
class Decl:
    name: str
    kind: str  # "struct", "enum", "union", "void", "alias"
    line: int
    fields: list[Field] = dataclasses.field(default_factory=list)  # struct
    values: list[str] = dataclasses.field(default_factory=list)  # enum
    members: list[Named] = dataclasses.field(default_factory=list)  # union
    target: TypeExpr | None = None  # alias


# ---------------------------------------------------------------------------------------------------
# Parsing

TOKEN = re.compile(r"\s+|#[^\n]*|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[{}<>|:])|(?P<bad>.)")


def tokenize(text: str) -> list[tuple[str, int]]:
    tokens = []
    line = 1
    for match in TOKEN.finditer(text):
        if match.group("bad"):
            raise SchemaError(f"line {line}: unexpected character {match.group('bad')!r}")
        token = match.group("word") or match.group("punct")
        if token:
            tokens.append((token, line))
        line += match.group(0).count("\n")
    return tokens


class Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def line(self) -> int:
        if self.pos < len(self.tokens):
            return self.tokens[self.pos][1]
        return self.tokens[-1][1] if self.tokens else 1

    def take(self, expected: str | None = None) -> str:
        if self.pos >= len(self.tokens):
            raise SchemaError(f"line {self.line()}: unexpected end of schema")
        token = self.tokens[self.pos][0]
        if expected is not None and token != expected:
            raise SchemaError(f"line {self.line()}: expected {expected!r}, found {token!r}")
        self.pos += 1
        return token

    def identifier(self) -> str:
        line = self.line()
        token = self.take()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token):
            raise SchemaError(f"line {line}: expected a name, found {token!r}")
        return token

    def parse(self) -> list[Decl]:
        decls = []
        while self.peek() is not None:
            self.take("type")
            line = self.line()
            name = self.identifier()
            decls.append(self.declaration(name, line))
        return decls

    def declaration(self, name: str, line: int) -> Decl:
        keyword = self.peek()
        if keyword == "struct":
            self.take()
            self.take("{")
            fields = []
            while self.peek() != "}":
                field_line = self.line()
                field_name = self.identifier()
                self.take(":")
                fields.append(Field(field_name, self.type_expr(), field_line))
            self.take("}")
            return Decl(name, "struct", line, fields=fields)
        if keyword == "enum":
            self.take()
            self.take("{")
            values = []
            while self.peek() != "}":
                values.append(self.identifier())
            self.take("}")
            return Decl(name, "enum", line, values=values)
        if keyword == "union":
            self.take()
            self.take("{")
            if self.peek() == "|":
                self.take()
            members = [Named(self.identifier(), self.line())]
            while self.peek() == "|":
                self.take()
                members.append(Named(self.identifier(), self.line()))
            self.take("}")
            return Decl(name, "union", line, members=members)
        if keyword == "void":
            self.take()
            return Decl(name, "void", line)
        return Decl(name, "alias", line, target=self.type_expr())

    def type_expr(self) -> TypeExpr:
        line = self.line()
        word = self.identifier()
        if word in ("optional", "list"):
            self.take("<")
            inner = self.type_expr()
            self.take(">")
            return Optional(inner) if word == "optional" else ListOf(inner)
        if word == "map":
            self.take("<")
            key = self.type_expr()
            self.take(">")
            self.take("<")
            value = self.type_expr()
            self.take(">")
            return MapOf(key, value)
        if word in PRIMITIVES:
            return Primitive(word)
        if word in ("void", "uint", "int", "i8", "i16", "f32", "f64", "struct", "enum", "union"):
            raise SchemaError(f"line {line}: type {word!r} is not supported here")
        return Named(word, line)


# ---------------------------------------------------------------------------------------------------
# Checking


class Schema:
    def __init__(self, decls: list[Decl]):
        self.decls: dict[str, Decl] = {}
        for decl in decls:
            if decl.name in self.decls or decl.name in PRIMITIVES:
                raise SchemaError(f"line {decl.line}: type {decl.name} is defined twice")
            self.decls[decl.name] = decl
        self.order = self.dependency_order(decls)
        for decl in decls:
            self.check(decl)

    def lookup(self, named: Named) -> Decl:
        if named.name not in self.decls:
            raise SchemaError(f"line {named.line}: unknown type {named.name}")
        return self.decls[named.name]

    def resolve(self, expr: TypeExpr) -> TypeExpr | Decl:
        """Follows alias names to a primitive, container or non-alias declaration."""
        while isinstance(expr, Named):
            decl = self.lookup(expr)
            if decl.kind != "alias":
                return decl
            expr = decl.target
        return expr

    def references(self, decl: Decl) -> list[Named]:
        exprs: list[TypeExpr] = [f.type for f in decl.fields] + list(decl.members)
        if decl.target is not None:
            exprs.append(decl.target)
        found = []
        while exprs:
            expr = exprs.pop()
            if isinstance(expr, Named):
                found.append(expr)
            elif isinstance(expr, (Optional, ListOf)):
                exprs.append(expr.inner)
            elif isinstance(expr, MapOf):
                exprs += [expr.key, expr.value]
        return found

    def dependency_order(self, decls: list[Decl]) -> list[Decl]:
        """Schema order, moved only as far as needed so that every type follows what it contains."""
        order: list[Decl] = []
        state: dict[str, str] = {}

        def visit(decl: Decl) -> None:
            if state.get(decl.name) == "done":
                return
            if state.get(decl.name) == "active":
                raise SchemaError(f"line {decl.line}: type {decl.name} contains itself")
            state[decl.name] = "active"
            for named in sorted(self.references(decl), key=lambda n: n.line):
                visit(self.lookup(named))
            state[decl.name] = "done"
            order.append(decl)

        for decl in decls:
            visit(decl)
        return order

    def check(self, decl: Decl) -> None:
        where = f"line {decl.line}: {decl.name}"
        if decl.kind == "struct":
            seen = set()
            for f in decl.fields:
                cpp = field_name(f.name)
                if cpp in seen:
                    raise SchemaError(f"line {f.line}: {decl.name} has two fields named {cpp}")
                seen.add(cpp)
                self.check_expr(f.type, f.line)
        elif decl.kind == "enum":
            if not decl.values or len(set(decl.values)) != len(decl.values):
                raise SchemaError(f"{where}: an enum needs distinct values")
        elif decl.kind == "union":
            names = [m.name for m in decl.members]
            if len(set(names)) != len(names):
                raise SchemaError(f"{where}: a union member is listed twice")
            for member in decl.members:
                target = self.lookup(member)
                if target.kind not in ("struct", "void", "enum"):
                    raise SchemaError(f"line {member.line}: union member {member.name} must name a struct, "
                                      "void or enum type")
            for other in self.decls.values():
                if other is not decl and other.kind == "union" and [m.name for m in other.members] == names:
                    raise SchemaError(f"{where}: same members as {other.name}; the C++ types would collide")
        elif decl.kind == "alias":
            self.check_expr(decl.target, decl.line)

    def check_expr(self, expr: TypeExpr, line: int) -> None:
        if isinstance(expr, Named):
            self.lookup(expr)
        elif isinstance(expr, Optional):
            self.check_expr(expr.inner, line)
        elif isinstance(expr, ListOf):
            self.check_expr(expr.inner, line)
            if self.resolve(expr.inner) == Primitive("u8"):
                raise SchemaError(f"line {line}: write data instead of list<u8>")
            if self.min_size(expr.inner) == 0:
                raise SchemaError(f"line {line}: list elements must not be void")
        elif isinstance(expr, MapOf):
            self.check_expr(expr.key, line)
            self.check_expr(expr.value, line)
            key = self.resolve(expr.key)
            if not (isinstance(key, Primitive) and key.name in MAP_KEY_PRIMITIVES):
                raise SchemaError(f"line {line}: map keys must be str or an integer type")
            if self.min_size(expr.value) == 0:
                raise SchemaError(f"line {line}: map values must not be void")

    def min_size(self, expr: TypeExpr | Decl) -> int:
        target = self.resolve(expr) if not isinstance(expr, Decl) else expr
        if isinstance(target, Primitive):
            return PRIMITIVES[target.name][1]
        if isinstance(target, (Optional, ListOf, MapOf)):
            return 1
        if target.kind == "void":
            return 0
        if target.kind == "enum":
            return 1
        if target.kind == "union":
            return 1 + min(self.min_size(self.lookup(m)) for m in target.members)
        if target.kind == "alias":
            return self.min_size(target.target)
        return sum(self.min_size(f.type) for f in target.fields)


# ---------------------------------------------------------------------------------------------------
# Naming


def snake_case(name: str) -> str:
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return name.lower()


def field_name(name: str) -> str:
    snake = snake_case(name)
    return snake + "_" if snake in CPP_KEYWORDS else snake


def member_array(decl: Decl) -> str:
    return f"k{decl.name}Members"


# ---------------------------------------------------------------------------------------------------
# Emitting


class Generator:
    def __init__(self, schema: Schema, schema_name: str):
        self.schema = schema
        self.schema_name = schema_name

    def cpp_type(self, expr: TypeExpr) -> str:
        if isinstance(expr, Primitive):
            return PRIMITIVES[expr.name][0]
        if isinstance(expr, Named):
            return expr.name
        if isinstance(expr, Optional):
            return f"std::optional<{self.cpp_type(expr.inner)}>"
        if isinstance(expr, ListOf):
            return f"std::vector<{self.cpp_type(expr.inner)}>"
        return f"std::map<{self.cpp_type(expr.key)}, {self.cpp_type(expr.value)}>"

    def default_initialiser(self, expr: TypeExpr) -> str:
        target = self.schema.resolve(expr)
        if isinstance(target, Primitive) and PRIMITIVES[target.name][2] is not None:
            return " = " + PRIMITIVES[target.name][2]
        if isinstance(target, Decl) and target.kind == "enum":
            return f" = {target.name}::{target.values[0]}"
        return ""

    # -- header

    def header(self) -> str:
        out = [
            f"// Generated by tools/bare_codegen.py from {self.schema_name}; do not edit.",
            "// The wire types as C++ values with their BARE codec (wire/bare.h) and JSON form (wire/json_value.h).",
            "// Union members and enum values are numbered from 0 in schema order (variant index == wire tag).",
            "// Thread-safety: plain values and pure functions.",
            "#pragma once",
            "",
        ]
        out += [f"#include <{h}>" for h in
                ("cstddef", "cstdint", "map", "optional", "string", "string_view", "type_traits", "variant", "vector")]
        out += ["", "#include <nlohmann/json.hpp>", "", '#include "base/error.h"', '#include "wire/bare.h"',
                '#include "wire/json_value.h"', "", "namespace se::wire {", ""]
        for decl in self.schema.order:
            out += self.declare(decl)
        out += ["}  // namespace se::wire", ""]
        return "\n".join(out)

    def declare(self, decl: Decl) -> list[str]:
        name = decl.name
        out: list[str] = []
        if decl.kind == "alias":
            return [f"using {name} = {self.cpp_type(decl.target)};", ""]
        if decl.kind == "void":
            out.append(f"struct {name} {{")
            out.append(f"  bool operator==(const {name}&) const = default;")
            out.append("};")
        elif decl.kind == "enum":
            values = ", ".join(f"{v} = {i}" for i, v in enumerate(decl.values))
            out.append(f"enum class {name} : uint32_t {{ {values} }};")
            out.append(f"// The member's name (\"{decl.values[0]}\"); empty for a value outside the enum.")
            out.append(f"std::string_view to_string({name} value);")
            out.append(f"std::optional<{name}> parse_{snake_case(name)}(std::string_view name);")
        elif decl.kind == "union":
            members = ", ".join(m.name for m in decl.members)
            out.append(f"using {name} = std::variant<{members}>;")
        else:
            out.append(f"struct {name} {{")
            for f in decl.fields:
                out.append(f"  {self.cpp_type(f.type)} {field_name(f.name)}{self.default_initialiser(f.type)};")
            out.append(f"  bool operator==(const {name}&) const = default;")
            out.append("};")
        out.append("template <>")
        out.append(f"struct MinEncodedSize<{name}> : std::integral_constant<size_t, {self.schema.min_size(decl)}> {{}};")
        out.append(f"void encode(Encoder& e, const {name}& value);")
        out.append(f"ErrorOr<void> decode(Decoder& d, {name}& out);")
        out.append(f"nlohmann::json to_json_value(const {name}& value);")
        out.append(f"ErrorOr<void> from_json_value(const nlohmann::json& json, {name}& out);")
        out.append("")
        return out

    # -- source

    def source(self) -> str:
        out = [
            f"// Generated by tools/bare_codegen.py from {self.schema_name}; do not edit.",
            '#include "wire/protocol.h"',
            "",
            "namespace se::wire {",
            "namespace {",
            "",
        ]
        for decl in self.schema.order:
            if decl.kind == "union":
                out.append(f"constexpr std::string_view {member_array(decl)}[] = {{")
                out += [f'    "{m.name}",' for m in decl.members]
                out.append("};")
        out += ["", "}  // namespace", ""]
        for decl in self.schema.order:
            if decl.kind != "alias":
                out += getattr(self, f"define_{decl.kind}")(decl)
        out += ["}  // namespace se::wire", ""]
        return "\n".join(out)

    def define_void(self, decl: Decl) -> list[str]:
        name = decl.name
        return [
            f"void encode(Encoder&, const {name}&) {{}}",
            f"ErrorOr<void> decode(Decoder&, {name}&) {{ return {{}}; }}",
            f"nlohmann::json to_json_value(const {name}&) {{ return nullptr; }}",
            f"ErrorOr<void> from_json_value(const nlohmann::json& json, {name}&) {{",
            "  if (!json.is_null()) return json_error(\"expected null\");",
            "  return {};",
            "}",
            "",
        ]

    def define_enum(self, decl: Decl) -> list[str]:
        name = decl.name
        count = len(decl.values)
        out = [f"std::string_view to_string({name} value) {{", "  switch (value) {"]
        out += [f'    case {name}::{v}: return "{v}";' for v in decl.values]
        out += ["  }", "  return {};", "}", ""]
        out.append(f"std::optional<{name}> parse_{snake_case(name)}(std::string_view name) {{")
        out += [f'  if (name == "{v}") return {name}::{v};' for v in decl.values]
        out += ["  return std::nullopt;", "}", ""]
        out += [
            f"void encode(Encoder& e, const {name}& value) {{ e.write_uint(static_cast<uint32_t>(value)); }}",
            "",
            f"ErrorOr<void> decode(Decoder& d, {name}& out) {{",
            f"  out = static_cast<{name}>(TRY(d.read_variant_index({count})));",
            "  return {};",
            "}",
            "",
            f"nlohmann::json to_json_value(const {name}& value) {{ return std::string(to_string(value)); }}",
            "",
            f"ErrorOr<void> from_json_value(const nlohmann::json& json, {name}& out) {{",
            f'  if (!json.is_string()) return json_error("expected a {name} name");',
            f"  const auto parsed = parse_{snake_case(name)}(json.get_ref<const std::string&>());",
            f'  if (!parsed) return json_error("unknown {name} " + json.dump());',
            "  out = *parsed;",
            "  return {};",
            "}",
            "",
        ]
        return out

    def define_union(self, decl: Decl) -> list[str]:
        name = decl.name
        last = len(decl.members) - 1
        out = [
            f"void encode(Encoder& e, const {name}& value) {{",
            "  e.write_uint(value.index());",
            "  std::visit([&e](const auto& member) { encode(e, member); }, value);",
            "}",
            "",
            f"ErrorOr<void> decode(Decoder& d, {name}& out) {{",
            f"  switch (TRY(d.read_variant_index({len(decl.members)}))) {{",
        ]
        out += [f"    case {i}: return decode(d, out.emplace<{i}>());" for i in range(last)]
        out += [f"    default: return decode(d, out.emplace<{last}>());", "  }", "}", ""]
        out += [
            f"nlohmann::json to_json_value(const {name}& value) {{",
            "  return std::visit(",
            "      [&value](const auto& member) {",
            f"        return json_union({member_array(decl)}[value.index()], to_json_value(member));",
            "      },",
            "      value);",
            "}",
            "",
            f"ErrorOr<void> from_json_value(const nlohmann::json& json, {name}& out) {{",
            f"  switch (TRY(read_json_union_index(json, {member_array(decl)}))) {{",
        ]
        out += [f'    case {i}: return read_json_field(json, "value", out.emplace<{i}>());' for i in range(last)]
        out += [f'    default: return read_json_field(json, "value", out.emplace<{last}>());', "  }", "}", ""]
        return out

    def define_struct(self, decl: Decl) -> list[str]:
        name = decl.name
        if not decl.fields:
            return self.define_empty_struct(decl)
        out = [f"void encode(Encoder& e, const {name}& value) {{"]
        out += [f"  encode(e, value.{field_name(f.name)});" for f in decl.fields]
        out += ["}", "", f"ErrorOr<void> decode(Decoder& d, {name}& out) {{"]
        out += [f"  TRY(decode(d, out.{field_name(f.name)}));" for f in decl.fields]
        out += ["  return {};", "}", "", f"nlohmann::json to_json_value(const {name}& value) {{",
                "  nlohmann::json json = nlohmann::json::object();"]
        out += [f'  json["{f.name}"] = to_json_value(value.{field_name(f.name)});' for f in decl.fields]
        out += ["  return json;", "}", "", f"ErrorOr<void> from_json_value(const nlohmann::json& json, {name}& out) {{"]
        names = ", ".join(f'"{f.name}"' for f in decl.fields)
        out.append(f"  TRY(expect_json_object(json, {{{names}}}));")
        out += [f'  TRY(read_json_field(json, "{f.name}", out.{field_name(f.name)}));' for f in decl.fields]
        out += ["  return {};", "}", ""]
        return out

    def define_empty_struct(self, decl: Decl) -> list[str]:
        name = decl.name
        return [
            f"void encode(Encoder&, const {name}&) {{}}",
            f"ErrorOr<void> decode(Decoder&, {name}&) {{ return {{}}; }}",
            f"nlohmann::json to_json_value(const {name}&) {{ return nlohmann::json::object(); }}",
            f"ErrorOr<void> from_json_value(const nlohmann::json& json, {name}&) {{",
            "  return expect_json_object(json, {});",
            "}",
            "",
        ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schema", type=pathlib.Path)
    parser.add_argument("out_dir", type=pathlib.Path)
    args = parser.parse_args()
    try:
        schema = Schema(Parser(args.schema.read_text(encoding="utf-8")).parse())
    except SchemaError as error:
        print(f"{args.schema}: {error}", file=sys.stderr)
        return 1
    generator = Generator(schema, args.schema.name)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for file_name, text in (("protocol.h", generator.header()), ("protocol.cc", generator.source())):
        (args.out_dir / file_name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
