// Fuzzing the pipeline with hostile manifests: mutations of real manifests (the corpus in
// ../shared when present, this repository's fixtures otherwise), alias bombs, deep nesting,
// symbolic links, special files and odd names. Every case is checked, planned (both clouds, both
// runtimes, one VM or one per service) and rendered in a child process with a deadline, so a
// hang is caught and named. What must hold for every case:
//   - no exception other than the pipeline's own input errors (ManifestError, PlanError);
//   - every diagnostic is one line and names a resource or field (or is about the file itself);
//   - what a VM would receive is well formed: YAML that parses, compose text whose every `$`
//     survives compose's interpolation, units and env files of known lines only, lists of names
//     and probes; the user data writes the bootstrap only, the release (decoded as the VM decodes
//     it) holds only app config files and bin/'s scripts with modes 0644/0755; nothing read from
//     outside the app is in either;
//   - a sample of the rendered user data passes `cloud-init schema` (required in CI).
// The seed is printed; ASPIRE_FUZZ_SEED=<n> replays a run, ASPIRE_FUZZ_SECONDS sets its length.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import * as yaml from "js-yaml";
import {
  checkManifest,
  checkManifestFile,
  formatDiagnostic,
  ManifestError,
  type CheckResult,
  type Diagnostic,
} from "../../src/manifest";
import { buildPlan, PlanError, type Cloud, type PlanOptions } from "../../src/plan";
import { defaultSecretSource, renderVm, type RenderedVm } from "../../src/render";
import { composeInterpolate } from "../support/compose-interpolation";
import { bundleFiles } from "../support/delivered";
import { corpusDir, fixturesDir } from "../support/paths";

const CHILD = process.env.ASPIRE_FUZZ_CHILD === "1";
const SECONDS = Number(process.env.ASPIRE_FUZZ_SECONDS ?? "25");
const CANARY = "CANARY-fuzz-outside-7f3a";

// ---- a seeded generator, so that any failure replays -----------------------------------------------------

function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}
type Rng = ReturnType<typeof generator>;

const HOSTILE = [
  "$(touch /tmp/aspire-fuzz-pwned)",
  "`id`",
  "a\n[Service]\nExecStartPre=+/bin/sh -c id\n#",
  "x\r\ny",
  "\u0000",
  "../../../../../../etc/shadow",
  "/proc/self/environ",
  "${HOME}",
  "$$",
  "${X:-/host}",
  "/:/host-root",
  "/var/run/docker.sock:/var/run/docker.sock",
  "__proto__",
  "constructor",
  "toString",
  "",
  ".",
  "..",
  ".data",
  "a b",
  "é\u202eevil",
  "x".repeat(300),
  "{",
  "}",
  "{a.b}",
  "%n%%",
  "'\"\\",
  "- item",
  "key: value",
  "*alias",
  "&anchor",
  "http://[::1",
  "-rf",
];

