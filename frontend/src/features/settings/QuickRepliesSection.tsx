// Settings → Respostas rápidas: the organization's (admins edit) and my own.
import { useState, type FormEvent } from "react";
import { useCreateQuickReply, useDeleteQuickReply, useQuickReplies, useUpdateQuickReply, type QuickReply, type QuickReplyScope } from "../../api/quickReplies";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";

function Editor({ initial, isAdmin, onDone }: { initial: QuickReply | null; isAdmin: boolean; onDone: () => void }) {
  const t = useT();
  const create = useCreateQuickReply();
  const update = useUpdateQuickReply();
  const [shortcut, setShortcut] = useState(initial?.shortcut ?? "");
  const [content, setContent] = useState(initial?.content ?? "");
  const [scope, setScope] = useState<QuickReplyScope>(initial?.scope ?? "personal");
  const pending = create.isPending || update.isPending;
  const error = create.error ?? update.error;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = { shortcut: shortcut.trim().replace(/^\//, ""), content: content.trim() };
    if (initial) update.mutate({ id: initial.id, ...body }, { onSuccess: onDone });
    else create.mutate({ ...body, scope }, { onSuccess: onDone });
  };
  return (
    <form className="quick-editor" onSubmit={submit} data-testid="quick-reply-form">
      <label>
        {t("quick.shortcut")}
        <input value={shortcut} onChange={(e) => setShortcut(e.target.value)} maxLength={33} required pattern="/?[\p{L}\p{N}_\-]{1,32}" placeholder="preco" data-testid="quick-reply-shortcut" />
      </label>
      <label>
        {t("quick.content")}
        <textarea value={content} onChange={(e) => setContent(e.target.value)} maxLength={4096} required rows={3} data-testid="quick-reply-content" />
      </label>
      <p className="hint">{t("quick.variablesHint")}</p>
      {!initial && isAdmin && (
        <label>
          {t("quick.scope")}
          <select value={scope} onChange={(e) => setScope(e.target.value as QuickReplyScope)} data-testid="quick-reply-scope">
            <option value="personal">{t("quick.scope.personal")}</option>
            <option value="organization">{t("quick.scope.organization")}</option>
          </select>
        </label>
      )}
      {error && (
        <p className="form-error" role="alert">
          {errorMessage(error, t)}
        </p>
      )}
      <div className="row">
        <button className="btn primary" disabled={pending} data-testid="quick-reply-save">
          {t("common.save")}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}

export function QuickRepliesSection({ isAdmin }: { isAdmin: boolean }) {
  const t = useT();
  const list = useQuickReplies();
  const remove = useDeleteQuickReply();
  const [editing, setEditing] = useState<QuickReply | "new" | null>(null);
  return (
    <section className="card" data-testid="quick-replies-section">
      <h2>{t("quick.title")}</h2>
      <p className="hint">{t("quick.hint")}</p>
      {list.isError && <p className="form-error">{errorMessage(list.error, t)}</p>}
      {list.data?.length === 0 && <p className="hint">{t("quick.empty")}</p>}
      <ul className="quick-list">
        {list.data?.map((q) =>
          editing !== "new" && editing?.id === q.id ? (
            <li key={q.id}>
              <Editor initial={q} isAdmin={isAdmin} onDone={() => setEditing(null)} />
            </li>
          ) : (
            <li key={q.id} data-testid="quick-reply-row">
              <div className="quick-main">
                <strong>/{q.shortcut}</strong>
                <span className="chip">{t(q.scope === "organization" ? "quick.scope.organization" : "quick.scope.personal")}</span>
                <p>{q.content}</p>
              </div>
              {q.editable && (
                <div className="row">
                  <button className="link-btn" onClick={() => setEditing(q)}>
                    {t("common.edit")}
                  </button>
                  <button className="link-btn danger" disabled={remove.isPending} onClick={() => remove.mutate(q.id)}>
                    {t("quick.delete")}
                  </button>
                </div>
              )}
            </li>
          ),
        )}
      </ul>
      {editing === "new" ? (
        <Editor initial={null} isAdmin={isAdmin} onDone={() => setEditing(null)} />
      ) : (
        <button className="btn" onClick={() => setEditing("new")} data-testid="quick-reply-add">
          {t("quick.add")}
        </button>
      )}
    </section>
  );
}
