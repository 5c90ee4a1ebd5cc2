import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import httpSignature from "http-signature";

/**
 * A stand-in for CDS's vcs µservice on 127.0.0.1 that, like the real one
 * (engine/service/http.go CheckRequestSignatureMiddleware), verifies the
 * HTTP signature of every call with the API's public key, here with an
 * independent implementation (npm's http-signature). As CDS's Go verifier
 * does, a listed `date` the request does not carry adds no line.
 *
 * Answers 401 `{"message":…}` to a call whose signature does not verify,
 * else `answer` (default: 299 with `x-vcs-stub: answered` and a JSON body
 * naming the call), whatever the path.
 */
export interface VcsCall {
  method: string;
  /** Path and query as on the request line. */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** "ok", or why the signature was refused. */
  verdict: string;
}

export interface StubVcsService {
  url: string;
  calls: VcsCall[];
  answer: (call: VcsCall) => { status: number; headers: Record<string, string>; body: string };
  close(): Promise<void>;
}

export async function startStubVcsService(publicKeyPems: string[]): Promise<StubVcsService> {
  const calls: VcsCall[] = [];
  const stub: StubVcsService = {
    url: "",
    calls,
    answer: (call) => ({
      status: 299,
      headers: { "content-type": "application/json", "x-vcs-stub": "answered" },
      body: JSON.stringify({ answeredBy: "vcs", method: call.method, url: call.url }),
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const call: VcsCall = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        verdict: verify(req, publicKeyPems),
      };
      calls.push(call);
      const answer =
        call.verdict === "ok"
          ? stub.answer(call)
          : { status: 401, headers: { "content-type": "application/json" }, body: JSON.stringify({ message: call.verdict }) };
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stub;
}

function verify(req: IncomingMessage, publicKeyPems: string[]): string {
  const headers = { ...req.headers };
  if (headers.date === undefined && typeof headers.authorization === "string") {
    headers.authorization = headers.authorization.replace(
      /headers="([^"]*)"/,
      (_m, list: string) =>
        `headers="${list
          .split(" ")
          .filter((h) => h !== "date")
          .join(" ")}"`,
    );
  }
  try {
    const parsed = httpSignature.parseRequest({ method: req.method, url: req.url, httpVersion: req.httpVersion, headers } as never, {
      headers: ["(request-target)", "host"],
      clockSkew: 300,
    });
    return publicKeyPems.some((pem) => httpSignature.verifySignature(parsed, pem)) ? "ok" : "signature does not verify";
  } catch (error) {
    return `signature refused: ${error instanceof Error ? error.message : String(error)}`;
  }
}