const REFERENCE_TAILS = [
  "bindings.http.url",
  "bindings.constructor.url",
  "bindings.tcp.host",
  "bindings.http.targetPort",
  "connectionString",
  "value",
  "inputs.value",
  "inputs.toString",
  "outputs.x",
  "bindings.__proto__.port",
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every [container, key] in a document, to pick a place to mutate. */
function places(
  doc: Json,
  out: [Json[] | { [k: string]: Json }, string | number][] = [],
  depth = 0,
): typeof out {
  if (depth > 12 || doc === null || typeof doc !== "object") return out;
  if (Array.isArray(doc)) doc.forEach((v, i) => (out.push([doc, i]), places(v, out, depth + 1)));
  else for (const k of Object.keys(doc)) (out.push([doc, k]), places(doc[k], out, depth + 1));
  return out;
}

function deep(rng: Rng, depth: number): Json {
  let v: Json = rng.pick(HOSTILE);
  for (let i = 0; i < depth; i++) v = rng.next() < 0.5 ? [v] : { x: v };
  return v;
}

function setKey(obj: { [k: string]: Json }, key: string, value: Json) {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** One mutation of a manifest document, in place. */
function mutate(doc: { resources?: { [k: string]: Json } }, rng: Rng): void {
  const resources = doc.resources && typeof doc.resources === "object" ? doc.resources : undefined;
  const names = resources ? Object.keys(resources) : [];
  const all = places(doc as Json);
  if (all.length === 0) return;
  const [container, key] = rng.pick(all);
  const value = (container as Record<string | number, Json>)[key];
  switch (rng.int(11)) {
    case 0: // a hostile string where a string was
    case 1:
      (container as Record<string | number, Json>)[key] =
        typeof value === "string" && rng.next() < 0.5
          ? value + rng.pick(HOSTILE)
          : rng.pick(HOSTILE);
      break;
    case 2: // a reference to another resource's field
      (container as Record<string | number, Json>)[key] =
        `pre-{${names.length ? rng.pick(names) : "x"}.${rng.pick(REFERENCE_TAILS)}}-post`;
      break;
    case 3: // rename a key (resource, env, binding, input...)
      if (!Array.isArray(container)) {
        delete (container as Record<string, Json>)[key as string];
        setKey(container as { [k: string]: Json }, rng.pick(HOSTILE), value);
      }
      break;
    case 4: // another type
      (container as Record<string | number, Json>)[key] = rng.pick<Json>([
        null,
        0,
        -1,
        65536,
        1.5,
        true,
        [],
        {},
        [rng.pick(HOSTILE)],
        { a: 1 },
      ]);
      break;
    case 5: // delete
      if (Array.isArray(container)) container.splice(key as number, 1);
      else delete (container as Record<string, Json>)[key as string];
      break;
    case 6: // nesting
      (container as Record<string | number, Json>)[key] = deep(rng, rng.pick([3, 20, 40, 200]));
      break;
    case 7: // a case-variant or hostile-named copy of a resource
      if (resources && names.length) {
        const name = rng.pick(names);
        setKey(
          resources,
          rng.next() < 0.5 ? name.toUpperCase() : rng.pick(HOSTILE),
          JSON.parse(JSON.stringify(resources[name])) as Json,
        );
      }
      break;
    case 8: // volumes and bind mounts with hostile names, sources and targets
      if (resources && names.length) {
        const r = resources[rng.pick(names)];
        if (r && typeof r === "object" && !Array.isArray(r)) {
          r.volumes = [
            {
              name: rng.pick([...HOSTILE, "data", "x-data"]),
              target: rng.pick([...HOSTILE, "/data"]),
            },
            { target: rng.pick([...HOSTILE, "/tmp"]) },
          ];
          r.bindMounts = [
            {
              source: rng.pick([
                ...HOSTILE,
                "../cfg",
                "../cfg/a.conf",
                "../cfg/leak",
                "../outside-link",
                "../fifo",
                "../big",
                "../ctx",
                CANARY_FILE,
              ]),
              target: rng.pick([...HOSTILE, "/etc/x"]),
              readOnly: rng.next() < 0.5,
            },
          ];
        }
      }
      break;
    case 9: // env, args and entrypoint with hostile text (valid for containers, refused for units)
      if (resources && names.length) {
        const r = resources[rng.pick(names)];
        if (r && typeof r === "object" && !Array.isArray(r)) {
          const env = (
            r.env && typeof r.env === "object" && !Array.isArray(r.env) ? r.env : (r.env = {})
          ) as { [k: string]: Json };
          setKey(env, rng.next() < 0.7 ? `K${rng.int(9)}` : rng.pick(HOSTILE), rng.pick(HOSTILE));
          r.args = [rng.pick(HOSTILE), `--x=${rng.pick(HOSTILE)}`];
          if (rng.next() < 0.3) r.entrypoint = rng.pick(HOSTILE);
        }
      }
      break;
    default: // build sections and project paths with hostile paths
      if (resources && names.length) {
        const r = resources[rng.pick(names)];
        if (r && typeof r === "object" && !Array.isArray(r)) {
          if (rng.next() < 0.5) r.path = rng.pick(HOSTILE);
          else
            r.build = {
              context: rng.pick([...HOSTILE, "ctx"]),
              dockerfile: rng.pick([...HOSTILE, "ctx/Dockerfile"]),
              args: { [rng.pick(["A", ...HOSTILE])]: rng.pick(HOSTILE) },
              secrets: {
                [rng.pick(["s", ...HOSTILE])]: { type: "file", source: rng.pick(HOSTILE) },
              },
            };
        }
      }
  }
}

const CANARY_FILE = "../../outside/canary.txt";

// ---- what each case must satisfy ------------------------------------------------------------------------

/** The files of a release (relative to the app folder on the VM), and their modes. */
const RELEASE_FILE =
  /^(compose\.yaml|caddy\/Caddyfile|health\.list|native\.list|secrets\.list|secret-versions\.list|volumes\.list|units\/aspire-[a-z0-9-]+\.service|env\/[a-z0-9-]+\.env\.in|files\/[a-z0-9-]+\/\d+(\/[^/]+)*|bin\/(rollout-apply\.sh|apply\.sh|apply-tools\.py|fetch-secrets\.py|cloud-http\.py|dotnet-runtimes\.py|exec-env\.py))$/;
const RELEASE_MODE = /^(0644|0755)$/;
/** What the user data writes: the bootstrap, never the app. */
const BOOT_FILE =
  /^(\/etc\/aspire-arm\/vm\.env|\/usr\/local\/lib\/aspire-arm\/(bootstrap\.sh|release\.py|rollout\.sh|cloud-http\.py|gce-agent\.py)|\/etc\/systemd\/system\/aspire-arm-(app|agent)\.service)$/;
const UNIT_LINE =
  /^(#.*|\[(Unit|Service|Install)\]|(Description|Wants|After|Type|DynamicUser|WorkingDirectory|StateDirectory|Environment|LoadCredential|ExecStart|Restart|RestartSec|NoNewPrivileges|ProtectSystem|ProtectHome|PrivateTmp|WantedBy)=[^\u0000-\u001f]*|)$/;

function diagnosticProblems(
  where: string,
  diagnostics: readonly Diagnostic[],
  fileLevelAllowed: boolean,
): string[] {
  const out: string[] = [];
  for (const d of diagnostics) {
    const line = formatDiagnostic(d);
    if (/[\n\r\u0000]/.test(line))
      out.push(`${where}: a diagnostic spans lines: ${JSON.stringify(line)}`);
    if (d.resource === null && d.field === null && !fileLevelAllowed)
      out.push(`${where}: a diagnostic names no resource or field: ${line}`);
    if (line.includes(CANARY))
      out.push(`${where}: a diagnostic quotes a file outside the app: ${line}`);
  }
  return out;
}

function renderedProblems(where: string, r: RenderedVm): string[] {
  const out: string[] = [];
  const doc = yaml.load(r.cloudConfig) as { write_files: { path: string; content: string }[] };
  for (const f of doc.write_files)
    if (!BOOT_FILE.test(f.path)) out.push(`${where}: the user data writes ${f.path}`);
  if (r.cloudConfig.includes(CANARY))
    out.push(`${where}: the user data holds a file from outside the app`);
  // The release as the VM unpacks it.
  const released = bundleFiles(r.release.gz);
  if (zlib.gunzipSync(r.release.gz).toString("utf8").includes(CANARY))
    out.push(`${where}: the release holds a file from outside the app`);
  const appFiles: { path: string; content: string }[] = [];
  for (const f of released) {
    if (!RELEASE_FILE.test(f.path)) out.push(`${where}: the release has ${f.path}`);
    if (!RELEASE_MODE.test(f.mode))
      out.push(`${where}: the release's ${f.path} has mode ${f.mode}`);
    if (f.base64 !== undefined) {
      if (Buffer.from(f.base64, "base64").toString("latin1").includes(CANARY))
        out.push(`${where}: the release's ${f.path} is a file from outside the app`);
    } else appFiles.push({ path: f.path, content: f.text ?? "" });
  }
  for (const f of appFiles) {
    if (f.path === "compose.yaml") {
      const walk = (v: unknown): void => {
        if (typeof v === "string") composeInterpolate(v, {});
        else if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === "object")
          for (const [k, x] of Object.entries(v)) (composeInterpolate(k, {}), walk(x));
      };
      try {
        walk(yaml.load(f.content));
      } catch (e) {
        out.push(`${where}: compose.yaml: ${(e as Error).message}`);
      }
    } else if (f.path.startsWith("units/")) {
      const bad = f.content.split("\n").filter((l) => !UNIT_LINE.test(l));
      if (bad.length)
        out.push(`${where}: ${f.path} has lines no unit of ours has: ${JSON.stringify(bad)}`);
      if (f.content.split("\n").filter((l) => l.startsWith("ExecStart")).length !== 1)
        out.push(`${where}: ${f.path} has not exactly one ExecStart`);
    } else if (f.path.startsWith("env/")) {
      const bad = f.content
        .split("\n")
        .filter((l) => l !== "" && !/^[A-Za-z_][A-Za-z0-9_.:-]*=[^\n\r]*$/.test(l));
      if (bad.length)
        out.push(`${where}: ${f.path} has lines that are not KEY=VALUE: ${JSON.stringify(bad)}`);
    } else if (f.path === "health.list") {
      const bad = f.content
        .split("\n")
        .filter(
          (l) =>
            l !== "" &&
            !l.startsWith("#") &&
            !/^[A-Za-z0-9._-]+ (container|native) (tcp \d+|http \d+ \/\S*)$/.test(l),
        );
      if (bad.length)
        out.push(`${where}: health.list has lines that are not probes: ${JSON.stringify(bad)}`);
    } else if (/^(native|secrets|volumes)\.list$/.test(f.path)) {
      const bad = f.content
        .split("\n")
        .filter((l) => l !== "" && !l.startsWith("#") && !/^[A-Za-z0-9._-]+( [^\s]+)?$/.test(l));
      if (bad.length)
        out.push(`${where}: ${f.path} has lines that are not names: ${JSON.stringify(bad)}`);
    }
  }
  return out;
}

interface Sandbox {
  readonly dir: string;
  readonly appHost: string;
}

/** <dir>/outside/canary.txt, and <dir>/sol/{cfg,ctx,big,fifo,outside-link,App.AppHost}. */
function sandbox(): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-fuzz-"));
  const sol = path.join(dir, "sol");
  const appHost = path.join(sol, "App.AppHost");
  for (const d of ["outside", "sol/cfg", "sol/ctx", "sol/App.AppHost"])
    fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(path.join(dir, "outside/canary.txt"), CANARY);
  fs.writeFileSync(path.join(sol, "cfg/a.conf"), "a\n");
  fs.writeFileSync(path.join(sol, "ctx/Dockerfile"), "FROM scratch\n");
  fs.symlinkSync(path.join(dir, "outside/canary.txt"), path.join(sol, "cfg/leak"));
  fs.symlinkSync(path.join(dir, "outside"), path.join(sol, "outside-link"));
  fs.writeFileSync(path.join(sol, "big"), "");
  fs.truncateSync(path.join(sol, "big"), 1 << 30);
  execFileSync("mkfifo", [path.join(sol, "fifo")]);
  return { dir, appHost };
}

/** The manifests to mutate, as documents. */
function bases(): { name: string; doc: unknown }[] {
  const dir = fs.existsSync(corpusDir) ? corpusDir : fixturesDir;
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .flatMap((f) => {
      try {
        return [
          { name: f, doc: JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as unknown },
        ];
      } catch {
        return [];
      }
    });
}

const OPTIONS: Partial<PlanOptions>[] = [
  {},
  { runtime: "dotnet" },
  { vmPerService: true },
  { vmPerService: true, runtime: "dotnet", dashboard: true },
  { domain: "app.example.com" },
];

/** One case: check, plan, render. Returns the problems (empty when the case holds). */
function runCase(
  where: string,
  raw: CheckResult,
  cloud: Cloud,
  options: Partial<PlanOptions>,
  samples: string[],
): string[] {
  const problems = diagnosticProblems(where, [...raw.errors, ...raw.warnings], true);
  if (!raw.manifest) return problems;
  try {
    const params = [...raw.manifest.resources.values()]
      .filter((r) => r.kind === "parameter.v0")
      .map((r) => r.name);
    const { plan, warnings } = buildPlan(raw.manifest, {
      cloud,
      stack: "fuzz",
      parameters: Object.fromEntries(params.map((p) => [p, "v"])),
      ...options,
    });
    problems.push(...diagnosticProblems(where, warnings, false));
    for (const vm of plan.vms) {
      const r = renderVm(plan, vm, { secretSource: defaultSecretSource(plan) });
      problems.push(...renderedProblems(`${where} vm ${vm.name}`, r));
      if (samples.length < 12 && problems.length === 0 && samples.length < Number.MAX_SAFE_INTEGER)
        samples.push(r.cloudConfig);
    }
  } catch (e) {
    if (e instanceof PlanError) problems.push(...diagnosticProblems(where, e.diagnostics, false));
    else problems.push(`${where}: ${(e as Error).stack ?? String(e)}`);
  }
  return problems;
}

/** Cases built as files: the reader's limits and the filesystem's oddities. */
function fileCases(box: Sandbox, rng: Rng): { where: string; file: string }[] {
  const out: { where: string; file: string }[] = [];
  const write = (name: string, text: string) => {
    const file = path.join(box.appHost, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const levels = rng.pick([3, 6, 9, 12]);
  const bomb = [
    "resources:",
    "  a:",
    "    type: container.v0",
    "    image: redis:7",
    "    env:",
    `      l0: &l0 [x,x,x,x,x,x,x,x,x,x]`,
  ];
  for (let i = 1; i < levels; i++)
    bomb.push(
      `      l${i}: &l${i} [${Array(10)
        .fill(`*l${i - 1}`)
        .join(",")}]`,
    );
  out.push({ where: "alias bomb", file: write("bomb.yaml", bomb.join("\n") + "\n") });
  out.push({
    where: "merge keys",
    file: write(
      "merge.yaml",
      "base: &b {type: container.v0, image: redis:7}\nresources:\n  a:\n    <<: *b\n",
    ),
  });
  const depth = rng.pick([33, 100, 5000, 50000]);
  out.push({
    where: `json nesting ${depth}`,
    file: write("deep.json", `{"resources":{"a":${"[".repeat(depth)}${"]".repeat(depth)}}}`),
  });
  out.push({
    where: `yaml nesting ${depth}`,
    file: write("deep.yaml", `resources:\n  a: ${"[".repeat(depth)}${"]".repeat(depth)}\n`),
  });
  const link = path.join(box.appHost, "link.json");
  fs.rmSync(link, { force: true });
  fs.symlinkSync(
    rng.pick([
      "/dev/zero",
      path.join(box.dir, "sol/fifo"),
      path.join(box.dir, "nowhere"),
      box.dir,
      link,
    ]),
    link,
  );
  out.push({ where: "manifest through a link", file: link });
  return out;
}

function childMain(): void {
  const seed = Number(process.env.ASPIRE_FUZZ_SEED ?? "1");
  const rng = generator(seed);
  const box = sandbox();
  const deadline = Date.now() + SECONDS * 1000;
  const problems: string[] = [];
  const samples: string[] = [];
  let cases = 0;
  let deployable = 0;
  const progress = path.join(box.dir, "progress");
  try {
    const docs = bases();
    for (let round = 0; Date.now() < deadline; round++) {
      for (const f of fileCases(box, rng)) {
        fs.writeFileSync(progress, f.where);
        const started = Date.now();
        const result = checkManifestFile(f.file);
        if (Date.now() - started > 5000)
          problems.push(`${f.where}: took ${Date.now() - started} ms`);
        problems.push(...runCase(f.where, result, "aws", {}, samples));
        cases++;
      }
      for (let i = 0; i < 40 && Date.now() < deadline; i++) {
        const base = rng.pick(docs);
        const doc = JSON.parse(JSON.stringify(base.doc)) as { resources?: { [k: string]: Json } };
        const mutations = 1 + rng.int(4);
        for (let m = 0; m < mutations; m++) mutate(doc, rng);
        const where = `seed ${seed} round ${round} case ${i} (${base.name}, ${mutations} mutations)`;
        fs.writeFileSync(progress, where);
        const file = path.join(box.appHost, "aspire-manifest.json");
        let raw: CheckResult;
        try {
          raw = checkManifest({ file, dir: box.appHost, document: doc });
        } catch (e) {
          problems.push(
            `${where}: check threw ${e instanceof ManifestError ? "ManifestError" : (e as Error).stack}`,
          );
          continue;
        }
        if (raw.manifest) deployable++;
        problems.push(
          ...runCase(where, raw, rng.pick<Cloud>(["aws", "gcp"]), rng.pick(OPTIONS), samples),
        );
        cases++;
      }
    }
  } finally {
    fs.rmSync(box.dir, { recursive: true, force: true });
  }
  if (fs.existsSync("/tmp/aspire-fuzz-pwned"))
    problems.push("a command ran: /tmp/aspire-fuzz-pwned exists");
  process.stdout.write(
    JSON.stringify({
      seed,
      cases,
      deployable,
      problems: problems.slice(0, 20),
      problemCount: problems.length,
      samples,
    }) + "\n",
  );
}

if (CHILD) {
  childMain();
} else {
  test(
    "fuzz: hostile mutations of real manifests, alias bombs, deep nesting, links and odd names never crash, hang or leak",
    { timeout: (SECONDS + 60) * 1000 },
    (t) => {
      const seed = Number(process.env.ASPIRE_FUZZ_SEED ?? Date.now() % 1_000_000);
      const r = spawnSync(process.execPath, [__filename], {
        env: { ...process.env, ASPIRE_FUZZ_CHILD: "1", ASPIRE_FUZZ_SEED: String(seed) },
        encoding: "utf8",
        timeout: (SECONDS + 30) * 1000,
        maxBuffer: 64 * 1024 * 1024,
      });
      assert.equal(
        r.error,
        undefined,
        `the fuzz run (seed ${seed}) hung or failed to start: ${r.error?.message}; replay with ASPIRE_FUZZ_SEED=${seed}`,
      );
      assert.equal(r.status, 0, `the fuzz run (seed ${seed}) crashed: ${r.stderr.slice(-2000)}`);
      const result = JSON.parse(r.stdout) as {
        seed: number;
        cases: number;
        deployable: number;
        problems: string[];
        problemCount: number;
        samples: string[];
      };
      t.diagnostic(
        `seed ${result.seed}: ${result.cases} cases (${result.deployable} deployable after mutation), ${result.problemCount} problems`,
      );
      assert.deepEqual(result.problems, [], `seed ${seed}: replay with ASPIRE_FUZZ_SEED=${seed}`);
      assert.ok(result.cases > 200, `only ${result.cases} cases ran`);
      assert.ok(
        result.deployable > 20,
        `only ${result.deployable} mutated manifests were deployable: the mutations reach too little of the pipeline`,
      );

      // The rendered user data of deployable mutants, through cloud-init's own validator.
      const cloudInit = (process.env.PATH ?? "")
        .split(":")
        .some((d) => fs.existsSync(path.join(d, "cloud-init")));
      if (!cloudInit) {
        assert.ok(process.env.CI !== "true", "cloud-init is missing in CI (.ci/run installs it)");
        t.diagnostic("cloud-init not installed: the schema check of the samples is skipped");
        return;
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-fuzz-ud-"));
      result.samples.slice(0, 6).forEach((text, i) => {
        const file = path.join(dir, `user-data-${i}`);
        fs.writeFileSync(file, text);
        const v = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
        assert.equal(v.status, 0, `sample ${i} of seed ${seed}: ${v.stdout}${v.stderr}`);
      });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  );
}

if (!CHILD)
  test("the CLI answers hostile files with one line per problem naming the file, exit 1, never a stack trace", () => {
    const box = sandbox();
    const bin = path.join(__dirname, "../../../bin/aspire-arm.js");
    const rng = generator(7);
    const files = fileCases(box, rng).map((c) => c.file);
    const write = (name: string, doc: unknown) => {
      const file = path.join(box.appHost, name);
      fs.writeFileSync(file, JSON.stringify(doc));
      return file;
    };
    files.push(
      write("names.json", {
        resources: {
          "api$(touch /tmp/aspire-fuzz-pwned)": { type: "container.v0", image: "redis:7" },
          "a\nb": { type: "container.v0", image: "redis:7" },
        },
      }),
      write("mounts.json", {
        resources: {
          web: {
            type: "container.v0",
            image: "nginx:1",
            bindMounts: [
              { source: "../fifo", target: "/f" },
              { source: CANARY_FILE, target: "/c" },
              { source: "../cfg", target: "/:/host" },
            ],
          },
        },
      }),
      write("units.json", {
        resources: {
          api: {
            type: "project.v0",
            path: "../Api/Api.csproj",
            args: ["a\nExecStartPre=+/bin/id"],
          },
        },
      }),
    );
    try {
      // The unit case is a fine manifest (a container takes any arg): only its dotnet plan is refused.
      const checkOk = new Set([path.join(box.appHost, "units.json")]);
      for (const file of files)
        for (const args of [
          ["check", file],
          ["plan", file, "--no-resources", "--runtime", "dotnet"],
        ]) {
          if (args[0] === "check" && checkOk.has(file)) continue;
          const r = spawnSync(process.execPath, [bin, ...args], {
            encoding: "utf8",
            timeout: 20_000,
          });
          const where = `${args.join(" ")}`;
          assert.equal(r.error, undefined, `${where}: ${r.error?.message}`);
          assert.ok(r.status === 1, `${where}: exit ${r.status}\n${r.stdout}${r.stderr}`);
          assert.ok(
            !/internal error|\n\s+at /.test(r.stderr + r.stdout),
            `${where}: a stack trace\n${r.stderr}`,
          );
          assert.ok(
            !(r.stdout + r.stderr).includes(CANARY),
            `${where}: prints a file from outside the app`,
          );
          const problems =
            args[0] === "check"
              ? r.stdout.split("\n").filter((l) => l.startsWith("  error: "))
              : r.stderr.trimEnd().split("\n");
          assert.ok(problems.length > 0, `${where}: no problem reported\n${r.stdout}${r.stderr}`);
          if (args[0] === "plan")
            for (const l of problems) assert.match(l, /^aspire-arm: \S/, `${where}: ${l}`);
          if (args[0] === "check")
            assert.ok(
              r.stdout.startsWith(`${file}: rejected`),
              `${where}: the file is named first\n${r.stdout}`,
            );
        }
      assert.ok(!fs.existsSync("/tmp/aspire-fuzz-pwned"));
    } finally {
      fs.rmSync(box.dir, { recursive: true, force: true });
    }
  });
