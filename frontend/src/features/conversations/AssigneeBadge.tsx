import type { Conversation } from "../../api/types";
import { Avatar } from "../../components/ui/Avatar";
import { useT } from "../../i18n/i18n";

/** The assignee's initials on a list row (nothing when unassigned). */
export function AssigneeBadge({ assignee }: { assignee: Conversation["assignee"] }) {
  const t = useT();
  if (!assignee) return null;
  const label = t("list.assignee", { name: assignee.name });
  return (
    <span className="assignee-badge" title={label} aria-label={label} data-testid="assignee-badge">
      <Avatar name={assignee.name} seed={assignee.id} size={20} />
    </span>
  );
}
