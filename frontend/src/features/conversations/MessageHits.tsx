import { useState } from "react";
import { useMessageSearch } from "../../api/messages";
import { useFormat } from "../../i18n/format";
import { useT } from "../../i18n/i18n";
import { highlightParts } from "../../lib/highlight";
import { formatPhone } from "../../lib/phone";

/** The term marked in `text`, accents and case ignored ("catalogo" marks "Catálogo"). */
export function Highlighted({ text, term }: { text: string; term: string }) {
  return (
    <>
      {highlightParts(text, term).map((p, i) =>
        p.match ? (
          <mark key={i} data-testid="hit-mark">
            {p.text}
          </mark>
        ) : (
          <span key={i}>{p.text}</span>
        ),
      )}
    </>
  );
}

interface Props {
  q: string;
  instanceId: string | null;
  onOpen: (conversationId: string, messageId: string) => void;
}

/** The list search's message matches, newest first, with a date filter (organization's days). */
export function MessageHits({ q, instanceId, onOpen }: Props) {
  const t = useT();
  const f = useFormat();
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const search = useMessageSearch({ q, from, to, instanceId });
  const hits = search.data?.pages.flatMap((p) => p.items) ?? [];
  const reversed = !!from && !!to && from > to;
  return (
    <section className="message-hits" aria-label={t("search.messages")} data-testid="message-hits">
      <div className="message-hits-head">
        <h3>{t("search.messages")}</h3>
        <label>
          {t("search.dateFrom")}
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="search-date-from" />
        </label>
        <label>
          {t("search.dateTo")}
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="search-date-to" />
        </label>
        {(from || to) && (
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setFrom("");
              setTo("");
            }}
            data-testid="search-clear-dates"
          >
            {t("search.clearDates")}
          </button>
        )}
      </div>
      {reversed && (
        <p className="form-error" role="alert">
          {t("search.datesReversed")}
        </p>
      )}
      {!reversed && search.isSuccess && hits.length === 0 && <p className="list-empty">{t("search.noMessages")}</p>}
      <ul className="message-hit-list">
        {hits.map((h) => (
          <li key={h.messageId}>
            <button
              type="button"
              className="message-hit"
              onClick={() => onOpen(h.conversationId, h.messageId)}
              data-testid="message-hit"
              data-message-id={h.messageId}
              data-conversation-id={h.conversationId}
            >
              <span className="message-hit-top">
                <span className="message-hit-name">{h.leadName || formatPhone(h.leadPhone)}</span>
                <time dateTime={h.sentAt}>{f.dateTime(h.sentAt)}</time>
              </span>
              <span className="message-hit-snippet">
                <Highlighted text={h.snippet} term={q} />
              </span>
            </button>
          </li>
        ))}
      </ul>
      {search.hasNextPage && (
        <button type="button" className="link-button" onClick={() => void search.fetchNextPage()} disabled={search.isFetchingNextPage}>
          {t("search.moreMessages")}
        </button>
      )}
    </section>
  );
}
