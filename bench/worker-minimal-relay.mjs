// The minimal Worker relay, the floor the gateway's Worker is measured against in the same
// workerd: reads the body, POSTs it with its Content-Type and X-Event-Key to
// `<UPSTREAM><path>`, answers with the upstream's status and body.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const headers = {};
    for (const name of ["content-type", "x-event-key"]) {
      const value = request.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    const res = await fetch(`${env.UPSTREAM}${url.pathname}${url.search}`, {
      method: request.method,
      headers,
      body: await request.arrayBuffer(),
    });
    return new Response(await res.arrayBuffer(), {
      status: res.status,
      headers: { "content-type": res.headers.get("content-type") ?? "application/json" },
    });
  },
};
