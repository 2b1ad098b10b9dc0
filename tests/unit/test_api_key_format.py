from __future__ import annotations

from slo_engine.domain.api_key import new_raw_key, parse_raw_key


def test_an_issued_key_parses_back_to_its_id_and_secret() -> None:
    raw = new_raw_key()
    text = str(raw)
    assert text.startswith(f"sloe_{raw.key_id}_")
    assert parse_raw_key(text) == raw
    assert len(raw.key_id) == 12


def test_two_keys_never_share_an_id_or_secret() -> None:
    keys = [new_raw_key() for _ in range(200)]
    assert len({k.key_id for k in keys}) == 200
    assert len({k.secret for k in keys}) == 200


def test_text_that_is_not_a_key_is_refused() -> None:
    for text in ("", "sloe_", "sloe_0123456789ab_short", "Bearer abc",
                 "sloe_XYZ456789abc_" + "a" * 43, "sk_live_" + "a" * 40):
        assert parse_raw_key(text) is None
