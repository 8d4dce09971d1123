"""Varbinds as the protocol doc encodes them: printable UTF-8 as str, any other octets as lowercase hex."""

from agent_client.snmp.codec import in_subtree, octets, text_of


def test_printable_utf8_is_a_string() -> None:
    assert octets("Toner (Cyan) · Größe".encode()) == ("str", "Toner (Cyan) · Größe")


def test_non_utf8_bytes_go_as_lowercase_hex() -> None:
    assert octets(b"\xff\xfeAB") == ("hex", "fffe4142")


def test_utf8_with_control_bytes_goes_as_hex() -> None:
    # A MAC address or a NUL-padded serial decodes as UTF-8 but is not text.
    assert octets(b"SER\x00\x00") == ("hex", "5345520000")
    assert octets(b"\x00\x1b\xa9\x0b\xa7\x52")[0] == "hex"


def test_text_of_hex_drops_nul_padding() -> None:
    assert text_of(("1.3.6", "hex", b"SER42\x00\x00".hex())) == "SER42"


def test_subtree_is_by_arc_not_by_string_prefix() -> None:
    assert in_subtree("1.3.6.1.2.1.43.11.1.1.9.1.1", "1.3.6.1.2.1.43.11.1.1.9")
    assert not in_subtree("1.3.6.1.2.1.43.11.1.1.90.1", "1.3.6.1.2.1.43.11.1.1.9")
    assert not in_subtree("1.3.6.1.2.1.43.11.1.1.9", "1.3.6.1.2.1.43.11.1.1.9")
