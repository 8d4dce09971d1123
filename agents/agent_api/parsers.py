"""JSON bodies, gzip-compressed or not, read and decompressed with a hard ceiling (no gzip bombs), and parsed
into nothing PostgreSQL's jsonb would refuse: one parse path for the agent API and the enrolment middleware."""

import json
import math
import re
import zlib

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from agents.errors import PayloadTooLarge
from portal.lib.collector import collector_paused

MAX_JSON_DEPTH = 64
# A lone surrogate can only come from a \u escape: strict UTF-8 decoding refuses an encoded one.
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_READ_CHUNK = 64 * 1024


def read_bounded(stream, limit: int) -> bytes:
    """The whole body, or 413 as soon as it is longer than `limit` (a stream may return less than asked)."""
    if stream is None:
        return b""
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(_READ_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise PayloadTooLarge(f"The body is larger than {limit} bytes.")
    return b"".join(chunks)


def decompress_bounded(data: bytes, limit: int) -> bytes:
    """One gzip member, decompressed to at most `limit` bytes: output stops at limit + 1, never more."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error as exc:
        raise ParseError("The body says it is gzip but is not valid gzip.", code="bad_gzip") from exc
    if len(out) > limit or decompressor.unconsumed_tail:
        raise PayloadTooLarge(f"The result is larger than {limit} bytes uncompressed.")
    if not decompressor.eof:
        raise ParseError("The gzip body is truncated.", code="bad_gzip")
    if decompressor.unused_data:
        raise ParseError("The body has trailing data after the gzip stream.", code="bad_gzip")
    return out


def parse_json(raw: bytes):
    """Parse a JSON body, refusing what jsonb cannot store or what would exhaust the stack.

    Refused with a ParseError (400): invalid UTF-8 or JSON, NaN/Infinity and numbers too large for a double
    (`1e999`), nesting deeper than MAX_JSON_DEPTH, and lone UTF-16 surrogates (`"\\ud800"`). U+0000 is replaced
    with U+FFFD: a device's NUL-padded string must not cost the whole upload.
    """
    if not raw:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise _too_deep() from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"The body is not valid JSON: {exc}", code="bad_json") from exc
    try:
        if _ESCAPED_SURROGATE.search(raw) is not None or not _shallow(data):
            _check(data, 0)  # the slow walk, which finds and names what is refused
    except _Refused as exc:
        raise ParseError(f"{exc.reason} at {_path(exc.path) or 'the top level'}.", code=exc.code) from None
    return without_nul(data) if b"\\u0000" in raw else data


class MaybeGzipJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        limit = settings.AGENT_MAX_UPLOAD_BYTES
        raw = read_bounded(stream, limit)
        if request.headers.get("Content-Encoding", "").lower() == "gzip":
            raw = decompress_bounded(raw, limit)
        request.upload_size = len(raw)
        with collector_paused():  # a fleet's upload: portal.lib.collector (only the parse; the web has threads)
            return parse_json(raw)


def without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    return value


def _refuse_constant(name: str):
    raise ParseError(f"The body has the number {name}; JSON numbers must be finite.", code="non_finite_number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ParseError(f"The body has the number {text[:40]}, too large to store.", code="non_finite_number")
    return value


def _too_deep() -> ParseError:
    return ParseError(f"The body is nested more than {MAX_JSON_DEPTH} levels deep.", code="too_deep")


def _path(reversed_keys: list) -> str:
    """`devices[0].varbinds[2]`; a key is shown escaped (it may hold the very surrogate refused) and cut short."""
    parts = []
    for key in reversed(reversed_keys):
        if isinstance(key, int):
            parts.append(f"[{key}]")
        else:
            parts.append(("." if parts else "") + key[:40].encode("utf-8", "backslashreplace").decode("utf-8"))
    return "".join(parts)


class _Refused(Exception):
    def __init__(self, reason: str, code: str):
        self.reason, self.code, self.path = reason, code, []


def _shallow(value) -> bool:
    """No container nested MAX_JSON_DEPTH deep: one level at a time, containers only (a fleet's upload has
    hundreds of thousands of scalars, which a recursive walk would visit one call each)."""
    level = [value] if type(value) in (dict, list) else []
    for _ in range(MAX_JSON_DEPTH):
        if not level:
            return True
        level = [item for c in level for item in (c.values() if type(c) is dict else c) if type(item) in (dict, list)]
    return not level


def _check(value, depth: int) -> None:
    """Depth and lone surrogates; the path to a refused value is collected on the way out."""
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise _Refused("A string has a lone UTF-16 surrogate", "bad_string") from None
        return
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    if depth >= MAX_JSON_DEPTH:
        raise _too_deep()
    for key, item in items:
        try:
            _check(key, depth + 1)
            _check(item, depth + 1)
        except _Refused as exc:
            exc.path.append(key)
            raise
