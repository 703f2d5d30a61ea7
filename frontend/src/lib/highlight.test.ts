import { describe, expect, it } from "vitest";
import { fold, highlightParts } from "./highlight";

const marked = (text: string, term: string) =>
  highlightParts(text, term)
    .filter((p) => p.match)
    .map((p) => p.text);

describe("highlightParts", () => {
  it("marks the accented word for an accent-free term, and the other way round", () => {
    expect(highlightParts("Segue o catálogo novo", "catalogo")).toEqual([
      { text: "Segue o ", match: false },
      { text: "catálogo", match: true },
      { text: " novo", match: false },
    ]);
    expect(marked("QUERO O CATALOGO", "Catálogo")).toEqual(["CATALOGO"]);
    expect(marked("Ação e PROMOÇÃO", "acao")).toEqual(["Ação"]);
  });

  it("marks every occurrence and keeps the text whole", () => {
    const parts = highlightParts("oi Oi ÓI", "oi");
    expect(parts.filter((p) => p.match).map((p) => p.text)).toEqual(["oi", "Oi", "ÓI"]);
    expect(parts.map((p) => p.text).join("")).toBe("oi Oi ÓI");
  });

  it("keeps decomposed accents, emoji and ligatures inside their match", () => {
    const decomposed = "cata\u0301logo 📷";
    expect(marked(decomposed, "catalogo")).toEqual(["cata\u0301logo"]);
    expect(marked("📷 catálogo 👍", "CATÁLOGO")).toEqual(["catálogo"]);
    expect(marked("ﬁnal", "fi")).toEqual(["ﬁ"]);
  });

  it("no term, or no match: the text as one plain part", () => {
    expect(highlightParts("catálogo", "  ")).toEqual([{ text: "catálogo", match: false }]);
    expect(highlightParts("catálogo", "xyz")).toEqual([{ text: "catálogo", match: false }]);
    expect(highlightParts("", "a")).toEqual([]);
  });

  it("folds like the server", () => {
    expect(fold("JOÃO Ç")).toBe("joao c");
  });
});
