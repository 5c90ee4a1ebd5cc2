/**
 * A configuration value that must never be printed: keys, tokens, webhook
 * secrets. `String(secret)`, `JSON.stringify(secret)` and `console.log(secret)`
 * all give "[redacted]"; only `reveal()` gives the value, at the point of use.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return "[redacted]";
  }

  toJSON(): string {
    return "[redacted]";
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "[redacted]";
  }
}
