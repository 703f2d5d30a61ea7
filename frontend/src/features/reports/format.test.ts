import { describe, expect, it } from "vitest";
import { count, duration, money, percent, presetRange } from "./format";

describe("report formats", () => {
  it("writes pt-BR money, percent and counts", () => {
    expect(money(123456, "pt-BR").replace(/\s/g, " ")).toBe("R$ 1.234,56");
    expect(percent(0.125, "pt-BR").replace(/\s/g, " ")).toBe("12,5%");
    expect(count(1234, "pt-BR")).toBe("1.234");
    expect(percent(null, "pt-BR")).toBe("–");
  });
  it("writes durations", () => {
    expect(duration(45, "pt-BR")).toBe("45 s");
    expect(duration(90, "pt-BR")).toBe("1,5 min");
    expect(duration(2 * 86400, "en")).toBe("2 d");
  });
  it("computes presets ending today", () => {
    const today = new Date(2026, 2, 15);
    expect(presetRange("today", today)).toEqual({ from: "2026-03-15", to: "2026-03-15" });
    expect(presetRange("7d", today)).toEqual({ from: "2026-03-09", to: "2026-03-15" });
    expect(presetRange("30d", today)).toEqual({ from: "2026-02-14", to: "2026-03-15" });
    expect(presetRange("month", today)).toEqual({ from: "2026-03-01", to: "2026-03-15" });
  });
});
