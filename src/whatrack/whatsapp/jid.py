"""WhatsApp addressing: JIDs, LIDs and phone numbers (with Brazil's ninth digit).

The canonical phone of a lead is E.164 ("+5511988887777"). Brazilian mobiles are stored
WITH the ninth digit: WhatsApp still addresses many of them without it
("551188887777@s.whatsapp.net"), and the same person must not become two leads.
A LID ("210987654321098@lid") is an opaque WhatsApp id, never a phone number.
"""

from __future__ import annotations

import functools
import re

import phonenumbers

USER_SERVER = "s.whatsapp.net"
LEGACY_USER_SERVER = "c.us"
LID_SERVERS = frozenset({"lid", "hosted.lid"})

_MAX_INPUT_LENGTH = 64
_JID_USER_DIGITS = re.compile(r"[0-9]{5,15}")
_LETTERS = re.compile(r"[A-Za-z]")
_NON_DIGITS = re.compile(r"[^0-9]")
_BRAZIL = 55


def bare_jid(jid: str) -> str:
    """`user@server` without device/agent suffixes; the legacy `c.us` server becomes `s.whatsapp.net`.

    "5511988887777:12@s.whatsapp.net" and "5511988887777.0:52@c.us" both give
    "5511988887777@s.whatsapp.net". A value without "@" gives only the cut user part.
    """
    user, at, server = jid.strip().partition("@")
    user = user.split(":", 1)[0].split(".", 1)[0]
    if not at:
        return user
    server = server.strip().lower()
    if server == LEGACY_USER_SERVER:
        server = USER_SERVER
    return f"{user}@{server}"


def jid_server(jid: str) -> str:
    """The server part of a JID after normalisation ("" when there is none)."""
    return bare_jid(jid).partition("@")[2]


def is_lid(jid: str) -> bool:
    """True for WhatsApp's hidden ids (`@lid`, `@hosted.lid`), which are not phone numbers."""
    return jid_server(jid) in LID_SERVERS


def _jid_phone_digits(jid: str) -> str | None:
    user, _, server = bare_jid(jid).partition("@")
    if server != USER_SERVER or not _JID_USER_DIGITS.fullmatch(user):
        return None
    return user


def _parse(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        number: phonenumbers.PhoneNumber = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number


def _with_ninth_digit(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber:
    """Brazilian mobile written the pre-2016 way (8-digit subscriber starting 6-9) → with the 9."""
    if number.country_code != _BRAZIL:
        return number
    national = str(number.national_number)
    if len(national) == 10 and national[2] in "6789":
        return phonenumbers.PhoneNumber(country_code=_BRAZIL, national_number=int(national[:2] + "9" + national[2:]))
    return number


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalize_phone(value: str, default_region: str = "BR") -> str | None:
    """Any human or WhatsApp spelling of a phone number → E.164, or None if it is not a valid number.

    Accepts "+55 (11) 98888-7777", "11 98888-7777" (national, in `default_region`),
    "5511988887777" (international without "+"), "005511988887777" and phone JIDs.
    LIDs, groups and other non-phone JIDs give None.
    """
    text = value.strip()
    if not text or len(text) > _MAX_INPUT_LENGTH:
        return None
    if "@" in text:
        jid_digits = _jid_phone_digits(text)
        if jid_digits is None:
            return None
        text = "+" + jid_digits
    if _LETTERS.search(text):
        return None
    digits = _NON_DIGITS.sub("", text)
    if not 3 <= len(digits) <= 17:
        return None
    if text.startswith("+"):
        candidates = ["+" + digits]
    elif digits.startswith("00"):
        candidates = ["+" + digits[2:]]
    else:
        # National spelling first ("11 98888-7777"), then international without the "+".
        candidates = [digits, "+" + digits]
    for candidate in candidates:
        number = _parse(candidate, default_region)
        if number is None:
            continue
        number = _with_ninth_digit(number)
        if phonenumbers.is_valid_number(number):
            return _e164(number)
    return None


@functools.lru_cache(maxsize=16384)
def phone_from_jid(jid: str) -> str | None:
    """E.164 phone of a phone-number JID (`@s.whatsapp.net` / `@c.us`); None for LIDs, groups, etc.

    WhatsApp only hands out phone JIDs for real numbers, so a number that the `phonenumbers`
    metadata does not (yet) know as valid is still returned when its length is possible for
    its country. Cached: every webhook asks it for a JID it has likely seen (phonenumbers
    costs ~70 us a call, a third of parsing a webhook).
    """
    digits = _jid_phone_digits(jid)
    if digits is None:
        return None
    normalized = normalize_phone("+" + digits)
    if normalized is not None:
        return normalized
    number = _parse("+" + digits, None)
    if number is not None and phonenumbers.is_possible_number(number):
        return _e164(_with_ninth_digit(number))
    return None


def whatsapp_number(phone_e164: str) -> str:
    """The digits WuzAPI expects in `Phone` ("+55 11 98888-7777" → "5511988887777")."""
    return _NON_DIGITS.sub("", phone_e164)


def user_jid(phone_e164: str) -> str:
    """The phone JID of an E.164 number ("+5511988887777" -> "5511988887777@s.whatsapp.net")."""
    return f"{whatsapp_number(phone_e164)}@{USER_SERVER}"


def chat_address(remote_jid: str | None, phone_e164: str | None) -> str:
    """Where to send to a contact: the JID it wrote from, else the digits of its phone."""
    return remote_jid or whatsapp_number(phone_e164 or "")


def chat_jid(remote_jid: str | None, phone_e164: str | None) -> str:
    """The contact's chat JID: the one it wrote from, else its phone JID."""
    return remote_jid or user_jid(phone_e164 or "")
