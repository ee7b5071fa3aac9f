"""A Parquet file written one chunk at a time that can be cut back to any chunk and continued.

pyarrow's writer keeps the file's footer (where every row group is) in memory until it closes,
so a file it was writing when a run was killed cannot be read, nor continued. Here each chunk is
encoded by pyarrow on its own (one small Parquet file in memory), its row-group bytes are appended
to the output and its row groups' metadata, moved to where they now are, to a side file. Both
only grow, so a checkpoint can record their lengths; a resumed run cuts both back and continues;
closing the file writes one footer listing every row group. The result is an ordinary Parquet file
(``PAR1``, the row groups, the footer), each chunk's rows written once.

The footer is Thrift's compact protocol (the Parquet format's ``FileMetaData``); the few lines below
read and write it generically and move the byte offsets of row groups, column chunks and pages.
"""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path
from typing import Any

__all__ = ["AppendableParquet", "decode_struct", "encode_struct"]

MAGIC = b"PAR1"

# Thrift compact protocol types.
_TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(1, 13)

# Parquet's field ids (parquet.thrift) of the offsets that move with a row group.
_FILE_ROW_GROUPS, _FILE_NUM_ROWS = 4, 3
_GROUP_COLUMNS, _GROUP_FILE_OFFSET, _GROUP_ORDINAL = 1, 5, 7
_CHUNK_OFFSETS = (2, 4, 6)  # file_offset, offset_index_offset, column_index_offset
_CHUNK_META = 3
_META_OFFSETS = (9, 10, 11, 14)  # data, index and dictionary page offsets, bloom filter offset


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _put_varint(out: bytearray, value: int) -> None:
    while True:
        if value < 0x80:
            out.append(value)
            return
        out.append((value & 0x7F) | 0x80)
        value >>= 7


def _unzigzag(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 63)


def _read(kind: int, data: bytes, pos: int) -> tuple[Any, int]:
    if kind in (_I16, _I32, _I64):
        value, pos = _varint(data, pos)
        return _unzigzag(value), pos
    if kind == _BYTE:
        return data[pos], pos + 1
    if kind == _DOUBLE:
        return data[pos:pos + 8], pos + 8
    if kind == _BINARY:
        size, pos = _varint(data, pos)
        return data[pos:pos + size], pos + size
    if kind in (_LIST, _SET):
        header = data[pos]
        pos += 1
        size, element = header >> 4, header & 0x0F
        if size == 15:
            size, pos = _varint(data, pos)
        items = []
        for _ in range(size):
            if element in (_TRUE, _FALSE):
                items.append(data[pos])
                pos += 1
            else:
                item, pos = _read(element, data, pos)
                items.append(item)
        return (element, items), pos
    if kind == _STRUCT:
        return decode_struct(data, pos)
    raise ValueError(f"unsupported Thrift compact type {kind}")


def decode_struct(data: bytes, pos: int = 0) -> tuple[list[list], int]:
    """A compact-protocol struct as ``[[field id, type, value], ...]`` and the position after it.

    >>> encode_struct(decode_struct(bytes([0x15, 0x04, 0x00]))[0]) == bytes([0x15, 0x04, 0x00])
    True
    """
    fields: list[list] = []
    last = 0
    while True:
        header = data[pos]
        pos += 1
        if header == 0:
            return fields, pos
        kind, delta = header & 0x0F, header >> 4
        if delta:
            field = last + delta
        else:
            raw, pos = _varint(data, pos)
            field = _unzigzag(raw)
        last = field
        if kind in (_TRUE, _FALSE):
            value: Any = kind == _TRUE
        else:
            value, pos = _read(kind, data, pos)
        fields.append([field, kind, value])


def _write(out: bytearray, kind: int, value: Any) -> None:
    if kind in (_I16, _I32, _I64):
        _put_varint(out, _zigzag(value))
    elif kind == _BYTE:
        out.append(value)
    elif kind == _DOUBLE:
        out += value
    elif kind == _BINARY:
        _put_varint(out, len(value))
        out += value
    elif kind in (_LIST, _SET):
        element, items = value
        if len(items) < 15:
            out.append(len(items) << 4 | element)
        else:
            out.append(0xF0 | element)
            _put_varint(out, len(items))
        for item in items:
            if element in (_TRUE, _FALSE):
                out.append(item)
            else:
                _write(out, element, item)
    elif kind == _STRUCT:
        out += encode_struct(value)
    else:
        raise ValueError(f"unsupported Thrift compact type {kind}")


def encode_struct(fields: list[list]) -> bytes:
    """The compact-protocol bytes of a struct read by :func:`decode_struct`."""
    out = bytearray()
    last = 0
    for field, kind, value in fields:
        if kind in (_TRUE, _FALSE):
            kind = _TRUE if value else _FALSE
        if 0 < field - last <= 15:
            out.append((field - last) << 4 | kind)
        else:
            out.append(kind)
            _put_varint(out, _zigzag(field))
        last = field
        if kind not in (_TRUE, _FALSE):
            _write(out, kind, value)
    out.append(0)
    return bytes(out)


def _get(fields: list[list], field: int) -> list | None:
    return next((entry for entry in fields if entry[0] == field), None)


