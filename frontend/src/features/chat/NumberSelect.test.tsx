import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/keys";
import type { Conversation, Instance } from "../../api/types";
import { I18nProvider } from "../../i18n/i18n";
import { me, newQueryClient } from "../../test/fixtures";
import { NumberSelect } from "./NumberSelect";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const conv = { id: "c1", instanceId: "i2", lead: { id: "l1" } } as unknown as Conversation;
const number = (id: string, name: string, phone: string | null) => ({ id, name, phone }) as unknown as Instance;

function renderSelect(instances: Instance[]) {
  const qc = newQueryClient();
  qc.setQueryData(keys.me(), me);
  qc.setQueryData(keys.instances(), instances);
  const fetchMock = vi.fn((_url: string, _init?: RequestInit) =>
    Promise.resolve(
      new Response(JSON.stringify({ ...conv, instanceId: "i1" }), {
        status: 200,
        headers: { "content-type": "application/json" },
      }),
    ),
  );
  vi.stubGlobal("fetch", fetchMock);
  render(
    <I18nProvider lang="pt-BR">
      <QueryClientProvider client={qc}>
        <NumberSelect conversation={conv} />
      </QueryClientProvider>
    </I18nProvider>,
  );
  return fetchMock;
}

describe("NumberSelect", () => {
  it("shows the conversation's current number and switches it before sending", async () => {
    const fetchMock = renderSelect([number("i1", "Loja", "+5511999990001"), number("i2", "Vendas", null)]);
    const select = screen.getByTestId<HTMLSelectElement>("number-select");
    expect(select.value).toBe("i2");
    expect(select.title).toBe("Responder pelo número");
    expect(select.options[0]?.textContent).toContain("Loja (");
    fireEvent.change(select, { target: { value: "i1" } });
    await waitFor(() => expect(fetchMock).toHaveBeenCalled());
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toContain("/conversations/c1/instance");
    expect(init.method).toBe("PUT");
    expect(JSON.parse(init.body as string)).toEqual({ instanceId: "i1" });
  });

  it("offers nothing with a single number", () => {
    renderSelect([number("i1", "Loja", "+5511999990001")]);
    expect(screen.queryByTestId("number-select")).toBeNull();
  });
});
