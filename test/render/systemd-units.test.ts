// Native .NET services' units (runtime dotnet): the manifest's args become exactly the process's
// argv as systemd reads ExecStart, and nothing from the manifest can add a line (a directive) to a
// unit or to its environment file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkManifest, type Diagnostic } from "../../src/manifest";
import { buildPlan, type PlanOptions } from "../../src/plan";
import { planErrorsOf, render } from "../plan/plan-support";
import { EXEC_ENV } from "../../src/render/vm-paths";

function planOf(resources: Record<string, unknown>, options: Partial<PlanOptions> = {}) {
  const result = checkManifest({
    file: "/apps/t/aspire-manifest.json",
    dir: "/apps/t",
    document: { resources },
  });
  assert.deepEqual(result.errors, []);
  return buildPlan(result.manifest!, { cloud: "aws", stack: "dev", runtime: "dotnet", ...options })
    .plan;
}

const planErrors = (
  resources: Record<string, unknown>,
  options: Partial<PlanOptions> = {},
): Diagnostic[] => planErrorsOf(() => planOf(resources, options));

/** The argv dotnet gets from ExecStart: split as systemd splits it (systemd.service "Command
 *  lines": words, double quotes with C escapes, `%%` for `%`; the `:` prefix turns off its `$`
 *  expansion), then run through exec-env.py, which fills `${VAR}` from the environment file and
 *  turns `$$` into `$`. */
function execStartArgv(line: string, env: Record<string, string>): string[] {
  assert.ok(line.startsWith(":"), "the : prefix: systemd expands no $");
  const words: string[] = [];
  let i = 1;
  while (i < line.length) {
    if (line[i] === " ") {
      i++;
      continue;
    }
    let word = "";
    if (line[i] !== '"') {
      for (; i < line.length && line[i] !== " "; i++) word += line[i];
      assert.match(word, /^[-/A-Za-z0-9.]+$/, "unquoted words are plain");
      words.push(word);
      continue;
    }
    for (i++; line[i] !== '"'; i++) {
      assert.ok(i < line.length, "unterminated word");
      if (line[i] === "\\") word += line[++i];
      else word += line[i];
    }
    i++;
    words.push(word);
  }
  assert.deepEqual(words.slice(0, 4), ["/usr/bin/python3", "-I", "-S", EXEC_ENV]);
  return words.slice(4).map((w) =>
    w.replace(/%%/g, "%").replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name) => {
      if (!name) return "$";
      assert.ok(name in env, `\${${name}} is in the environment file`);
      return env[name];
    }),
  );
}

const project = (extra: Record<string, unknown>) => ({
  type: "project.v0",
  path: "Api/Api.csproj",
  bindings: { http: { scheme: "http" } },
  ...extra,
});

test("ExecStart gives the process exactly the manifest's args: quotes, backslashes, %, $ and ; stay text", () => {
  const args = [
    'say "hi"',
    "C:\\path\\",
    "50%",
    "%n",
    "$HOME",
    "${HOME}",
    "$$",
    "a;b",
    "; ExecStartPre=+/bin/sh",
    "--urls",
    "{p.value}",
  ];
  const plan = planOf({
    p: {
      type: "parameter.v0",
      value: "{p.inputs.value}",
      inputs: { value: { type: "string", secret: true } },
    },
    api: project({ args }),
  });
  const unit =
    render(plan, plan.vms[0]).appConfig.find((f) => f.path === "units/aspire-api.service")
      ?.content ?? "";
  const exec = unit.split("\n").filter((l) => l.startsWith("ExecStart"));
  assert.equal(exec.length, 1, "one ExecStart and no other Exec line");
  const argv = execStartArgv(exec[0].slice("ExecStart=".length), {
    ASPIRE_P_P: "s3cr$t",
    HOME: "/root",
  });
  assert.deepEqual(argv, [
    "/usr/share/dotnet/dotnet",
    "/opt/aspire-arm/apps/api/Api.dll",
    ...args.slice(0, -1),
    "s3cr$t",
  ]);
});

