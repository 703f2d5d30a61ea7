import type { Ticket } from "../../api/types";
import { useT } from "../../i18n/i18n";

/** The Click-to-WhatsApp ad a ticket came from, as WhatsApp shows it above the lead's first
 * message: thumbnail, headline, body and the ad's link. */
export function AdCard({ ticket }: { ticket: Pick<Ticket, "adHeadline" | "adBody" | "adSourceUrl" | "adThumbnailUrl" | "adId"> }) {
  const t = useT();
  if (!ticket.adHeadline && !ticket.adSourceUrl && !ticket.adThumbnailUrl) return null;
  const safe = (url: string | null | undefined) => (url && /^https?:\/\//i.test(url) ? url : null);
  const link = safe(ticket.adSourceUrl);
  const thumb = safe(ticket.adThumbnailUrl);
  return (
    <div className="ad-card" data-testid="ad-card">
      {thumb && <img className="ad-card-thumb" src={thumb} alt="" loading="lazy" referrerPolicy="no-referrer" onError={(e) => (e.currentTarget.hidden = true)} />}
      <div className="ad-card-text">
        <div className="ad-card-label">{t("ad.fromAd")}</div>
        {ticket.adHeadline && <strong className="ad-card-headline">{ticket.adHeadline}</strong>}
        {ticket.adBody && <div className="ad-card-body">{ticket.adBody}</div>}
        {link && (
          <a href={link} target="_blank" rel="noopener noreferrer" className="ad-card-link">
            {t("ad.open")}
          </a>
        )}
      </div>
    </div>
  );
}
