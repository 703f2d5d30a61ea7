import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/keys";
import type { Me, Member } from "../../api/types";
import { I18nProvider } from "../../i18n/i18n";
import { newQueryClient } from "../../test/fixtures";
import { ChangePasswordForm } from "./ChangePasswordForm";
import { SessionsSection } from "./SessionsSection";
import { TeamSection } from "./TeamSection";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function json(body: unknown, status = 200): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

const ana: Member = { id: "u2", email: "ana@x.com", name: "Ana", role: "agent", active: true, mustChangePassword: false };
const admin: Member = { id: "u1", email: "adm@x.com", name: "Adm", role: "admin", active: true, mustChangePassword: false };

function wrap(node: ReactNode, qc = newQueryClient()) {
  return render(
    <I18nProvider lang="pt-BR">
      <QueryClientProvider client={qc}>{node}</QueryClientProvider>
    </I18nProvider>,
  );
}

describe("TeamSection", () => {
  it("lists members with pt-BR roles and creates an Atendente", async () => {
    const fetchMock = vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
      if (input === "/api/v1/users" && init?.method === "POST")
        return Promise.resolve(json({ ...ana, id: "u3", email: "bia@x.com", name: "Bia", mustChangePassword: true }, 201));
      return Promise.resolve(json([admin, ana]));
    });
    wrap(<TeamSection meId="u1" />);
    await waitFor(() => expect(screen.getAllByTestId("member-row")).toHaveLength(2));
    expect(screen.getAllByRole("option", { name: "Administrador" }).length).toBeGreaterThan(0);
    expect(screen.getAllByRole("option", { name: "Atendente" }).length).toBeGreaterThan(0);
    fireEvent.click(screen.getByTestId("member-add"));
    fireEvent.change(screen.getByTestId("member-name"), { target: { value: " Bia " } });
    fireEvent.change(screen.getByTestId("member-email"), { target: { value: "bia@x.com" } });
    fireEvent.change(screen.getByTestId("member-password"), { target: { value: "temporaria longa 1" } });
    fireEvent.submit(screen.getByTestId("member-form"));
    await waitFor(() => expect(screen.queryByTestId("member-form")).toBeNull());
    const post = fetchMock.mock.calls.find(([, init]) => init?.method === "POST")!;
    expect(JSON.parse(post[1]?.body as string)).toEqual({
      email: "bia@x.com",
      name: "Bia",
      role: "agent",
      password: "temporaria longa 1",
    });
  });

  it("deactivating shows the open conversations to reassign", async () => {
    const fetchMock = vi.spyOn(globalThis, "fetch").mockImplementation((_input, init) => {
      if (init?.method === "PATCH")
        return Promise.resolve(json({ ...ana, active: false, openConversations: [{ id: "c9", leadName: "Cliente Um" }] }));
      return Promise.resolve(json([ana]));
    });
    wrap(<TeamSection meId="u1" />);
    fireEvent.click(await screen.findByTestId("member-toggle-active"));
    const open = await screen.findByTestId("member-open-conversations");
    expect(open.textContent).toContain("Ana tem 1 conversa(s)");
    expect(screen.getByRole("link", { name: "Cliente Um" }).getAttribute("href")).toBe("/inbox?c=c9");
    const patch = fetchMock.mock.calls.find(([, init]) => init?.method === "PATCH")!;
    expect(patch[0]).toBe("/api/v1/users/u2");
    expect(JSON.parse(patch[1]?.body as string)).toEqual({ active: false });
  });

  it("shows the translated error of the last admin", async () => {
    vi.spyOn(globalThis, "fetch").mockImplementation((_input, init) => {
      if (init?.method === "PATCH")
        return Promise.resolve(json({ error: { code: "last_admin", message: "x", details: null } }, 409));
      return Promise.resolve(json([admin]));
    });
    wrap(<TeamSection meId="u1" />);
    fireEvent.click(await screen.findByTestId("member-toggle-active"));
    expect((await screen.findByTestId("member-row-error")).textContent).toContain("pelo menos um administrador ativo");
  });
});

describe("ChangePasswordForm", () => {
  it("refuses a confirmation that differs, then clears mustChangePassword", async () => {
    const fetchMock = vi.spyOn(globalThis, "fetch").mockResolvedValue(json(undefined, 204));
    const qc = newQueryClient();
    qc.setQueryData(keys.me(), { mustChangePassword: true, role: "agent" });
    wrap(<ChangePasswordForm />, qc);
    fireEvent.change(screen.getByTestId("password-current"), { target: { value: "temporaria longa 1" } });
    fireEvent.change(screen.getByTestId("password-new"), { target: { value: "minha senha nova 22" } });
    fireEvent.change(screen.getByTestId("password-confirm"), { target: { value: "minha senha nova 23" } });
    fireEvent.submit(screen.getByTestId("password-form"));
    expect(screen.getByTestId("password-error").textContent).toBe("As senhas não conferem.");
    expect(fetchMock).not.toHaveBeenCalled();
    fireEvent.change(screen.getByTestId("password-confirm"), { target: { value: "minha senha nova 22" } });
    fireEvent.submit(screen.getByTestId("password-form"));
    await waitFor(() => expect(qc.getQueryData<Me>(keys.me())?.mustChangePassword).toBe(false));
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe("/api/v1/auth/password");
    expect(JSON.parse(init?.body as string)).toEqual({
      currentPassword: "temporaria longa 1",
      newPassword: "minha senha nova 22",
    });
  });
});

describe("SessionsSection", () => {
  it("revokes another session, not the current one", async () => {
    const sessions = [
      { id: "s1", current: true, createdAt: "2026-01-01T10:00:00Z", expiresAt: "2026-02-01T10:00:00Z", ip: "1.2.3.4", userAgent: "Firefox" },
      { id: "s2", current: false, createdAt: "2026-01-02T10:00:00Z", expiresAt: "2026-02-02T10:00:00Z", ip: null, userAgent: null },
    ];
    const fetchMock = vi.spyOn(globalThis, "fetch").mockImplementation((_input, init) =>
      Promise.resolve(init?.method === "DELETE" ? json(undefined, 204) : json(sessions)),
    );
    wrap(<SessionsSection />);
    await waitFor(() => expect(screen.getAllByTestId("session-row")).toHaveLength(2));
    expect(screen.getByText("Esta sessão")).toBeTruthy();
    expect(screen.getAllByTestId("session-revoke")).toHaveLength(1);
    fireEvent.click(screen.getByTestId("session-revoke"));
    await waitFor(() => expect(fetchMock.mock.calls.some(([u, i]) => i?.method === "DELETE" && u === "/api/v1/auth/sessions/s2")).toBe(true));
  });
});
