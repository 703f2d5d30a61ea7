import { describe, expect, it } from "vitest";
import { ApiError, NetworkError } from "../api/client";
import { translate, type Lang, type TFunction } from "../i18n/i18n";
import { ptBR } from "../i18n/ptBR";
import { codeKey, errorMessage, errorVars } from "./errors";

const tr =
  (lang: Lang): TFunction =>
  (key, vars) =>
    translate(lang, key, vars);
const pt = tr("pt-BR");
const en = tr("en");

describe("errorMessage", () => {
  it("translates a code, never showing the server's English sentence", () => {
    const err = new ApiError(404, "conversation_not_found", "Conversation not found");
    expect(errorMessage(err, pt)).toBe("Conversa não encontrada.");
    expect(errorMessage(err, en)).toBe("Conversation not found.");
    const wuzapi = new ApiError(502, "wuzapi_unreachable", "WuzAPI is unreachable (connect error); could not check the token");
    expect(errorMessage(wuzapi, pt)).toBe("Não foi possível conectar ao WuzAPI: verifique se ele está no ar.");
    expect(errorMessage(wuzapi, en)).not.toContain("connect error");
  });

  it("fills parameters from details: the size limit, the ticket number, the wait", () => {
    const big = new ApiError(413, "payload_too_large", "Body larger than 67108864 bytes", { maxBytes: 67108864 });
    expect(errorMessage(big, pt)).toBe("Arquivo ou envio grande demais (máximo 64 MB).");
    expect(errorMessage(big, en)).toBe("File or request too large (maximum 64 MB).");
    const closed = new ApiError(409, "ticket_already_resolved", "Ticket #7 is already closed", { ticketNumber: 7 });
    expect(errorMessage(closed, en)).toBe("Ticket #7 is already closed.");
    const limited = new ApiError(429, "rate_limited", "Too many", { retryAfterSeconds: 125 });
    expect(errorMessage(limited, pt)).toBe("Muitas tentativas. Tente novamente em 3 min.");
    const invalid = new ApiError(422, "validation_error", "Invalid request", [
      { loc: ["body", "email"], msg: "bad", type: "x" },
      { loc: ["body", "password"], msg: "missing", type: "y" },
    ]);
    expect(errorMessage(invalid, en)).toBe("Invalid data (email, password).");
  });

  it("falls back to the status text when a needed detail is missing or the code is unknown", () => {
    expect(errorMessage(new ApiError(413, "payload_too_large", "too big"), en)).toBe("Too large.");
    expect(errorMessage(new ApiError(409, "ticket_already_resolved", "closed"), pt)).toBe(
      translate("pt-BR", "errors.http.conflict"),
    );
    expect(errorMessage(new ApiError(404, "brand_new_code", "x"), en)).toBe("Not found.");
    expect(errorMessage(new ApiError(503, "http_503", "Service Unavailable"), pt)).toBe(
      translate("pt-BR", "errors.http.server"),
    );
    expect(errorMessage(new NetworkError(), en)).toBe(translate("en", "errors.network"));
  });

  it("knows only real codes", () => {
    expect(codeKey("lead_not_found")).toBe("errors.lead_not_found");
    expect(codeKey("generic")).toBeNull(); // client-side texts are not codes
    expect(codeKey("http.notFound")).toBeNull();
    expect(codeKey("toString")).toBeNull();
    expect(codeKey("nope")).toBeNull();
    expect(Object.keys(ptBR).filter((k) => k.startsWith("errors.")).length).toBeGreaterThan(50);
  });

  it("errorVars ignores nested values", () => {
    expect(errorVars({ status: "SENT", nested: { a: 1 } })).toEqual({ status: "SENT" });
    expect(errorVars(null)).toEqual({});
  });
});
