"""Where a conversation came from: the Origin a ticket carries (source, campaign, medium, ad).

The wire format of ad referrals is read by whatsapp/referral.py; this module gives it its
meaning for reports: an ad referral is a Meta ads click ("meta_ads", medium "ctwa" unless the
ad's URL names one), anything else a plain WhatsApp conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from whatrack.whatsapp.referral import Referral, referral_from_context_info

SOURCE_META_ADS = "meta_ads"
SOURCE_WHATSAPP = "whatsapp"
SOURCE_OUTBOUND = "outbound"
MEDIUM_CTWA = "ctwa"


@dataclass(frozen=True, slots=True)
class AdFacts:
    """The Click-to-WhatsApp ad as the lead saw it: the card the chat shows."""

    headline: str | None = None
    body: str | None = None
    source_url: str | None = None
    thumbnail_url: str | None = None


@dataclass(frozen=True, slots=True)
class Origin:
    """Marketing origin of a message; `details` is JSON-safe raw data for later reports."""

    source: str = SOURCE_WHATSAPP
    campaign: str | None = None
    medium: str | None = None
    ad_id: str | None = None
    ctwa_clid: str | None = None
    ad: AdFacts | None = None  # what the ad showed (Click-to-WhatsApp), kept apart from campaign
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def is_ad(self) -> bool:
        return self.source == SOURCE_META_ADS


def direct_origin() -> Origin:
    """A message that did not come from an ad."""
    return Origin(source=SOURCE_WHATSAPP)


# A conversation we started (a message sent from the app or the phone).
OUTBOUND = Origin(source=SOURCE_OUTBOUND)


def origin_of(referral: Referral | None) -> Origin:
    """The Origin of a message that carried `referral` (None: not from an ad)."""
    if referral is None:
        return direct_origin()
    return Origin(
        source=SOURCE_META_ADS,
        campaign=referral.campaign,
        medium=referral.medium or MEDIUM_CTWA,
        ad_id=referral.ad_id,
        ctwa_clid=referral.ctwa_clid,
        ad=AdFacts(referral.headline, referral.body, referral.source_url, referral.thumbnail_url),
        details=referral.details,
    )


def origin_from_context_info(context_info: Any) -> Origin:
    """The Origin of a message given its `contextInfo` object (any type, tolerated)."""
    return origin_of(referral_from_context_info(context_info))
