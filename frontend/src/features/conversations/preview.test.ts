import { describe, expect, it } from "vitest";
import { en } from "../../i18n/en";
import { ptBR, type MessageKey } from "../../i18n/ptBR";
import { previewText } from "./preview";

const pt = (k: MessageKey) => ptBR[k];
const english = (k: MessageKey) => en[k];

describe("previewText", () => {
  it("names the kind in the reader's language, then the caption", () => {
    const c = { lastMessagePreview: "olha isso", lastMessageType: "IMAGE" as const, lastMessageReaction: null };
    expect(previewText(c, pt)).toBe("📷 Foto · olha isso");
    expect(previewText(c, english)).toBe("📷 Photo · olha isso");
  });

  it("shows the label alone for a file without caption, the text alone for text", () => {
    expect(previewText({ lastMessagePreview: "", lastMessageType: "AUDIO", lastMessageReaction: null }, english)).toBe(
      "🎤 Audio",
    );
    expect(previewText({ lastMessagePreview: "Oi", lastMessageType: "TEXT", lastMessageReaction: null }, pt)).toBe("Oi");
  });

  it("puts the lead's reaction first", () => {
    const c = { lastMessagePreview: "", lastMessageType: "DOCUMENT" as const, lastMessageReaction: "👍" };
    expect(previewText(c, pt)).toBe("👍 📄 Documento");
    expect(previewText(c, english)).toBe("👍 📄 Document");
  });

  it("is empty when there is nothing to show", () => {
    expect(previewText({ lastMessagePreview: null, lastMessageType: null, lastMessageReaction: null }, pt)).toBe("");
  });
});
