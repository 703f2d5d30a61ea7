import { QueryClientProvider } from "@tanstack/react-query";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { keys } from "../../api/keys";
import type { Instance, InstanceStatus } from "../../api/types";
import { InstanceStatusChip } from "../../components/ui/InstanceStatusChip";
import { I18nProvider } from "../../i18n/i18n";
import { applyEvent } from "../../realtime/applyEvent";
import { makeInstance, newQueryClient } from "../../test/fixtures";
import { DisconnectedBanner, downInstances } from "./DisconnectedBanner";

afterEach(cleanup);

function renderBanner(instances: Instance[], instanceId: string | null, lang: "pt-BR" | "en" = "pt-BR") {
  const qc = newQueryClient();
  qc.setQueryData(keys.instances(), instances);
  render(
    <I18nProvider lang={lang}>
      <QueryClientProvider client={qc}>
        <DisconnectedBanner instanceId={instanceId} />
      </QueryClientProvider>
    </I18nProvider>,
  );
  return qc;
}

const banner = () => screen.queryByTestId("disconnected-banner");

describe("InstanceStatusChip", () => {
  it.each([
    ["connected", "Conectada"],
    ["disconnected", "Desconectada"],
    ["qr", "Aguardando QR code"],
    ["logged_out", "Desvinculada"],
    ["unknown", "Desconhecida"],
  ] as [InstanceStatus, string][])("labels %s", (status, label) => {
    render(
      <I18nProvider lang="pt-BR">
        <InstanceStatusChip status={status} />
      </I18nProvider>,
    );
    const chip = screen.getByTestId("instance-status");
    expect(chip.textContent).toBe(label);
    expect(chip.getAttribute("data-status")).toBe(status);
    expect(chip.className).toContain(`chip-instance-${status}`);
  });
});

describe("DisconnectedBanner", () => {
  it("is absent while every instance is connected", () => {
    renderBanner([makeInstance(), makeInstance({ id: "i2" })], null);
    expect(banner()).toBeNull();
  });

  it("warns, with a settings link, when the selected instance is not connected", () => {
    renderBanner([makeInstance({ status: "disconnected" })], "i1");
    expect(banner()!.textContent).toContain("WhatsApp desconectado — as mensagens não serão enviadas");
    expect(banner()!.getAttribute("data-status")).toBe("disconnected");
    expect(screen.getByTestId("disconnected-banner-link").getAttribute("href")).toBe("/settings");
  });

  it("only looks at the selected instance; for 'all' it names the ones that are down", () => {
    const list = [makeInstance({ id: "i1", name: "Vendas" }), makeInstance({ id: "i2", name: "Suporte", status: "logged_out" })];
    renderBanner(list, "i1");
    expect(banner()).toBeNull();
    cleanup();
    renderBanner(list, null, "en");
    expect(banner()!.textContent).toContain("WhatsApp disconnected — messages will not be sent");
    expect(banner()!.textContent).toContain("Suporte");
    expect(banner()!.textContent).not.toContain("Vendas");
    expect(banner()!.getAttribute("data-instance-ids")).toBe("i2");
  });

  it("uses a softer sentence when the status is only unknown", () => {
    renderBanner([makeInstance({ status: "unknown" })], null);
    expect(banner()!.getAttribute("data-status")).toBe("unknown");
    expect(banner()!.textContent).toContain("Não foi possível verificar");
  });

  it("follows instance_updated live", async () => {
    const qc = renderBanner([makeInstance()], null);
    expect(banner()).toBeNull();
    act(() => applyEvent(qc, { type: "instance_updated", data: { id: "i1", status: "disconnected", phone: null } }, { meId: "u1" }));
    await waitFor(() => expect(banner()).not.toBeNull());
    act(() => applyEvent(qc, { type: "instance_updated", data: { id: "i1", status: "connected", phone: null } }, { meId: "u1" }));
    await waitFor(() => expect(banner()).toBeNull());
  });

  it("downInstances: nothing before the list loads", () => {
    expect(downInstances(undefined, null)).toEqual([]);
  });
});
