// A native service end to end, as far as it goes without systemd: a manifest planned with runtime
// dotnet and rendered; the real fetch-secrets.py renders its environment template with the `file`
// secret source, as apply.sh runs it; the file is handed over the way LoadCredential= does
// ($CREDENTIALS_DIRECTORY/env); and the unit's ExecStart, split the way systemd splits it, runs
// the real exec-env.py (as it is and as embedded) against a fake dotnet that records its argv and
// environment. The process must get exactly the manifest's env, names with - . : included (systemd
// would drop them from Environment= and EnvironmentFile=), and its args.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkManifest } from "../../src/manifest";
import { buildPlan, secretVariable } from "../../src/plan";
import { renderVm } from "../../src/render";
import { interpolated } from "../../src/render/interpolate";
import { EXEC_ENV, RENDERED_ENV_DIR } from "../../src/render/vm-paths";
import { environOf, readNul, scriptDirs, shellQuote, type After } from "./support";

/** The interpreter itself, not a shim (pyenv's adds variables to the environment). */
const PYTHON = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], {
  encoding: "utf8",
}).stdout.trim();

const SECRET = `p@ss 'w0rd' "$HOME" \`id\` $(id) \${HOME} $$ back\\slash\nline2 % 🔑`;

const RESOURCES = {
  "db-password": {
    type: "parameter.v0",
    value: "{db-password.inputs.value}",
    inputs: { value: { type: "string", secret: true } },
  },
  "stock-api": {
    type: "project.v0",
    path: "../StockApi/StockApi.csproj",
    bindings: { http: { scheme: "http", protocol: "tcp", transport: "http" } },
  },
  orders: {
    type: "project.v0",
    path: "../Orders/Orders.csproj",
    env: {
      "services__stock-api__http__0": "{stock-api.bindings.http.url}",
      "discovery.type": "single-node",
      "Logging:LogLevel:Default": "Debug",
      "ConnectionStrings__orders-db": "Host=db;Password={db-password.value}",
      PRICE: "$5 and $$ and ${HOME}",
      QUOTES: 'say "hi" `id` \\ back 100% %n',
    },
    args: ["--password={db-password.value}", "$HOME", "${HOME}", "50%", "%n", "a b", 'q"uote'],
    bindings: { http: { scheme: "http", protocol: "tcp", transport: "http", external: true } },
  },
};

/** ExecStart= as systemd reads it (systemd.service, "Command lines"): the prefix, then words,
 *  unquoted or double-quoted with C-style escapes, and `%%` for `%`. */
function execStart(unit: string): { prefix: string; words: string[] } {
  const lines = unit.split("\n").filter((l) => /^Exec/.test(l));
  assert.equal(lines.length, 1, "one Exec line");
  assert.ok(lines[0].startsWith("ExecStart="));
  const line = lines[0].slice("ExecStart=".length);
  const prefix = /^[-@:+!]*/.exec(line)![0];
  const words: string[] = [];
  let i = prefix.length;
  while (i < line.length) {
    if (line[i] === " ") {
      i++;
      continue;
    }
    let word = "";
    const quoted = line[i] === '"';
    if (quoted) i++;
    for (; i < line.length && (quoted ? line[i] !== '"' : line[i] !== " "); i++) {
      if (line[i] === "\\") i++;
      word += line[i];
    }
    if (quoted) {
      assert.equal(line[i], '"', "unterminated word");
      i++;
    }
    words.push(word.replace(/%%/g, "%"));
  }
  return { prefix, words };
}

