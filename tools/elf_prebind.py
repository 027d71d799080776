#!/usr/bin/env python3
"""Pre-binds a shared library's references to its own symbols, as linking with -Bsymbolic would have.

Usage: elf_prebind.py --input LIB --output COPY --load-root BINARY [--load-root BINARY ...]

Writes COPY, a copy of LIB (an x86-64 ELF shared library linked with BIND_NOW, in practice Debian's
libnode.so.108) in which every symbolic relocation (R_X86_64_64, R_X86_64_GLOB_DAT,
R_X86_64_JUMP_SLOT) that the dynamic loader would bind to a symbol LIB itself defines is rewritten
in place as R_X86_64_RELATIVE with the symbol's value (+ the addend for R_X86_64_64) as addend. The
loader then spends no symbol lookup on it: for libnode, most of the ~56,000 lookups a dlopen()
otherwise costs. Everything else (program headers, RELRO, BIND_NOW, code, data, every other
relocation, the order of relocations) is byte for byte the same.

Why a rewritten relocation binds exactly as before, for glibc 2.36's loader (elf/do-rel.h,
elf/dynamic-link.h, sysdeps/x86_64/dl-machine.h):
- A RELATIVE entry after the leading DT_RELACOUNT ones goes through the generic elf_machine_rela,
  which computes l_addr + r_addend for it without a lookup; DT_RELACOUNT is left alone, so the fast
  path still sees only the leading RELATIVE entries it assumes.
- Under BIND_NOW (required here) .rela.dyn and .rela.plt are relocated eagerly by that same generic
  path; only lazy binding would hand .rela.plt entries to elf_machine_lazy_rel, which rejects a
  RELATIVE entry with "unexpected PLT reloc type" (a clean failure, never a wrong binding). A
  dlopen(RTLD_NOW) of a BIND_NOW library is never lazy; LD_PROFILE naming the library would be.
- A symbol lookup returns the first definition in the lookup scope (the global scope, then the
  dlopen()ed object's dependencies). LIB's own definition is what it returns exactly when no other
  object the process has loaded at that point defines the name. So a relocation is converted only
  if its symbol is a FUNC or OBJECT that LIB defines in a regular section with default visibility,
  global or weak binding, a non-zero value and no symbol version, and no object in the load set
  (every --load-root, e.g. the executable and the module that dlopen()s LIB, and every library any
  of them or LIB pulls in, resolved by the real loader through ldd, plus the vDSO) exports the name
  in any form: defined, weak, COPY-relocated or as an executable's canonical PLT address. IFUNC
  (the resolver must run), TLS, GNU_UNIQUE (bound process-wide, beyond the lookup scope), protected
  and hidden symbols are left to the loader.
- GLOB_DAT and JUMP_SLOT are S in the psABI, but some glibc versions add their addend: only a zero
  addend is accepted, where every version agrees.
What the rewrite cannot see: objects the process loads in other ways before LIB (LD_PRELOAD, an
earlier dlopen(RTLD_GLOBAL)) that define one of LIB's symbol names would interpose on the original
but not on the copy.

Anything unexpected in LIB (class, machine, relocation kinds, tables the dynamic section and the
section headers disagree about, lazy binding, text relocations, symbol versions defined by LIB) fails
with a message naming it and writes nothing. COPY is written to a temporary file and renamed into
place. Prints how many relocations were converted and how many were left, by reason.
Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import collections
import os
import pathlib
import re
import struct
import subprocess
import sys
import tempfile

# ELF constants (elf.h).
ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ET_DYN, EM_X86_64 = 2, 1, 1, 3, 62
PT_LOAD, PT_DYNAMIC = 1, 2
SHT_RELA, SHT_DYNSYM = 4, 11
SHN_UNDEF, SHN_LORESERVE, SHN_ABS, SHN_COMMON = 0, 0xFF00, 0xFFF1, 0xFFF2
STB_LOCAL, STB_GLOBAL, STB_WEAK, STB_GNU_UNIQUE = 0, 1, 2, 10
STT_OBJECT, STT_FUNC, STT_TLS, STT_GNU_IFUNC = 1, 2, 6, 10
STV_DEFAULT = 0
VER_NDX_LOCAL, VER_NDX_GLOBAL = 0, 1
DT_NULL, DT_PLTRELSZ, DT_STRTAB, DT_SYMTAB, DT_RELA, DT_RELASZ, DT_RELAENT = 0, 2, 5, 6, 7, 8, 9
DT_STRSZ, DT_SYMENT, DT_SONAME, DT_SYMBOLIC, DT_REL, DT_PLTREL, DT_TEXTREL = 10, 11, 14, 16, 17, 20, 22
DT_JMPREL, DT_BIND_NOW, DT_FLAGS, DT_RELR = 23, 24, 30, 36
DT_RELACOUNT, DT_FLAGS_1, DT_VERSYM, DT_VERDEF = 0x6FFFFFF9, 0x6FFFFFFB, 0x6FFFFFF0, 0x6FFFFFFC
DF_SYMBOLIC, DF_TEXTREL, DF_BIND_NOW, DF_1_NOW = 0x2, 0x4, 0x8, 0x1
R_X86_64_64, R_X86_64_GLOB_DAT, R_X86_64_JUMP_SLOT, R_X86_64_RELATIVE = 1, 6, 7, 8
SYMBOLIC_TYPES = {R_X86_64_64: "R_X86_64_64", R_X86_64_GLOB_DAT: "R_X86_64_GLOB_DAT",
                  R_X86_64_JUMP_SLOT: "R_X86_64_JUMP_SLOT"}

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
SHDR = struct.Struct("<IIQQQQIIQQ")
DYN = struct.Struct("<qQ")
SYM = struct.Struct("<IBBHQQ")
RELA = struct.Struct("<QQq")


class PrebindError(Exception):
    """An input this tool does not understand; nothing is written."""


class Elf:
    """One ELF file's headers, dynamic section and dynamic symbol table, read defensively."""

    def __init__(self, path: str, data: bytes):
        self.path = path
        self.data = data
        if len(data) < EHDR.size or data[:4] != b"\x7fELF":
            self.fail("not an ELF file")
        (ident, e_type, e_machine, e_version, _entry, e_phoff, e_shoff, _flags, _ehsize, e_phentsize,
         e_phnum, e_shentsize, e_shnum, _shstrndx) = EHDR.unpack_from(data, 0)
        if ident[4] != ELFCLASS64 or ident[5] != ELFDATA2LSB or ident[6] != EV_CURRENT:
            self.fail("not a little-endian 64-bit ELF file")
        if e_machine != EM_X86_64 or e_version != EV_CURRENT:
            self.fail(f"machine {e_machine} is not x86-64")
        self.e_type = e_type
        if e_phentsize != PHDR.size or e_phoff + e_phnum * PHDR.size > len(data):
            self.fail("program headers out of bounds or of an unexpected size")
        self.phdrs = [PHDR.unpack_from(data, e_phoff + i * PHDR.size) for i in range(e_phnum)]
        self.loads = [p for p in self.phdrs if p[0] == PT_LOAD]
        if e_shnum == 0:
            self.fail("no section headers")
        if e_shentsize != SHDR.size or e_shoff + e_shnum * SHDR.size > len(data):
            self.fail("section headers out of bounds or of an unexpected size")
        self.shdrs = [SHDR.unpack_from(data, e_shoff + i * SHDR.size) for i in range(e_shnum)]
        self.dynamic = self._read_dynamic()

    def fail(self, why: str):
        raise PrebindError(f"{self.path}: {why}")

    def offset_of(self, vaddr: int, size: int) -> int:
        """File offset of [vaddr, vaddr + size), which must lie in one PT_LOAD's file-backed part."""
        for _t, _f, offset, p_vaddr, _pa, filesz, _memsz, _align in self.loads:
            if p_vaddr <= vaddr and vaddr + size <= p_vaddr + filesz:
                return offset + (vaddr - p_vaddr)
        self.fail(f"address range {vaddr:#x}+{size:#x} is not file-backed by one PT_LOAD segment")

    def in_load(self, vaddr: int) -> bool:
        return any(p[3] <= vaddr < p[3] + p[6] for p in self.loads)

    def _read_dynamic(self) -> dict[int, list[int]]:
        dynamics = [p for p in self.phdrs if p[0] == PT_DYNAMIC]
        if len(dynamics) != 1:
            self.fail(f"{len(dynamics)} PT_DYNAMIC program headers, expected one")
        _t, _f, offset, _va, _pa, filesz, _ms, _al = dynamics[0]
        if offset + filesz > len(self.data):
            self.fail("PT_DYNAMIC out of bounds")
        tags: dict[int, list[int]] = collections.defaultdict(list)
        for position in range(offset, offset + filesz - DYN.size + 1, DYN.size):
            tag, value = DYN.unpack_from(self.data, position)
            if tag == DT_NULL:
                return tags
            tags[tag].append(value)
        self.fail("dynamic section has no DT_NULL terminator")

    def one(self, tag: int, name: str, default: int | None = None) -> int:
        values = self.dynamic.get(tag, [])
        if len(values) > 1:
            self.fail(f"{name} appears {len(values)} times in the dynamic section")
        if not values:
            if default is None:
                self.fail(f"dynamic section has no {name}")
            return default
        return values[0]

    def section_of_type(self, sh_type: int, addr: int, name: str):
        matches = [s for s in self.shdrs if s[1] == sh_type and s[3] == addr]
        if len(matches) != 1:
            self.fail(f"{len(matches)} sections of type {sh_type} at {name}'s address {addr:#x}, expected one")
        return matches[0]

    def string(self, strtab_offset: int, strsz: int, index: int) -> bytes:
        if index >= strsz:
            self.fail(f"symbol name offset {index} beyond the string table")
        end = self.data.find(b"\0", strtab_offset + index, strtab_offset + strsz)
        if end < 0:
            self.fail("unterminated symbol name")
        return self.data[strtab_offset + index:end]

    def dynamic_symbols(self) -> tuple[list[tuple], int, int]:
        """(symbols as SYM tuples, string table file offset, string table size)."""
        symtab = self.one(DT_SYMTAB, "DT_SYMTAB")
        if self.one(DT_SYMENT, "DT_SYMENT") != SYM.size:
            self.fail("unexpected DT_SYMENT")
        dynsym = self.section_of_type(SHT_DYNSYM, symtab, "DT_SYMTAB")
        if dynsym[5] % SYM.size:
            self.fail(".dynsym size is not a multiple of the symbol size")
        sym_offset = self.offset_of(symtab, dynsym[5])
        strsz = self.one(DT_STRSZ, "DT_STRSZ")
        str_offset = self.offset_of(self.one(DT_STRTAB, "DT_STRTAB"), strsz)
        symbols = list(SYM.iter_unpack(self.data[sym_offset:sym_offset + dynsym[5]]))
        return symbols, str_offset, strsz

    def soname(self) -> bytes | None:
        if DT_SONAME not in self.dynamic:
            return None
        _symbols, str_offset, strsz = self.dynamic_symbols()
        return self.string(str_offset, strsz, self.one(DT_SONAME, "DT_SONAME"))


