// "Nova conversa": pick the WhatsApp number, type the phone (any spelling), a first message.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api } from "../../api/client";
import { useInstances } from "../../api/instances";
import { keys } from "../../api/keys";
import type { components } from "../../api/schema";
import { Dialog } from "../../components/ui/Dialog";
import { Icon } from "../../components/ui/Icon";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";
import { navigate } from "../../router";
import { phoneFromQuery } from "./phoneQuery";

type Started = components["schemas"]["ConversationStarted"];

export function useStartConversation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { instanceId: string; phone: string; name?: string; content: string }) =>
      api<Started>("/conversations", { json: body }),
    onSuccess: (started) => {
      qc.setQueryData(keys.conversations.detail(started.conversation.id), started.conversation);
      void qc.invalidateQueries({ queryKey: keys.conversations.lists() });
    },
    meta: { silent: true }, // the dialog shows its own error
  });
}

interface Props {
  open: boolean;
  initialPhone?: string;
  instanceId: string | null;
  onClose: () => void;
}

export function NewConversationDialog({ open, initialPhone = "", instanceId, onClose }: Props) {
  const t = useT();
  return (
    <Dialog open={open} title={t("newConv.title")} onClose={onClose} testId="new-conversation-dialog">
      {open && <NewConversationForm key={initialPhone} initialPhone={initialPhone} instanceId={instanceId} onClose={onClose} />}
    </Dialog>
  );
}

function NewConversationForm({ initialPhone, instanceId, onClose }: { initialPhone: string; instanceId: string | null; onClose: () => void }) {
  const t = useT();
  const { data: instances } = useInstances();
  const start = useStartConversation();
  const connected = instances?.find((i) => i.status === "connected");
  const [chosen, setChosen] = useState<string>("");
  const [phone, setPhone] = useState(initialPhone);
  const [name, setName] = useState("");
  const [content, setContent] = useState("");
  const instance = chosen || instanceId || connected?.id || instances?.[0]?.id || "";
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!instance) return;
    start.mutate(
      { instanceId: instance, phone: phone.trim(), content: content.trim(), ...(name.trim() ? { name: name.trim() } : {}) },
      {
        onSuccess: (started) => {
          onClose();
          navigate(`/inbox?c=${started.conversation.id}`);
        },
      },
    );
  };
  if (instances && instances.length === 0) return <p>{t("newConv.noInstance")}</p>;
  return (
    <form className="new-conv-form" onSubmit={submit} data-testid="new-conversation-form">
      <label>
        {t("newConv.instance")}
        <select value={instance} onChange={(e) => setChosen(e.target.value)} data-testid="new-conversation-instance">
          {instances?.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name}
              {i.phone ? ` (${i.phone})` : ""}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("newConv.phone")}
        <input type="tel" required maxLength={64} value={phone} onChange={(e) => setPhone(e.target.value)} placeholder="+55 11 98888-7777" data-testid="new-conversation-phone" />
      </label>
      <label>
        {t("newConv.name")}
        <input maxLength={200} value={name} onChange={(e) => setName(e.target.value)} data-testid="new-conversation-name" />
      </label>
      <label>
        {t("newConv.content")}
        <textarea required rows={3} maxLength={65536} value={content} onChange={(e) => setContent(e.target.value)} data-testid="new-conversation-content" />
      </label>
      {start.error && (
        <p className="form-error" role="alert" data-testid="new-conversation-error">
          {errorMessage(start.error, t)}
        </p>
      )}
      <div className="row-actions">
        <button className="btn btn-primary" type="submit" disabled={start.isPending || !instance} data-testid="new-conversation-submit">
          {t("newConv.submit")}
        </button>
        <button className="btn" type="button" onClick={onClose}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}

/** The list header's "Nova conversa" button. */
export function NewConversationButton({ instanceId }: { instanceId: string | null }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button className="icon-btn" onClick={() => setOpen(true)} aria-label={t("newConv.title")} title={t("newConv.title")} data-testid="new-conversation">
        <Icon name="chat" />
      </button>
      <NewConversationDialog open={open} instanceId={instanceId} onClose={() => setOpen(false)} />
    </>
  );
}

/** Under the search box, when the query is a phone number: "Conversar com +55 …". */
export function StartFromSearch({ query, instanceId }: { query: string; instanceId: string | null }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const phone = phoneFromQuery(query);
  if (!phone && !open) return null;
  return (
    <>
      {phone && (
        <button className="search-start" onClick={() => setOpen(true)} data-testid="start-from-search">
          {t("newConv.chatWith", { phone })}
        </button>
      )}
      <NewConversationDialog open={open} initialPhone={phone ?? ""} instanceId={instanceId} onClose={() => setOpen(false)} />
    </>
  );
}
