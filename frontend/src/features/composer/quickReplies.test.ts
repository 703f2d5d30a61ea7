import { describe, expect, it } from "vitest";
import { expandQuickReply, filterQuickReplies, insertQuickReply, slashQuery } from "./quickReplies";

describe("expandQuickReply", () => {
  it("fills the lead's name, first name and the agent", () => {
    const text = "Olá {primeiro_nome}! Aqui é {atendente}. Confirmo o pedido de {nome}.";
    expect(expandQuickReply(text, { leadName: "Maria  da Silva", agentName: "Bia" })).toBe(
      "Olá Maria! Aqui é Bia. Confirmo o pedido de Maria da Silva.",
    );
  });
  it("never leaves a raw variable when a value is unknown", () => {
    expect(expandQuickReply("Olá {nome}!", { leadName: null, agentName: "Bia" })).toBe("Olá!");
    expect(expandQuickReply("Oi {NOME}, {atendente} aqui", { leadName: "João", agentName: undefined })).toBe("Oi João, aqui");
  });
  it("keeps other braces", () => {
    expect(expandQuickReply("{preço} {nome}", { leadName: "Ana", agentName: "" })).toBe("{preço} Ana");
  });
});

describe("slashQuery", () => {
  it("finds the slash word at the caret", () => {
    expect(slashQuery("/pre", 4)).toEqual({ start: 0, query: "pre" });
    expect(slashQuery("oi /promoção", 12)).toEqual({ start: 3, query: "promoção" });
    expect(slashQuery("/", 1)).toEqual({ start: 0, query: "" });
  });
  it("ignores slashes inside words, urls and text before the caret", () => {
    expect(slashQuery("http://x", 8)).toBeNull();
    expect(slashQuery("e/ou", 4)).toBeNull();
    expect(slashQuery("/pre ", 5)).toBeNull();
  });
});

describe("filterQuickReplies", () => {
  const items = [
    { shortcut: "catalogo", content: "Segue o catálogo" },
    { shortcut: "preco", content: "O preço é R$ 10" },
    { shortcut: "oi", content: "Olá, tudo bem? Veja nosso preço" },
  ];
  it("prefers shortcuts starting with the query, then matches anywhere, ignoring accents", () => {
    expect(filterQuickReplies(items, "pre").map((i) => i.shortcut)).toEqual(["preco", "oi"]);
    expect(filterQuickReplies(items, "CATÁ").map((i) => i.shortcut)).toEqual(["catalogo"]);
    expect(filterQuickReplies(items, "")).toHaveLength(3);
    expect(filterQuickReplies(items, "zzz")).toEqual([]);
  });
});

describe("insertQuickReply", () => {
  it("replaces the slash word and puts the caret after the text", () => {
    expect(insertQuickReply("Bom dia /pre obrigado", { start: 8, query: "pre" }, "R$ 10")).toEqual({
      text: "Bom dia R$ 10 obrigado",
      caret: 13,
    });
  });
});
