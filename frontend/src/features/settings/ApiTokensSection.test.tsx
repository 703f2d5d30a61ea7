import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ApiToken, ApiTokenCreate as NewToken } from "../../api/apiTokens";
import { I18nProvider } from "../../i18n/i18n";
import { newQueryClient } from "../../test/fixtures";
import { ApiTokensSection, endOfDay, tokenStatus } from "./ApiTokensSection";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const members = [
  { id: "u1", email: "ana@x.com", name: "Ana", role: "admin", active: true, mustChangePassword: false },
  { id: "u2", email: "bia@x.com", name: "Bia", role: "agent", active: true, mustChangePassword: false },
  { id: "u3", email: "caio@x.com", name: "Caio", role: "agent", active: false, mustChangePassword: false },
];
const base: ApiToken = {
  id: "t1",
  name: "CRM",
  prefix: "wtk_ab12",
  userId: "u2",
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
  createdAt: "2026-01-01T10:00:00Z",
};

function json(body: unknown, status = 200): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

/** A fake API: GET /users, GET/POST /api-tokens, DELETE /api-tokens/{id}; records the calls. */
function fakeApi(tokens: ApiToken[]) {
  const calls: { url: string; method: string; body: unknown }[] = [];
  const answer = (url: string, method: string, body: NewToken | undefined): Response => {
    if (url === "/api/v1/users") return json(members);
    if (url === "/api/v1/api-tokens" && method === "GET") return json(tokens);
    if (url === "/api/v1/api-tokens" && method === "POST" && body) {
      const made = { ...base, id: "t2", name: body.name, userId: body.userId, expiresAt: body.expiresAt ?? null, prefix: "wtk_zz99" };
      tokens.push(made);
      return json({ ...made, token: "wtk_zz99_the_secret" }, 201);
    }
    if (url.startsWith("/api/v1/api-tokens/") && method === "DELETE") {
      const found = tokens.find((t) => url.endsWith(t.id));
      if (found) found.revokedAt = "2026-01-02T10:00:00Z";
      return new Response(null, { status: 204 });
    }
    return json({ error: { code: "not_found", message: url, details: {} } }, 404);
  };
  const fetchMock = vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = init?.method ?? "GET";
    const body = typeof init?.body === "string" ? (JSON.parse(init.body) as NewToken) : undefined;
    calls.push({ url, method, body });
    return Promise.resolve(answer(url, method, body));
  });
  return { calls, fetchMock };
}

function renderSection(lang: "pt-BR" | "en" = "pt-BR") {
  const qc = newQueryClient();
  render(
    <I18nProvider lang={lang}>
      <QueryClientProvider client={qc}>
        <ApiTokensSection meId="u1" />
      </QueryClientProvider>
    </I18nProvider>,
  );
}

describe("ApiTokensSection", () => {
  it("lists tokens with their prefix, member and status; only active ones can be revoked", async () => {
    fakeApi([base, { ...base, id: "t9", name: "Antigo", revokedAt: "2026-01-01T11:00:00Z" }]);
    renderSection();
    const rows = await screen.findAllByTestId("api-token-row");
    expect(rows).toHaveLength(2);
    await waitFor(() => expect((rows[0])?.textContent).toContain("Age como Bia"));
    expect((rows[0])?.textContent).toContain("wtk_ab12…");
    expect((rows[0])?.textContent).toContain("ativo");
    expect(within(rows[0]!).getByTestId("api-token-revoke")).toBeTruthy();
    expect((rows[1])?.textContent).toContain("revogado");
    expect(within(rows[1]!).queryByTestId("api-token-revoke")).toBeNull();
    expect(screen.queryByTestId("api-token-secret")).toBeNull();
  });

  it("creates a token for an active member and shows the secret once, with a copy button", async () => {
    const { calls } = fakeApi([]);
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    renderSection("en");
    expect(await screen.findByText("No tokens yet.")).toBeTruthy();
    fireEvent.click(screen.getByTestId("api-token-add"));
    const select = screen.getByTestId<HTMLSelectElement>("api-token-user");
    await waitFor(() => expect(select.options).toHaveLength(2)); // Caio is inactive
    expect(select.value).toBe("u1"); // me by default
    fireEvent.change(screen.getByTestId("api-token-name"), { target: { value: " Zapier " } });
    fireEvent.change(select, { target: { value: "u2" } });
    fireEvent.change(screen.getByTestId("api-token-expires"), { target: { value: "2030-05-31" } });
    fireEvent.submit(screen.getByTestId("api-token-form"));
    expect((await screen.findByTestId("api-token-secret"))?.textContent).toContain("wtk_zz99_the_secret");
    const post = calls.find((c) => c.method === "POST");
    expect(post?.body).toEqual({ name: "Zapier", userId: "u2", expiresAt: endOfDay("2030-05-31") });
    fireEvent.click(screen.getByTestId("api-token-copy"));
    expect(writeText).toHaveBeenCalledWith("wtk_zz99_the_secret");
    expect(await screen.findByText("Copied")).toBeTruthy();
    expect((await screen.findByTestId("api-token-row"))?.textContent).toContain("Zapier");
    fireEvent.click(screen.getByTestId("api-token-done"));
    expect(screen.queryByTestId("api-token-secret")).toBeNull(); // never shown again
    expect(screen.queryByText("wtk_zz99_the_secret")).toBeNull();
  });

  it("revokes after confirmation, and not without it", async () => {
    const { calls } = fakeApi([{ ...base }]);
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    renderSection();
    fireEvent.click(await screen.findByTestId("api-token-revoke"));
    expect(calls.filter((c) => c.method === "DELETE")).toHaveLength(0);
    fireEvent.click(screen.getByTestId("api-token-revoke"));
    await waitFor(() => expect(calls.filter((c) => c.method === "DELETE").map((c) => c.url)).toEqual(["/api/v1/api-tokens/t1"]));
    expect(confirm).toHaveBeenCalledTimes(2);
    await waitFor(() => expect((screen.getByTestId("api-token-row"))?.textContent).toContain("revogado"));
    expect(screen.queryByTestId("api-token-revoke")).toBeNull();
  });

  it("status: revoked wins, then a passed expiry", () => {
    const now = Date.parse("2026-06-01T00:00:00Z");
    expect(tokenStatus(base, now)).toBe("active");
    expect(tokenStatus({ ...base, expiresAt: "2026-05-01T00:00:00Z" }, now)).toBe("expired");
    expect(tokenStatus({ ...base, expiresAt: "2026-07-01T00:00:00Z" }, now)).toBe("active");
    expect(tokenStatus({ ...base, expiresAt: "2026-05-01T00:00:00Z", revokedAt: "2026-04-01T00:00:00Z" }, now)).toBe("revoked");
  });
});
