import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/keys";
import { I18nProvider } from "../../i18n/i18n";
import { me, newQueryClient } from "../../test/fixtures";
import { SequencesSection } from "./SequencesSection";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const media = { ref: "o1/ab/" + "a".repeat(64) + ".pdf", name: "tabela.pdf", mime: "application/pdf", size: 8 };

describe("a follow-up step's file", () => {
  it("is uploaded when picked and named by the step when the sequence is saved", async () => {
    const fetchMock = vi.fn((url: string, _init?: RequestInit) => {
      const body = url.endsWith("/follow-up-sequences/media") ? media : url.includes("follow-up-sequences?") ? { items: [] } : { id: "s1" };
      return Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } }));
    });
    vi.stubGlobal("fetch", fetchMock);
    const qc = newQueryClient();
    qc.setQueryData(keys.me(), me);
    render(
      <I18nProvider lang="en">
        <QueryClientProvider client={qc}>
          <SequencesSection />
        </QueryClientProvider>
      </I18nProvider>,
    );
    fireEvent.click(await screen.findByTestId("sequence-add"));
    fireEvent.change(screen.getByTestId("sequence-name"), { target: { value: "Tabela" } });
    fireEvent.change(screen.getByTestId("sequence-step-content"), { target: { value: "Segue a tabela" } });
    const file = new File(["%PDF-1.4"], "tabela.pdf", { type: "application/pdf" });
    fireEvent.change(screen.getByTestId("sequence-step-file-input"), { target: { files: [file] } });
    expect((await screen.findByTestId("sequence-step-file")).textContent).toContain("tabela.pdf");
    const upload = fetchMock.mock.calls.find(([u]) => u.endsWith("/follow-up-sequences/media"))!;
    expect(((upload[1]!.body as FormData).get("file") as File).name).toBe("tabela.pdf");
    fireEvent.click(screen.getByTestId("sequence-save"));
    await waitFor(() => expect(fetchMock.mock.calls.some(([u, i]) => u.endsWith("/follow-up-sequences") && i?.method === "POST")).toBe(true));
    const save = fetchMock.mock.calls.find(([u, i]) => u.endsWith("/follow-up-sequences") && i?.method === "POST")!;
    const sent = JSON.parse(save[1]!.body as string) as { steps: { media: unknown }[] };
    expect(sent.steps[0]!.media).toEqual({ ref: media.ref, name: "tabela.pdf", mime: "application/pdf" });
  });
});
