import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/keys";
import type { Instance } from "../../api/types";
import { I18nProvider } from "../../i18n/i18n";
import { makeInstance, newQueryClient } from "../../test/fixtures";
import { InstanceHistory } from "./InstanceHistory";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function show(instance: Instance, isAdmin = true, lang: "pt-BR" | "en" = "pt-BR") {
  const qc = newQueryClient();
  qc.setQueryData(keys.instances(), [instance]);
  render(
    <I18nProvider lang={lang}>
      <QueryClientProvider client={qc}>
        <InstanceHistory instance={instance} isAdmin={isAdmin} />
      </QueryClientProvider>
    </I18nProvider>,
  );
  return qc;
}

describe("InstanceHistory", () => {
  it("warns when the number's WuzAPI keeps no history, in both languages", () => {
    show(makeInstance({ wuzapiHistory: false }), false);
    expect(screen.getByTestId("instance-no-history").textContent).toMatch(/podem ser perdidas|serão perdidas/);
    expect(screen.getByTestId("instance-no-history").textContent).toContain("POST /session/history");
    expect(screen.queryByTestId("instance-history-form")).toBeNull(); // agents: no setting
    cleanup();
    show(makeInstance({ wuzapiHistory: false }), false, "en");
    expect(screen.getByTestId("instance-no-history").textContent).toContain("are lost");
  });

  it("says nothing while the history is kept or not known yet", () => {
    show(makeInstance({ wuzapiHistory: true }));
    expect(screen.queryByTestId("instance-no-history")).toBeNull();
    cleanup();
    show(makeInstance({ wuzapiHistory: null }));
    expect(screen.queryByTestId("instance-no-history")).toBeNull();
  });

  it("saves the days of history to import at pairing and refuses out-of-range values", async () => {
    const saved = makeInstance({ historyDays: 30 });
    const fetchMock = vi
      .spyOn(globalThis, "fetch")
      .mockResolvedValue(new Response(JSON.stringify(saved), { status: 200, headers: { "Content-Type": "application/json" } }));
    const qc = show(makeInstance({ historyDays: 0 }));
    const input = screen.getByTestId<HTMLInputElement>("instance-history-days");
    const button = screen.getByRole("button");
    fireEvent.change(input, { target: { value: "400" } });
    expect(button).toHaveProperty("disabled", true);
    fireEvent.change(input, { target: { value: "30" } });
    fireEvent.submit(screen.getByTestId("instance-history-form"));
    await waitFor(() => expect(qc.getQueryData<Instance[]>(keys.instances())?.[0]?.historyDays).toBe(30));
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe("/api/v1/instances/i1");
    expect(init?.method).toBe("PATCH");
    expect(JSON.parse(init?.body as string)).toEqual({ historyDays: 30 });
  });
});
