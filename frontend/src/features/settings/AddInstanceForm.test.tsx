import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/keys";
import { I18nProvider } from "../../i18n/i18n";
import { ptBR, type MessageKey } from "../../i18n/ptBR";
import { makeInstance, newQueryClient } from "../../test/fixtures";
import { AddInstanceForm, instanceCreateBody } from "./AddInstanceForm";

afterEach(cleanup);

const fields = { name: " Vendas ", baseUrl: "http://wuz:8080", token: "tok", hmacKey: "", adminToken: "" };

describe("instanceCreateBody", () => {
  it("existing user: name, baseUrl and token; no empty optionals", () => {
    expect(instanceCreateBody("existing", fields)).toEqual({ name: "Vendas", baseUrl: "http://wuz:8080", token: "tok" });
  });

  it("createUser: only what was filled in", () => {
    expect(instanceCreateBody("create", { ...fields, baseUrl: "", token: "", adminToken: "adm" })).toEqual({
      name: "Vendas",
      createUser: true,
      adminToken: "adm",
    });
  });
});

function jsonResponse(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function renderForm(onAdded = vi.fn()) {
  const qc = newQueryClient();
  qc.setQueryData(keys.instances(), []);
  render(
    <I18nProvider lang="pt-BR">
      <QueryClientProvider client={qc}>
        <AddInstanceForm onAdded={onAdded} onCancel={vi.fn()} />
      </QueryClientProvider>
    </I18nProvider>,
  );
  const fill = (id: string, value: string) => fireEvent.change(screen.getByTestId(id), { target: { value } });
  fill("instance-name-input", "Vendas");
  fill("instance-url-input", "http://wuz:8080");
  fill("instance-token-input", "tok");
  return { qc, onAdded };
}

describe("AddInstanceForm", () => {
  it.each([
    [400, "wuzapi_token_invalid", "WuzAPI rejected the token: use the token of an existing WuzAPI user (or createUser: true)"],
    [409, "instance_already_added", "This WuzAPI user is already added as an instance"],
    [502, "wuzapi_unreachable", "WuzAPI is unreachable (connection refused); could not check the token"],
  ])("shows the translated text of the error's code on %i", async (status, code, message) => {
    const fetchMock = vi.spyOn(globalThis, "fetch").mockResolvedValue(jsonResponse(status, { error: { code, message } }));
    const { onAdded } = renderForm();
    fireEvent.submit(screen.getByTestId("add-instance-form"));
    const shown = (await screen.findByTestId("add-instance-error")).textContent;
    expect(shown).toBe(ptBR[`errors.${code}` as MessageKey]);
    expect(shown).not.toBe(message);
    expect(onAdded).not.toHaveBeenCalled();
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe("/api/v1/instances");
    expect(JSON.parse(init!.body as string)).toEqual({ name: "Vendas", baseUrl: "http://wuz:8080", token: "tok" });
  });

  it("adds the created instance to the list", async () => {
    const created = makeInstance({ id: "new", status: "connected" });
    vi.spyOn(globalThis, "fetch").mockResolvedValue(jsonResponse(201, created));
    const { qc, onAdded } = renderForm();
    fireEvent.submit(screen.getByTestId("add-instance-form"));
    await waitFor(() => expect(onAdded).toHaveBeenCalledWith(created));
    expect(qc.getQueryData(keys.instances())).toEqual([created]);
  });
});
