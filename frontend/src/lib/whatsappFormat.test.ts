import { describe, expect, it } from "vitest";
import { parseWhatsApp, stripWhatsApp } from "./whatsappFormat";

describe("parseWhatsApp", () => {
  it("parses bold, italic, strike and mono", () => {
    expect(parseWhatsApp("*oi* _tudo_ ~bem~ ```x*y```")).toEqual([
      { type: "bold", children: [{ type: "text", text: "oi" }] },
      { type: "text", text: " " },
      { type: "italic", children: [{ type: "text", text: "tudo" }] },
      { type: "text", text: " " },
      { type: "strike", children: [{ type: "text", text: "bem" }] },
      { type: "text", text: " " },
      { type: "code", text: "x*y" },
    ]);
  });

  it("nests", () => {
    expect(parseWhatsApp("*_ambos_*")).toEqual([
      { type: "bold", children: [{ type: "italic", children: [{ type: "text", text: "ambos" }] }] },
    ]);
  });

  it("leaves markers inside words and unbalanced ones alone", () => {
    expect(parseWhatsApp("2*3*4 e snake_case_name e *sem fim")).toEqual([{ type: "text", text: "2*3*4 e snake_case_name e *sem fim" }]);
    expect(parseWhatsApp("* nope *")).toEqual([{ type: "text", text: "* nope *" }]);
  });

  it("does not span lines", () => {
    expect(parseWhatsApp("*a\nb*")).toEqual([{ type: "text", text: "*a\nb*" }]);
  });

  it("links URLs, trimming trailing punctuation, and keeps underscores inside them", () => {
    expect(parseWhatsApp("veja https://ex.com/a_b_c. ok")).toEqual([
      { type: "text", text: "veja " },
      { type: "link", href: "https://ex.com/a_b_c", text: "https://ex.com/a_b_c" },
      { type: "text", text: ". ok" },
    ]);
    expect(parseWhatsApp("www.site.com.br")).toEqual([{ type: "link", href: "https://www.site.com.br", text: "www.site.com.br" }]);
  });

  it("links inside formatting", () => {
    expect(parseWhatsApp("*veja https://x.com*")).toEqual([
      { type: "bold", children: [{ type: "text", text: "veja " }, { type: "link", href: "https://x.com", text: "https://x.com" }] },
    ]);
  });

  it("never produces a javascript: link and keeps HTML as text", () => {
    const nodes = parseWhatsApp('javascript:alert(1) <img src=x onerror="alert(1)">');
    expect(nodes.every((n) => n.type === "text")).toBe(true);
  });

  it("strips markers for previews", () => {
    expect(stripWhatsApp("*Oferta* _hoje_")).toBe("Oferta hoje");
  });
});