test("an assembly named with a $ is not expanded by systemd", () => {
  const plan = planOf({ api: project({ path: "Api/$HOME.csproj" }) });
  const unit =
    render(plan, plan.vms[0]).appConfig.find((f) => f.path === "units/aspire-api.service")
      ?.content ?? "";
  const exec = unit.split("\n").find((l) => l.startsWith("ExecStart=")) ?? "";
  assert.deepEqual(execStartArgv(exec.slice("ExecStart=".length), { HOME: "/root" }), [
    "/usr/share/dotnet/dotnet",
    "/opt/aspire-arm/apps/api/$HOME.dll",
  ]);
});

test("a line break, CR, tab or any control character in a native service's arg is refused, naming resource and field", () => {
  for (const bad of [
    "--urls\nExecStart=+/bin/sh -c 'id'\n#",
    "a\rb",
    "a\tb",
    "a\u001bb",
    "a\u007fb",
  ]) {
    const errors = planErrors({ worker: project({ args: ["ok", bad] }) });
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0].resource, "worker");
    assert.equal(errors[0].field, "args.1");
    assert.match(errors[0].message, /systemd unit line cannot hold: run worker in a container/);
  }
});

test("env values with line breaks or CR are refused for native services; the same manifest runs in a container", () => {
  const resources = { api: project({ env: { A: "line1\nline2", B: "cr\r", C: "tab\tok" } }) };
  const errors = planErrors(resources);
  assert.deepEqual(
    errors.map((e) => `${e.resource} ${e.field}`),
    ["api env.A", "api env.B"],
  );
  const docker = planOf(resources, { runtime: "docker" });
  assert.equal(docker.vms[0].services[0].runAs, "container");
});

test("a parameter's value from stack config with a line break is refused too (it is written into the env file)", () => {
  const errors = planErrors(
    {
      p: { type: "parameter.v0", value: "{p.inputs.value}", inputs: { value: { type: "string" } } },
      api: project({ env: { P: "{p.value}" } }),
    },
    { parameters: { p: "a\nExecStartPre=+/bin/id" } },
  );
  assert.deepEqual(
    errors.map((e) => `${e.resource} ${e.field}`),
    ["api env.P"],
  );
});

const haveSystemdAnalyze = (process.env.PATH ?? "")
  .split(":")
  .some((d) => fs.existsSync(path.join(d, "systemd-analyze")));

test(
  "systemd itself drops env names with - or . from Environment= (why the units pass the env through exec-env.py), and loads the rendered units without a complaint",
  { skip: haveSystemdAnalyze ? false : "systemd-analyze is not installed" },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-units-"));
    try {
      const verify = (file: string) =>
        spawnSync("systemd-analyze", ["verify", "--man=no", file], { encoding: "utf8" });
      const probe = path.join(dir, "probe.service");
      fs.writeFileSync(
        probe,
        "[Service]\nEnvironment=services__catalog-api__http__0=http://x:8080\nEnvironment=discovery.type=single-node\nEnvironment=GOOD_NAME=1\nExecStart=/bin/true\n",
      );
      const dropped = verify(probe);
      assert.match(
        dropped.stderr,
        /Invalid environment assignment, ignoring: services__catalog-api__http__0=/,
      );
      assert.match(dropped.stderr, /Invalid environment assignment, ignoring: discovery\.type=/);
      assert.ok(!dropped.stderr.includes("GOOD_NAME"));

      const plan = planOf({
        api: project({
          env: {
            "services__stock-api__http__0": "http://localhost:8081",
            "discovery.type": "single-node",
          },
          args: ["--x", "50%", "$HOME"],
        }),
        "stock-api": project({}),
      });
      for (const f of render(plan, plan.vms[0]).appConfig.filter((x) =>
        x.path.startsWith("units/"),
      )) {
        const file = path.join(dir, path.basename(f.path));
        fs.writeFileSync(file, f.content);
        const r = verify(file);
        // Only what this machine lacks (the unit's wrapper and app folders, network-online.target's
        // units) may be reported; no parse warning of the unit's own lines.
        assert.ok(!/\.service:\d+:/.test(r.stderr), `${f.path}: ${r.stderr}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
