/** Statuses whose Response must have a null body (Fetch standard "null body status"). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A fetch `Response` for an answer already read whole, as the Node forwarder
 * reads CDS's and Bitbucket's small JSON answers. A native `Response` wraps
 * its body in a web stream and reads it back through it: about a tenth of
 * the relay's CPU under load (issue #13, docs/BENCHMARKS.md). Here `text()`
 * and `json()` decode the bytes held, and `headers` and `body` are built only
 * when read. It has the reading half of `Response` (what the core's fetch
 * port callers use), one read per answer as the standard says.
 */
export class BufferedResponse {
  readonly ok: boolean;
  readonly statusText = "";
  readonly redirected = false;
  readonly type = "basic";
  readonly url: string;
  #bytes: Uint8Array | null;
  #rawHeaders: Record<string, string | string[] | undefined>;
  #headers: Headers | undefined;
  #used = false;

  constructor(
    readonly status: number,
    rawHeaders: Record<string, string | string[] | undefined>,
    bytes: Uint8Array,
    url: string,
  ) {
    this.ok = status >= 200 && status <= 299;
    this.#rawHeaders = rawHeaders;
    this.#bytes = NULL_BODY.has(status) ? null : bytes;
    this.url = url;
  }

  get headers(): Headers {
    if (this.#headers) return this.#headers;
    const headers = new Headers();
    for (const [name, value] of Object.entries(this.#rawHeaders)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.set(name, value);
    }
    return (this.#headers = headers);
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#bytes === null) return null;
    const bytes = this.#take();
    return new ReadableStream({
      start(controller) {
        if (bytes.byteLength > 0) controller.enqueue(bytes);
        controller.close();
      },
    });
  }

  async bytes(): Promise<Uint8Array> {
    return this.#take();
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#take();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(this.#take());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): Promise<Blob> {
    return new Blob([this.#take() as Uint8Array<ArrayBuffer>], { type: this.headers.get("content-type") ?? "" });
  }

  async formData(): Promise<FormData> {
    throw new TypeError("an answer read by the gateway is never form data");
  }

  clone(): BufferedResponse {
    if (this.#used) throw new TypeError("Response body is already used");
    return new BufferedResponse(this.status, this.#rawHeaders, this.#bytes ?? new Uint8Array(0), this.url);
  }

  #take(): Uint8Array {
    if (this.#used) throw new TypeError("Response body is already used");
    this.#used = true;
    return this.#bytes ?? new Uint8Array(0);
  }
}
