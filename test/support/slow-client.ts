import { connect, type Socket } from "node:net";

/** What a raw client saw: everything the server wrote, when it started to answer and when the connection closed. */
export interface RawExchange {
  socket: Socket;
  /** Resolves once the connection is closed (by either side), or after `boundMs`. */
  done: Promise<{ answer: string; answeredAfterMs: number | undefined; closedAfterMs: number | undefined }>;
}

/**
 * Opens a raw TCP connection to 127.0.0.1:`port`, writes `head` at once and
 * then each of `drip` every `everyMs` (a client trickling its request), for
 * at most `boundMs`; then the socket is destroyed. Loopback only, bounded in
 * time: a test of the server's time limits, never a load. `untilAnswered`:
 * done (and the socket destroyed) as soon as a response head has arrived.
 */
export function rawRequest(
  port: number,
  head: string,
  options: { drip?: string[]; everyMs?: number; boundMs: number; untilAnswered?: boolean },
): RawExchange {
  const socket = connect(port, "127.0.0.1");
  const started = Date.now();
  let answer = "";
  let answeredAfterMs: number | undefined;
  socket.setEncoding("latin1");
  socket.on("data", (d: string) => {
    answeredAfterMs ??= Date.now() - started;
    answer += d;
    if (options.untilAnswered && answer.includes("\r\n\r\n")) socket.destroy();
  });
  socket.on("error", () => {});
  socket.write(head);
  const drip = [...(options.drip ?? [])];
  const timer = setInterval(() => {
    const next = drip.shift();
    if (next === undefined || socket.destroyed) clearInterval(timer);
    else socket.write(next);
  }, options.everyMs ?? 200);
  const done = new Promise<{ answer: string; answeredAfterMs: number | undefined; closedAfterMs: number | undefined }>((resolve) => {
    const bound = setTimeout(() => {
      clearInterval(timer);
      resolve({ answer, answeredAfterMs, closedAfterMs: undefined });
      socket.destroy();
    }, options.boundMs);
    socket.on("close", () => {
      clearTimeout(bound);
      clearInterval(timer);
      resolve({ answer, answeredAfterMs, closedAfterMs: Date.now() - started });
    });
  });
  return { socket, done };
}

/** Request head of a webhook POST declaring `contentLength` bytes (or chunked without one). */
export function webhookHead(path: string, contentLength: number | "chunked"): string {
  const framing = contentLength === "chunked" ? "Transfer-Encoding: chunked" : `Content-Length: ${contentLength}`;
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Event-Key: repo:refs_changed\r\n${framing}\r\n\r\n`;
}
