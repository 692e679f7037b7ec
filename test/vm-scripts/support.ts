// Shared by the VM script tests: where the scripts under test are, and fake AWS and GCP servers.
//
// The behaviour suites run against the scripts as they are in src/render/vm and as the renderer
// embeds them (compactScript), written to a temp folder. ASPIRE_VM_SCRIPT_DIR=<folder> runs them
// against that folder only.
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { ConfigFile } from "../../src/render/app-config";
import { compactScript, VM_SCRIPTS } from "../../src/render/vm-scripts";
import { repoRoot } from "../support/paths";

export { repoRoot };
export const sourceDir = path.join(repoRoot, "src/render/vm");

let compacted: string | undefined;

/** A temp folder holding the compacted scripts (removed when the process exits). */
export function compactedDir(): string {
  if (compacted === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-vm-compacted-"));
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    for (const name of VM_SCRIPTS)
      fs.writeFileSync(
        path.join(dir, name),
        compactScript(name, fs.readFileSync(path.join(sourceDir, name), "utf8")),
        { mode: 0o755 },
      );
    compacted = dir;
  }
  return compacted;
}

/** The folders of scripts the behaviour suites run against, each with a label for the suite name. */
export function scriptDirs(): { label: string; dir: string }[] {
  const chosen = process.env.ASPIRE_VM_SCRIPT_DIR;
  if (chosen) return [{ label: chosen, dir: path.resolve(chosen) }];
  return [
    { label: "original", dir: sourceDir },
    { label: "compacted", dir: compactedDir() },
  ];
}

export type After = { after: (fn: () => void) => void };

export function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'"'"'`)}'`;
}

export function vmEnvText(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([k, v]) => `${k}=${shellQuote(v)}\n`)
    .join("");
}

/** env without the proxy variables: the fake servers are on 127.0.0.1. */
export function withoutProxies(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of [
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
  ])
    delete out[k];
  return out;
}

// --- fake commands -----------------------------------------------------------------------------

/** A script run against fakes: its exit code, output, and the calls the fakes recorded. */
export interface ScriptResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The fakes' argv, one "name args" line per call (which runs it covers: see each suite). */
  readonly log: string[];
}

/** Writes each fake as an executable in `bin` that first appends "name args" to $FAKE_LOG. */
export function installFakes(bin: string, fakes: Record<string, string>): void {
  for (const [name, body] of Object.entries(fakes))
    fs.writeFileSync(path.join(bin, name), fakeScript(body), { mode: 0o755 });
}

/** The calls recorded in a fake log so far (none when nothing ran). */
export function readCalls(logFile: string): string[] {
  return fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").split("\n").filter(Boolean) : [];
}

/** The recorded calls of one command, with their arguments. */
export function calls(r: ScriptResult, command: string): string[] {
  return r.log.filter((l) => l === command || l.startsWith(command + " "));
}

/** The entries of a NUL-terminated file (/proc/PID/cmdline, /proc/PID/environ, `env -0`). */
export function readNul(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  if (text !== "" && !text.endsWith("\0")) throw new Error(`${file} does not end with a NUL`);
  return text === "" ? [] : text.slice(0, -1).split("\0");
}

/** KEY=VALUE entries of a NUL-terminated file, by key. */
export function environOf(file: string): Record<string, string> {
  return Object.fromEntries(
    readNul(file).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
  );
}

// --- fake cloud servers ------------------------------------------------------------------------

