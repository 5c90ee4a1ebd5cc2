import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repositoryOf } from "./repository-of.ts";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/bitbucket");
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));
const bytes = (text: string) => new TextEncoder().encode(text);

describe("repositoryOf", () => {
  it("reads PROJECT/slug from Bitbucket's real bodies: repository for repo:refs_changed, the target of a pull request for pr:*", () => {
    expect(repositoryOf(fixture("refs-changed-update.json"))).toBe("MYPROJECT/test-repo");
    expect(repositoryOf(fixture("refs-changed-delete.json"))).toBe("~gopher/webhook-test");
    expect(repositoryOf(fixture("pr-opened.json"))).toBe("~gopher/webhook-test");
  });

  it("names none for a ping, a body that is not JSON, or one whose fields are not strings", () => {
    expect(repositoryOf(fixture("ping.json"))).toBeUndefined();
    expect(repositoryOf(bytes("not json"))).toBeUndefined();
    expect(repositoryOf(bytes("[1,2]"))).toBeUndefined();
    expect(repositoryOf(bytes('{"repository":{"slug":1,"project":{"key":"P"}}}'))).toBeUndefined();
    expect(repositoryOf(bytes('{"repository":{"slug":"s","project":{"key":""}}}'))).toBeUndefined();
    expect(repositoryOf(bytes(`{"repository":{"slug":"${"s".repeat(400)}","project":{"key":"P"}}}`))).toBeUndefined();
  });
});
