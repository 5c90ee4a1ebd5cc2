/**
 * The minimal Deno relay (`Deno.serve` + `fetch`), the floor the Deno gateway is measured against:
 *   deno run --allow-net=127.0.0.1 bench/deno-minimal-relay.mts --upstream http://127.0.0.1:P/alpha/webhook
 * Reads the body, POSTs it with its Content-Type and X-Event-Key to
 * `<upstream><path>`, answers with the upstream's status and body.
 */
const upstream = Deno.args[Deno.args.indexOf("--upstream") + 1];

Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(JSON.stringify({ msg: "listening", port })) },
  async (request) => {
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "x-event-key"]) {
      const value = request.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    const res = await fetch(`${upstream}${url.pathname}${url.search}`, {
      method: request.method,
      headers,
      body: await request.arrayBuffer(),
    });
    return new Response(await res.arrayBuffer(), {
      status: res.status,
      headers: { "content-type": res.headers.get("content-type") ?? "application/json" },
    });
  },
);
