import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/keys";
import type { Me, Organization } from "../../api/types";
import { I18nProvider } from "../../i18n/i18n";
import { newQueryClient } from "../../test/fixtures";
import { OrganizationForm } from "./OrganizationForm";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const org: Organization = {
  id: "o1",
  name: "Acme",
  timezone: "America/Sao_Paulo",
  inactivityTimeoutMinutes: 1440,
  agentVisibility: "assigned_and_unassigned",
  waitingWarnMinutes: 10,
  waitingAlertMinutes: 30,
  responseTimeClock: "wall",
  businessHours: {},
};

describe("OrganizationForm", () => {
  it("sends hours as minutes and puts the saved organization into /auth/me", async () => {
    const saved = { ...org, timezone: "America/Manaus", inactivityTimeoutMinutes: 90 };
    const fetchMock = vi
      .spyOn(globalThis, "fetch")
      .mockResolvedValue(new Response(JSON.stringify(saved), { status: 200, headers: { "Content-Type": "application/json" } }));
    const qc = newQueryClient();
    const me = { user: { id: "u1", email: "a@b.c", name: "A" }, organization: org, role: "admin", csrfToken: "x" } as Me;
    qc.setQueryData(keys.me(), me);
    render(
      <I18nProvider lang="pt-BR">
        <QueryClientProvider client={qc}>
          <OrganizationForm organization={org} />
        </QueryClientProvider>
      </I18nProvider>,
    );
    expect(screen.getByTestId<HTMLInputElement>("org-inactivity-input").value).toBe("24");
    fireEvent.change(screen.getByTestId("org-timezone-select"), { target: { value: "America/Manaus" } });
    fireEvent.change(screen.getByTestId("org-inactivity-input"), { target: { value: "1.5" } });
    fireEvent.change(screen.getByTestId("org-visibility-select"), { target: { value: "all" } });
    fireEvent.change(screen.getByTestId("org-waiting-warn-input"), { target: { value: "5" } });
    fireEvent.change(screen.getByTestId("org-waiting-alert-input"), { target: { value: "20" } });
    fireEvent.submit(screen.getByTestId("organization-form"));
    await waitFor(() => expect(qc.getQueryData<Me>(keys.me())?.organization.timezone).toBe("America/Manaus"));
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe("/api/v1/organization");
    expect(init?.method).toBe("PATCH");
    expect(JSON.parse(init?.body as string)).toEqual({
      name: "Acme",
      timezone: "America/Manaus",
      inactivityTimeoutMinutes: 90,
      agentVisibility: "all",
      waitingWarnMinutes: 5,
      waitingAlertMinutes: 20,
    });
  });

  it("refuses an amber threshold that is not below the red one, in pt-BR and English", () => {
    const fetchMock = vi.spyOn(globalThis, "fetch");
    for (const [lang, text] of [
      ["pt-BR", "O aviso (âmbar) precisa vir antes do alerta (vermelho)."],
      ["en", "The warning (amber) must come before the alert (red)."],
    ] as const) {
      render(
        <I18nProvider lang={lang}>
          <QueryClientProvider client={newQueryClient()}>
            <OrganizationForm organization={org} />
          </QueryClientProvider>
        </I18nProvider>,
      );
      expect(screen.getByTestId<HTMLInputElement>("org-waiting-warn-input").value).toBe("10");
      fireEvent.change(screen.getByTestId("org-waiting-warn-input"), { target: { value: "30" } });
      expect(screen.getByTestId("org-waiting-error").textContent).toBe(text);
      expect(screen.getByTestId<HTMLButtonElement>("org-save").disabled).toBe(true);
      fireEvent.submit(screen.getByTestId("organization-form"));
      cleanup();
    }
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
