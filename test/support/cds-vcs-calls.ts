import { request as httpRequest } from "node:http";
import { signLikeCds } from "./cds-http-signature.ts";

/**
 * Calls as CDS's API makes them to its vcs service (issue #10), for the
 * tests of the gateway in that role on Node, Workers and Deno.
 */

/** A Fail event of a workflow node run as CDS 0.46+ sends it (snake_case payload). */
export function snakeCaseFailEvent(hash: string, num = 12): Record<string, unknown> {
  return {
    timestamp: "2024-01-10T10:00:00Z",
    hostname: "cds-api-1",
    cdsname: "",
    type_event: "sdk.EventRunWorkflowNode",
    project_key: "PRJ",
    workflow_name: "wf",
    application_name: "my-app",
    pipeline_name: "build",
    payload: {
      id: 991,
      num,
      status: "Fail",
      hash,
      branch_name: "feature/x",
      node_name: "build",
      repository_manager_name: "bitbucket",
      repository_full_name: "PRJ/my-repo",
      stages_summary: [{ id: 1, name: "Stage 1", run_jobs_summary: [{ id: 5, status: "Fail", job_summary: { job_name: "my job" } }] }],
    },
  };
}

/** The same event from CDS 0.40–0.45: the payload is fatih/structs' Map of the struct, so Go field names. */
export function goFieldFailEvent(hash: string, num = 13): Record<string, unknown> {
  return {
    ...snakeCaseFailEvent(hash),
    payload: {
      ID: 991,
      NodeID: 4,
      RunID: 77,
      Number: num,
      SubNumber: 0,
      Status: "Fail",
      Hash: hash,
      Tag: "",
      BranchName: "feature/x",
      NodeName: "build",
      RepositoryManagerName: "bitbucket",
      RepositoryFullName: "PRJ/my-repo",
      HookEvent: null,
      Manual: null,
      StagesSummary: [{ ID: 1, Name: "Stage 1", RunJobsSummary: [{ ID: 5, Status: "Fail", Job: { JobName: "my job" } }] }],
    },
  };
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request on loopback with exactly these headers, `host` included (fetch would not let a test set Host). */
export function sendRaw(
  target: { port: number; host: string },
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawAnswer> {
  return new Promise<RawAnswer>((resolve, reject) => {
    const all: Record<string, string> = { host: target.host, ...headers };
    if (body !== undefined) all["content-length"] = String(Buffer.byteLength(body));
    // A connection of its own: a server may close one whose request body it did not read.
    const out = httpRequest({ host: "127.0.0.1", port: target.port, method, path, headers: all, agent: false }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    out.on("error", reject);
    out.end(body);
  });
}

export interface CdsCallOptions {
  privateKeyPem: string;
  /** The project's OAuth access token CDS sends (base64) in X-CDS-ACCESS-TOKEN; omitted when undefined. */
  accessToken?: string;
  /** As signLikeCds: null (default) is CDS's own form, without a Date header. */
  date?: string | null;
  /** Sign for this path instead of the one requested. */
  signedPath?: string;
}

/** A JSON call as CDS's API makes it (engine/api/services/http.go, engine/api/repositoriesmanager), signed with the API key. */
export function cdsCall(
  target: { port: number; host: string },
  method: string,
  path: string,
  body: unknown,
  options: CdsCallOptions,
): Promise<RawAnswer> {
  const b64 = (text: string) => Buffer.from(text).toString("base64");
  const headers: Record<string, string> = {
    ...signLikeCds({
      method,
      path: options.signedPath ?? path,
      host: target.host,
      privateKeyPem: options.privateKeyPem,
      date: options.date === undefined ? null : options.date,
    }),
    "content-type": "application/json",
    connection: "close",
  };
  if (options.accessToken !== undefined) {
    headers["x-cds-access-token"] = b64(options.accessToken);
    headers["x-cds-access-token-secret"] = b64("project-token-secret");
    headers["x-cds-access-token-created"] = b64("1704880800");
  }
  return sendRaw(target, method, path, headers, body === undefined ? undefined : JSON.stringify(body));
}
