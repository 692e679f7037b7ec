// A real registry for the registry client's tests: Debian's docker-registry (the reference
// Distribution implementation) on 127.0.0.1, started by the test and stopped by its PID, holding
// images made here without Docker: OCI layouts written by hand (one tiny layer, a config naming the
// platform) and copied in with skopeo, an index with --all.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";

export const REGISTRY_TOOLS = ["docker-registry", "skopeo"] as const;

/** Why the registry tests cannot run here, or undefined. In CI (CI=true, where .ci/run installs
 *  the tools) the tests do not skip: a missing tool fails them. */
export function registrySkipReason(): string | undefined {
  const missing = REGISTRY_TOOLS.filter((t) => !onPath(t));
  if (missing.length === 0 || process.env.CI === "true") return undefined;
  return `${missing.join(" and ")} not installed (apt-get install docker-registry skopeo): skipped here, required in CI`;
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .some((d) => d && fs.existsSync(path.join(d, tool)));
}

export interface TestRegistry {
  /** host:port */
  readonly host: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export async function startRegistry(dir: string): Promise<TestRegistry> {
  const port = await freePort();
  const config = path.join(dir, "config.yml");
  fs.writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: error",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${path.join(dir, "storage")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn("docker-registry", ["serve", config], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  // Not installed: the spawn fails, and the loop below says so.
  child.once("error", (e) => (stderr += `${e.message} (apt-get install docker-registry)`));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const host = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`http://${host}/v2/`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null || child.pid === undefined || i > 100) {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGTERM");
      throw new Error(`docker-registry did not start on ${host}: ${stderr.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null) process.kill(child.pid as number, "SIGTERM");
      await exited;
    },
  };
}

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

/** An OCI image layout being written: blobs by content, and the named entries of index.json. */
export class OciLayout {
  private readonly entries: object[] = [];

  constructor(readonly dir: string) {
    fs.mkdirSync(path.join(dir, "blobs", "sha256"), { recursive: true });
    fs.writeFileSync(path.join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  }

  blob(mediaType: string, bytes: Buffer): Descriptor {
    const hex = createHash("sha256").update(bytes).digest("hex");
    fs.writeFileSync(path.join(this.dir, "blobs", "sha256", hex), bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
  }

  /** A one-layer image for a platform (its file says which, so each image differs). */
  image(architecture: string, variant?: string): Descriptor {
    const tar = tarOneFile("platform", `linux/${architecture}${variant ? `/${variant}` : ""}\n`);
    const layer = this.blob("application/vnd.oci.image.layer.v1.tar+gzip", gzipSync(tar));
    const config = this.blob(
      "application/vnd.oci.image.config.v1+json",
      Buffer.from(
        JSON.stringify({
          architecture,
          os: "linux",
          ...(variant ? { variant } : {}),
          config: {},
          rootfs: {
            type: "layers",
            diff_ids: [`sha256:${createHash("sha256").update(tar).digest("hex")}`],
          },
        }),
      ),
    );
    return this.blob(
      OCI_MANIFEST,
      Buffer.from(
        JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }),
      ),
    );
  }

  index(manifests: { descriptor: Descriptor; platform: Record<string, string> }[]): Descriptor {
    return this.blob(
      OCI_INDEX,
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: manifests.map((m) => ({ ...m.descriptor, platform: m.platform })),
        }),
      ),
    );
  }

  /** Names a manifest or index in index.json, for `oci:<dir>:<name>`. */
  name(name: string, d: Descriptor): void {
    this.entries.push({ ...d, annotations: { "org.opencontainers.image.ref.name": name } });
    fs.writeFileSync(
      path.join(this.dir, "index.json"),
      JSON.stringify({ schemaVersion: 2, manifests: this.entries }),
    );
  }
}

/** Copies `oci:<layout>:<name>` to the registry as `<repository>:<tag>` (every manifest of an index). */
export function push(layout: OciLayout, name: string, registry: string, target: string): void {
  const policy = path.join(layout.dir, "..", "policy.json");
  if (!fs.existsSync(policy))
    fs.writeFileSync(policy, '{"default":[{"type":"insecureAcceptAnything"}]}');
  execFileSync(
    "skopeo",
    [
      "--policy",
      policy,
      "copy",
      "--quiet",
      "--all",
      "--preserve-digests",
      "--dest-tls-verify=false",
      `oci:${layout.dir}:${name}`,
      `docker://${registry}/${target}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
}

/** A ustar archive holding one file. */
function tarOneFile(name: string, content: string): Buffer {
  const body = Buffer.from(content);
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(`${body.length.toString(8).padStart(11, "0")}\0`, 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148);
  header.write("0", 156);
  header.write("ustar\0", 257);
  header.write("00", 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  body.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
