"""Ad referrals on the wire: a WhatsApp message's `contextInfo` read into a Referral.

Click-to-WhatsApp (CTWA) ads mark the lead's first message with `externalAdReply`
(`sourceType: "ad"`, `sourceID` = ad id, `ctwaClid` = click id for Meta's Conversions API,
`sourceURL`, `ref`, `title`, ...) and/or conversion fields (`conversionSource: "FB_Ads"`,
`ctwaPayload`, ...). Since early 2026 some ad clicks carry only the opaque `ctwaPayload`
(Baileys #2354): still an ad, with no ad id. Every field is optional; keys are matched
exactly first, then case-insensitively (WuzAPI forwards whatsmeow's proto JSON names).
What the referral means for reports (the source and medium names) is attribution/'s business.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

# contextInfo fields that describe an ad conversion (kept verbatim in Referral.details).
CONVERSION_KEYS = (
    "conversionSource",
    "conversionData",
    "conversionDelaySeconds",
    "entryPointConversionSource",
    "entryPointConversionApp",
    "entryPointConversionDelaySeconds",
    "entryPointConversionExternalSource",
    "entryPointConversionExternalMedium",
    "ctwaSignals",
    "ctwaPayload",
    "ctwaClid",
    "smbClientCampaignID",
)
# Inline images (base64 JPEG) are large and useless for reports.
_DROPPED_KEYS = frozenset({"thumbnail", "jpegthumbnail"})
_AD_SOURCE = re.compile(r"(?:^|[^a-z])(?:ads?|ctwa)(?:[^a-z]|$)")
_MAX_DEPTH = 8
_MAX_TEXT = 2048


@dataclass(frozen=True, slots=True)
class Referral:
    """The ad a message came from; `details` is JSON-safe raw data for later reports."""

    # a campaign only when one is known: utm_campaign of the ad's URL, else the ad's `ref`
    # (never the ad's headline: that names a creative, not a campaign)
    campaign: str | None = None
    medium: str | None = None  # utm_medium when the ad's URL has one
    ad_id: str | None = None
    ctwa_clid: str | None = None
    headline: str | None = None  # the ad's title, as WhatsApp shows it on the card
    body: str | None = None
    source_url: str | None = None  # where the ad links to
    thumbnail_url: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def get_key(mapping: Mapping[str, Any], key: str) -> Any:
    """`mapping[key]`, falling back to a case-insensitive match; None when absent."""
    if key in mapping:
        return mapping[key]
    folded = key.casefold()
    for candidate, value in mapping.items():
        if isinstance(candidate, str) and candidate.casefold() == folded:
            return value
    return None


def _text(mapping: Mapping[str, Any], key: str) -> str | None:
    """A non-empty string (numbers are accepted for ids) or None."""
    value = get_key(mapping, key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        value = value.strip()
        return value[:_MAX_TEXT] or None
    return None


def json_safe(value: Any, depth: int = 0) -> Any:
    """A copy made only of dict/list/str/int/float/bool/None (finite floats, bounded depth)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if depth >= _MAX_DEPTH:
        return None
    if isinstance(value, Mapping):
        return {
            str(key): json_safe(item, depth + 1)
            for key, item in value.items()
            if not (isinstance(key, str) and key.casefold() in _DROPPED_KEYS)
        }
    if isinstance(value, list | tuple):
        return [json_safe(item, depth + 1) for item in value]
    return None


def utm_params(url: str | None) -> dict[str, str]:
    """The `utm_*` query parameters of a URL (first value of each), {} when none or unparsable."""
    if not url:
        return {}
    try:
        query = urlsplit(url).query
        parsed = parse_qs(query, keep_blank_values=False)
    except ValueError:
        return {}
    return {
        key.lower(): values[0]
        for key, values in parsed.items()
        if key.lower().startswith("utm_") and values and values[0]
    }


def _url(mapping: Mapping[str, Any], key: str) -> str | None:
    """An http(s) URL or None (a card link must never be javascript: or data:)."""
    value = _text(mapping, key)
    if value is None or not value.lower().startswith(("https://", "http://")):
        return None
    return value


def _looks_like_ad_source(value: str | None) -> bool:
    return value is not None and _AD_SOURCE.search(value.casefold()) is not None


def referral_from_context_info(context_info: Any) -> Referral | None:
    """The ad referral of a message given its `contextInfo` object (any type, tolerated); None
    when the message did not come from an ad."""
    if not isinstance(context_info, Mapping):
        return None
    raw_ad = get_key(context_info, "externalAdReply")
    ad: Mapping[str, Any] = raw_ad if isinstance(raw_ad, Mapping) else {}

    ad_id = _text(ad, "sourceID")
    ctwa_clid = _text(ad, "ctwaClid") or _text(context_info, "ctwaClid")
    source_type = _text(ad, "sourceType")
    is_ad = (
        (source_type is not None and source_type.casefold() == "ad")
        or ad_id is not None
        or ctwa_clid is not None
        or _text(context_info, "ctwaPayload") is not None
        or _looks_like_ad_source(_text(context_info, "conversionSource"))
        or _looks_like_ad_source(_text(context_info, "entryPointConversionSource"))
    )
    if not is_ad:
        return None

    utm = utm_params(_text(ad, "sourceURL"))
    campaign = utm.get("utm_campaign") or _text(ad, "ref")

    details: dict[str, Any] = {}
    if ad:
        details["externalAdReply"] = json_safe(ad)
    for key in CONVERSION_KEYS:
        value = get_key(context_info, key)
        if value is not None:
            details[key] = json_safe(value)
    if utm:
        details["utm"] = utm
    return Referral(
        campaign=campaign,
        medium=utm.get("utm_medium"),
        ad_id=ad_id,
        ctwa_clid=ctwa_clid,
        headline=_text(ad, "title"),
        body=_text(ad, "body"),
        source_url=_url(ad, "sourceURL"),
        thumbnail_url=_url(ad, "thumbnailURL") or _url(ad, "mediaURL"),
        details=details,
    )
