"""Checks that a reference Zeebe gateway protocol is a wire-compatible subset of ours.

Invoked by check.sh (see there for what is compared and why). Each reference is given as
`LABEL=PATH`, either a generated `*_pb2.py` (its serialized FileDescriptorProto is read from the
source, never imported) or a `.proto` file compiled with grpcio-tools. Prints one line per
difference and exits 1 if any reference is not contained in ours.
"""

from __future__ import annotations

import argparse
import ast
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from google.protobuf import descriptor_pb2
from grpc_tools import protoc

FDP = descriptor_pb2.FieldDescriptorProto
TYPE_NAMES = {v: k for k, v in FDP.Type.items()}
LABEL_NAMES = {v: k for k, v in FDP.Label.items()}


class SetupError(Exception):
    """A reference or our file could not be loaded; not a compatibility verdict."""


@dataclass(frozen=True)
class Field:
    number: int
    type: str
    label: str
    type_name: str
    oneof: str | None
    proto3_optional: bool

    def describe(self) -> str:
        parts = [f"#{self.number}", self.label, self.type]
        if self.type_name:
            parts.append(self.type_name)
        if self.proto3_optional:
            parts.append("proto3-optional")
        elif self.oneof:
            parts.append(f"oneof {self.oneof}")
        return " ".join(parts)


@dataclass(frozen=True)
class Method:
    input_type: str
    output_type: str
    client_streaming: bool
    server_streaming: bool

    def describe(self) -> str:
        def side(type_name: str, streaming: bool) -> str:
            return f"stream {type_name}" if streaming else type_name

        return (
            f"({side(self.input_type, self.client_streaming)}) returns "
            f"({side(self.output_type, self.server_streaming)})"
        )


@dataclass
class Schema:
    """Flattened view of a file: everything keyed by fully qualified name."""

    package: str
    messages: dict[str, dict[str, Field]]
    enums: dict[str, dict[str, int]]
    methods: dict[str, Method]


def flatten(file: descriptor_pb2.FileDescriptorProto) -> Schema:
    schema = Schema(package=file.package, messages={}, enums={}, methods={})
    prefix = f".{file.package}" if file.package else ""

    def add_enum(scope: str, enum: descriptor_pb2.EnumDescriptorProto) -> None:
        schema.enums[f"{scope}.{enum.name}"] = {v.name: v.number for v in enum.value}

    def add_message(scope: str, message: descriptor_pb2.DescriptorProto) -> None:
        full = f"{scope}.{message.name}"
        fields = {}
        for f in message.field:
            oneof = message.oneof_decl[f.oneof_index].name if f.HasField("oneof_index") else None
            fields[f.name] = Field(
                number=f.number,
                type=TYPE_NAMES[f.type],
                label=LABEL_NAMES[f.label],
                type_name=f.type_name,
                oneof=oneof,
                proto3_optional=f.proto3_optional,
            )
        schema.messages[full] = fields
        for nested in message.nested_type:
            add_message(full, nested)
        for enum in message.enum_type:
            add_enum(full, enum)

    for message in file.message_type:
        add_message(prefix, message)
    for enum in file.enum_type:
        add_enum(prefix, enum)
    for service in file.service:
        for m in service.method:
            schema.methods[f"{prefix}.{service.name}/{m.name}"] = Method(
                input_type=m.input_type,
                output_type=m.output_type,
                client_streaming=m.client_streaming,
                server_streaming=m.server_streaming,
            )
    return schema


def compile_proto(path: Path) -> descriptor_pb2.FileDescriptorProto:
    if not path.is_file():
        raise SetupError(f"{path}: no such file")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "set.pb"
        well_known = Path(protoc.__file__).parent / "_proto"
        rc = protoc.main(
            [
                "protoc",
                f"-I{path.parent}",
                f"-I{well_known}",
                f"--descriptor_set_out={out}",
                str(path),
            ]
        )
        if rc != 0:
            raise SetupError(f"{path}: protoc failed with exit code {rc} (see message above)")
        descriptor_set = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    for file in descriptor_set.file:
        if Path(file.name).name == path.name:
            return file
    raise SetupError(f"{path}: protoc produced no descriptor for the file")