def exported_names(elf: Elf) -> set[bytes]:
    """Every name the loader could bind another object's reference to in `elf`: any non-local
    symbol that is defined, or undefined with a value (an executable's canonical PLT address, which
    glibc's check_match accepts for data references)."""
    symbols, str_offset, strsz = elf.dynamic_symbols()
    names = set()
    for st_name, st_info, _other, st_shndx, st_value, _size in symbols[1:]:
        if st_info >> 4 == STB_LOCAL or (st_shndx == SHN_UNDEF and st_value == 0):
            continue
        names.add(elf.string(str_offset, strsz, st_name))
    return names


LDD_LINE = re.compile(r"^\s*(\S+)(?: => (.+?))? \(0x[0-9a-f]+\)$|^\s*(\S+) => not found$")


def loaded_libraries(root: str, own_soname: str) -> tuple[list[str], bool]:
    """The libraries the real loader maps for `root` (via ldd, so with its RUNPATHs, the cache and
    the default directories), and whether the vDSO is among them. `own_soname` may be missing: it is
    the library being pre-bound, whose own dependencies the caller adds."""
    result = subprocess.run(["ldd", root], capture_output=True, text=True, check=False)
    if result.returncode != 0 and "not found" not in result.stdout:
        raise PrebindError(f"ldd {root} failed: {result.stderr.strip() or result.stdout.strip()}")
    paths, vdso = [], False
    for line in result.stdout.splitlines():
        match = LDD_LINE.match(line)
        if not match:
            raise PrebindError(f"ldd {root}: unexpected output line {line!r}")
        if match.group(3) is not None:
            if match.group(3) != own_soname:
                raise PrebindError(f"ldd {root}: {match.group(3)} not found")
            continue
        name, target = match.group(1), match.group(2)
        if name.startswith("linux-vdso") and target is None:
            vdso = True
        else:
            paths.append(target if target is not None else name)
    return paths, vdso


