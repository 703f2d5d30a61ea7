// Settings → Equipe (admins): members, roles, active or not, temporary passwords.
import { useState, type FormEvent } from "react";
import { useUsers } from "../../api/auth";
import { useAddMember, useTemporaryPassword, useUpdateMember, type OpenConversation } from "../../api/team";
import type { Member, Role } from "../../api/types";
import { useT } from "../../i18n/i18n";
import { errorMessage } from "../../lib/errors";
import { Link } from "../../router";

function RoleSelect({ value, onChange, testId }: { value: Role; onChange: (r: Role) => void; testId: string }) {
  const t = useT();
  return (
    <select value={value} onChange={(e) => onChange(e.target.value as Role)} data-testid={testId}>
      <option value="agent">{t("team.role.agent")}</option>
      <option value="admin">{t("team.role.admin")}</option>
    </select>
  );
}

function AddMemberForm({ onDone }: { onDone: () => void }) {
  const t = useT();
  const add = useAddMember();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("agent");
  const [password, setPassword] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate({ email: email.trim(), name: name.trim(), role, password }, { onSuccess: onDone });
  };
  return (
    <form className="quick-editor" onSubmit={submit} data-testid="member-form">
      <label>
        {t("team.name")}
        <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} data-testid="member-name" />
      </label>
      <label>
        {t("team.email")}
        <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="member-email" />
      </label>
      <label>
        {t("team.role")}
        <RoleSelect value={role} onChange={setRole} testId="member-role" />
      </label>
      <label>
        {t("team.password")}
        <input type="text" autoComplete="off" required minLength={10} value={password} onChange={(e) => setPassword(e.target.value)} data-testid="member-password" />
      </label>
      <p className="hint">{t("team.passwordHint")}</p>
      {add.error && (
        <p className="form-error" role="alert" data-testid="member-error">
          {errorMessage(add.error, t)}
        </p>
      )}
      <div className="row-actions">
        <button className="btn btn-primary" type="submit" disabled={add.isPending} data-testid="member-submit">
          {t("team.create")}
        </button>
        <button className="btn" type="button" onClick={onDone}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}

function MemberRow({ member, isMe }: { member: Member; isMe: boolean }) {
  const t = useT();
  const update = useUpdateMember();
  const temporary = useTemporaryPassword();
  const [name, setName] = useState(member.name);
  const [password, setPassword] = useState<string | null>(null);
  const [reassign, setReassign] = useState<OpenConversation[]>([]);
  const error = update.error ?? temporary.error;
  const toggleActive = () =>
    update.mutate({ id: member.id, active: !member.active }, { onSuccess: (changed) => setReassign(changed.openConversations) });
  const saveName = () => {
    const trimmed = name.trim();
    if (trimmed && trimmed !== member.name) update.mutate({ id: member.id, name: trimmed });
  };
  const setTemporary = (e: FormEvent) => {
    e.preventDefault();
    if (password) temporary.mutate({ id: member.id, password }, { onSuccess: () => setPassword(null) });
  };
  return (
    <li className="member-row" data-testid="member-row" data-email={member.email}>
      <div className="row-between">
        <input className="member-name-input" value={name} aria-label={t("team.name")} onChange={(e) => setName(e.target.value)} onBlur={saveName} data-testid="member-row-name" />
        <span className="hint">
          {member.email}
          {isMe ? ` (${t("team.you")})` : ""}
        </span>
        <RoleSelect value={member.role} onChange={(role) => update.mutate({ id: member.id, role })} testId="member-row-role" />
        {!member.active && <span className="source-badge">{t("team.inactive")}</span>}
        {member.mustChangePassword && member.active && <span className="source-badge">{t("team.mustChange")}</span>}
        <button className="btn" onClick={toggleActive} disabled={update.isPending} data-testid="member-toggle-active">
          {member.active ? t("team.deactivate") : t("team.activate")}
        </button>
        <button className="btn" onClick={() => setPassword(password === null ? "" : null)} data-testid="member-temp-password">
          {t("team.setPassword")}
        </button>
      </div>
      {password !== null && (
        <form className="row-actions" onSubmit={setTemporary} data-testid="member-temp-form">
          <input type="text" autoComplete="off" required minLength={10} value={password} aria-label={t("team.password")} onChange={(e) => setPassword(e.target.value)} data-testid="member-temp-input" />
          <button className="btn btn-primary" type="submit" disabled={temporary.isPending}>
            {t("common.save")}
          </button>
        </form>
      )}
      {temporary.isSuccess && <p className="hint">{t("team.passwordSet", { name: member.name })}</p>}
      {reassign.length > 0 && (
        <div data-testid="member-open-conversations">
          <p>{t("team.openConversations", { name: member.name, count: reassign.length })}</p>
          <ul>
            {reassign.map((c) => (
              <li key={c.id}>
                <Link href={`/inbox?c=${c.id}`}>{c.leadName}</Link>
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && (
        <p className="form-error" role="alert" data-testid="member-row-error">
          {errorMessage(error, t)}
        </p>
      )}
    </li>
  );
}

export function TeamSection({ meId }: { meId: string }) {
  const t = useT();
  const users = useUsers();
  const [adding, setAdding] = useState(false);
  return (
    <section className="card" data-testid="team-section">
      <div className="card-head">
        <h2>{t("team.title")}</h2>
        {!adding && (
          <button className="btn" onClick={() => setAdding(true)} data-testid="member-add">
            {t("team.add")}
          </button>
        )}
      </div>
      {adding && <AddMemberForm onDone={() => setAdding(false)} />}
      <ul className="plain-list member-list">
        {(users.data ?? []).map((m) => (
          <MemberRow key={m.id} member={m} isMe={m.id === meId} />
        ))}
      </ul>
    </section>
  );
}
