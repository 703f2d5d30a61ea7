import { describe, expect, it } from "vitest";
import { en } from "./en";
import { interpolate, translate } from "./i18n";
import { ptBR } from "./ptBR";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("dictionaries", () => {
  it("every pt-BR key exists in en, and nothing extra", () => {
    const pt = Object.keys(ptBR).sort();
    const e = Object.keys(en).sort();
    expect(pt.filter((k) => !(k in en))).toEqual([]);
    expect(e.filter((k) => !(k in ptBR))).toEqual([]);
  });

  it("no empty translations and the same placeholders in both languages", () => {
    for (const [k, v] of Object.entries(ptBR)) {
      const other = en[k as keyof typeof en];
      expect(v.length, k).toBeGreaterThan(0);
      expect(other.length, k).toBeGreaterThan(0);
      expect(placeholders(other), k).toEqual(placeholders(v));
    }
  });

  it("interpolates variables", () => {
    expect(interpolate("Ticket #{number}", { number: 3 })).toBe("Ticket #3");
    expect(interpolate("{missing} ok", {})).toBe("{missing} ok");
    expect(translate("en", "list.unread", { count: 2 })).toBe("2 unread messages");
    expect(translate("pt-BR", "list.tab.unread")).toBe("Não lidas");
  });
});
