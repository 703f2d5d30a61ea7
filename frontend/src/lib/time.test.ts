import { describe, expect, it } from "vitest";
import { dayKey, formatDaySeparator, formatFileSize, formatListTime, formatTime } from "./time";

const sp = { timeZone: "America/Sao_Paulo", locale: "pt-BR" };
const labels = { today: "Hoje", yesterday: "Ontem" };
const now = new Date("2024-03-12T15:00:00Z"); // 12:00 in São Paulo

describe("time formatting in the organization's time zone", () => {
  it("formats the time of day in that zone, 24 h", () => {
    expect(formatTime("2024-03-12T15:05:00Z", sp)).toBe("12:05");
    expect(formatTime("2024-03-12T15:05:00Z", { ...sp, timeZone: "UTC" })).toBe("15:05");
  });

  it("uses the zone's calendar day (02:00 UTC is still yesterday in São Paulo)", () => {
    expect(dayKey("2024-03-12T02:00:00Z", "America/Sao_Paulo")).toBe("2024-03-11");
    expect(dayKey("2024-03-12T02:00:00Z", "UTC")).toBe("2024-03-12");
  });

  it("day separators: Hoje, Ontem, weekday, full date", () => {
    expect(formatDaySeparator("2024-03-12T13:00:00Z", { ...sp, now }, labels)).toBe("Hoje");
    expect(formatDaySeparator("2024-03-12T02:00:00Z", { ...sp, now }, labels)).toBe("Ontem");
    expect(formatDaySeparator("2024-03-08T15:00:00Z", { ...sp, now }, labels)).toBe("Sexta-feira");
    expect(formatDaySeparator("2024-01-05T15:00:00Z", { ...sp, now }, labels)).toBe("5 de janeiro de 2024");
  });

  it("list times: hour today, Ontem, short weekday, dd/mm/yyyy", () => {
    expect(formatListTime("2024-03-12T14:30:00Z", { ...sp, now }, labels)).toBe("11:30");
    expect(formatListTime("2024-03-11T14:30:00Z", { ...sp, now }, labels)).toBe("Ontem");
    expect(formatListTime("2024-01-05T15:00:00Z", { ...sp, now }, labels)).toBe("05/01/2024");
    expect(formatListTime("2024-03-08T15:00:00Z", { ...sp, locale: "en", now }, { today: "Today", yesterday: "Yesterday" })).toBe("Fri");
  });

  it("survives an unknown time zone", () => {
    expect(formatTime("2024-03-12T15:05:00Z", { timeZone: "Mars/Olympus", locale: "pt-BR" })).toMatch(/^\d\d:\d\d$/);
  });

  it("file sizes", () => {
    expect(formatFileSize(512, "en")).toBe("512 B");
    expect(formatFileSize(1536, "en")).toBe("1.5 KB");
    expect(formatFileSize(1536, "pt-BR")).toBe("1,5 KB");
    expect(formatFileSize(null, "en")).toBe("");
  });
});
