"""Reading user spreadsheets: CSV/TSV (any common delimiter, BOM, UTF-16, quoting, Excel's ``sep=``
hint line), Excel workbooks (.xlsx/.xlsm, first sheet), JSON arrays, JSONL, YAML.

Rows come out as ``(line_number, {normalized column: text})`` so every later problem can name
the line (for CSV: the line where the record starts; for workbooks: the sheet's row number).
Column names are normalized: lower case, runs of spaces/underscores/dashes -> one space.
"""

from __future__ import annotations

import codecs
import csv
import functools
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError, ReelcartError

MAX_FIELD_CHARS = 1_000_000
READ_CHUNK_BYTES = 1 << 20
SNIFF_CHARS = 65536


@functools.lru_cache(maxsize=4096)
def normalize_column(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", str(name).strip().lstrip("\ufeff")).lower()


def _text_encoding(path: Path) -> str:
    """The file's text encoding, found in one streaming pass (memory does not grow with the file).

    UTF-16 by its byte order mark, UTF-8 (with or without BOM) when every byte decodes, else cp1252
    (what Excel writes on Windows). Empty, blank and binary files are refused.
    """
    with open(path, "rb") as fh:
        head = fh.read(4096)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16"
        if b"\x00" in head:
            raise InputError("binary data, not a text table", path=path)
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        blank = True
        encoding = "utf-8-sig"
        while chunk := fh.read(READ_CHUNK_BYTES):
            blank = blank and not chunk.strip()
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return "cp1252"  # an undecodable byte is not blank either
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            encoding = "cp1252"
    if blank:
        raise InputError("file is empty", path=path)
    return encoding


def _open_text(path: Path, encoding: str):
    # newline="": the csv module sees line endings as written (quoted fields may hold them)
    return open(path, encoding=encoding, errors="replace", newline="")


def _sniff_delimiter(sample: str) -> str:
    header = sample.splitlines()[0] if sample else ""
    # count delimiters outside quoted header cells
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


SEP_HINT = re.compile(r"^\ufeff?\s*sep=(.)\s*$", re.I)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)`` from a CSV/TSV, JSON array, JSONL or YAML list file."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path)
    if path.is_dir():
        raise InputError("is a folder, not a file", path=path)
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if suffix in (".xlsx", ".xlsm") or magic == b"PK\x03\x04":
        yield from _read_xlsx(path)
        return
    if suffix == ".xls":
        raise InputError("old Excel .xls workbooks are not supported; save as .xlsx or CSV", path=path)
    encoding = _text_encoding(path)
    with _open_text(path, encoding) as fh:
        head = fh.read(SNIFF_CHARS)
    stripped = head.lstrip()
    if suffix in (".jsonl", ".ndjson") or (stripped.startswith("{") and _is_json_lines(stripped)):
        yield from _read_jsonl(path, encoding)
    elif suffix == ".json" or stripped.startswith(("[", "{")):
        yield from _read_json(path, encoding)
    elif suffix in (".yaml", ".yml"):
        with _open_text(path, encoding) as fh:
            text = fh.read()
        yield from _read_yaml(path, text)
    else:
        yield from _read_csv(path, encoding, head)


def _read_csv(path: Path, encoding: str, head: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Stream the rows: only the current record is in memory, whatever the file's size."""
    csv.field_size_limit(MAX_FIELD_CHARS)
    first_line = head.split("\n", 1)[0].rstrip("\r")
    hint = SEP_HINT.match(first_line)
    with _open_text(path, encoding) as fh:
        line_shift = 0
        if hint:  # Excel's "sep=;" line names the delimiter
            fh.readline()
            delimiter, line_shift = hint.group(1), 1
        else:
            delimiter = _sniff_delimiter(head)
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError("file is empty", path=path) from None
        except csv.Error as exc:
            raise InputError(f"line 1: unreadable header ({exc})", path=path) from exc
        columns = [normalize_column(h) for h in header]
        if not any(columns):
            raise InputError(f"line {1 + line_shift}: the header row is empty", path=path)
        while True:
            record_line = reader.line_num + 1 + line_shift  # where the next record starts
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(f"line {record_line}: {exc}", path=path) from exc
            if not values or not any(v.strip() for v in values):
                continue
            yield record_line, {c: v.strip() for c, v in zip(columns, values) if c}


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise InputError("reading .xlsx needs openpyxl (pip install openpyxl)", path=path) from exc
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zipfile/openpyxl raise many kinds
        raise InputError(f"not a readable Excel workbook ({type(exc).__name__})", path=path) from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header: list[str] | None = None
        for number, values in enumerate(rows, start=1):
            cells = [_xlsx_cell(v).strip() for v in values]
            if header is None:
                if not any(cells):
                    continue
                header = [normalize_column(c) for c in cells]
                continue
            if not any(cells):
                continue
            yield number, {c: v for c, v in zip(header, cells) if c}
        if header is None:
            raise InputError("the first sheet is empty", path=path)
    finally:
        book.close()


def _is_json_lines(head: str) -> bool:
    """True when the text opens with a whole JSON object on its first line and more lines follow,
    or with one object that holds no list (a JSON document wraps its rows in a list)."""
    first, _, rest = head.partition("\n")
    try:
        item = json.loads(first)
    except json.JSONDecodeError:
        return False
    if not isinstance(item, dict):
        return False
    return bool(rest.strip()) or not any(isinstance(v, list) for v in item.values())


def _read_json(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, str]]]:
    with _open_text(path, encoding) as fh:
        text = fh.read()  # one JSON document: the parser needs all of it (the order reader caps the size)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip().startswith("{"):  # JSON lines after all
            del text
            yield from _read_jsonl(path, encoding)
            return
        raise InputError(f"line {exc.lineno}: invalid JSON ({exc.msg})", path=path) from exc
    del text
    if isinstance(data, dict):
        # {"orders": [...]} or {"products": [...]}: take the first list value
        data = next((v for v in data.values() if isinstance(v, list)), None)
    if not isinstance(data, list):
        raise InputError("JSON must be an array of objects", path=path)
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise InputError(f"item {index}: expected an object, got {type(item).__name__}", path=path)
        yield index, {normalize_column(k): _cell(v).strip() for k, v in item.items()}


def _read_jsonl(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, str]]]:
    with _open_text(path, encoding) as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"line {line_no}: invalid JSON ({exc.msg})", path=path) from exc
            if not isinstance(item, dict):
                raise InputError(f"line {line_no}: expected a JSON object", path=path)
            yield line_no, {normalize_column(k): _cell(v).strip() for k, v in item.items()}


def parse_yaml(text: str, path: Path, error: type[ReelcartError] = InputError) -> Any:
    """``yaml.safe_load``; a broken file is reported on one line with its line number."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise error(f"{where}broken YAML ({problem})", path=path) from exc


def _read_yaml(path: Path, text: str) -> Iterator[tuple[int, dict[str, str]]]:
    data = parse_yaml(text, path)
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), None)
    if not isinstance(data, list):
        raise InputError("YAML must be a list of entries", path=path)
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise InputError(f"entry {index}: expected a mapping", path=path)
        yield index, {normalize_column(k): _cell(v).strip() for k, v in item.items()}


def pick_column(columns: set[str], candidates: tuple[str, ...]) -> str | None:
    for name in candidates:
        if name in columns:
            return name
    return None
