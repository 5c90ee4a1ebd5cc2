import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { versionOf } from "./describe-machine.ts";
import { findExecutable } from "./find-executable.ts";
import { freePort } from "./free-port.ts";
import { spawnServer, type ServerProcess } from "./spawn-server.ts";
import { tempDir } from "./temp-dir.ts";

/** nginx's binary and version, or undefined when it is not installed (Debian: nginx-light or nginx). */
export function findNginx(): { path: string; version: string } | undefined {
  const path = findExecutable("nginx", ["/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"]);
  if (path === undefined) return undefined;
  const version = versionOf(path, ["-v"], /nginx\/(\S+)/);
  return version === undefined ? undefined : { path, version };
}

/**
 * nginx in the foreground (`daemon off`), one worker, on a free loopback port,
 * proxying `POST /<uuid>` to `<upstream>/<uuid>` over keep-alive upstream
 * connections; its configuration, pid file and temp files live in a fresh
 * temporary directory. No access log (the other relays keep none either).
 */
export async function startNginx(nginx: string, upstreamPort: number, upstreamPath: string): Promise<ServerProcess> {
  const dir = tempDir("nginx");
  // A root master runs its worker as `nobody`, which must reach the temp directories.
  chmodSync(dir, 0o755);
  let lastError: unknown;
  // The free port may be taken between the probe and nginx's bind: try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const conf = join(dir, "nginx.conf");
    writeFileSync(
      conf,
      `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream cds {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000;
    location / {
      proxy_pass http://cds${upstreamPath}/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
    );
    try {
      // nginx says nothing once it listens: a connection tells it is up.
      const server = await spawnServer({
        name: "nginx",
        command: nginx,
        args: ["-p", dir, "-c", conf, "-e", "stderr"],
        cwd: dir,
        readyPort: port,
        timeoutMs: 10_000,
      });
      return server;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