def read_pb2(path: Path) -> descriptor_pb2.FileDescriptorProto:
    """Extracts the bytes passed to `AddSerializedFile(...)` in generated Python code."""
    if not path.is_file():
        raise SetupError(f"{path}: no such file")
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "AddSerializedFile"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, bytes)
        ):
            return descriptor_pb2.FileDescriptorProto.FromString(node.args[0].value)
    raise SetupError(f"{path}: no AddSerializedFile(b'...') call found")


def missing_from(ours: Schema, theirs: Schema) -> list[str]:
    """Every way in which `theirs` is not contained in `ours`, one human-readable line each."""
    problems = []
    if ours.package != theirs.package:
        problems.append(f"package: theirs {theirs.package!r}, ours {ours.package!r}")

    for name, method in sorted(theirs.methods.items()):
        mine = ours.methods.get(name)
        if mine is None:
            problems.append(f"rpc {name}: missing (theirs {method.describe()})")
        elif mine != method:
            problems.append(
                f"rpc {name}: theirs {method.describe()}, ours {mine.describe()}"
            )

    for name, fields in sorted(theirs.messages.items()):
        mine = ours.messages.get(name)
        if mine is None:
            problems.append(f"message {name}: missing")
            continue
        for field_name, field in sorted(fields.items(), key=lambda kv: kv[1].number):
            my_field = mine.get(field_name)
            if my_field is None:
                by_number = [n for n, f in mine.items() if f.number == field.number]
                hint = f" (our #{field.number} is {by_number[0]!r})" if by_number else ""
                problems.append(
                    f"field {name}.{field_name}: missing (theirs {field.describe()}){hint}"
                )
            elif my_field != field:
                problems.append(
                    f"field {name}.{field_name}: theirs {field.describe()}, "
                    f"ours {my_field.describe()}"
                )

    for name, values in sorted(theirs.enums.items()):
        mine = ours.enums.get(name)
        if mine is None:
            problems.append(f"enum {name}: missing")
            continue
        for value_name, number in sorted(values.items(), key=lambda kv: kv[1]):
            if value_name not in mine:
                problems.append(f"enum value {name}.{value_name}: missing (theirs = {number})")
            elif mine[value_name] != number:
                problems.append(
                    f"enum value {name}.{value_name}: theirs = {number}, ours = {mine[value_name]}"
                )
    return problems


def split_reference(arg: str) -> tuple[str, Path]:
    label, sep, path = arg.partition("=")
    if not sep or not label or not path:
        raise argparse.ArgumentTypeError(f"expected LABEL=PATH, got {arg!r}")
    return label, Path(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ours", type=Path, required=True)
    parser.add_argument("--reference-pb2", type=split_reference, action="append", default=[])
    parser.add_argument("--reference-proto", type=split_reference, action="append", default=[])
    args = parser.parse_args()

    try:
        ours = flatten(compile_proto(args.ours))
        references = [(label, read_pb2(path)) for label, path in args.reference_pb2]
        references += [(label, compile_proto(path)) for label, path in args.reference_proto]
    except SetupError as error:
        print(f"proto-compat: setup failed: {error}", file=sys.stderr)
        return 2
    if not references:
        print("proto-compat: no reference given", file=sys.stderr)
        return 2

    failed = False
    for label, file in references:
        theirs = flatten(file)
        problems = missing_from(ours, theirs)
        counts = (
            f"{len(theirs.methods)} rpcs, {len(theirs.messages)} messages, "
            f"{sum(len(f) for f in theirs.messages.values())} fields, "
            f"{sum(len(v) for v in theirs.enums.values())} enum values"
        )
        if problems:
            failed = True
            print(f"FAIL {label}: {len(problems)} incompatibilities ({counts} checked)")
            for problem in problems:
                print(f"  - {problem}")
        else:
            print(f"ok   {label}: {counts} all present and identical in ours")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
