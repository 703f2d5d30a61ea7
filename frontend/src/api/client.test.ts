import { afterEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, buildUrl, NetworkError, setCsrfToken } from "./client";

function mockFetch(status: number, body: unknown) {
  const fn = vi.fn((_url: string, _init: RequestInit) => Promise.resolve(new Response(body === undefined ? null : JSON.stringify(body), { status })));
  vi.stubGlobal("fetch", fn);
  return fn;
}

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = "whatrack_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT";
  setCsrfToken(null);
});

describe("api client", () => {
  it("sends X-CSRF-Token from the whatrack_csrf cookie on unsafe methods only", async () => {
    document.cookie = "whatrack_csrf=tok%2B1";
    const fn = mockFetch(200, { ok: true });
    await api("/conversations/c1/read", { method: "POST" });
    await api("/conversations");
    const post = fn.mock.calls[0]![1].headers as Record<string, string>;
    const get = fn.mock.calls[1]![1].headers as Record<string, string>;
    expect(post["X-CSRF-Token"]).toBe("tok+1");
    expect(get["X-CSRF-Token"]).toBeUndefined();
  });

  it("falls back to the token from /auth/me", async () => {
    setCsrfToken("from-me");
    const fn = mockFetch(200, {});
    await api("/x", { json: { a: 1 } });
    expect((fn.mock.calls[0]![1].headers as Record<string, string>)["X-CSRF-Token"]).toBe("from-me");
  });

  it("throws a typed ApiError from the error envelope", async () => {
    mockFetch(404, { error: { code: "not_found", message: "Conversation not found" } });
    const err = await api("/conversations/x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, code: "not_found", message: "Conversation not found" });
  });

  it("maps fetch failures to NetworkError", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    await expect(api("/x")).rejects.toBeInstanceOf(NetworkError);
  });

  it("builds snake_case query strings, skipping empty values", () => {
    expect(buildUrl("/conversations", { instance_id: "i1", q: "", cursor: null, unread: "true" })).toBe(
      "/api/v1/conversations?instance_id=i1&unread=true",
    );
  });
});
