"""Phone numbers of leads: display form. Normalisation is WhatsApp addressing (whatsapp/jid.py)."""

from __future__ import annotations

import phonenumbers

from whatrack.whatsapp.jid import normalize_phone

__all__ = ["format_phone", "normalize_phone"]


def _parse(text: str) -> phonenumbers.PhoneNumber | None:
    try:
        number: phonenumbers.PhoneNumber = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    return number


def format_phone(phone_e164: str, home_region: str = "BR") -> str:
    """Display form: national for numbers of `home_region` ("(11) 98888-7777"), international otherwise.

    Anything that does not parse is returned unchanged.
    """
    number = _parse(phone_e164)
    if number is None:
        return phone_e164
    if phonenumbers.region_code_for_number(number) == home_region.upper():
        style = phonenumbers.PhoneNumberFormat.NATIONAL
    else:
        style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return str(phonenumbers.format_number(number, style))