function suite(scriptDir: string): void {
  test("the rendered unit runs dotnet with exactly the manifest's env, any name, and its args, secrets filled from the store", (t: After) => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "aspire-native-unit-")));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const checked = checkManifest({
      file: "/apps/shop/AppHost/aspire-manifest.json",
      dir: "/apps/shop/AppHost",
      document: { resources: RESOURCES },
    });
    assert.deepEqual(checked.errors, []);
    const plan = buildPlan(checked.manifest!, {
      cloud: "aws",
      stack: "dev",
      runtime: "dotnet",
    }).plan;
    const vm = plan.vms[0];
    const orders = vm.services.find((s) => s.name === "orders")!;
    const secretFile = path.join(dir, "secrets.json");
    const files = new Map(
      renderVm(plan, vm, { secretSource: { kind: "file", path: secretFile } }).appConfig.map(
        (f) => [f.path, f.content],
      ),
    );

    // The VM: the app config folder, the secret store, vm.env.
    const app = path.join(dir, "app");
    for (const [rel, content] of files) {
      fs.mkdirSync(path.dirname(path.join(app, rel)), { recursive: true });
      fs.writeFileSync(path.join(app, rel), content);
    }
    const store = Object.fromEntries(
      (files.get("secrets.list") ?? "")
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => [l.split(" ")[0], SECRET]),
    );
    assert.equal(Object.keys(store).length, 1);
    fs.writeFileSync(secretFile, JSON.stringify(store));
    fs.writeFileSync(
      path.join(dir, "vm.env"),
      `ASPIRE_SECRET_SOURCE='file'\nASPIRE_SECRET_FILE=${shellQuote(secretFile)}\nASPIRE_SECRET_PREFIX=''\n`,
    );
    const run = path.join(dir, "run");
    const fetched = spawnSync(
      "python3",
      [
        path.join(scriptDir, "fetch-secrets.py"),
        "--vm-env",
        path.join(dir, "vm.env"),
        "--list",
        path.join(app, "secrets.list"),
        "--out",
        path.join(run, "secrets.env"),
        "--templates",
        path.join(app, "env"),
        "--rendered",
        path.join(run, "env"),
      ],
      { encoding: "utf8" },
    );
    assert.equal(fetched.status, 0, fetched.stderr);

    // systemd: LoadCredential=env:FILE copies FILE to $CREDENTIALS_DIRECTORY/env for the service.
    const unit = files.get("units/aspire-orders.service") ?? "";
    assert.ok(
      !/^EnvironmentFile=/m.test(unit),
      "no EnvironmentFile=: systemd would drop names with - . :",
    );
    const credential = /^LoadCredential=env:(.+)$/m.exec(unit);
    assert.equal(credential?.[1], `${RENDERED_ENV_DIR}/orders.env`);
    const creds = path.join(dir, "credentials");
    fs.mkdirSync(creds);
    fs.copyFileSync(path.join(run, "env", "orders.env"), path.join(creds, "env"));
    fs.chmodSync(path.join(creds, "env"), 0o400);
    const systemdEnv: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      LANG: "C.UTF-8",
      CREDENTIALS_DIRECTORY: creds,
      FAKE_OUT: dir,
    };
    for (const m of unit.matchAll(/^Environment=([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm))
      systemdEnv[m[1]] = m[2];
    assert.equal(systemdEnv.HOME, "/var/lib/aspire-app-orders");

    const { prefix, words } = execStart(unit);
    assert.equal(prefix, ":", "systemd expands no $ in ExecStart: exec-env.py does");
    assert.deepEqual(words.slice(0, 4), ["/usr/bin/python3", "-I", "-S", EXEC_ENV]);
    assert.ok(!words.join(" ").includes("p@ss"), "no secret in the unit's command line");
    const dotnet = path.join(dir, "dotnet");
    // In Python: bash would add PWD, SHLVL and _ to what it records.
    const record =
      "import os, sys\nfor name, entries in (('argv', sys.argv[1:]), ('environ', [k + '=' + v for k, v in os.environ.items()])):\n    open(os.environ['FAKE_OUT'] + '/' + name, 'w').write(''.join(e + '\\0' for e in entries))\n";
    fs.writeFileSync(dotnet, `#!${PYTHON} -IS\n${record}`, { mode: 0o755 });
    const dotnetWord = words[4];
    assert.match(dotnetWord, /^\/.*\/dotnet$/);
    const argv = [
      PYTHON,
      ...words.slice(1, 3),
      path.join(scriptDir, "exec-env.py"),
      dotnet,
      ...words.slice(5),
    ];
    const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", env: systemdEnv, cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout + r.stderr, "");

    // Exactly the plan's env (the manifest's, evaluated, with ASPNETCORE_URLS), the secret the
    // args use, and what systemd set.
    const filled = (text: string) =>
      text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string | undefined) =>
        name ? SECRET : "$",
      );
    const expected: Record<string, string> = { ...systemdEnv };
    for (const [k, v] of Object.entries(orders.env)) expected[k] = filled(interpolated(v));
    expected[secretVariable("db-password")] = SECRET;
    assert.deepEqual(environOf(path.join(dir, "environ")), expected);
    for (const k of Object.keys(RESOURCES.orders.env)) assert.ok(k in expected, k);
    assert.equal(expected["services__stock-api__http__0"], "http://localhost:8080");
    assert.equal(expected["ConnectionStrings__orders-db"], `Host=db;Password=${SECRET}`);
    assert.equal(expected.PRICE, "$5 and $$ and ${HOME}");
    assert.equal(expected.ASPNETCORE_URLS, "http://*:8081");

    assert.deepEqual(readNul(path.join(dir, "argv")), [
      `/opt/aspire-arm/apps/orders/Orders.dll`,
      `--password=${SECRET}`,
      "$HOME",
      "${HOME}",
      "50%",
      "%n",
      "a b",
      'q"uote',
    ]);
  });
}

for (const { label, dir } of scriptDirs())
  describe(`native unit with exec-env.py (${label})`, () => suite(dir));
