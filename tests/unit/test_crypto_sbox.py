"""The S-box definitions translate/emit_crypto.py builds its circuits from, against the
standards' tables (FIPS-197 figures 7 and 14; GB/T 32907 for SM4). The emitted circuits meet
qemu 10 over every byte value in tests/differential/test_extensions.py."""

from __future__ import annotations

import pytest

from py_backend.translate import emit_crypto

pytestmark = pytest.mark.all_tiers  # no guest code runs

# Spot values of the published tables: (input, output).
KNOWN = {
    "aes": [(0x00, 0x63), (0x01, 0x7C), (0x53, 0xED), (0xFF, 0x16), (0x9A, 0xB8)],
    "aes_inv": [(0x63, 0x00), (0x7C, 0x01), (0xED, 0x53), (0x16, 0xFF), (0x00, 0x52)],
    "sm4": [(0x00, 0xD6), (0x01, 0x90), (0x0F, 0x05), (0xFF, 0x48), (0x10, 0x2B)],
}


@pytest.mark.parametrize("kind", sorted(KNOWN))
def test_sbox_definitions(kind: str) -> None:
    table = [emit_crypto.sbox(kind, x) for x in range(256)]
    assert sorted(table) == list(range(256))  # a permutation
    assert [(x, table[x]) for x, _ in KNOWN[kind]] == KNOWN[kind]


def test_aes_inverse_sbox_inverts() -> None:
    for x in range(256):
        assert emit_crypto.sbox("aes_inv", emit_crypto.sbox("aes", x)) == x


@pytest.mark.parametrize("kind", sorted(KNOWN))
def test_tower_field_computes_the_same_sbox(kind: str) -> None:
    """The circuits' way (inversion in GF((2^4)^2) between the affine maps), in Python."""
    for x in range(256):
        assert emit_crypto.sbox_by_tower(kind, x) == emit_crypto.sbox(kind, x), hex(x)
