import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { jwtVerify, SignJWT } from "jose";

/** One request as the stub CDS API received it. */
export interface ApiRequest {
  method: string;
  /** Path and query exactly as on the request line (still percent-encoded). */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** Date.now() when the request had arrived whole: to check "not before dueAt". */
  receivedAt: number;
}

export type ApiAnswer = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number };

/**
 * A stand-in for the CDS API on 127.0.0.1, the two calls the branch-deletion
 * sweep makes:
 * - `POST <base>/auth/consumer/builtin/signin` `{"token":…}`: with the right
 *   consumer token, 200 `{"token":"<jwt>","user":…}` (or the JWT in an
 *   `X-Cds-Jwt` header), a real HS256 JWT from jose expiring after
 *   `jwtTtlSeconds`; otherwise 401.
 * - `DELETE <base>/project/{p}/workflows/{w}/runs/branch/{b}`: 200 `null`
 *   with a valid, unexpired session JWT as Bearer; 401 otherwise.
 * Everything else: 404. `answer(fn)` overrides an answer; `revokeSessions()`
 * changes the signing key, so every JWT issued so far gets 401.
 */
export interface StubCdsApi {
  url: string;
  /** `<url>/cdsapi`, the `apiUrl` to configure. */
  apiUrl: string;
  requests: ApiRequest[];
  /** Every JWT issued, in order. */
  issued: string[];
  signins(): ApiRequest[];
  deletes(): ApiRequest[];
  answer(fn: ((req: ApiRequest) => ApiAnswer | undefined) | undefined): void;
  revokeSessions(): void;
  /** What later signins put in X-Api-Pub-Signing-Key (CDS's API restarted with a new key). */
  setPublicSigningKey(value: string | undefined): void;
  close(): Promise<void>;
}

const BASE = "/cdsapi";
const DELETE_PATH = /^\/cdsapi\/project\/[^/]+\/workflows\/[^/]+\/runs\/branch\/[^/]+$/;

export async function startStubCdsApi(options: {
  consumerToken: string;
  jwtTtlSeconds?: number;
  jwtIn?: "body" | "header";
  /** Delay of each DELETE answer: widens the window in which two sweepers could race. */
  deleteDelayMs?: number;
  /** When set, every successful signin carries `X-Api-Pub-Signing-Key: <this>` (base64 of the API's public key PEM), as CDS's does. */
  publicSigningKey?: string;
}): Promise<StubCdsApi> {
  const requests: ApiRequest[] = [];
  const issued: string[] = [];
  let key = crypto.getRandomValues(new Uint8Array(32));
  let override: ((req: ApiRequest) => ApiAnswer | undefined) | undefined;
  let signingKey = options.publicSigningKey;

  const defaultAnswer = async (req: ApiRequest): Promise<ApiAnswer> => {
    if (req.method === "POST" && req.url === `${BASE}/auth/consumer/builtin/signin`) {
      let token: unknown;
      try {
        token = (JSON.parse(req.body) as { token?: unknown }).token;
      } catch {
        return { status: 400, body: '{"message":"wrong request"}' };
      }
      if (token !== options.consumerToken) return { status: 401, body: '{"message":"unauthorized"}' };
      const jwt = await new SignJWT({ consumer: "gateway" })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("gateway-bot")
        .setIssuedAt()
        .setExpirationTime(`${options.jwtTtlSeconds ?? 3600}s`)
        .sign(key);
      issued.push(jwt);
      const user = { username: "gateway-bot", fullname: "Gateway bot" };
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (signingKey !== undefined) headers["x-api-pub-signing-key"] = signingKey;
      return options.jwtIn === "header"
        ? { status: 200, body: JSON.stringify({ user }), headers: { ...headers, "x-cds-jwt": jwt } }
        : { status: 200, body: JSON.stringify({ token: jwt, user }), headers };
    }
    if (req.method === "DELETE" && DELETE_PATH.test(req.url)) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      try {
        if (bearer === undefined) throw new Error("no bearer");
        await jwtVerify(bearer, key);
      } catch {
        return { status: 401, body: '{"message":"unauthorized"}' };
      }
      return { status: 200, body: "null", headers: { "content-type": "application/json" }, delayMs: options.deleteDelayMs };
    }
    return { status: 404, body: '{"message":"not found"}' };
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const received: ApiRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        receivedAt: Date.now(),
      };
      requests.push(received);
      void (async () => {
        const answer = override?.(received) ?? (await defaultAnswer(received));
        const send = () => {
          res.writeHead(answer.status, answer.headers ?? { "content-type": "application/json" });
          res.end(answer.body ?? "");
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    apiUrl: `${url}${BASE}`,
    requests,
    issued,
    signins: () => requests.filter((r) => r.method === "POST" && r.url.endsWith("/auth/consumer/builtin/signin")),
    deletes: () => requests.filter((r) => r.method === "DELETE"),
    answer: (fn) => {
      override = fn;
    },
    revokeSessions: () => {
      key = crypto.getRandomValues(new Uint8Array(32));
    },
    setPublicSigningKey: (value) => {
      signingKey = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
