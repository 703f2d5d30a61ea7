import { describe, expect, it } from "vitest";
import { formatPhone, initials, leadDisplayName } from "./phone";

describe("formatPhone", () => {
  it("formats Brazilian mobiles and landlines", () => {
    expect(formatPhone("5511999998888")).toBe("+55 11 99999-8888");
    expect(formatPhone("+55 (21) 3333-4444")).toBe("+55 21 3333-4444");
    expect(formatPhone("5511999998888@s.whatsapp.net")).toBe("+55 11 99999-8888");
  });
  it("formats NANP and falls back to +digits", () => {
    expect(formatPhone("14155550123")).toBe("+1 415 555-0123");
    expect(formatPhone("351912345678")).toBe("+351912345678");
    expect(formatPhone(null)).toBe("");
  });
});

describe("names", () => {
  it("prefers name, then push name, then phone", () => {
    expect(leadDisplayName({ name: "João", pushName: "J", phone: "5511999998888" })).toBe("João");
    expect(leadDisplayName({ name: " ", pushName: "Jota", phone: null })).toBe("Jota");
    expect(leadDisplayName({ name: null, pushName: null, phone: "5511999998888" })).toBe("+55 11 99999-8888");
  });
  it("initials", () => {
    expect(initials("João da Silva")).toBe("JS");
    expect(initials("ana")).toBe("A");
    expect(initials("+55 11 99999-8888")).toBe("#");
  });
});
