// Benchmark: `aspire-arm plan` wall time, as a user runs it (a fresh process each run):
//  - the largest deployable corpus app, both clouds;
//  - the starter app on both clouds (issue 4: under 3 s with the whole resource tree);
//  - a generated manifest of 300 resources (100 Redis-like containers, 100 projects, 100 secret
//    parameters), one VM per service so that each VM's user data fits.
// Also reports the plan and render stages alone (in process, no Pulumi) for the same inputs.
// Usage: npm run bench:plan [-- RUNS]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadManifest } from "../src/manifest";
import { buildPlan } from "../src/plan";
import { defaultSecretSource, renderVm } from "../src/render";
import { deployableCorpus, repoRoot } from "../test/support/paths";

const runs = Number(process.argv[2] ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeCli(label: string, args: string[]): void {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ["bin/aspire-arm.js", "plan", ...args], {
      cwd: repoRoot,
      encoding: "utf8",
      maxBuffer: 256 << 20,
    });
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (r.status !== 0) throw new Error(`${label}: exit ${r.status}\n${r.stderr}`);
  }
  console.log(
    `${label}: median ${median(ms).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms over ${runs} runs`,
  );
}

function timeStages(label: string, file: string, options: { vmPerService?: boolean } = {}): void {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const { manifest } = loadManifest(file);
    const { plan } = buildPlan(manifest, { cloud: "aws", stack: "bench", ...options });
    for (const vm of plan.vms) renderVm(plan, vm, { secretSource: defaultSecretSource(plan) });
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  console.log(`${label}: median ${median(ms).toFixed(0)} ms (load, plan, render; in process)`);
}

/** 100 password parameters, 100 containers using them, 100 projects each referencing a container. */
function generatedManifest(): string {
  const resources: Record<string, unknown> = {};
  for (let i = 0; i < 100; i++) {
    resources[`cache${i}-password`] = {
      type: "parameter.v0",
      value: `{cache${i}-password.inputs.value}`,
      inputs: {
        value: {
          type: "string",
          secret: true,
          default: { generate: { minLength: 22, special: false } },
        },
      },
    };
    resources[`cache${i}`] = {
      type: "container.v0",
      connectionString: `{cache${i}.bindings.tcp.host}:{cache${i}.bindings.tcp.port},password={cache${i}-password.value}`,
      image: "docker.io/library/redis:7.4",
      entrypoint: "/bin/sh",
      args: ["-c", "redis-server --requirepass $REDIS_PASSWORD"],
      env: { REDIS_PASSWORD: `{cache${i}-password.value}` },
      bindings: { tcp: { scheme: "tcp", protocol: "tcp", transport: "tcp", targetPort: 6379 } },
    };
    resources[`api${i}`] = {
      type: "project.v0",
      path: `../Api${i}/Api${i}.csproj`,
      env: {
        HTTP_PORTS: `{api${i}.bindings.http.targetPort}`,
        ConnectionStrings__cache: `{cache${i}.connectionString}`,
        ...(i > 0 ? { services__prev__http__0: `{api${i - 1}.bindings.http.url}` } : {}),
      },
      bindings: { http: { scheme: "http", protocol: "tcp", transport: "http", external: i === 0 } },
    };
  }
  const file = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-bench-")),
    "aspire-manifest.json",
  );
  fs.writeFileSync(file, JSON.stringify({ resources }, null, 2));
  return file;
}

const corpus = deployableCorpus();
if (corpus) {
  const size = (f: string) =>
    Object.keys((JSON.parse(fs.readFileSync(f, "utf8")) as { resources: object }).resources).length;
  const largest = corpus.reduce((a, b) => (size(b) > size(a) ? b : a));
  const name = `${path.basename(largest)} (${size(largest)} resources)`;
  timeStages(`plan+render of the largest corpus app ${name}`, largest);
  timeCli(`aspire-arm plan --no-resources, largest corpus app, aws`, [
    largest,
    "--cloud",
    "aws",
    "--no-resources",
  ]);
  timeCli(`aspire-arm plan, largest corpus app, aws`, [largest, "--cloud", "aws"]);
  timeCli(`aspire-arm plan, largest corpus app, gcp`, [largest, "--cloud", "gcp"]);
}
const starter = path.join(repoRoot, "manifests/aspire-starter/aspire-manifest.json");
timeCli("aspire-arm plan, starter, aws (with the resource tree)", [starter, "--cloud", "aws"]);
timeCli("aspire-arm plan, starter, gcp (with the resource tree)", [starter, "--cloud", "gcp"]);
const generated = generatedManifest();
timeStages("plan+render of a generated 300-resource manifest, one VM per service", generated, {
  vmPerService: true,
});
timeCli("aspire-arm plan --no-resources, generated 300 resources, one VM per service, aws", [
  generated,
  "--vm-per-service",
  "--no-resources",
]);
timeCli("aspire-arm plan, generated 300 resources, one VM per service, aws (200 VMs under mocks)", [
  generated,
  "--vm-per-service",
]);
