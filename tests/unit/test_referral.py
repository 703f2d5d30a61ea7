"""Ad-referral attribution from a message's contextInfo (reference §3.10, Baileys #2354)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from whatrack.attribution.referral import AdFacts, Origin, direct_origin, origin_from_context_info
from whatrack.whatsapp.referral import get_key, json_safe, utm_params


@pytest.mark.parametrize(
    "context_info",
    [
        None,
        "x",
        [],
        {},
        {"stanzaID": "3EB0AAAA1111", "participant": "5511988887777@s.whatsapp.net"},
        {"externalAdReply": {"title": "Link preview", "sourceType": "url"}},
        {"entryPointConversionSource": "click_to_chat_link", "entryPointConversionApp": "whatsapp"},
        {"entryPointConversionSource": "global_search_new_chat"},
        {"conversionSource": "status"},
        {"externalAdReply": "not an object"},
    ],
)
def test_not_an_ad(context_info: Any) -> None:
    assert origin_from_context_info(context_info) == Origin(source="whatsapp")
    assert not origin_from_context_info(context_info).is_ad


def test_direct_origin() -> None:
    origin = direct_origin()
    assert origin == Origin(source="whatsapp", campaign=None, medium=None, ad_id=None, ctwa_clid=None, details={})


def test_full_external_ad_reply() -> None:
    origin = origin_from_context_info(
        {
            "externalAdReply": {
                "title": "Agende já",
                "sourceType": "ad",
                "sourceID": "120212345678900123",
                "sourceURL": "https://fb.me/x?utm_source=facebook&utm_medium=cpc&utm_campaign=verao",
                "ctwaClid": "Afc3R8",
                "thumbnail": "/9j/4AAQ...",
                "thumbnailURL": "https://scontent.xx.fbcdn.net/thumb.jpg",
                "mediaType": 1,
            },
            "conversionSource": "FB_Ads",
            "stanzaID": "ignored",
        }
    )
    assert origin == Origin(
        source="meta_ads",
        campaign="verao",
        medium="cpc",
        ad_id="120212345678900123",
        ctwa_clid="Afc3R8",
        ad=AdFacts(
            headline="Agende já",
            body=None,
            source_url="https://fb.me/x?utm_source=facebook&utm_medium=cpc&utm_campaign=verao",
            thumbnail_url="https://scontent.xx.fbcdn.net/thumb.jpg",
        ),
        details={
            "externalAdReply": {
                "title": "Agende já",
                "sourceType": "ad",
                "sourceID": "120212345678900123",
                "sourceURL": "https://fb.me/x?utm_source=facebook&utm_medium=cpc&utm_campaign=verao",
                "ctwaClid": "Afc3R8",
                "thumbnailURL": "https://scontent.xx.fbcdn.net/thumb.jpg",
                "mediaType": 1,
            },
            "conversionSource": "FB_Ads",
            "utm": {"utm_source": "facebook", "utm_medium": "cpc", "utm_campaign": "verao"},
        },
    )
    assert origin.is_ad


@pytest.mark.parametrize(
    ("ad", "campaign"),
    [
        (
            {
                "sourceType": "ad",
                "sourceURL": "https://x.example/?utm_campaign=c1",
                "ref": "r1",
                "title": "t1",
            },
            "c1",
        ),
        ({"sourceType": "ad", "sourceURL": "https://x.example/?a=b", "ref": "r1", "title": "t1"}, "r1"),
        # the headline names a creative, not a campaign: no campaign is known
        ({"sourceType": "ad", "ref": "", "title": "t1"}, None),
        ({"sourceType": "ad"}, None),
    ],
)
def test_campaign_precedence(ad: dict[str, Any], campaign: str | None) -> None:
    origin = origin_from_context_info({"externalAdReply": ad})
    assert origin.campaign == campaign
    assert origin.medium == "ctwa"


@pytest.mark.parametrize(
    "context_info",
    [
        {"externalAdReply": {"sourceType": "AD"}},
        {"externalAdReply": {"sourceID": "123"}},
        {"externalAdReply": {"ctwaClid": "abc"}},
        {"ctwaClid": "abc"},
        {"conversionSource": "FB_Ads"},
        {"conversionSource": "IG_Ads"},
        {"entryPointConversionSource": "ctwa_ad"},
        {"ctwaPayload": "AQHx9kZ0c3Rf"},  # Baileys #2354: opaque payload only
    ],
)
def test_any_ad_marker_makes_it_meta_ads(context_info: dict[str, Any]) -> None:
    origin = origin_from_context_info(context_info)
    assert origin.source == "meta_ads"
    assert origin.medium == "ctwa"


def test_keys_are_matched_case_insensitively() -> None:
    origin = origin_from_context_info(
        {
            "ExternalAdReply": {
                "sourceId": "55",
                "SourceURL": "https://x.example/?UTM_CAMPAIGN=up",
                "CTWACLID": "k",
            }
        }
    )
    assert (origin.source, origin.ad_id, origin.campaign, origin.ctwa_clid) == ("meta_ads", "55", "up", "k")


def test_numeric_ad_id_becomes_text_and_bools_are_not_ids() -> None:
    assert origin_from_context_info({"externalAdReply": {"sourceID": 120212345678900123}}).ad_id == (
        "120212345678900123"
    )
    assert origin_from_context_info({"externalAdReply": {"sourceID": True}}) == Origin(source="whatsapp")


def test_details_are_json_safe() -> None:
    nested: dict[str, Any] = {"a": math.nan}
    for _ in range(20):
        nested = {"n": nested}
    origin = origin_from_context_info(
        {"externalAdReply": {"sourceType": "ad", "x": math.inf, "deep": nested, "list": [1, math.nan]}}
    )
    encoded = json.dumps(origin.details, allow_nan=False)
    assert '"x": null' in encoded


def test_json_safe() -> None:
    assert json_safe({"a": (1, 2), "b": {1: "x"}, "thumbnail": "big", "JPEGThumbnail": "big"}) == {
        "a": [1, 2],
        "b": {"1": "x"},
    }
    assert json_safe(object()) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (None, {}),
        ("", {}),
        ("https://fb.me/x", {}),
        ("https://fb.me/x?utm_source=fb&utm_medium=&ref=1", {"utm_source": "fb"}),
        ("https://fb.me/x?utm_campaign=a&utm_campaign=b", {"utm_campaign": "a"}),
        ("http://[::1", {}),  # urlsplit raises ValueError
    ],
)
def test_utm_params(url: str | None, expected: dict[str, str]) -> None:
    assert utm_params(url) == expected


def test_get_key() -> None:
    assert get_key({"stanzaID": 1}, "stanzaID") == 1
    assert get_key({"stanzaId": 2}, "stanzaID") == 2
    assert get_key({"other": 3}, "stanzaID") is None


def test_ad_facts_kept_apart_from_campaign() -> None:
    origin = origin_from_context_info(
        {
            "externalAdReply": {
                "sourceType": "ad",
                "sourceID": "77",
                "title": "Promoção de verão",
                "body": "Fale conosco",
                "sourceURL": "javascript:alert(1)",
                "thumbnailURL": "https://cdn.example/t.jpg",
            }
        }
    )
    assert origin.campaign is None and origin.ad_id == "77"
    assert origin.ad == AdFacts("Promoção de verão", "Fale conosco", None, "https://cdn.example/t.jpg")
