// `aspire-arm plan MANIFEST --against PREVIOUS.json`, as a user runs it: PREVIOUS.json is the
// stdout of an earlier `plan --json`, and plan says per VM what deploying the new plan does. On the
// starter, one VM and two, both clouds: the five app changes roll out in place to the VMs they
// touch (old and new release ids) and never need a new VM; an unchanged plan is unchanged; the
// runtime, the instance type and a data disk appearing are VM-level changes, named; VMs added and
// removed by placement; and the previous plans it cannot compare.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { md } from "../../src/cli/plan-report";
import { cliIn, jsonPlanOf, type CliRun } from "./cli-support";
import { starterManifest, tempDir } from "./plan-support";
import { SHARED_MISSING } from "../support/paths";
import { TESTSHOP, TESTSHOP_VMS } from "../support/testshop";

type Manifest = { resources: Record<string, Record<string, unknown>> };

/** A folder with the starter's manifest in AppHost/ (changed in place, so that nothing but the
 *  change differs) and a Pulumi.dev.yaml holding the cache password as a secret, as
 *  `pulumi config set --secret` writes it (its ciphertext). */
class Work {
  readonly dir: string;
  readonly manifest: string;
  readonly previous: string;
  constructor(label: string) {
    this.dir = tempDir(`against-${label}`);
    this.manifest = path.join(this.dir, "AppHost", "aspire-manifest.json");
    this.previous = path.join(this.dir, "previous.json");
    fs.mkdirSync(path.dirname(this.manifest));
    this.write();
    this.secret("v1:AAAAAAAAAAAAfirstCIPHERTEXT==");
  }
  write(change?: (m: Manifest) => void): void {
    const m = JSON.parse(fs.readFileSync(starterManifest, "utf8")) as Manifest;
    change?.(m);
    fs.writeFileSync(this.manifest, JSON.stringify(m, null, 2));
  }
  secret(ciphertext: string): void {
    fs.writeFileSync(
      path.join(this.dir, "Pulumi.dev.yaml"),
      `config:\n  aspire:parameters.cache-password:\n    secure: ${ciphertext}\n`,
    );
  }
  plan(...args: string[]): Promise<CliRun> {
    return cliIn(this.dir, "plan", this.manifest, "--no-resources", ...args);
  }
  /** `plan --json` written as the previous plan; its release ids by VM. */
  async save(...args: string[]): Promise<Record<string, string>> {
    const r = await this.plan("--json", ...args);
    fs.writeFileSync(this.previous, r.out);
    return Object.fromEntries(jsonPlanOf(r).vms.map((vm) => [vm.name, vm.release.id]));
  }
  /** The verdict line of each VM in the text of `plan --against`. */
  async against(...args: string[]): Promise<Record<string, string>> {
    const r = await this.plan("--against", this.previous, ...args);
    assert.equal(r.code, 0, r.err);
    return verdictsOf(r.out);
  }
  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function verdictsOf(text: string): Record<string, string> {
  const lines = text.split("\n");
  const start = lines.findIndex((l) =>
    /^Against .*, what deploying this plan does to each VM:$/.test(l),
  );
  assert.ok(start >= 0, text);
  const out: Record<string, string> = {};
  for (const l of lines.slice(start + 1)) {
    if (l === "") break;
    const m = /^ {2}([a-z0-9-]+): (.*)$/.exec(l);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

const env = (m: Manifest, r: string) => m.resources[r].env as Record<string, string>;
const mailpit = (external: boolean) => (m: Manifest) =>
  (m.resources.mailpit = {
    type: "container.v0",
    image: "docker.io/axllent/mailpit:v1.20",
    bindings: {
      http: {
        scheme: "http",
        protocol: "tcp",
        transport: "http",
        targetPort: 8025,
        ...(external ? { port: 8025, external: true } : {}),
      },
    },
  });

interface AppChange {
  readonly what: string;
  readonly args?: readonly string[];
  readonly manifest?: (m: Manifest) => void;
  readonly secret?: string;
  /** The VMs it rolls out to, per placement. */
  readonly one: readonly string[];
  readonly two: readonly string[];
}

const APP_CHANGES: readonly AppChange[] = [
  {
    what: "an image",
    args: ["--image", "cache=docker.io/library/redis:7.2"],
    one: ["app"],
    two: ["data"],
  },
  {
    what: "an env var",
    manifest: (m) => (env(m, "webfrontend").FEATURE_X = "on"),
    one: ["app"],
    two: ["app"],
  },
  {
    // Redis reads it, and so does the frontend (its connection string): both VMs.
    what: "a secret value (pulumi config set --secret: a new ciphertext)",
    secret: "v1:BBBBBBBBBBBBrotatedCIPHERTEXT==",
    one: ["app"],
    two: ["app", "data"],
  },
  { what: "a new service", manifest: mailpit(false), one: ["app"], two: ["app"] },
  { what: "a new external endpoint", manifest: mailpit(true), one: ["app"], two: ["app"] },
];

/** App first: a service no group names (mailpit) goes to the first VM. */
const SPLIT = ["--vm", "app=apiservice,webfrontend", "--vm", "data=cache"];

for (const cloud of ["aws", "gcp"] as const)
  test(`${cloud}: the five app changes roll out in place to the VMs they touch, one VM and two, never a new VM; the same plan again is unchanged`, async () => {
    await Promise.all(
      (["one", "two"] as const).map(async (placement) => {
        const w = new Work(`${cloud}-${placement}`);
        const args = ["--cloud", cloud, ...(placement === "two" ? SPLIT : [])];
        const first = await w.save(...args);
        const vms = Object.keys(first);
        assert.deepEqual(vms, placement === "two" ? ["app", "data"] : ["app"]);
        assert.deepEqual(
          await w.against(...args),
          Object.fromEntries(vms.map((vm) => [vm, "unchanged"])),
        );
        for (const change of APP_CHANGES) {
          w.write(change.manifest);
          if (change.secret) w.secret(change.secret);
          const verdicts = await w.against(...args, ...(change.args ?? []));
          const touched = change[placement];
          for (const vm of vms) {
            const line = verdicts[vm];
            assert.ok(!line.startsWith("new VM"), `${change.what}, ${vm}: ${line}`);
            if (!touched.includes(vm)) {
              assert.equal(line, "unchanged", `${change.what}, ${vm}`);
              continue;
            }
            const m = /^rolled out in place: release ([0-9a-f]{16}) -> ([0-9a-f]{16})$/.exec(line);
            assert.ok(m, `${change.what}, ${vm}: ${line}`);
            assert.equal(m[1], first[vm], `${change.what}, ${vm}: the old release`);
            assert.notEqual(m[2], first[vm], `${change.what}, ${vm}: a new release`);
          }
          w.write();
          w.secret("v1:AAAAAAAAAAAAfirstCIPHERTEXT==");
        }
        w.remove();
      }),
    );
  });

test("VM-level changes, named: the runtime and a data disk appearing need a new VM; the instance type stops and starts it, or (T2A to C4A) needs a new VM for its boot disk type", async () => {
  await Promise.all(
    (["aws", "gcp"] as const).map(async (cloud) => {
      const w = new Work(`vm-level-${cloud}`);
      const first = (await w.save("--cloud", cloud)).app;
      const runtime = (await w.against("--cloud", cloud, "--runtime", "dotnet")).app;
      assert.match(
        runtime,
        new RegExp(
          `^new VM: runtime changed \\(docker -> dotnet\\), user data changed \\(ASPIRE_RUNTIME "docker" -> "dotnet"\\); release ${first} -> [0-9a-f]{16}$`,
        ),
      );
      const [bigger, other] =
        cloud === "aws" ? ["t4g.medium", "m7g.large"] : ["t2a-standard-2", "c4a-standard-2"];
      const from = cloud === "aws" ? "t4g.small" : "t2a-standard-1";
      assert.deepEqual(await w.against("--cloud", cloud, "--instance-type", bigger), {
        app: `stopped and started in place: instance type changed (${from} -> ${bigger})`,
      });
      assert.deepEqual(
        await w.against("--cloud", cloud, "--instance-type", other),
        cloud === "aws"
          ? { app: `stopped and started in place: instance type changed (${from} -> ${other})` }
          : {
              app: `new VM: boot disk type changed (pd-balanced -> hyperdisk-balanced), instance type changed (${from} -> ${other})`,
            },
      );
      w.write(
        (m) =>
          (m.resources.cache.volumes = [{ name: "cache-data", target: "/data", readOnly: false }]),
      );
      const r = await w.plan("--cloud", cloud, "--against", w.previous);
      const device =
        cloud === "aws"
          ? "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol00000000000000000"
          : "/dev/disk/by-id/google-data";
      assert.match(
        verdictsOf(r.out).app,
        new RegExp(
          `^new VM: data disk changed \\(none -> 20 GB\\), user data changed \\(ASPIRE_DATA_DISK "" -> "${device}"\\); release ${first} -> [0-9a-f]{16}$`,
        ),
      );
      // Why, under the verdict.
      assert.match(r.out, /\n {6}data disk: the user data names the data disk's device/);
      assert.match(r.out, /\n {6}user data: cloud-init runs the user data at first boot only/);
      w.remove();
    }),
  );
});

test("VMs added and removed by --vm placement; --json --against gives the comparison as data; the stack file's secret versions", async () => {
  const w = new Work("placement");
  const one = await w.save();
  const split = await w.plan("--json", "--against", w.previous, ...SPLIT);
  const doc = jsonPlanOf(split);
  const release = Object.fromEntries(doc.vms.map((vm) => [vm.name, vm.release.id]));
  assert.equal(doc.against?.file, w.previous);
  assert.deepEqual(doc.against?.previous, { cloud: "aws", stack: "dev" });
  assert.deepEqual(
    doc.against?.vms.map((c) => [c.vm, c.verdict, c.release, c.changes]),
    [
      ["app", "rollout", { before: one.app, after: release.app }, []],
      ["data", "added", { after: release.data }, []],
    ],
  );
  const text = verdictsOf((await w.plan("--against", w.previous, ...SPLIT)).out);
  assert.deepEqual(text, {
    app: `rolled out in place: release ${one.app} -> ${release.app}`,
    data: `added (release ${release.data})`,
  });
  await w.save(...SPLIT);
  assert.deepEqual(await w.against(), {
    app: `rolled out in place: release ${release.app} -> ${one.app}`,
    data: "removed",
  });
  // The changes as data: each with what it does and why.
  await w.save();
  const runtime = jsonPlanOf(
    await w.plan("--json", "--against", w.previous, "--runtime", "dotnet"),
  );
  const [app] = runtime.against?.vms ?? [];
  assert.equal(app.verdict, "replace");
  assert.deepEqual(
    app.changes.map((c) => [c.key, c.before, c.after, c.effect]),
    [
      ["runtime", "docker", "dotnet", "replace"],
      ["userDataSha256", app.changes[1].before, app.changes[1].after, "replace"],
    ],
  );
  assert.ok(app.changes.every((c) => c.why.length > 0));
  // Offline, a secret set in the stack file is versioned by a digest of its ciphertext (public,
  // committed with the stack file), never by anything of its value.
  const out = path.join(w.dir, "out");
  assert.equal((await w.plan("--out", out)).code, 0);
  assert.match(
    fs.readFileSync(path.join(out, "app", "secret-versions.list"), "utf8"),
    /^cache-password stack-file:[0-9a-f]{12}\n$/,
  );
  w.remove();
});

test("a PREVIOUS.json that is missing, a folder, not JSON, not a plan, or from a plan without vmInputs: one line, exit 1, nothing on stdout; --against without a file: usage, exit 2", async () => {
  const w = new Work("bad");
  await w.save();
  const old = JSON.parse(fs.readFileSync(w.previous, "utf8")) as { vms: Record<string, unknown>[] };
  for (const vm of old.vms) delete vm.vmInputs;
  const file = (name: string, text: string) => {
    const p = path.join(w.dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const cases: [string, RegExp][] = [
    [path.join(w.dir, "nowhere.json"), /: cannot be read \(no such file\)\.$/],
    [w.dir, /: cannot be read \(a folder\)\.$/],
    [file("text.json", "Plan for app.json on aws\n"), /: not JSON \(.*\)\.$/],
    [
      file("array.json", "[]"),
      /: not the output of `aspire-arm plan --json` \(no cloud and vms list\)\.$/,
    ],
    [
      file("old.json", JSON.stringify(old)),
      /: VM app has no vmInputs: write it again with `aspire-arm plan --json` \(this version\) and the same options\.$/,
    ],
  ];
  const runs = await Promise.all(cases.map(([p]) => w.plan("--against", p)));
  runs.forEach((r, i) => {
    const [p, reason] = cases[i];
    assert.equal(r.code, 1, p);
    assert.equal(r.out, "", p);
    assert.equal(r.err.split("\n").length, 2, r.err);
    assert.ok(r.err.startsWith(`aspire-arm: plan: --against ${p}: `), r.err);
    assert.match(r.err.trimEnd(), reason);
  });
  const usage = await w.plan("--against");
  assert.equal(usage.code, 2);
  assert.ok(usage.err.startsWith("aspire-arm: plan: --against needs a value."), usage.err);
  w.remove();
});

/** The detail lines under a VM's verdict in the text of `plan --against` (`subject: what`). */
function detailsOf(text: string, vm: string): string[] {
  const lines = text.split("\n");
  const at = lines.findIndex((l) => l.startsWith(`  ${vm}: `));
  assert.ok(at >= 0, text);
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (!l.startsWith("      ")) break;
    out.push(l.trim());
  }
  return out;
}

/** Per app change of the rollout issue, what `plan --against` says of it on the VMs it touches
 *  (two VMs: app runs the projects and mailpit, data runs Redis). */
const APP_CHANGE_LINES: Record<string, Record<string, string[]>> = {
  "an image": { data: ["cache: image docker.io/library/redis:7.4 -> docker.io/library/redis:7.2"] },
  "an env var": { app: ['webfrontend: env FEATURE_X added ("on")'] },
  "a secret value (pulumi config set --secret: a new ciphertext)": {
    app: ["secret: cache-password rotated (a new version)"],
    data: ["secret: cache-password rotated (a new version)"],
  },
  "a new service": { app: ["mailpit: new service"] },
  "a new external endpoint": {
    app: [
      "mailpit: new service",
      // The public port the plan gives it (the proxy serves http endpoints from 8001 up, besides 80).
      "public endpoint: opened: http://<public address>:8001 -> mailpit (http)",
    ],
  },
};

for (const cloud of ["aws", "gcp"] as const)
  test(`${cloud}: --against names each of the five app changes in Aspire's terms (image, env key with its plain value, secret rotated by name, new service, endpoint opened), and --markdown says the same in a collapsed section`, async () => {
    const w = new Work(`app-lines-${cloud}`);
    const args = ["--cloud", cloud, ...SPLIT];
    await w.save(...args);
    for (const change of APP_CHANGES) {
      w.write(change.manifest);
      if (change.secret) w.secret(change.secret);
      const extra = [...args, ...(change.args ?? [])];
      const r = await w.plan("--against", w.previous, ...extra);
      assert.equal(r.code, 0, r.err);
      const expected = APP_CHANGE_LINES[change.what];
      for (const vm of ["app", "data"])
        assert.deepEqual(detailsOf(r.out, vm), expected[vm] ?? [], `${change.what}, ${vm}`);
      const m = await w.plan("--against", w.previous, "--markdown", ...extra);
      assert.equal(m.code, 0, m.err);
      for (const [vm, lines] of Object.entries(expected)) {
        const section = new RegExp(
          `<details><summary><b>${vm}</b>: rolled out in place: release [0-9a-f]{16} -&gt; [0-9a-f]{16}</summary>\\n\\n([^]*?)\\n</details>`,
        ).exec(m.out);
        assert.ok(section, `${change.what}, ${vm}: ${m.out}`);
        assert.deepEqual(
          section[1].trim().split("\n"),
          lines.map((l) => `- ${md(l, 1000)}`),
          `${change.what}, ${vm}`,
        );
      }
      // The summary table lists the VMs the change touches; the others are counted, not listed.
      const untouched = ["app", "data"].filter((vm) => !expected[vm]);
      for (const vm of untouched) assert.doesNotMatch(m.out, new RegExp(`^\\| ${vm} \\|`, "m"));
      if (untouched.length)
        assert.match(m.out, new RegExp(`^1 VM unchanged: ${untouched[0]}$`, "m"));
      w.write();
      w.secret("v1:AAAAAAAAAAAAfirstCIPHERTEXT==");
    }
    w.remove();
  });

test("--against: an env key removed and changed shows the plain values; a key whose value holds a secret is named without its value; a port closed; a service removed", async () => {
  const w = new Work("env-kinds");
  w.write((m) => {
    env(m, "webfrontend").MODE = "a";
    env(m, "webfrontend").GONE = "bye";
    mailpit(false)(m);
  });
  await w.save();
  w.write((m) => {
    env(m, "webfrontend").MODE = "b";
    env(m, "webfrontend").CACHE_PW = "{cache-password.value}";
  });
  const r = await w.plan("--against", w.previous);
  assert.equal(r.code, 0, r.err);
  const lines = detailsOf(r.out, "app");
  assert.ok(lines.includes('webfrontend: env MODE changed ("a" -> "b")'), lines.join("\n"));
  assert.ok(lines.includes('webfrontend: env GONE removed (was "bye")'), lines.join("\n"));
  assert.ok(
    lines.includes("webfrontend: env CACHE_PW added (holds a secret: value not shown)"),
    lines.join("\n"),
  );
  assert.ok(lines.includes("mailpit: service removed"), lines.join("\n"));
  w.remove();
});

test(
  "TestShop on two VMs (GCP): the five kinds of app change, each said on the VM it touches (a project's image, the database's image, an env var, a secret rotated, a new service with a public endpoint)",
  { skip: fs.existsSync(TESTSHOP) ? false : SHARED_MISSING },
  async () => {
    const dir = tempDir("against-testshop");
    const manifest = path.join(dir, "AppHost", "aspire-manifest.json");
    fs.mkdirSync(path.dirname(manifest));
    const write = (change?: (m: Manifest) => void) => {
      const m = JSON.parse(fs.readFileSync(TESTSHOP, "utf8")) as Manifest;
      change?.(m);
      fs.writeFileSync(manifest, JSON.stringify(m, null, 2));
    };
    const secret = (ciphertext: string) =>
      fs.writeFileSync(
        path.join(dir, "Pulumi.dev.yaml"),
        `config:\n  aspire:parameters.postgres-password:\n    secure: ${ciphertext}\n`,
      );
    const placement = Object.entries(TESTSHOP_VMS).flatMap(([vm, r]) => [
      "--vm",
      `${vm}=${r.join(",")}`,
    ]);
    const plan = (...args: string[]) =>
      cliIn(dir, "plan", manifest, "--no-resources", "--cloud", "gcp", ...placement, ...args);
    write();
    secret("v1:AAAAfirst==");
    const previous = path.join(dir, "previous.json");
    const saved = await plan("--json");
    assert.equal(saved.code, 0, saved.err);
    fs.writeFileSync(previous, saved.out);
    const cases: {
      args?: string[];
      manifest?: (m: Manifest) => void;
      secret?: string;
      app: RegExp[];
      db: RegExp[];
    }[] = [
      {
        args: ["--image", "catalogservice=ghcr.io/example/catalog:2.0"],
        app: [
          /^catalogservice: image \(built at deploy from its \.NET project, pushed to catalogservice\) -> ghcr\.io\/example\/catalog:2\.0$/,
        ],
        db: [],
      },
      {
        args: ["--image", "postgres=docker.io/library/postgres:17.7"],
        app: [],
        db: [
          /^postgres: image docker\.io\/library\/postgres:\S+ -> docker\.io\/library\/postgres:17\.7$/,
        ],
      },
      {
        manifest: (m) => (env(m, "catalogservice").FEATURE_X = "on"),
        app: [/^catalogservice: env FEATURE_X added \("on"\)$/],
        db: [],
      },
      {
        secret: "v1:BBBBrotated==",
        app: [/^secret: postgres-password rotated \(a new version\)$/],
        db: [/^secret: postgres-password rotated \(a new version\)$/],
      },
      {
        manifest: mailpit(true),
        app: [
          /^mailpit: new service$/,
          /^public endpoint: opened: http:\/\/<public address>:\d+ -> mailpit \(http\)$/,
        ],
        db: [],
      },
    ];
    for (const c of cases) {
      write(c.manifest);
      secret(c.secret ?? "v1:AAAAfirst==");
      const r = await plan("--against", previous, ...(c.args ?? []));
      assert.equal(r.code, 0, r.err);
      for (const vm of ["app", "db"] as const) {
        const lines = detailsOf(r.out, vm);
        assert.equal(lines.length, c[vm].length, `${vm}: ${lines.join("\n")}`);
        c[vm].forEach((re, i) => assert.match(lines[i], re, vm));
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  },
);
