import { useState } from "react";
import type { Message, MessageType } from "../../api/types";
import { API_BASE } from "../../api/client";
import { Icon } from "../../components/ui/Icon";
import { RichText } from "../../components/ui/RichText";
import { useLang, useT, type TFunction } from "../../i18n/i18n";
import { formatFileSize } from "../../lib/time";
import { formatPhone } from "../../lib/phone";
import { emojiOnlyCount, foldText } from "./reading";
import { Lightbox } from "./Lightbox";

/** A message's text: long ones folded with "Ler mais", 1-3 emoji alone shown enlarged. */
export function MessageText({ text, enlarge = true }: { text: string; enlarge?: boolean }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const big = enlarge ? emojiOnlyCount(text) : 0;
  if (big > 0) {
    return (
      <div className={`bubble-text emoji-only emoji-only-${big}`} data-emoji-only={big}>
        {text.trim()}
      </div>
    );
  }
  const head = foldText(text);
  return (
    <div className="bubble-text">
      <RichText text={head && !open ? head : text} />
      {head && (
        <button type="button" className="link-btn read-more" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="read-more">
          {open ? t("chat.readLess") : t("chat.readMore")}
        </button>
      )}
    </div>
  );
}

export function typeLabel(type: MessageType, t: TFunction): string {
  switch (type) {
    case "IMAGE":
      return t("msg.image");
    case "VIDEO":
      return t("msg.video");
    case "AUDIO":
      return t("msg.audio");
    case "DOCUMENT":
      return t("msg.document");
    case "STICKER":
      return t("msg.sticker");
    case "LOCATION":
      return t("msg.location");
    case "CONTACT":
      return t("msg.contact");
    default:
      return "";
  }
}

export function mediaUrl(m: Message): string {
  return m.media?.url || `${API_BASE}/media/${m.id}`;
}

function num(v: unknown): number | null {
  const n = typeof v === "string" ? parseFloat(v) : typeof v === "number" ? v : NaN;
  return Number.isFinite(n) ? n : null;
}

/** Location from metadata {latitude, longitude} (or lat/lng), else "lat,lng" in content. */
export function locationOf(m: Message): { lat: number; lng: number; name: string | null } | null {
  const md = m.metadata ?? {};
  const lat = num(md.latitude ?? md.lat);
  const lng = num(md.longitude ?? md.lng);
  const name = typeof md.name === "string" ? md.name : typeof md.address === "string" ? md.address : null;
  if (lat !== null && lng !== null) return { lat, lng, name };
  const match = /(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)/.exec(m.content ?? "");
  if (match) return { lat: parseFloat(match[1]!), lng: parseFloat(match[2]!), name: null };
  return null;
}

/** Contact card: metadata {displayName, vcard} or a vCard in content. */
export function contactOf(m: Message): { name: string; phone: string | null } {
  const md = m.metadata ?? {};
  const vcard = typeof md.vcard === "string" ? md.vcard : (m.content ?? "");
  const fn = /^FN[^:]*:(.*)$/m.exec(vcard)?.[1]?.trim();
  const tel = /^(?:item\d+\.)?TEL[^:]*:(.*)$/m.exec(vcard)?.[1]?.trim() ?? null;
  const display = typeof md.displayName === "string" ? md.displayName : null;
  return { name: display || fn || (vcard.startsWith("BEGIN:") ? "" : vcard), phone: tel };
}

/** `author`: who sent it, as the chat names them (the lightbox's caption). */
export function MessageContent({ message: m, author }: { message: Message; author?: string | undefined }) {
  const t = useT();
  const [lang] = useLang();
  const [zoom, setZoom] = useState(false);
  const caption = m.content ? <MessageText text={m.content} enlarge={false} /> : null;
  switch (m.messageType) {
    case "TEXT":
      return m.content ? <MessageText text={m.content} /> : <div className="bubble-text" />;
    case "IMAGE":
    case "STICKER":
      return (
        <>
          <button className="media-btn" onClick={() => setZoom(true)} aria-label={t("msg.openImage")}>
            <img src={mediaUrl(m)} alt={m.content || typeLabel(m.messageType, t)} loading="lazy" className={m.messageType === "STICKER" ? "sticker" : "bubble-img"} />
          </button>
          {m.messageType === "IMAGE" && caption}
          {zoom && <Lightbox message={m} author={author ?? typeLabel(m.messageType, t)} onClose={() => setZoom(false)} />}
        </>
      );
    case "AUDIO":
      return <audio controls preload="none" src={mediaUrl(m)} className="bubble-audio" />;
    case "VIDEO":
      return (
        <>
          <video controls preload="metadata" src={mediaUrl(m)} className="bubble-video" />
          {caption}
        </>
      );
    case "DOCUMENT":
      return (
        <>
          <div className="doc">
            <Icon name="doc" size={30} />
            <div className="doc-info">
              <div className="doc-name">{m.media?.fileName ?? t("msg.document")}</div>
              <div className="doc-size">{formatFileSize(m.media?.size, lang)}</div>
            </div>
            <a href={mediaUrl(m)} download={m.media?.fileName ?? true} className="link-btn" data-testid="document-download">
              {t("msg.download")}
            </a>
          </div>
          {caption && m.content !== m.media?.fileName ? caption : null}
        </>
      );
    case "LOCATION": {
      const loc = locationOf(m);
      return (
        <div className="location">
          <Icon name="pin" />
          {loc ? (
            <a href={`https://www.google.com/maps?q=${loc.lat},${loc.lng}`} target="_blank" rel="noopener noreferrer">
              {loc.name ?? t("msg.location")}
            </a>
          ) : (
            <span>{m.content}</span>
          )}
        </div>
      );
    }
    case "CONTACT": {
      const c = contactOf(m);
      return (
        <div className="contact-card">
          <Icon name="person" />
          <div>
            <div className="doc-name">{c.name || t("msg.contact")}</div>
            {c.phone && <div className="doc-size">{formatPhone(c.phone)}</div>}
          </div>
        </div>
      );
    }
    default:
      return caption;
  }
}
