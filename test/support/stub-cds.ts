import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the stub CDS received it, bytes untouched. */
export interface ReceivedRequest {
  method: string;
  /** Path and query as sent on the request line. */
  url: string;
  /** Lower-cased header names → values, as Node parsed them. */
  headers: IncomingMessage["headers"];
  /** Raw header pairs in order, names as sent. */
  rawHeaders: string[];
  body: Buffer;
  /** Date.now() when the body was complete. */
  receivedAt: number;
  /** The status the stub answered; 0 when it cut the connection, undefined while unanswered. */
  answered?: number;
}

export type StubAnswer = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | "hang" | "destroy";

/**
 * What stands in front of a CDS instance may answer in its place (issue #12):
 * a redirect to a login, an auth proxy, a proxy asking for its own
 * credentials, a corporate SSO page served with 200. None is CDS's answer:
 * CDS's hooks service answers JSON (engine/hooks, 0.40–0.53). The cause is
 * the `reason` label the gateway counts it under.
 */
export const PROXY_ANSWERS: Array<{ name: string; status: number; cause: string; answer: StubAnswer }> = [
  {
    name: "301 to a login page",
    status: 301,
    cause: "redirect",
    answer: {
      status: 301,
      headers: { location: "https://sso.example.com/login", "content-type": "text/html" },
      body: "<html><body>Moved</body></html>",
    },
  },
  {
    name: "401 from an auth proxy",
    status: 401,
    cause: "auth",
    answer: { status: 401, headers: { "www-authenticate": 'Basic realm="corp"', "content-type": "text/plain" }, body: "Unauthorized" },
  },
  {
    name: "403 as JSON from an access gateway",
    status: 403,
    cause: "auth",
    answer: { status: 403, headers: { "content-type": "application/json" }, body: '{"error":"forbidden"}' },
  },
  {
    name: "407 from a forward proxy",
    status: 407,
    cause: "auth",
    answer: { status: 407, headers: { "proxy-authenticate": 'Basic realm="proxy"' }, body: "" },
  },
  {
    name: "200 with an HTML sign-in page",
    status: 200,
    cause: "html",
    answer: {
      status: 200,
      headers: { "content-type": "text/html; charset=utf-8" },
      body: '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form action="/login"></form></body></html>',
    },
  },
];

/**
 * A stand-in for a CDS hooks service on 127.0.0.1: it records every request
 * and answers `POST /cdshooks/webhook/<uuid>` as CDS does — 200 with a task
 * JSON for the UUIDs it owns, 404 for the others — unless a test overrides
 * the answer with `answer(fn)`.
 */
export interface StubCds {
  url: string;
  hooksUrl: string;
  port: number;
  requests: ReceivedRequest[];
  /** UUIDs this instance owns. */
  owned: Set<string>;
  answer(fn: ((req: ReceivedRequest) => StubAnswer | undefined) | undefined): void;
  close(): Promise<void>;
}

export async function startStubCds(
  options: { owned?: string[]; port?: number; project?: string; workflow?: string } = {},
): Promise<StubCds> {
  const requests: ReceivedRequest[] = [];
  const owned = new Set(options.owned ?? []);
  let override: ((req: ReceivedRequest) => StubAnswer | undefined) | undefined;

  const defaultAnswer = (req: ReceivedRequest): StubAnswer => {
    const m = /^\/cdshooks\/webhook\/([^/?]+)/.exec(req.url);
    if (!m || !owned.has(m[1]!)) return { status: 404, body: '{"message":"Unknown uuid"}' };
    return {
      status: 200,
      body: JSON.stringify({
        uuid: m[1],
        type: "RepoWebHook",
        status: "SCHEDULED",
        config: {
          project: { value: options.project ?? "PRJ" },
          workflow: { value: options.workflow ?? "my-workflow" },
          webHookURL: { value: `internal/${m[1]}` },
        },
      }),
      headers: { "content-type": "application/json" },
    };
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const received: ReceivedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
        receivedAt: Date.now(),
      };
      requests.push(received);
      const answer = override?.(received) ?? defaultAnswer(received);
      if (answer === "hang") return;
      if (answer === "destroy") {
        received.answered = 0;
        req.socket.destroy();
        return;
      }
      const send = () => {
        received.answered = answer.status;
        res.writeHead(answer.status, answer.headers ?? { "content-type": "application/json" });
        res.end(answer.body ?? "");
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    hooksUrl: `${url}/cdshooks`,
    port,
    requests,
    owned,
    answer: (fn) => {
      override = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
