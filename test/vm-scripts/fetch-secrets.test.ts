// src/render/vm/fetch-secrets.py, run with the system's python3 against a secret file and against
// fake AWS (IMDSv2, SSM, ECR) and GCP (metadata, Secret Manager) servers on 127.0.0.1; against the
// script as it is and as the renderer embeds it (see support.ts).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  AWS_KEY,
  AWS_TOKEN,
  ECR_PASSWORD,
  ECR_TARGET,
  environOf,
  expectedSignature,
  fakeAws,
  fakeGcp,
  GCP_TOKEN,
  scriptDirs,
  vmEnvText,
  withoutProxies,
  type After,
} from "./support";

/** A value that breaks naive quoting in shells, systemd and URLs alike. */
const NASTY = `it's "quoted" $HOME \`id\` $(id) back\\slash \\n  two  spaces\ttab\nsecond line ünïcødé 🔑 ;|&<>*?[]{}~# end `;

function tmp(t: After): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-fetch-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The child's environment: ours without proxies (the fake servers are on 127.0.0.1). */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return withoutProxies({ ...process.env, ASPIRE_RETRY_DELAY: "0.01", ...extra });
}

function writeVmEnv(dir: string, vars: Record<string, string>): string {
  const file = path.join(dir, "vm.env");
  fs.writeFileSync(file, vmEnvText(vars));
  return file;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runSync(script: string, args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync("python3", [script, ...args], { encoding: "utf8", env: childEnv(env) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Asynchronous, so the fake servers in this process can answer while python3 runs. */
function runAsync(script: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "python3",
      [script, ...args],
      { encoding: "utf8", env: childEnv(env) },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The value of `name` after `set -a; . file` in bash. */
function sourced(file: string, name: string): string {
  const r = spawnSync("bash", ["-c", `set -a; . "$1"; printf %s "\${${name}}"`, "_", file], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function fileSetup(t: After, secrets: Record<string, unknown>, list: string) {
  const dir = tmp(t);
  const secretFile = path.join(dir, "secrets.json");
  fs.writeFileSync(secretFile, JSON.stringify(secrets));
  const vmEnv = writeVmEnv(dir, {
    ASPIRE_SECRET_SOURCE: "file",
    ASPIRE_SECRET_PREFIX: "",
    ASPIRE_SECRET_FILE: secretFile,
  });
  const listFile = path.join(dir, "secrets.list");
  fs.writeFileSync(listFile, list);
  const out = path.join(dir, "run", "aspire-arm", "secrets.env");
  return { dir, vmEnv, listFile, out };
}

/** The script's arguments for a file setup: its vm.env, list and output file, then `extra`. */
function listArgs(
  s: { vmEnv: string; listFile: string; out: string },
  ...extra: string[]
): string[] {
  return ["--vm-env", s.vmEnv, "--list", s.listFile, "--out", s.out, ...extra];
}

/** The fake servers' URLs, as the script reads them from its environment. */
const ssmUrls = (base: string) => ({ ASPIRE_IMDS_URL: base, ASPIRE_SSM_URL: `${base}/` });
const ecrUrls = (base: string) => ({ ASPIRE_IMDS_URL: base, ASPIRE_ECR_URL: `${base}/` });
const gcpUrls = (base: string) => ({
  ASPIRE_GCE_METADATA_URL: base,
  ASPIRE_SECRETMANAGER_URL: base,
});

/** Fetches the secrets of `list` from a fake cloud: a vm.env of `vars` in a temp folder, the output
 *  at `outRel` under it, the servers' URLs in the script's environment. */
async function fetchFromCloud(
  t: After,
  script: string,
  vars: Record<string, string>,
  list: string,
  urls: Record<string, string>,
  outRel = "secrets.env",
): Promise<{ out: string; r: Run }> {
  const dir = tmp(t);
  const vmEnv = writeVmEnv(dir, vars);
  const listFile = path.join(dir, "secrets.list");
  fs.writeFileSync(listFile, list);
  const out = path.join(dir, outRel);
  const r = await runAsync(script, ["--vm-env", vmEnv, "--list", listFile, "--out", out], urls);
  return { out, r };
}

/** `--registry-password` with a vm.env of `vars` in a temp folder (nothing else in it). */
async function registryPassword(
  t: After,
  script: string,
  vars: Record<string, string>,
  urls: Record<string, string>,
): Promise<{ dir: string; r: Run }> {
  const dir = tmp(t);
  const vmEnv = writeVmEnv(dir, vars);
  const r = await runAsync(script, ["--vm-env", vmEnv, "--registry-password"], urls);
  return { dir, r };
}

/** A successful run that printed `secret` alone on stdout, and not on stderr. */
function assertPrintsOnly(r: Run, secret: string): void {
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, secret);
  assert.ok(!r.stderr.includes(secret));
}

/** Loads the script as a module and prints the SigV4 headers of AWS's documented example. */
const SIGV4_EXAMPLE = [
  "import importlib.util, json, sys",
  "sys.dont_write_bytecode = True",
  'spec = importlib.util.spec_from_file_location("cloud_http", sys.argv[1])',
  "m = importlib.util.module_from_spec(spec)",
  "spec.loader.exec_module(m)",
  'h = m.sigv4_headers("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",',
  '    {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, b"",',
  '    ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None), "us-east-1", "iam", "20150830T123600Z")',
  "print(json.dumps(h))",
].join("\n");

/** Prints the imports of the script that are not standard modules. */
const NON_STDLIB_IMPORTS = [
  "import ast, sys",
  'tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())',
  "mods = {a.name.split('.')[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}",
  "mods |= {n.module.split('.')[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}",
  'std = getattr(sys, "stdlib_module_names", None)',
  "bad = sorted(m for m in mods if std is not None and m not in std)",
  'print(",".join(bad))',
].join("\n");

function suite(script: string): void {
  test("file source: a nasty value survives `set -a; . secrets.env` exactly, and __URI is percent-encoded", (t) => {
    const s = fileSetup(
      t,
      { "cache-password": NASTY, plain: "a b/c!'()*~", accents: "é€" },
      "# store-name variable\n\ncache-password ASPIRE_P_CACHE_PASSWORD\nplain ASPIRE_P_PLAIN\n  accents   ASPIRE_P_ACCENTS  \n",
    );
    const r = runSync(script, listArgs(s));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sourced(s.out, "ASPIRE_P_CACHE_PASSWORD"), NASTY);
    assert.equal(sourced(s.out, "ASPIRE_P_PLAIN"), "a b/c!'()*~");
    // Uri.EscapeDataString: only A-Z a-z 0-9 - . _ ~ stay as they are.
    assert.equal(sourced(s.out, "ASPIRE_P_PLAIN__URI"), "a%20b%2Fc%21%27%28%29%2A~");
    assert.equal(sourced(s.out, "ASPIRE_P_ACCENTS__URI"), "%C3%A9%E2%82%AC");
    const uri = sourced(s.out, "ASPIRE_P_CACHE_PASSWORD__URI");
    assert.match(uri, /^[A-Za-z0-9\-._~%]+$/);
    assert.equal(decodeURIComponent(uri), NASTY);
    // Sourcing ran nothing: `$(id)` and backticks stayed text.
    assert.ok(!r.stdout.includes(NASTY) && !r.stderr.includes(NASTY));
    assert.match(r.stderr, /3 secret\(s\) from file/);
  });

  test("output file is 0600 in a 0700 folder it creates, whatever the caller's umask, with no temp files left", (t) => {
    const s = fileSetup(t, { a: "x" }, "a ASPIRE_P_A\n");
    const r = spawnSync(
      "bash",
      [
        "-c",
        'umask 000; exec python3 "$@"',
        "_",
        script,
        "--vm-env",
        s.vmEnv,
        "--list",
        s.listFile,
        "--out",
        s.out,
      ],
      { encoding: "utf8", env: childEnv() },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.statSync(s.out).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(s.out)).mode & 0o777, 0o700);
    assert.deepEqual(fs.readdirSync(path.dirname(s.out)), ["secrets.env"]);
  });

  test("a secret missing from the store: exit 1 naming it and the source, no value printed, previous output kept", (t) => {
    const s = fileSetup(
      t,
      { present: "VALUE-THAT-MUST-NOT-LEAK" },
      "present ASPIRE_P_PRESENT\nabsent-one ASPIRE_P_ABSENT\n",
    );
    fs.mkdirSync(path.dirname(s.out), { recursive: true });
    fs.writeFileSync(s.out, "ASPIRE_P_OLD='previous'\n");
    const r = runSync(script, listArgs(s));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /absent-one/);
    assert.match(r.stderr, /\bfile\b/);
    assert.ok(!(r.stdout + r.stderr).includes("VALUE-THAT-MUST-NOT-LEAK"));
    assert.equal(fs.readFileSync(s.out, "utf8"), "ASPIRE_P_OLD='previous'\n");
    assert.deepEqual(fs.readdirSync(path.dirname(s.out)), ["secrets.env"]);
  });

  test("a non-string value, a malformed list line and source none with secrets are errors", (t) => {
    const s = fileSetup(t, { num: 42 }, "num ASPIRE_P_NUM\n");
    let r = runSync(script, listArgs(s));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /'num'.*not a string/);

    fs.writeFileSync(s.listFile, "just-one-word\n");
    r = runSync(script, listArgs(s));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /secrets\.list:1: expected `STORENAME VARNAME`/);

    const none = writeVmEnv(s.dir, { ASPIRE_SECRET_SOURCE: "none" });
    fs.writeFileSync(s.listFile, "num ASPIRE_P_NUM\n");
    r = runSync(script, listArgs({ ...s, vmEnv: none }));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ASPIRE_SECRET_SOURCE is none/);
    assert.ok(!fs.existsSync(s.out));

    // none with nothing listed: an empty (comment-only) secrets file.
    fs.writeFileSync(s.listFile, "# nothing\n");
    r = runSync(script, listArgs({ ...s, vmEnv: none }));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      fs
        .readFileSync(s.out, "utf8")
        .split("\n")
        .filter((l) => l && !l.startsWith("#")).length,
      0,
    );
  });

  test("templates: ${VAR} and ${VAR__URI} filled, $$ is $, the rest verbatim, NUL-terminated entries of any manifest name, 0600; stale files removed", (t) => {
    const s = fileSetup(t, { "cache-password": NASTY }, "cache-password ASPIRE_P_CACHE_PASSWORD\n");
    const templates = path.join(s.dir, "env");
    const rendered = path.join(s.dir, "run", "aspire-arm", "env");
    fs.mkdirSync(templates);
    fs.writeFileSync(
      path.join(templates, "api.env.in"),
      [
        "ConnectionStrings__cache=cache:6379,password=${ASPIRE_P_CACHE_PASSWORD}",
        "CACHE_URL=redis://:${ASPIRE_P_CACHE_PASSWORD__URI}@cache:6379",
        "PRICE=$$5 and $$$$ and ${ASPIRE_P_CACHE_PASSWORD}$$",
        'QUOTES=say "hi" `now` \\ back',
        "ASPNETCORE_URLS=http://+:8080",
        "services__stock-api__http__0=http://localhost:8081",
        "discovery.type=single-node",
        "Logging:LogLevel:Default=Debug",
        "EMPTY=",
        "",
      ].join("\n"),
    );
    fs.writeFileSync(path.join(templates, "worker.env.in"), "# only literals\nLITERAL=plain\n");
    fs.mkdirSync(rendered, { recursive: true });
    fs.writeFileSync(path.join(rendered, "gone.env"), "OLD=1\n");

    const r = runSync(script, listArgs(s, "--templates", templates, "--rendered", rendered));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(rendered).sort(), ["api.env", "worker.env"]);
    const api = path.join(rendered, "api.env");
    assert.equal(fs.statSync(api).mode & 0o777, 0o600);
    assert.deepEqual(environOf(api), {
      ConnectionStrings__cache: `cache:6379,password=${NASTY}`,
      CACHE_URL: `redis://:${encodeURIComponent(NASTY).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())}@cache:6379`,
      PRICE: `$5 and $$ and ${NASTY}$`,
      QUOTES: 'say "hi" `now` \\ back',
      ASPNETCORE_URLS: "http://+:8080",
      "services__stock-api__http__0": "http://localhost:8081",
      "discovery.type": "single-node",
      "Logging:LogLevel:Default": "Debug",
      EMPTY: "",
    });
    assert.equal(fs.readFileSync(path.join(rendered, "worker.env"), "utf8"), "LITERAL=plain\0");
    assert.ok(!(r.stdout + r.stderr).includes("second line"));
  });

  test("templates: a line that is not KEY=VALUE with a manifest env name is an error naming the line, and nothing is replaced", (t) => {
    const s = fileSetup(t, { a: "x" }, "a ASPIRE_P_A\n");
    const templates = path.join(s.dir, "env");
    const rendered = path.join(s.dir, "rendered");
    fs.mkdirSync(templates);
    for (const bad of ["bad name=1", " LEADING=1", "9X=1", "NO_EQUALS"]) {
      fs.writeFileSync(path.join(templates, "api.env.in"), `GOOD=1\n${bad}\n`);
      const r = runSync(script, listArgs(s, "--templates", templates, "--rendered", rendered));
      assert.equal(r.code, 1, bad);
      assert.match(r.stderr, /api\.env\.in:2: expected KEY=VALUE/, bad);
      assert.ok(!fs.existsSync(path.join(rendered, "api.env")));
    }
  });

  test("templates: a placeholder that is not a fetched secret is an error naming it, and nothing is replaced", (t) => {
    const s = fileSetup(t, { a: "x" }, "a ASPIRE_P_A\n");
    const templates = path.join(s.dir, "env");
    const rendered = path.join(s.dir, "rendered");
    fs.mkdirSync(templates);
    fs.writeFileSync(path.join(templates, "api.env.in"), "X=${ASPIRE_P_NOT_LISTED}\n");
    const r = runSync(script, listArgs(s, "--templates", templates, "--rendered", rendered));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /api\.env\.in:1: \$\{ASPIRE_P_NOT_LISTED\} is not a fetched secret/);
    assert.ok(!fs.existsSync(s.out));
    assert.ok(!fs.existsSync(path.join(rendered, "api.env")));
  });

  test("SigV4 (cloud-http.py, beside it) matches AWS's documented example (IAM ListUsers, 20150830T123600Z)", () => {
    const cloudHttp = path.join(path.dirname(script), "cloud-http.py");
    const r = spawnSync("python3", ["-c", SIGV4_EXAMPLE, cloudHttp], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const headers = JSON.parse(r.stdout) as Record<string, string>;
    assert.equal(
      headers.Authorization,
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    );
    assert.equal(headers.Host, "iam.amazonaws.com");
    assert.equal(headers["X-Amz-Date"], "20150830T123600Z");
  });

  test("aws-ssm: IMDSv2 role credentials, then a SigV4-signed GetParameter per secret", async (t) => {
    const server = await fakeAws(
      t,
      { "/aspire-arm/dev/cache-password": NASTY, "/aspire-arm/dev/api-key": "k-1" },
      { roleMissingFor: 2, throttleFor: 1 },
    );
    const { out, r } = await fetchFromCloud(
      t,
      script,
      {
        ASPIRE_SECRET_SOURCE: "aws-ssm",
        ASPIRE_SECRET_PREFIX: "/aspire-arm/dev/",
        ASPIRE_AWS_REGION: "eu-west-1",
      },
      "cache-password ASPIRE_P_CACHE_PASSWORD\napi-key ASPIRE_P_API_KEY\n",
      ssmUrls(server.base),
      "out/secrets.env",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sourced(out, "ASPIRE_P_CACHE_PASSWORD"), NASTY);
    assert.equal(sourced(out, "ASPIRE_P_API_KEY"), "k-1");
    // The role was not there for the first two requests: retried, and said so.
    assert.equal(
      server.seen.filter((s) => s.url === "/latest/meta-data/iam/security-credentials/").length,
      3,
    );
    assert.match(r.stderr, /retrying/);

    const ssm = server.seen.filter((s) => s.method === "POST");
    // The first one was throttled (HTTP 400 ThrottlingException) and retried.
    assert.equal(ssm.length, 3);
    assert.deepEqual(
      ssm.map((s) => JSON.parse(s.body)),
      [
        { Name: "/aspire-arm/dev/cache-password", WithDecryption: true },
        { Name: "/aspire-arm/dev/cache-password", WithDecryption: true },
        { Name: "/aspire-arm/dev/api-key", WithDecryption: true },
      ],
    );
    for (const req of ssm) {
      assert.equal(req.headers["x-amz-target"], "AmazonSSM.GetParameter");
      assert.equal(req.headers["content-type"], "application/x-amz-json-1.1");
      assert.equal(req.headers["x-amz-security-token"], AWS_TOKEN);
      const amzDate = String(req.headers["x-amz-date"]);
      assert.match(amzDate, /^\d{8}T\d{6}Z$/);
      const auth = String(req.headers.authorization);
      const prefix = `AWS4-HMAC-SHA256 Credential=${AWS_KEY}/${amzDate.slice(0, 8)}/eu-west-1/ssm/aws4_request, `;
      assert.ok(auth.startsWith(prefix), auth);
      const m = /SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(auth);
      assert.ok(m, auth);
      const signed = m[1].split(";");
      for (const h of [
        "content-type",
        "host",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-target",
      ])
        assert.ok(signed.includes(h), `${h} is signed`);
      assert.equal(
        m[2],
        expectedSignature(
          req,
          signed,
          `${amzDate.slice(0, 8)}/eu-west-1/ssm/aws4_request`,
          amzDate,
        ),
      );
    }
    assert.ok(!(r.stdout + r.stderr).includes(NASTY));
  });

  test("aws-ssm: a parameter missing from SSM is an error naming it and aws-ssm", async (t) => {
    const server = await fakeAws(t, { "/aspire-arm/dev/present": "PRESENT-VALUE" });
    const { out, r } = await fetchFromCloud(
      t,
      script,
      {
        ASPIRE_SECRET_SOURCE: "aws-ssm",
        ASPIRE_SECRET_PREFIX: "/aspire-arm/dev/",
        ASPIRE_AWS_REGION: "us-east-1",
      },
      "present ASPIRE_P_PRESENT\nmissing-param ASPIRE_P_MISSING\n",
      ssmUrls(server.base),
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /'missing-param' not found in aws-ssm/);
    assert.match(r.stderr, /\/aspire-arm\/dev\/missing-param/);
    assert.ok(!(r.stdout + r.stderr).includes("PRESENT-VALUE"));
    assert.ok(!fs.existsSync(out));
  });

  test("gcp-secret-manager: metadata token and project id, then versions/latest:access per secret", async (t) => {
    const server = await fakeGcp(t, { "aspire-arm-dev--cache-password": NASTY });
    const { out, r } = await fetchFromCloud(
      t,
      script,
      {
        ASPIRE_SECRET_SOURCE: "gcp-secret-manager",
        ASPIRE_SECRET_PREFIX: "aspire-arm-dev--",
        ASPIRE_GCP_PROJECT: "",
      },
      "cache-password ASPIRE_P_CACHE_PASSWORD\n",
      gcpUrls(server.base),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sourced(out, "ASPIRE_P_CACHE_PASSWORD"), NASTY);
    assert.ok(server.seen.some((s) => s.url === "/computeMetadata/v1/project/project-id"));
    assert.ok(
      server.seen.some(
        (s) =>
          s.url ===
          "/v1/projects/my-proj/secrets/aspire-arm-dev--cache-password/versions/latest:access",
      ),
    );
    assert.ok(!(r.stdout + r.stderr).includes(NASTY));
  });

  test("gcp-secret-manager: ASPIRE_GCP_PROJECT wins over the metadata server; a missing secret names it", async (t) => {
    const server = await fakeGcp(t, { "aspire-arm-dev--present": "PRESENT-VALUE" });
    const { r } = await fetchFromCloud(
      t,
      script,
      {
        ASPIRE_SECRET_SOURCE: "gcp-secret-manager",
        ASPIRE_SECRET_PREFIX: "aspire-arm-dev--",
        ASPIRE_GCP_PROJECT: "other-proj",
      },
      "present ASPIRE_P_PRESENT\n",
      gcpUrls(server.base),
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /'present' not found in gcp-secret-manager/);
    assert.match(r.stderr, /aspire-arm-dev--present/);
    assert.match(r.stderr, /other-proj/);
    assert.ok(!server.seen.some((s) => s.url.endsWith("/project/project-id")));
    assert.ok(!(r.stdout + r.stderr).includes("PRESENT-VALUE"));
  });

  test("--registry-password with aws-ssm: a signed ECR GetAuthorizationToken; only the password on stdout", async (t) => {
    const server = await fakeAws(t, {}, { throttleFor: 1 });
    const { dir, r } = await registryPassword(
      t,
      script,
      {
        ASPIRE_SECRET_SOURCE: "aws-ssm",
        ASPIRE_SECRET_PREFIX: "/aspire-arm/dev/",
        ASPIRE_AWS_REGION: "eu-west-1",
        ASPIRE_REGISTRY: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
      },
      ecrUrls(server.base),
    );
    assertPrintsOnly(r, ECR_PASSWORD);
    assert.match(r.stderr, /retrying/, "a throttled call is retried");
    assert.deepEqual(fs.readdirSync(dir), ["vm.env"], "nothing written");

    const ecr = server.seen.filter((s) => s.method === "POST");
    assert.equal(ecr.length, 2);
    for (const req of ecr) {
      assert.equal(req.headers["x-amz-target"], ECR_TARGET);
      assert.equal(req.headers["content-type"], "application/x-amz-json-1.1");
      assert.equal(req.headers["x-amz-security-token"], AWS_TOKEN);
      assert.deepEqual(JSON.parse(req.body), {});
      const amzDate = String(req.headers["x-amz-date"]);
      const scope = `${amzDate.slice(0, 8)}/eu-west-1/ecr/aws4_request`;
      const m = new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${AWS_KEY}/${scope}, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`,
      ).exec(String(req.headers.authorization));
      assert.ok(m, String(req.headers.authorization));
      assert.equal(m[2], expectedSignature(req, m[1].split(";"), scope, amzDate));
    }
  });

  test("--registry-password with aws-ssm: an ECR error fails without printing anything on stdout", async (t) => {
    const server = await fakeAws(t, {}, { ecrError: "AccessDeniedException" });
    const { r } = await registryPassword(
      t,
      script,
      { ASPIRE_SECRET_SOURCE: "aws-ssm", ASPIRE_AWS_REGION: "eu-west-1" },
      ecrUrls(server.base),
    );
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /ECR GetAuthorizationToken in eu-west-1: HTTP 400 AccessDeniedException/,
    );
  });

  test("--registry-password with gcp-secret-manager: the service account's access token, and no project lookup", async (t) => {
    const server = await fakeGcp(t, {});
    const { dir, r } = await registryPassword(
      t,
      script,
      {
        ASPIRE_SECRET_SOURCE: "gcp-secret-manager",
        ASPIRE_SECRET_PREFIX: "aspire-arm-dev--",
        ASPIRE_GCP_PROJECT: "",
        ASPIRE_REGISTRY: "us-central1-docker.pkg.dev",
      },
      gcpUrls(server.base),
    );
    assertPrintsOnly(r, GCP_TOKEN);
    assert.deepEqual(
      server.seen.map((s) => s.url),
      ["/computeMetadata/v1/instance/service-accounts/default/token"],
    );
    assert.deepEqual(fs.readdirSync(dir), ["vm.env"], "nothing written");
  });

  test("--registry-password with the file or none source is an error", (t) => {
    const s = fileSetup(t, { a: "x" }, "a ASPIRE_P_A\n");
    for (const vmEnv of [
      s.vmEnv,
      writeVmEnv(fs.mkdtempSync(path.join(s.dir, "none-")), { ASPIRE_SECRET_SOURCE: "none" }),
    ]) {
      const r = runSync(script, ["--vm-env", vmEnv, "--registry-password"]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /no container registry login with ASPIRE_SECRET_SOURCE (file|none)/);
    }
  });

  test("python3 compiles the script and cloud-http.py (stdlib only: every import is a standard module)", () => {
    for (const file of [script, path.join(path.dirname(script), "cloud-http.py")]) {
      const r = spawnSync("python3", ["-c", NON_STDLIB_IMPORTS, file], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), "");
    }
  });
}

for (const { label, dir } of scriptDirs())
  describe(`fetch-secrets.py (${label})`, () => suite(path.join(dir, "fetch-secrets.py")));
