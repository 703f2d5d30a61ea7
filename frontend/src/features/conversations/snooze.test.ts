import { describe, expect, it } from "vitest";
import { isSnoozed } from "../../api/types";
import { matchesFilters } from "../../realtime/cacheOps";
import { makeConversation } from "../../test/fixtures";
import { filtersFromUi } from "./filters";

const later = new Date(Date.now() + 3_600_000).toISOString();
const earlier = new Date(Date.now() - 3_600_000).toISOString();

describe("snooze and priority in the list", () => {
  it("the status select's Adiadas asks for the snoozed ones, the others never do", () => {
    expect(filtersFromUi({ tab: "all", status: "SNOOZED", q: "" }, null)).toMatchObject({ snoozed: true, ticketStatus: undefined });
    expect(filtersFromUi({ tab: "all", status: "OPEN", q: "" }, null)).toMatchObject({ snoozed: undefined, ticketStatus: "OPEN" });
  });

  it("a snoozed conversation leaves the default list and joins Adiadas; a passed snooze is back", () => {
    const snoozed = makeConversation({ snoozedUntil: later });
    const woken = makeConversation({ snoozedUntil: earlier });
    expect(isSnoozed(snoozed)).toBe(true);
    expect(isSnoozed(woken)).toBe(false);
    expect(matchesFilters(snoozed, {}, null)).toBe(false);
    expect(matchesFilters(snoozed, { snoozed: true }, null)).not.toBe(false);
    expect(matchesFilters(woken, {}, null)).not.toBe(false);
    expect(matchesFilters(woken, { snoozed: true }, null)).toBe(false);
  });

  it("the priority filter keeps only that priority", () => {
    const urgent = makeConversation({ priority: "urgent" });
    expect(matchesFilters(urgent, { priority: "urgent" }, null)).not.toBe(false);
    expect(matchesFilters(urgent, { priority: "low" }, null)).toBe(false);
  });
});