def _need(fields: list[list], field: int) -> list:
    entry = _get(fields, field)
    if entry is None:
        raise ValueError(f"Parquet metadata without its field {field}")
    return entry


def _moved(group: list[list], shift: int) -> list[list]:
    """A RowGroup's metadata with every byte offset in it moved by ``shift``."""
    entry = _get(group, _GROUP_FILE_OFFSET)
    if entry is not None:
        entry[2] += shift
    for chunk in _need(group, _GROUP_COLUMNS)[2][1]:
        for field in _CHUNK_OFFSETS:
            entry = _get(chunk, field)
            if entry is not None:
                entry[2] += shift
        meta = _get(chunk, _CHUNK_META)
        for field in _META_OFFSETS:
            entry = None if meta is None else _get(meta[2], field)
            if entry is not None:
                entry[2] += shift
    return group


def _footer(data: bytes) -> tuple[bytes, int]:
    """A whole Parquet file's footer (its Thrift bytes) and where the footer starts."""
    if data[-4:] != MAGIC:
        raise ValueError("not a Parquet file")
    size = struct.unpack("<I", data[-8:-4])[0]
    start = len(data) - 8 - size
    return data[start:-8], start


class AppendableParquet:
    """``<path>`` (the row groups) and ``<path>.meta`` (their metadata, and first the file's), both
    only appended to; :meth:`state` is how far both are valid, and a state given on opening cuts
    them back to it. :meth:`close` writes the footer and returns the finished file's path.

    >>> parquet = AppendableParquet(Path("output"), {})          # doctest: +SKIP
    >>> parquet.write(table); parquet.close()                     # doctest: +SKIP
    """

    def __init__(self, path: Path, state: dict[str, Any]):
        self.path, self.meta_path = path, path.with_name(path.name + ".meta")
        self.length, self.meta_length = int(state.get("bytes", 0)), int(state.get("meta_bytes", 0))
        for file, length in ((self.path, self.length), (self.meta_path, self.meta_length)):
            have = file.stat().st_size if file.is_file() else 0
            if have < length:
                raise ValueError(f"the checkpoint records {length} bytes of {file.name} but {have} are there")
            with open(file, "ab") as handle:
                handle.truncate(length)
        self._schema = None

    @property
    def written(self) -> bool:
        return self.length > 0

    def _records(self) -> list[bytes]:
        """The side file's records: the first table's schema and file metadata, then row groups."""
        data = self.meta_path.read_bytes()
        records, pos = [], 0
        while pos < len(data):
            size = struct.unpack("<I", data[pos:pos + 4])[0]
            records.append(data[pos + 4:pos + 4 + size])
            pos += 4 + size
        return records

    def _append_records(self, records: list[bytes]) -> None:
        with open(self.meta_path, "ab") as handle:
            for record in records:
                handle.write(struct.pack("<I", len(record)) + record)
        self.meta_length = self.meta_path.stat().st_size

    def write(self, table) -> None:
        """Append a pyarrow Table (cast to the first table's schema, as one Parquet file's tables are)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._schema is None and self.length:
            self._schema = pa.ipc.read_schema(pa.py_buffer(self._records()[0]))
        if self._schema is not None:
            table = table.cast(self._schema)
        buffer = io.BytesIO()
        pq.write_table(table, buffer, row_group_size=max(1, table.num_rows))
        data = buffer.getvalue()
        footer, start = _footer(data)
        meta, _ = decode_struct(footer)
        records = []
        if not self.length:  # the first table: its schema, and the file's metadata without row groups
            self._schema = table.schema
            records = [table.schema.serialize().to_pybytes(),
                       encode_struct([entry for entry in meta if entry[0] != _FILE_ROW_GROUPS])]
        with open(self.path, "ab") as handle:
            if not self.length:
                handle.write(MAGIC)
                self.length = len(MAGIC)
            shift = self.length - len(MAGIC)
            handle.write(data[len(MAGIC):start])
        self.length += start - len(MAGIC)
        groups = _get(meta, _FILE_ROW_GROUPS)
        records += [encode_struct(_moved(group, shift)) for group in (groups[2][1] if groups else [])]
        self._append_records(records)

    def state(self) -> dict[str, Any]:
        return {"bytes": self.length, "meta_bytes": self.meta_length}

    def sync(self) -> None:
        for file in (self.path, self.meta_path):
            with open(file, "rb") as handle:
                os.fsync(handle.fileno())

    def close(self) -> Path:
        """Write the footer: the first table's file metadata with every row group, renumbered."""
        records = self._records()
        meta, _ = decode_struct(records[1])
        groups = [decode_struct(record)[0] for record in records[2:]]
        rows = 0
        for number, group in enumerate(groups):
            rows += _need(group, 3)[2]
            ordinal = _get(group, _GROUP_ORDINAL)
            if ordinal is not None:
                if number < 2**15:
                    ordinal[2] = number
                else:
                    group.remove(ordinal)
        _need(meta, _FILE_NUM_ROWS)[2] = rows
        meta.append([_FILE_ROW_GROUPS, _LIST, (_STRUCT, groups)])
        meta.sort(key=lambda entry: entry[0])
        footer = encode_struct(meta)
        with open(self.path, "ab") as handle:
            handle.write(footer + struct.pack("<I", len(footer)) + MAGIC)
        self.meta_path.unlink()
        return self.path
