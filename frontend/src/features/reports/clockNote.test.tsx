import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { I18nProvider } from "../../i18n/i18n";
import { ClockNote } from "./ReportsPage";

afterEach(cleanup);

describe("reports clock note", () => {
  it("says which clock the times are on, in pt-BR and English", () => {
    render(
      <I18nProvider lang="pt-BR">
        <ClockNote clock="business" />
      </I18nProvider>,
    );
    expect(screen.getByTestId("reports-clock").textContent).toBe("Tempos de resposta e de resolução contados em horário comercial.");
    cleanup();
    render(
      <I18nProvider lang="en">
        <ClockNote clock="wall" />
      </I18nProvider>,
    );
    expect(screen.getByTestId("reports-clock").textContent).toBe("Response and resolution times counted on the wall clock (24 hours).");
  });
});
