import { describe, expect, it } from "vitest";
import { BufferedResponse } from "./buffered-response.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("BufferedResponse", () => {
  it("reads as a Response would: status, ok, headers with repeated values, text once", async () => {
    const res = new BufferedResponse(
      201,
      { "content-type": "application/json", "set-cookie": ["a=1", "b=2"] },
      bytes('{"id":1}'),
      "http://x/",
    );
    expect(res.status).toBe(201);
    expect(res.ok).toBe(true);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(res.bodyUsed).toBe(false);
    expect(await res.json()).toEqual({ id: 1 });
    expect(res.bodyUsed).toBe(true);
    await expect(res.text()).rejects.toThrow(TypeError);
  });

  it("gives the same bytes through text, arrayBuffer, bytes, blob and body", async () => {
    const make = () => new BufferedResponse(200, {}, bytes("héllo"), "http://x/");
    expect(await make().text()).toBe("héllo");
    expect(new Uint8Array(await make().arrayBuffer())).toEqual(bytes("héllo"));
    expect(await make().bytes()).toEqual(bytes("héllo"));
    expect(await (await make().blob()).text()).toBe("héllo");
    expect(await new Response(make().body).text()).toBe("héllo");
    const original = make();
    expect(await original.clone().text()).toBe("héllo");
    expect(await original.text()).toBe("héllo");
  });

  it("has no body for a null-body status, and is not ok outside 2xx", async () => {
    const noContent = new BufferedResponse(204, {}, bytes("ignored"), "http://x/");
    expect(noContent.body).toBeNull();
    expect(await noContent.text()).toBe("");
    expect(new BufferedResponse(404, {}, bytes(""), "http://x/").ok).toBe(false);
  });
});
