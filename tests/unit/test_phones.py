"""Phone normalisation and JIDs (reference §6)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from whatrack.leads.phones import format_phone
from whatrack.whatsapp.jid import bare_jid, is_lid, normalize_phone, phone_from_jid, whatsapp_number


@pytest.mark.parametrize(
    "value",
    [
        "+55 (11) 98888-7777",
        "+5511988887777",
        "5511988887777",
        "55 11 98888 7777",
        "(11) 98888-7777",
        "11988887777",
        "005511988887777",
        "5511988887777@s.whatsapp.net",
        "5511988887777:12@s.whatsapp.net",
        "5511988887777@c.us",
        # Without the ninth digit: the form WhatsApp still uses for many older numbers.
        "+551188887777",
        "551188887777",
        "(11) 8888-7777",
        "551188887777@s.whatsapp.net",
        "551188887777.0:52@s.whatsapp.net",
    ],
)
def test_brazilian_mobile_always_gets_the_ninth_digit(value: str) -> None:
    assert normalize_phone(value) == "+5511988887777"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+55 11 3333-4444", "+551133334444"),  # landline: subscriber starts 2-5, unchanged
        ("551133334444", "+551133334444"),
        ("(21) 2555-1234", "+552125551234"),
        ("+55 21 7555-1234", "+5521975551234"),  # 8-digit mobile starting with 7
        ("+55 87 6555-1234", "+5587965551234"),  # ... and 6
        ("+1 (415) 555-2671", "+14155552671"),
        ("14155552671", "+14155552671"),  # international without '+', not valid as Brazilian
        ("+351 912 345 678", "+351912345678"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_normalize_other_numbers(value: str, expected: str) -> None:
    assert normalize_phone(value) == expected


def test_default_region_is_used_for_national_numbers() -> None:
    assert normalize_phone("(415) 555-2671", default_region="US") == "+14155552671"
    assert normalize_phone("912 345 678", default_region="PT") == "+351912345678"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "123",
        "abc",
        "+55 11 9888",
        "+999 1234567",
        "1-800-FLOWERS",
        "+55 11 98888-7777 ext 12",
        "210987654321098@lid",
        "210987654321098:4@lid",
        "120363023605733675@g.us",
        "status@broadcast",
        "120363144038483540@newsletter",
        "@s.whatsapp.net",
        "9" * 80,
    ],
)
def test_invalid_values_give_none(value: str) -> None:
    assert normalize_phone(value) is None


@pytest.mark.parametrize(
    ("jid", "expected"),
    [
        ("5511988887777@s.whatsapp.net", "+5511988887777"),
        ("5511988887777:12@s.whatsapp.net", "+5511988887777"),
        ("5491155554444.0:52@s.whatsapp.net", "+5491155554444"),
        ("551188887777@c.us", "+5511988887777"),
        ("  5511988887777@S.WHATSAPP.NET ", "+5511988887777"),
        ("210987654321098@lid", None),
        ("5511988887777@lid", None),  # a LID that looks like a number is still not a phone
        ("5511988887777:3@hosted.lid", None),
        ("120363023605733675@g.us", None),
        ("status@broadcast", None),
        ("5511988887777", None),  # not a JID
        ("abc@s.whatsapp.net", None),
        ("", None),
    ],
)
def test_phone_from_jid(jid: str, expected: str | None) -> None:
    assert phone_from_jid(jid) == expected


def test_phone_from_jid_keeps_possible_numbers_the_metadata_does_not_know() -> None:
    # +1 555 01xx numbers are reserved for fiction: possible but not valid.
    assert normalize_phone("+15550100123") is None
    assert phone_from_jid("15550100123@s.whatsapp.net") == "+15550100123"


@pytest.mark.parametrize(
    ("jid", "expected"),
    [
        ("5511988887777:12@s.whatsapp.net", "5511988887777@s.whatsapp.net"),
        ("5491155554444.0:52@s.whatsapp.net", "5491155554444@s.whatsapp.net"),
        ("5511988887777@c.us", "5511988887777@s.whatsapp.net"),
        ("210987654321098:7@lid", "210987654321098@lid"),
        ("120363023605733675@g.us", "120363023605733675@g.us"),
        ("status@broadcast", "status@broadcast"),
        ("5511988887777:3", "5511988887777"),
    ],
)
def test_bare_jid(jid: str, expected: str) -> None:
    assert bare_jid(jid) == expected


def test_is_lid() -> None:
    assert is_lid("210987654321098@lid")
    assert is_lid("210987654321098:3@lid")
    assert is_lid("210987654321098@hosted.lid")
    assert not is_lid("5511988887777@s.whatsapp.net")
    assert not is_lid("210987654321098")


def test_whatsapp_number_is_digits_only() -> None:
    assert whatsapp_number("+5511988887777") == "5511988887777"
    assert whatsapp_number("+55 (11) 98888-7777") == "5511988887777"


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("+5511988887777", "(11) 98888-7777"),
        ("+551133334444", "(11) 3333-4444"),
        ("+14155552671", "+1 415-555-2671"),
        ("+351912345678", "+351 912 345 678"),
        ("not a phone", "not a phone"),
    ],
)
def test_format_phone(phone: str, expected: str) -> None:
    assert format_phone(phone) == expected


def test_format_phone_for_another_home_region() -> None:
    assert format_phone("+14155552671", home_region="US") == "(415) 555-2671"
    assert format_phone("+5511988887777", home_region="US") == "+55 11 98888-7777"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_normalize_never_raises_and_is_idempotent(value: str) -> None:
    result = normalize_phone(value)
    if result is not None:
        assert result.startswith("+") and result[1:].isdigit()
        assert normalize_phone(result) == result
        assert normalize_phone(whatsapp_number(result)) == result


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_jid_helpers_never_raise(value: str) -> None:
    bare_jid(value)
    is_lid(value)
    phone = phone_from_jid(value)
    if is_lid(value):
        assert phone is None