def vdso_image() -> bytes:
    """This process's vDSO, read from its own memory: the kernel maps the same image into every
    process, and its exports are part of the lookup scope ldd reports."""
    with open("/proc/self/maps", encoding="ascii") as maps:
        for line in maps:
            if line.rstrip().endswith("[vdso]"):
                start, end = (int(part, 16) for part in line.split()[0].split("-"))
                with open("/proc/self/mem", "rb", buffering=0) as memory:
                    memory.seek(start)
                    return memory.read(end - start)
    raise PrebindError("ldd lists a vDSO but /proc/self/maps has none")


def foreign_exports(input_path: str, own_soname: bytes, roots: list[str]) -> dict[bytes, str]:
    """Name -> first object in the load set (other than the input library) that exports it."""
    own = own_soname.decode()
    objects, vdso = [], False
    for root in roots:
        objects.append(root)
        libraries, root_vdso = loaded_libraries(root, own)
        objects += libraries
        vdso |= root_vdso
    libraries, input_vdso = loaded_libraries(input_path, own)
    objects += libraries
    vdso |= input_vdso
    exports: dict[bytes, str] = {}
    seen = set()
    for path in objects:
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        elf = Elf(path, pathlib.Path(real).read_bytes())
        if elf.soname() == own_soname:
            continue
        for name in exported_names(elf):
            exports.setdefault(name, path)
    if vdso:
        for name in exported_names(Elf("[vdso]", vdso_image())):
            exports.setdefault(name, "[vdso]")
    return exports


