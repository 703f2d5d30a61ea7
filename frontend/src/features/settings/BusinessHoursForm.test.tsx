import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../api/keys";
import type { Organization } from "../../api/types";
import { I18nProvider, type Lang } from "../../i18n/i18n";
import { me, newQueryClient } from "../../test/fixtures";
import { BusinessHoursForm, scheduleProblem, toPayload, weekFrom } from "./BusinessHoursForm";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const org: Organization = { ...me.organization, timezone: "America/Sao_Paulo" };

function renderForm(lang: Lang = "pt-BR", organization: Organization = org) {
  const qc = newQueryClient();
  qc.setQueryData(keys.me(), me);
  const fetchMock = vi.spyOn(globalThis, "fetch").mockImplementation((_url, init) => {
    const body = JSON.parse((init?.body as string | undefined) ?? "{}") as Record<string, unknown>;
    return Promise.resolve(
      new Response(JSON.stringify({ ...organization, ...body }), { status: 200, headers: { "Content-Type": "application/json" } }),
    );
  });
  render(
    <I18nProvider lang={lang}>
      <QueryClientProvider client={qc}>
        <BusinessHoursForm organization={organization} />
      </QueryClientProvider>
    </I18nProvider>,
  );
  return { fetchMock, qc };
}

describe("schedule checks (as the server's)", () => {
  const week = weekFrom({ mon: [["09:00", "12:00"], ["13:00", "18:00"]], sat: [["20:00", "24:00"]] });

  it("accepts touching intervals and a midnight end; sends 00:00 as 24:00", () => {
    expect(scheduleProblem(week)).toBeNull();
    expect(scheduleProblem({ ...week, sun: [["22:00", "00:00"]] })).toBeNull();
    expect(toPayload({ ...week, sun: [["22:00", "00:00"]] }).sun).toEqual([["22:00", "24:00"]]);
    expect(toPayload(week).tue).toEqual([]);
  });

  it("names the first problem and its day", () => {
    expect(scheduleProblem({ ...week, tue: [["18:00", "09:00"]] })).toEqual({ code: "business_hours_invalid", day: "tue" });
    expect(scheduleProblem({ ...week, wed: [["13:00", "18:00"], ["09:00", "13:30"]] })).toEqual({
      code: "business_hours_overlap",
      day: "wed",
    });
    expect(scheduleProblem(weekFrom({}))).toEqual({ code: "business_hours_empty" });
  });
});

describe("BusinessHoursForm", () => {
  it("wall clock by default; business shows the week in the organization's zone and saves it", async () => {
    const { fetchMock, qc } = renderForm("pt-BR");
    expect(screen.getByTestId<HTMLInputElement>("clock-wall").checked).toBe(true);
    expect(screen.queryByTestId("week-hours")).toBeNull();
    expect(screen.getByTestId("business-hours-hint").textContent).toContain("whatrack metrics rebuild");
    fireEvent.click(screen.getByTestId("clock-business"));
    expect(screen.getByTestId("week-hours").textContent).toContain("Horário de atendimento (fuso America/Sao_Paulo)");
    expect(screen.getByTestId("hours-mon").textContent).toContain("Segunda");
    expect(screen.getByTestId<HTMLInputElement>("hours-mon-0-start").value).toBe("09:00");
    expect(screen.getByTestId<HTMLInputElement>("hours-sat-open").checked).toBe(false);
    // Saturday mornings, and a lunch break on Monday
    fireEvent.click(screen.getByTestId("hours-sat-open"));
    fireEvent.change(screen.getByTestId("hours-sat-0-end"), { target: { value: "12:00" } });
    fireEvent.change(screen.getByTestId("hours-mon-0-end"), { target: { value: "12:00" } });
    fireEvent.click(screen.getByTestId("hours-mon-add"));
    fireEvent.click(screen.getByTestId("business-hours-save"));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url as string).toContain("/organization");
    expect(init?.method).toBe("PATCH");
    const body = JSON.parse(init?.body as string) as { responseTimeClock: string; businessHours: Record<string, string[][]> };
    expect(body.responseTimeClock).toBe("business");
    expect(body.businessHours.mon).toEqual([
      ["09:00", "12:00"],
      ["13:00", "18:00"],
    ]);
    expect(body.businessHours.sat).toEqual([["09:00", "12:00"]]);
    expect(body.businessHours.sun).toEqual([]);
    await waitFor(() => expect(qc.getQueryData<typeof me>(keys.me())?.organization.responseTimeClock).toBe("business"));
  });

  it("an overlap is shown in English and blocks saving; back to the wall clock sends no hours", async () => {
    const { fetchMock } = renderForm("en", { ...org, responseTimeClock: "business" });
    expect(screen.getByTestId("hours-mon").textContent).toContain("Monday");
    fireEvent.click(screen.getByTestId("hours-mon-add")); // 13:00-18:00 over 09:00-18:00
    expect(screen.getByTestId("business-hours-error").textContent).toBe("Two intervals of the same day overlap. (Monday)");
    expect(screen.getByTestId<HTMLButtonElement>("business-hours-save").disabled).toBe(true);
    fireEvent.click(screen.getByTestId("clock-wall"));
    expect(screen.queryByTestId("business-hours-error")).toBeNull();
    fireEvent.click(screen.getByTestId("business-hours-save"));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(JSON.parse(fetchMock.mock.calls[0]![1]?.body as string)).toEqual({ responseTimeClock: "wall" });
  });
});
