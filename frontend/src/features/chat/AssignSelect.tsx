import { useUsers } from "../../api/auth";
import { useAssign } from "../../api/conversations";
import type { Conversation } from "../../api/types";
import { useT } from "../../i18n/i18n";

/** Assign the conversation to a member (GET /users, POST /assign). */
export function AssignSelect({ conversation: c, meId, testId }: { conversation: Conversation; meId: string; testId: string }) {
  const t = useT();
  const users = useUsers();
  const assign = useAssign();
  return (
    <select
      className="assign-select"
      value={c.assignee?.id ?? ""}
      onChange={(e) => assign.mutate({ conversationId: c.id, userId: e.target.value || null })}
      aria-label={t("chat.assignTo")}
      title={t("chat.assignTo")}
      data-testid={testId}
    >
      <option value="">{t("chat.unassigned")}</option>
      {c.assignee && !users.data?.some((u) => u.id === c.assignee!.id) && <option value={c.assignee.id}>{c.assignee.name}</option>}
      {users.data?.map((u) => (
        <option key={u.id} value={u.id}>
          {u.name}
          {u.id === meId ? ` (${t("msg.you")})` : ""}
        </option>
      ))}
    </select>
  );
}
