import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TimeoutError } from "../../lib/with-timeout.ts";
import { createUndiciFetch } from "./undici-fetch.ts";

describe("createUndiciFetch: the Node forwarder against a real server on loopback", () => {
  let server: Server;
  let base: string;
  const fetch = createUndiciFetch();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2_000);
        if (req.url === "/empty") return void res.writeHead(204).end();
        if (req.url === "/moved") return void res.writeHead(302, { location: "/elsewhere" }).end("moved");
        res.writeHead(201, { "content-type": "application/json", "set-cookie": ["a=1", "b=2"] });
        // The answer in two writes: read whole all the same.
        res.write(JSON.stringify({ method: req.method, url: req.url, event: req.headers["x-event-key"] }).slice(0, 10));
        res.end(
          JSON.stringify({
            method: req.method,
            url: req.url,
            event: req.headers["x-event-key"],
            body: Buffer.concat(chunks).toString(),
          }).slice(10),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await fetch.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("sends method, path, query, headers and body, and gives the whole answer with its status and headers", async () => {
    const res = await fetch(`${base}/webhook/u?x=1`, {
      method: "POST",
      headers: { "x-event-key": "repo:refs_changed" },
      body: new TextEncoder().encode("héllo"),
    });
    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await res.json()).toEqual({ method: "POST", url: "/webhook/u?x=1", event: "repo:refs_changed", body: "héllo" });
  });

  it("does not follow a redirect, and has no body for 204", async () => {
    const moved = await fetch(`${base}/moved`, { method: "GET" });
    expect(moved.status).toBe(302);
    expect(moved.headers.get("location")).toBe("/elsewhere");
    expect((await fetch(`${base}/empty`, { method: "GET" })).body).toBeNull();
  });

  it("rejects with the signal's reason when the signal ends the call, before or during it", async () => {
    const controller = new AbortController();
    const call = fetch(`${base}/slow`, { method: "GET", signal: controller.signal });
    setTimeout(() => controller.abort(new TimeoutError(50)), 50);
    await expect(call).rejects.toBeInstanceOf(TimeoutError);
    await expect(fetch(`${base}/`, { method: "GET", signal: AbortSignal.abort() })).rejects.toMatchObject({ name: "AbortError" });
  });

  it("ends a call at `timeoutMs` with a TimeoutError, with no signal (it enforces timeouts itself)", async () => {
    expect(fetch.enforcesTimeout).toBe(true);
    // The server answers /slow after 2 s: a TimeoutError, not that answer.
    await expect(fetch(`${base}/slow`, { method: "GET", timeoutMs: 100 })).rejects.toBeInstanceOf(TimeoutError);
    expect((await fetch(`${base}/`, { method: "GET", timeoutMs: 1_000 })).status).toBe(201);
  });

  it("rejects when nothing listens", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(fetch(`http://127.0.0.1:${port}/`, { method: "GET" })).rejects.toThrow();
  });
});
