"""JSON bodies, gzip-compressed or not, decompressed with a hard ceiling (no gzip bombs)."""

import json
import zlib

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from agents.errors import PayloadTooLarge


def decompress_bounded(data: bytes, limit: int) -> bytes:
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error as exc:
        raise ParseError("The body says it is gzip but is not valid gzip.", code="bad_gzip") from exc
    if len(out) > limit or decompressor.unconsumed_tail:
        raise PayloadTooLarge(f"The result is larger than {limit} bytes uncompressed.")
    if not decompressor.eof:
        raise ParseError("The gzip body is truncated.", code="bad_gzip")
    return out


class MaybeGzipJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        raw = stream.read() if stream is not None else b""
        if request.headers.get("Content-Encoding", "").lower() == "gzip":
            raw = decompress_bounded(raw, settings.AGENT_MAX_UPLOAD_BYTES)
        request.upload_size = len(raw)
        try:
            data = json.loads(raw.decode("utf-8")) if raw else {}
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"The body is not valid JSON: {exc}", code="bad_json") from exc
        # PostgreSQL's jsonb cannot hold U+0000; a device's NUL-padded string must not cost the whole upload.
        return without_nul(data) if b"\\u0000" in raw else data


def without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    return value
