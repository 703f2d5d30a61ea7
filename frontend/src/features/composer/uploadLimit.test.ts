import { describe, expect, it } from "vitest";
import { en } from "../../i18n/en";
import { ptBR } from "../../i18n/ptBR";
import { uploadProblem } from "./uploadLimit";

describe("uploadProblem", () => {
  const MB = 1024 * 1024;
  it("refuses a file above the server's limit before any byte is sent", () => {
    expect(uploadProblem({ size: 80 * MB }, 64 * MB)).toBe("tooLarge");
    expect(uploadProblem({ size: 64 * MB }, 64 * MB)).toBeNull();
  });
  it("refuses an empty file", () => {
    expect(uploadProblem({ size: 0 }, 64 * MB)).toBe("empty");
  });
  it("lets the server decide when the limit is unknown", () => {
    expect(uploadProblem({ size: 80 * MB }, 0)).toBeNull();
  });
  it("speaks both languages", () => {
    expect(ptBR["upload.tooLarge"]).toContain("{max}");
    expect(en["upload.tooLarge"]).toContain("{max}");
  });
});
