import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { patchConversationEverywhere } from "../../api/conversations";
import { useInstances } from "../../api/instances";
import type { Conversation, Instance } from "../../api/types";
import { useT } from "../../i18n/i18n";
import { formatPhone } from "../../lib/phone";

/** "Loja (+55 11 …)": the number's name and phone, as the agent knows it. */
export function numberLabel(i: Pick<Instance, "name" | "phone">): string {
  return i.phone ? `${i.name} (${formatPhone(i.phone)})` : i.name;
}

/** PUT /conversations/{id}/instance {instanceId} */
export function useChooseNumber() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { conversationId: string; instanceId: string }) =>
      api<Conversation>(`/conversations/${v.conversationId}/instance`, {
        method: "PUT",
        json: { instanceId: v.instanceId },
      }),
    onSuccess: (conv) => patchConversationEverywhere(qc, conv.id, () => conv),
  });
}

/** The WhatsApp number replies go out through (the one the lead last wrote to), changeable
 * before sending when the organization has more than one. */
export function NumberSelect({ conversation: c }: { conversation: Conversation }) {
  const t = useT();
  const instances = useInstances();
  const choose = useChooseNumber();
  const list = instances.data ?? [];
  if (list.length < 2) return null;
  return (
    <select
      className="assign-select"
      value={c.instanceId}
      disabled={choose.isPending}
      onChange={(e) => choose.mutate({ conversationId: c.id, instanceId: e.target.value })}
      aria-label={t("chat.replyFrom")}
      title={t("chat.replyFrom")}
      data-testid="number-select"
    >
      {list.map((i) => (
        <option key={i.id} value={i.id}>
          {numberLabel(i)}
        </option>
      ))}
    </select>
  );
}
