import { useEffect, useRef } from "react";
import type { Message } from "../../api/types";
import { Icon } from "../../components/ui/Icon";
import { useFormat } from "../../i18n/format";
import { useT } from "../../i18n/i18n";
import { mediaUrl, typeLabel } from "./MessageContent";

/**
 * An image at full size (a modal <dialog>, shown while mounted): captioned with who sent it and
 * when (never the stored file name), a download link and a close button; Esc, a click on the
 * backdrop or on the image close it too.
 */
export function Lightbox({ message: m, author, onClose }: { message: Message; author: string; onClose: () => void }) {
  const t = useT();
  const f = useFormat();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (!d.open) {
      if (typeof d.showModal === "function") d.showModal();
      else d.setAttribute("open", "");
    }
    return () => {
      if (d.open && typeof d.close === "function") d.close();
    };
  }, []);
  const when = m.sentAt || m.createdAt;
  const url = mediaUrl(m);
  return (
    <dialog
      ref={ref}
      className="lightbox"
      data-testid="lightbox"
      aria-label={t("msg.imageFrom", { name: author })}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation(); // the inbox's Esc (close the chat) must not fire as well
          onClose();
        }
      }}
      onClick={(e) => {
        if (e.target === ref.current) onClose();
      }}
    >
      <div className="lightbox-bar">
        <div className="lightbox-caption" data-testid="lightbox-caption">
          <span className="lightbox-author">{author}</span>
          <time dateTime={when}>{f.dateTime(when)}</time>
        </div>
        {/* same-origin media: the browser saves it; the server's Content-Disposition still rules */}
        <a className="icon-btn" href={url} download={m.media?.fileName ?? true} aria-label={t("msg.downloadImage")} title={t("msg.downloadImage")} data-testid="lightbox-download">
          <Icon name="download" />
        </a>
        <button type="button" className="icon-btn" onClick={onClose} aria-label={t("msg.closeImage")} title={t("msg.closeImage")} data-testid="lightbox-close" autoFocus>
          <Icon name="close" />
        </button>
      </div>
      <img src={url} alt={m.content || typeLabel(m.messageType, t)} className="lightbox-img" onClick={onClose} />
    </dialog>
  );
}