export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export async function serve(
  t: After,
  handler: (req: Seen, res: http.ServerResponse) => void,
): Promise<{ base: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      const s = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

export function reply(
  res: http.ServerResponse,
  status: number,
  body: string | object,
  type = "application/json",
): void {
  res.writeHead(status, { "Content-Type": type });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

export const AWS_KEY = "ASIATESTKEY";
export const AWS_SECRET = "secretKeyForTheFakeServer/123";
export const AWS_TOKEN = "session-token-for-the-fake-server";
/** The ECR password: what docker login must get, and nothing may print. */
export const ECR_PASSWORD = "ecr-PASSWORD-must-not-leak/+=";
export const ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
export const GCP_TOKEN = "ya29.fake-TOKEN-must-not-leak";

/** Recomputes the request's SigV4 signature from what the server received. */
export function expectedSignature(
  req: Seen,
  signedHeaders: string[],
  scope: string,
  amzDate: string,
): string {
  const [date, region, service] = scope.split("/");
  const canonicalHeaders = signedHeaders
    .map((h) => `${h}:${String(req.headers[h]).trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const hash = (s: string) => crypto.createHash("sha256").update(s, "utf8").digest("hex");
  const canonical = [
    req.method,
    req.url,
    "",
    canonicalHeaders,
    signedHeaders.join(";"),
    hash(req.body),
  ].join("\n");
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, hash(canonical)].join("\n");
  let key: Buffer = crypto
    .createHmac("sha256", "AWS4" + AWS_SECRET)
    .update(date)
    .digest();
  for (const part of [region, service, "aws4_request"])
    key = crypto.createHmac("sha256", key).update(part).digest();
  return crypto.createHmac("sha256", key).update(toSign).digest("hex");
}

export interface FakeAwsOptions {
  /** Answers 404 to the first requests for the role, as while the instance profile is attached. */
  readonly roleMissingFor?: number;
  /** Answers this many ThrottlingExceptions (HTTP 400) before serving SSM and ECR requests. */
  readonly throttleFor?: number;
  /** An error ECR answers GetAuthorizationToken with (HTTP 400). */
  readonly ecrError?: string;
}

/** IMDSv2, SSM GetParameter and ECR GetAuthorizationToken, all on one server. */
export async function fakeAws(t: After, values: Record<string, string>, o: FakeAwsOptions = {}) {
  let roleRequests = 0;
  let throttled = 0;
  return serve(t, (req, res) => {
    if (req.method === "PUT" && req.url === "/latest/api/token") {
      if (!req.headers["x-aws-ec2-metadata-token-ttl-seconds"])
        return reply(res, 400, "ttl missing", "text/plain");
      return reply(res, 200, "imds-token-1", "text/plain");
    }
    if (req.url.startsWith("/latest/meta-data/")) {
      if (req.headers["x-aws-ec2-metadata-token"] !== "imds-token-1")
        return reply(res, 401, "", "text/plain");
      if (req.url === "/latest/meta-data/iam/security-credentials/") {
        if (roleRequests++ < (o.roleMissingFor ?? 0))
          return reply(res, 404, "not found", "text/plain");
        return reply(res, 200, "aspire-role", "text/plain");
      }
      if (req.url === "/latest/meta-data/iam/security-credentials/aspire-role")
        return reply(res, 200, {
          Code: "Success",
          Type: "AWS-HMAC",
          AccessKeyId: AWS_KEY,
          SecretAccessKey: AWS_SECRET,
          Token: AWS_TOKEN,
          Expiration: "2099-01-01T00:00:00Z",
        });
      return reply(res, 404, "", "text/plain");
    }
    if (req.method === "POST" && req.url === "/") {
      if (throttled++ < (o.throttleFor ?? 0))
        return reply(res, 400, { __type: "ThrottlingException", message: "Rate exceeded" });
      if (req.headers["x-amz-target"] === ECR_TARGET) {
        if (o.ecrError) return reply(res, 400, { __type: o.ecrError, message: "" });
        const token = Buffer.from(`AWS:${ECR_PASSWORD}`, "utf8").toString("base64");
        return reply(res, 200, {
          authorizationData: [
            {
              authorizationToken: token,
              expiresAt: 4102444800,
              proxyEndpoint: "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com",
            },
          ],
        });
      }
      const name = (JSON.parse(req.body) as { Name: string }).Name;
      if (!(name in values)) return reply(res, 400, { __type: "ParameterNotFound", message: "" });
      return reply(res, 200, {
        Parameter: { Name: name, Type: "SecureString", Value: values[name], Version: 1 },
      });
    }
    reply(res, 404, "", "text/plain");
  });
}

/** The metadata server (project id, service account token) and Secret Manager on one server. */
export async function fakeGcp(t: After, secrets: Record<string, string>) {
  return serve(t, (req, res) => {
    if (req.url.startsWith("/computeMetadata/v1/")) {
      if (req.headers["metadata-flavor"] !== "Google") return reply(res, 403, "", "text/plain");
      if (req.url === "/computeMetadata/v1/project/project-id")
        return reply(res, 200, "my-proj", "text/plain");
      if (req.url === "/computeMetadata/v1/instance/service-accounts/default/token")
        return reply(res, 200, { access_token: GCP_TOKEN, expires_in: 3599, token_type: "Bearer" });
      return reply(res, 404, "", "text/plain");
    }
    const m = /^\/v1\/projects\/([^/]+)\/secrets\/([^/]+)\/versions\/latest:access$/.exec(req.url);
    if (req.method === "GET" && m) {
      if (req.headers.authorization !== `Bearer ${GCP_TOKEN}`)
        return reply(res, 401, { error: { code: 401, status: "UNAUTHENTICATED" } });
      const value = m[1] === "my-proj" ? secrets[m[2]] : undefined;
      if (value === undefined)
        return reply(res, 404, { error: { code: 404, status: "NOT_FOUND" } });
      return reply(res, 200, {
        name: `projects/1/secrets/${m[2]}/versions/3`,
        payload: { data: Buffer.from(value, "utf8").toString("base64") },
      });
    }
    reply(res, 404, "", "text/plain");
  });
}

// --- a fake of Microsoft's .NET release metadata and downloads ------------------------------------

/** A release of the fake feed: the runtime version, and the host/fxr version it carries. */
export interface FakeRelease {
  readonly channel: string;
  readonly version: string;
  /** Serve a tarball whose SHA-512 is not the one the metadata gives. */
  readonly badHash?: boolean;
}

/** The ASP.NET Core runtime tarball of a release, laid out like Microsoft's: the dotnet host,
 *  host/fxr/V, shared/Microsoft.NETCore.App/V and shared/Microsoft.AspNetCore.App/V. */
export function fakeRuntimeTarball(version: string): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-fake-runtime-"));
  try {
    const put = (rel: string, content: string, mode = 0o644) => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content, { mode });
    };
    put("dotnet", `#!/bin/sh\necho "host ${version}"\n`, 0o755);
    put(`host/fxr/${version}/libhostfxr.so`, `hostfxr ${version}`);
    put(`shared/Microsoft.NETCore.App/${version}/System.Private.CoreLib.dll`, `corelib ${version}`);
    put(
      `shared/Microsoft.AspNetCore.App/${version}/Microsoft.AspNetCore.dll`,
      `aspnetcore ${version}`,
    );
    put("LICENSE.txt", "MIT");
    const r = spawnSync("tar", ["-czf", "-", "-C", dir, "."], { maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
    return r.stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** releases.json per channel (only the fields dotnet-runtimes.py reads, plus decoys: other RIDs,
 *  the composite runtime, an older release) and the tarballs, on one server. */
export async function fakeDotnetFeed(t: After, releases: readonly FakeRelease[]) {
  const tarballs = new Map<string, Buffer>();
  const server = await serve(t, (req, res) => {
    const meta = /^\/release-metadata\/([^/]+)\/releases\.json$/.exec(req.url);
    if (meta) {
      const release = releases.find((r) => r.channel === meta[1]);
      if (!release)
        return reply(res, 404, "<Error><Code>BlobNotFound</Code></Error>", "application/xml");
      const file = (name: string, rid: string, body: Buffer | undefined) => {
        const url = `${server.base}/files/${release.version}/${name}`;
        if (body) tarballs.set(new URL(url).pathname, body);
        const hash = crypto
          .createHash("sha512")
          .update(release.badHash ? "something else" : (body ?? name))
          .digest("hex");
        return { name, rid, url, hash: hash.toUpperCase() };
      };
      const tarball = fakeRuntimeTarball(release.version);
      const files = [
        file("aspnetcore-runtime-linux-x64.tar.gz", "linux-x64", undefined),
        file("aspnetcore-runtime-composite-linux-arm64.tar.gz", "linux-arm64", undefined),
        file("aspnetcore-runtime-linux-arm64.tar.gz", "linux-arm64", tarball),
      ];
      return reply(res, 200, {
        "channel-version": release.channel,
        "latest-release": release.version,
        releases: [
          {
            "release-version": release.version,
            "aspnetcore-runtime": { version: release.version, files },
          },
          {
            "release-version": `${release.channel}.0`,
            "aspnetcore-runtime": { version: `${release.channel}.0`, files: [] },
          },
        ],
      });
    }
    const body = tarballs.get(req.url);
    if (body) {
      res.writeHead(200, { "Content-Type": "application/gzip" });
      return res.end(body);
    }
    reply(res, 404, "", "text/plain");
  });
  return { ...server, releasesUrl: `${server.base}/release-metadata/{channel}/releases.json` };
}

/** A published app's runtimeconfig.json. */
export function runtimeConfig(frameworks: readonly [string, string][], single = false): string {
  const list = frameworks.map(([name, version]) => ({ name, version }));
  return JSON.stringify(
    {
      runtimeOptions: {
        tfm: "net10.0",
        ...(single ? { framework: list[0] } : { frameworks: list }),
        configProperties: { "System.GC.Server": true },
      },
    },
    null,
    2,
  );
}

// --- a VM for the delivery entry points (rollout.sh, gce-agent.py) -----------------------------

/** apply.sh's stand-in: records its argv (and whether the release folder was there), prints
 *  $FAKE_DIR/apply.stdout and apply.stderr when present, exits with apply.rc (default 0). */
const FAKE_APPLY = `[ "$1" = --release ] && [ -d "$ASPIRE_STATE/releases/$2" ] && echo "$2" >>"$FAKE_DIR/apply.found"
[ ! -f "$FAKE_DIR/apply.stdout" ] || cat "$FAKE_DIR/apply.stdout"
[ ! -f "$FAKE_DIR/apply.stderr" ] || cat "$FAKE_DIR/apply.stderr" >&2
exit "$(cat "$FAKE_DIR/apply.rc" 2>/dev/null || echo 0)"`;

/** A fake command as installFakes writes it: records "name args" in $FAKE_LOG, then runs body. */
export function fakeScript(body: string): string {
  return `#!/bin/bash\nprintf '%s\\n' "$(basename "$0") $*" >>"$FAKE_LOG"\n${body}\n`;
}

/** The bin/ of a release as the entry point runs it: the real rollout-apply.sh of scriptDir and
 *  the fake apply.sh beside it (the release's own, as on the VM). */
export function releaseBin(scriptDir: string): ConfigFile[] {
  return [
    {
      path: "bin/rollout-apply.sh",
      content: fs.readFileSync(path.join(scriptDir, "rollout-apply.sh"), "utf8"),
      permissions: "0755",
    },
    { path: "bin/apply.sh", content: fakeScript(FAKE_APPLY), permissions: "0755" },
  ];
}

export interface DeliveryVm {
  /** Where the user data's scripts are installed, beside each other as on the VM. */
  readonly lib: string;
  /** ASPIRE_STATE, with the bootstrap's marker unless asked otherwise. */
  readonly state: string;
  /** The fake apply.sh's folder: apply.stdout, apply.stderr, apply.rc, apply.found. */
  readonly fake: string;
  readonly fakeLog: string;
  /** The child's environment: ours without proxies, and the hooks pointing into the temp folder. */
  readonly env: NodeJS.ProcessEnv;
}

/** A temp folder laid out as a VM: what its user data holds to receive releases (rollout.sh,
 *  release.py, cloud-http.py, gce-agent.py) from scriptDir, vm.env (aws-ssm, eu-west-1) and the
 *  state folder. The releases bring their own bin/ (releaseBin). */
export function deliveryVm(t: After, scriptDir: string, bootstrapped = true): DeliveryVm {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "aspire-delivery-")));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [lib, state, fake, etc] = ["lib", "state", "fake", "etc"].map((d) => path.join(dir, d));
  for (const d of [lib, state, fake, etc]) fs.mkdirSync(d);
  for (const name of ["rollout.sh", "release.py", "cloud-http.py", "gce-agent.py"]) {
    fs.copyFileSync(path.join(scriptDir, name), path.join(lib, name));
    fs.chmodSync(path.join(lib, name), 0o755);
  }
  fs.writeFileSync(
    path.join(etc, "vm.env"),
    vmEnvText({ ASPIRE_SECRET_SOURCE: "aws-ssm", ASPIRE_AWS_REGION: "eu-west-1" }),
  );
  if (bootstrapped) fs.writeFileSync(path.join(state, "bootstrapped"), "");
  const fakeLog = path.join(fake, "calls.log");
  const env = withoutProxies({
    ...process.env,
    ASPIRE_ETC: etc,
    ASPIRE_STATE: state,
    ASPIRE_RETRY_DELAY: "0.01",
    FAKE_DIR: fake,
    FAKE_LOG: fakeLog,
  });
  return { lib, state, fake, fakeLog, env };
}