def relocation_table(elf: Elf, addr_tag: int, size_tag: int, name: str, section_name: str) -> tuple[int, int]:
    """(file offset, entry count) of a RELA table, checked against its section header."""
    addr = elf.one(addr_tag, name)
    size = elf.one(size_tag, name + "SZ")
    if size % RELA.size:
        elf.fail(f"{name} size {size} is not a multiple of the entry size")
    section = elf.section_of_type(SHT_RELA, addr, name)
    if section[5] != size:
        elf.fail(f"{name} size {size} differs from {section_name}'s section size {section[5]}")
    return elf.offset_of(addr, size), size // RELA.size


def check_input(elf: Elf):
    """Rejects every structure whose relocation semantics this tool does not reason about."""
    if elf.e_type != ET_DYN:
        elf.fail("not a shared library (ET_DYN)")
    for tag, name in ((DT_REL, "DT_REL"), (DT_RELR, "DT_RELR"), (DT_TEXTREL, "DT_TEXTREL"),
                      (DT_SYMBOLIC, "DT_SYMBOLIC"), (DT_VERDEF, "DT_VERDEF")):
        if tag in elf.dynamic:
            elf.fail(f"has {name}, which this tool does not handle")
    flags = elf.one(DT_FLAGS, "DT_FLAGS", 0)
    if flags & (DF_SYMBOLIC | DF_TEXTREL):
        elf.fail("DT_FLAGS has DF_SYMBOLIC or DF_TEXTREL, which this tool does not handle")
    if not (flags & DF_BIND_NOW or elf.one(DT_FLAGS_1, "DT_FLAGS_1", 0) & DF_1_NOW or DT_BIND_NOW in elf.dynamic):
        elf.fail("not linked with BIND_NOW: a lazily bound .rela.plt cannot hold RELATIVE entries")
    if elf.one(DT_PLTREL, "DT_PLTREL") != DT_RELA:
        elf.fail("DT_PLTREL is not DT_RELA")
    if elf.one(DT_RELAENT, "DT_RELAENT") != RELA.size:
        elf.fail("unexpected DT_RELAENT")


