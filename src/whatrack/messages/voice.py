"""Voice notes: the browser records audio/webm (Opus); WhatsApp plays a voice note (ptt) only
as Ogg/Opus. ffmpeg remuxes the Opus stream into Ogg without re-encoding when it can, and
transcodes to Opus otherwise (a browser that records audio/mp4, for example)."""

from __future__ import annotations

import asyncio
import shutil

from whatrack.errors import VoiceNoteInvalid, VoiceNoteUnavailable

OGG_OPUS = "audio/ogg; codecs=opus"
MAX_SECONDS = 15 * 60


async def _ffmpeg(data: bytes, codec_args: list[str]) -> tuple[int, bytes]:
    proc = await asyncio.create_subprocess_exec(
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-vn", "-t", str(MAX_SECONDS),
        *codec_args, "-f", "ogg", "pipe:1",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(data), timeout=60)
    return proc.returncode or 0, out


async def to_ogg_opus(data: bytes, mime: str) -> bytes:
    """Ogg/Opus bytes for a recording; an Ogg/Opus upload is returned as it is."""
    if mime.split(";")[0].strip().lower() == "audio/ogg":
        return data
    if shutil.which("ffmpeg") is None:
        raise VoiceNoteUnavailable()
    code, out = await _ffmpeg(data, ["-c:a", "copy"])  # webm/opus -> ogg/opus, no quality loss
    if code != 0 or not out:
        code, out = await _ffmpeg(data, ["-c:a", "libopus", "-b:a", "32k", "-ac", "1", "-ar", "48000"])
    if code != 0 or not out:
        raise VoiceNoteInvalid()
    return out