def prebind(input_path: str, output_path: str, roots: list[str]):
    data = bytearray(pathlib.Path(input_path).read_bytes())
    elf = Elf(input_path, bytes(data))
    check_input(elf)
    own_soname = elf.soname()
    if own_soname is None:
        elf.fail("has no DT_SONAME, so the load set cannot tell it apart")
    symbols, str_offset, strsz = elf.dynamic_symbols()
    versym_offset = elf.offset_of(elf.one(DT_VERSYM, "DT_VERSYM"), 2 * len(symbols))
    versyms = struct.unpack_from(f"<{len(symbols)}H", elf.data, versym_offset)
    exports = foreign_exports(input_path, own_soname, roots)

    rela_offset, rela_count = relocation_table(elf, DT_RELA, DT_RELASZ, "DT_RELA", ".rela.dyn")
    plt_offset, plt_count = relocation_table(elf, DT_JMPREL, DT_PLTRELSZ, "DT_JMPREL", ".rela.plt")
    rela_end = rela_offset + rela_count * RELA.size
    if not (rela_end <= plt_offset or plt_offset + plt_count * RELA.size <= rela_offset):
        elf.fail(".rela.dyn and .rela.plt overlap")
    leading_relative = elf.one(DT_RELACOUNT, "DT_RELACOUNT", 0)
    if leading_relative > rela_count:
        elf.fail("DT_RELACOUNT exceeds the number of .rela.dyn entries")

    converted = collections.Counter()
    skipped = collections.Counter()
    for table_offset, count, table in ((rela_offset, rela_count, ".rela.dyn"), (plt_offset, plt_count, ".rela.plt")):
        for index in range(count):
            position = table_offset + index * RELA.size
            r_offset, r_info, r_addend = RELA.unpack_from(data, position)
            r_type, r_sym = r_info & 0xFFFFFFFF, r_info >> 32
            if table == ".rela.dyn" and index < leading_relative and r_type != R_X86_64_RELATIVE:
                elf.fail(f".rela.dyn entry {index} is within DT_RELACOUNT but not R_X86_64_RELATIVE")
            if table == ".rela.plt" and r_type != R_X86_64_JUMP_SLOT:
                elf.fail(f".rela.plt entry {index} has type {r_type}, expected R_X86_64_JUMP_SLOT only")
            if r_type not in SYMBOLIC_TYPES:
                skipped["not a symbolic relocation"] += 1
                continue
            if r_offset % 8 or not elf.in_load(r_offset):
                elf.fail(f"{table} entry {index} targets {r_offset:#x}, not an aligned address in a segment")
            if r_sym == 0 or r_sym >= len(symbols):
                elf.fail(f"{table} entry {index} refers to symbol index {r_sym} of {len(symbols)}")
            if r_type != R_X86_64_64 and r_addend != 0:
                elf.fail(f"{table} entry {index} ({SYMBOLIC_TYPES[r_type]}) has addend {r_addend}")
            st_name, st_info, st_other, st_shndx, st_value, _size = symbols[r_sym]
            reason = skip_reason(st_info, st_other, st_shndx, st_value, versyms[r_sym])
            if reason is None:
                name = elf.string(str_offset, strsz, st_name)
                if name in exports:
                    reason = "also exported by another object in the load set"
            if reason is not None:
                skipped[f"{SYMBOLIC_TYPES[r_type]}: {reason}"] += 1
                continue
            if not elf.in_load(st_value):
                elf.fail(f"symbol index {r_sym} has value {st_value:#x} outside every segment")
            addend = st_value + (r_addend if r_type == R_X86_64_64 else 0)
            if not -(1 << 63) <= addend < (1 << 63):
                elf.fail(f"{table} entry {index}: the new addend {addend:#x} does not fit 64 bits")
            RELA.pack_into(data, position, r_offset, R_X86_64_RELATIVE, addend)
            converted[SYMBOLIC_TYPES[r_type]] += 1

    write_atomically(output_path, data, os.stat(input_path).st_mode & 0o777)
    report(input_path, output_path, converted, skipped)


def skip_reason(st_info: int, st_other: int, st_shndx: int, st_value: int, versym: int) -> str | None:
    binding, kind = st_info >> 4, st_info & 0xF
    if st_shndx == SHN_UNDEF:
        return "symbol defined elsewhere"
    if st_shndx >= SHN_LORESERVE:
        return "absolute, common or reserved-section symbol"
    if kind == STT_GNU_IFUNC:
        return "IFUNC symbol"
    if kind == STT_TLS:
        return "TLS symbol"
    if kind not in (STT_FUNC, STT_OBJECT):
        return f"symbol type {kind}"
    if binding == STB_GNU_UNIQUE:
        return "GNU_UNIQUE symbol"
    if binding not in (STB_GLOBAL, STB_WEAK):
        return f"symbol binding {binding}"
    if st_other & 0x3 != STV_DEFAULT:
        return "non-default visibility"
    if st_value == 0:
        return "zero-valued symbol (the loader ignores it)"
    if versym & 0x7FFF not in (VER_NDX_LOCAL, VER_NDX_GLOBAL):
        return "versioned symbol"
    return None


def write_atomically(output_path: str, data: bytearray, mode: int):
    directory = os.path.dirname(os.path.abspath(output_path))
    os.makedirs(directory, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".prebind-")
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, output_path)
    except BaseException:
        os.unlink(temporary)
        raise


def report(input_path: str, output_path: str, converted: collections.Counter, skipped: collections.Counter):
    print(f"elf_prebind: {output_path}: converted {sum(converted.values())} relocations of {input_path} "
          f"to R_X86_64_RELATIVE, left {sum(skipped.values())}")
    for kind, count in sorted(converted.items()):
        print(f"  converted {kind}: {count}")
    for reason, count in sorted(skipped.items()):
        print(f"  left {reason}: {count}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", required=True, help="the shared library to pre-bind")
    parser.add_argument("--output", required=True, help="where to write the pre-bound copy")
    parser.add_argument("--load-root", action="append", required=True, dest="roots",
                        help="an executable or module loaded with the library (repeatable)")
    args = parser.parse_args()
    try:
        prebind(args.input, args.output, args.roots)
    except (PrebindError, OSError) as error:
        print(f"elf_prebind: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
