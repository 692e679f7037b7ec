// The image build commands, run for real: the exact `create` script with the exact interpreter, and
// again under dash and bash by name, with fake `dotnet` and `docker` first on PATH. The fakes
// record each call's argv (NUL-separated, so an argument with spaces or newlines is exact), its
// environment and, for `docker login`, its stdin. Hostile manifest values must arrive as single,
// exact arguments, and nothing in them may run: every one of them tries to create a marker file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { buildCommand, buildScript, type BuildCommand } from "../../components/images";
import { runProgramWithMocks } from "../../src/cli/mock-program";
import type { ServicePlan } from "../../src/plan";
import { bareService } from "../plan/plan-support";
import { programFile } from "../support/paths";
import { installFakes } from "../vm-scripts/support";

/** The command's own interpreter, and both shells by name: /bin/sh may be either on a deployer. */
const SHELLS = (c: BuildCommand): { label: string; argv: readonly string[] }[] => [
  { label: `interpreter ${c.interpreter.join(" ")}`, argv: c.interpreter },
  { label: "dash", argv: ["dash", "-c"] },
  { label: "bash", argv: ["bash", "-c"] },
];

const REGISTRY = "000000000000.dkr.ecr.(region).amazonaws.com";
const USER = "AWS";

/** Each fake call writes call-<n>.argv (NUL after each argument), call-<n>.env (env -0) and, for a login, call-<n>.stdin. */
const RECORD = `n=$(( $(cat "$FAKE_DIR/count" 2>/dev/null || echo 0) + 1 ))
printf '%s' "$n" >"$FAKE_DIR/count"
call="$FAKE_DIR/call-$n"
printf '%s\\0' "$(basename "$0")" "$@" >"$call.argv"
env -0 >"$call.env"
if [ "$1" = login ]; then cat >"$call.stdin"; echo "Login Succeeded"; fi
if [ "$(basename "$0") $1" = "\${FAKE_FAIL:-}" ]; then echo "fake failure" >&2; exit 1; fi
exit 0`;

interface Call {
  readonly argv: string[];
  readonly env: Record<string, string>;
  readonly stdin?: string;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly calls: Call[];
}

/** A scratch folder with the fakes and an empty markers folder that must stay empty. */
function sandbox(t: { after: (fn: () => void) => void }): {
  dir: string;
  markers: string;
  bin: string;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-build-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [markers, bin] = [path.join(dir, "markers"), path.join(dir, "bin")];
  fs.mkdirSync(markers);
  fs.mkdirSync(bin);
  installFakes(bin, { docker: RECORD, dotnet: RECORD });
  return { dir, markers, bin };
}

/** Text that runs `touch <markers>/<tag>-...` if any shell, anywhere, evaluates it. */
function hostile(markers: string, tag: string, options: { newline?: boolean } = {}): string {
  const m = (what: string) => path.join(markers, `${tag}-${what}`);
  return `-${tag} $(touch ${m("dollar")}) \`touch ${m("tick")}\` ; touch ${m("semi")} && 'sq' "dq" \\ $HOME \${PATH} >${m("redir")}${options.newline ? `\ntouch ${m("newline")}` : ""}`;
}

/** Runs a build command as @pulumi/command does (interpreter + [create], environment added), against the fakes. */
function runBuild(
  box: { dir: string; bin: string },
  shell: readonly string[],
  create: string,
  environment: Record<string, string>,
  extra: Record<string, string> = {},
): Run {
  const fakeDir = fs.mkdtempSync(path.join(box.dir, "calls-"));
  const env = {
    PATH: `${box.bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: box.dir,
    FAKE_DIR: fakeDir,
    FAKE_LOG: path.join(fakeDir, "log"),
    ...extra,
    ...environment,
  };
  const r = spawnSync(shell[0], [...shell.slice(1), create], {
    cwd: box.dir,
    env,
    encoding: "utf8",
  });
  assert.equal(r.error, undefined, `${shell[0]} must be installed`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls: readRecordedCalls(fakeDir) };
}

function readRecordedCalls(fakeDir: string): Call[] {
  const count = fs.existsSync(path.join(fakeDir, "count"))
    ? Number(fs.readFileSync(path.join(fakeDir, "count"), "utf8"))
    : 0;
  return Array.from({ length: count }, (_, i) => {
    const base = path.join(fakeDir, `call-${i + 1}`);
    const stdin = fs.existsSync(`${base}.stdin`)
      ? fs.readFileSync(`${base}.stdin`, "utf8")
      : undefined;
    return {
      argv: nulSeparated(`${base}.argv`),
      env: Object.fromEntries(
        nulSeparated(`${base}.env`).map((kv) => [
          kv.slice(0, kv.indexOf("=")),
          kv.slice(kv.indexOf("=") + 1),
        ]),
      ),
      ...(stdin === undefined ? {} : { stdin }),
    };
  });
}

/** The fields of a file that ends every field with a NUL. */
function nulSeparated(file: string): string[] {
  const fields = fs.readFileSync(file, "utf8").split("\0");
  assert.equal(fields.pop(), "", `${file} ends with a NUL`);
  return fields;
}

/** A `--secret` value as BuildKit reads it: one CSV record (go-csvvalue: quoted fields, "" for a quote). */
function csvFields(record: string): string[] {
  const fields: string[] = [];
  let rest = record;
  for (;;) {
    if (!rest.startsWith('"')) {
      const comma = rest.indexOf(",");
      fields.push(comma < 0 ? rest : rest.slice(0, comma));
      assert.ok(!fields[fields.length - 1].includes('"'), `bare quote in ${record}`);
      if (comma < 0) return fields;
      rest = rest.slice(comma + 1);
      continue;
    }
    let field = "";
    let i = 1;
    for (;;) {
      const q = rest.indexOf('"', i);
      assert.ok(q >= 0, `unterminated quote in ${record}`);
      field += rest.slice(i, q);
      if (rest[q + 1] === '"') {
        field += '"';
        i = q + 2;
        continue;
      }
      fields.push(field);
      if (q + 1 === rest.length) return fields;
      assert.equal(rest[q + 1], ",", `text after a quoted field in ${record}`);
      rest = rest.slice(q + 2);
      break;
    }
  }
}

function service(resource: string, image: ServicePlan["image"]): ServicePlan {
  return bareService({ resource, name: "svc", kind: "container.v1", image });
}

/** The argv of a project's build: dotnet publish to the container registry REGISTRY, for linux/arm64. */
function dotnetPublishArgv(project: string, repository: string, tag: string): string[] {
  return [
    "dotnet",
    "publish",
    project,
    "-c",
    "Release",
    "--os",
    "linux",
    "--arch",
    "arm64",
    "-t:PublishContainer",
    `-p:ContainerRegistry=${REGISTRY}`,
    `-p:ContainerRepository=${repository}`,
    `-p:ContainerImageTag=${tag}`,
  ];
}

/** The start of a Dockerfile build's expected argv: docker buildx build for linux/arm64, pushed. */
function dockerBuildxPush(dockerfile: string, ref: string): string[] {
  return [
    "docker",
    "buildx",
    "build",
    "--platform",
    "linux/arm64",
    "-f",
    dockerfile,
    "-t",
    ref,
    "--push",
  ];
}

/** The image "web" built from the Dockerfile in `contextPath`, with no stage, args or secrets. */
function dockerfileIn(contextPath: string): ServicePlan["image"] {
  return {
    kind: "dockerfile",
    repository: "web",
    build: {
      contextPath,
      dockerfilePath: path.join(contextPath, "Dockerfile"),
      args: {},
      secrets: {},
      buildOnly: false,
    },
    args: {},
    secrets: {},
  };
}

/** The secret-holding part of the environment, as the program adds it. */
function secretEnvironment(
  password: string,
  buildSecrets: Record<string, string> = {},
): Record<string, string> {
  return { REGISTRY_USER: USER, REGISTRY_PASSWORD: password, ...buildSecrets };
}

/** What every successful build must show, whatever the tool: login by stdin only, the ref printed, nothing run. */
function assertCleanBuild(
  r: Run,
  o: { password: string; ref: string; markers: string; secrets?: readonly string[] },
): void {
  assert.equal(r.code, 0, r.stderr);
  const [login, ...rest] = r.calls;
  assert.deepEqual(login.argv, [
    "docker",
    "login",
    "--username",
    USER,
    "--password-stdin",
    REGISTRY,
  ]);
  assert.equal(login.stdin, o.password, "the password reaches docker login on stdin, exactly");
  for (const c of r.calls)
    for (const s of [o.password, ...(o.secrets ?? [])])
      assert.ok(
        !c.argv.some((a) => a.includes(s)),
        `a secret in the argv of ${c.argv.slice(0, 3).join(" ")}`,
      );
  for (const c of rest)
    assert.equal(
      c.env.REGISTRY_PASSWORD,
      undefined,
      "the build tools do not get the registry password",
    );
  for (const s of [o.password, ...(o.secrets ?? [])])
    assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), "no secret in the output");
  assert.ok(
    r.stdout.endsWith(`${o.ref}\n`),
    `stdout ends with the image ref: ${JSON.stringify(r.stdout)}`,
  );
  assert.deepEqual(fs.readdirSync(o.markers), [], "nothing in a value ran");
}

test("a project build with hostile resource name and project path: exact dotnet argv under dash and bash", (t) => {
  const box = sandbox(t);
  const resource = `api${hostile(box.markers, "name", { newline: true })}`;
  const projectDir = path.join(box.dir, `Ap${hostile(box.markers, "path", { newline: true })}i`);
  fs.mkdirSync(projectDir, { recursive: true });
  const project = path.join(projectDir, "Api.csproj");
  fs.writeFileSync(project, '<Project Sdk="Microsoft.NET.Sdk.Web" />');
  const ref = `${REGISTRY}/aspire-arm/dev/api:0123456789abcdef`;
  const password = `pa$$w0rd'"\`$(touch ${path.join(box.markers, "pw")})\n;x`;
  const c = buildCommand(
    service(resource, { kind: "project", projectPath: project, repository: "api" }),
    ref,
    REGISTRY,
  );
  for (const shell of SHELLS(c)) {
    const r = runBuild(box, shell.argv, c.create, {
      ...c.environment,
      ...secretEnvironment(password),
    });
    assertCleanBuild(r, { password, ref, markers: box.markers });
    assert.deepEqual(
      r.calls.map((x) => x.argv),
      [
        ["docker", "login", "--username", USER, "--password-stdin", REGISTRY],
        dotnetPublishArgv(project, "aspire-arm/dev/api", "0123456789abcdef"),
      ],
      shell.label,
    );
  }
});

test("a Dockerfile build with hostile context, Dockerfile, stage, build args and secrets: exact docker argv under dash and bash", (t) => {
  const box = sandbox(t);
  const h = (tag: string) => hostile(box.markers, tag, { newline: true });
  const context = path.join(box.dir, `--output=type=local,dest=${box.dir} ctx${h("ctx")}`);
  fs.mkdirSync(context, { recursive: true });
  const dockerfile = path.join(context, `-f Docker${h("dockerfile")}file`);
  const [envId, fileId] = [`tok,src=/etc/passwd ${h("envid")}`, `cert "x" ${h("fileid")}`];
  const secretSource = path.join(box.dir, `cert${h("src")}.pem`);
  const secretValue = `s3cr$t "v" '${h("secretvalue")}'`;
  const argValue = `it's "q" ${h("argvalue")}`;
  const resource = `web${h("name")}`;
  const s = service(resource, {
    kind: "dockerfile",
    repository: "web",
    build: {
      contextPath: context,
      dockerfilePath: dockerfile,
      stage: `--push ${h("stage")}`,
      args: {},
      secrets: {},
      buildOnly: false,
    },
    args: {
      [`A$B ${h("argname")}`]: { parts: [argValue], secret: false },
      FROM_ENV: null,
      [`-x ${h("nullname")}`]: null,
    },
    secrets: {
      [envId]: {
        type: "env",
        value: { parts: ["unused: the program puts the value in BUILD_SECRET_0"], secret: true },
      },
      [fileId]: { type: "file", sourcePath: secretSource },
    },
  });
  const ref = `${REGISTRY}/aspire-arm/dev/web:fedcba9876543210`;
  const password = `pw ${h("pw")}`;
  const c = buildCommand(s, ref, REGISTRY);
  const [envSpec, fileSpec] = [c.environment.ASPIRE_SECRET_0, c.environment.ASPIRE_SECRET_1];
  assert.deepEqual(
    csvFields(envSpec),
    [`id=${envId}`, "env=BUILD_SECRET_0"],
    "BuildKit reads the id whole, and the value from BUILD_SECRET_0",
  );
  assert.deepEqual(csvFields(fileSpec), [`id=${fileId}`, `src=${secretSource}`]);
  for (const shell of SHELLS(c)) {
    const r = runBuild(box, shell.argv, c.create, {
      ...c.environment,
      ...secretEnvironment(password, { BUILD_SECRET_0: secretValue }),
    });
    assertCleanBuild(r, { password, ref, markers: box.markers, secrets: [secretValue] });
    assert.deepEqual(
      r.calls[1].argv,
      [
        ...dockerBuildxPush(dockerfile, ref),
        "--target",
        `--push ${h("stage")}`,
        "--build-arg",
        `A$B ${h("argname")}=${argValue}`,
        "--build-arg",
        "FROM_ENV",
        "--build-arg",
        `-x ${h("nullname")}`,
        "--secret",
        envSpec,
        "--secret",
        fileSpec,
        context,
      ],
      shell.label,
    );
    assert.equal(r.calls.length, 2, shell.label);
    assert.equal(
      r.calls[1].env.BUILD_SECRET_0,
      secretValue,
      "the build secret reaches docker in its environment, exactly",
    );
  }
});

test("a missing project or build context fails before any login, naming the resource and the path", (t) => {
  const box = sandbox(t);
  const resource = `api${hostile(box.markers, "name", { newline: true })}`;
  const missing = path.join(box.dir, `gone${hostile(box.markers, "path", { newline: true })}`);
  const cases = [
    {
      c: buildCommand(
        service(resource, {
          kind: "project",
          projectPath: path.join(missing, "Api.csproj"),
          repository: "api",
        }),
        `${REGISTRY}/a:t`,
        REGISTRY,
      ),
      what: `project ${path.join(missing, "Api.csproj")} not found: put the manifest in the AppHost folder next to the sources`,
    },
    {
      c: buildCommand(service(resource, dockerfileIn(missing)), `${REGISTRY}/w:t`, REGISTRY),
      what: `build context ${missing} not found: publish the manifest next to its sources`,
    },
  ];
  for (const { c, what } of cases)
    for (const shell of SHELLS(c)) {
      const r = runBuild(box, shell.argv, c.create, {
        ...c.environment,
        ...secretEnvironment("pw"),
      });
      assert.notEqual(r.code, 0, shell.label);
      assert.equal(
        r.stderr,
        `aspire-arm: ${resource}: ${what}, or set aspire:images.${resource}\n`,
        shell.label,
      );
      assert.deepEqual(r.calls, [], "no login, no build");
      assert.equal(r.stdout, "");
    }
  assert.deepEqual(fs.readdirSync(box.markers), []);
});

test("a failed docker login stops the build (no pipefail needed: the login is the pipeline's last command)", (t) => {
  const box = sandbox(t);
  const c = buildCommand(service("web", dockerfileIn(box.dir)), `${REGISTRY}/w:t`, REGISTRY);
  for (const shell of SHELLS(c)) {
    const r = runBuild(
      box,
      shell.argv,
      c.create,
      { ...c.environment, ...secretEnvironment("pw") },
      { FAKE_FAIL: "docker login" },
    );
    assert.notEqual(r.code, 0, shell.label);
    assert.deepEqual(
      r.calls.map((x) => x.argv[1]),
      ["login"],
      shell.label,
    );
    assert.ok(
      !r.stdout.includes(`${REGISTRY}/w:t`),
      "no image ref: the program must not think the push finished",
    );
  }
});

test("every shape of build script is POSIX sh: shellcheck -s sh finds nothing", () => {
  const build = {
    contextPath: "/c",
    dockerfilePath: "/c/Dockerfile",
    args: {},
    secrets: {},
    buildOnly: false,
  };
  const scripts = [
    buildScript(
      service("api", { kind: "project", projectPath: "/p/Api.csproj", repository: "api" }),
    ),
    buildScript(
      service("web", { kind: "dockerfile", repository: "web", build, args: {}, secrets: {} }),
    ),
    buildScript(
      service("web", {
        kind: "dockerfile",
        repository: "web",
        build: { ...build, stage: "final" },
        args: { A: { parts: ["1"], secret: false }, B: null },
        secrets: {
          S: { type: "env", value: { parts: ["x"], secret: true } },
          F: { type: "file", sourcePath: "/f" },
        },
      }),
    ),
  ];
  for (const script of scripts) {
    const r = spawnSync("shellcheck", ["-S", "style", "-s", "sh", "-"], {
      input: script,
      encoding: "utf8",
    });
    assert.equal(r.error, undefined, "shellcheck must be installed (apt-get install shellcheck)");
    assert.equal(r.status, 0, `${r.stdout}\n${script}`);
  }
});

// --- as the program registers them ---------------------------------------------------------

/** A recorded input that must be a Pulumi secret: its plain value. */
function unwrapSecret(v: unknown, what: string): Record<string, string> {
  const wrapped = v as
    { [pulumi.runtime.specialSigKey]?: string; value?: Record<string, string> } | undefined;
  assert.ok(wrapped?.[pulumi.runtime.specialSigKey] && wrapped.value, `${what} is a secret`);
  return wrapped.value;
}

test("the program's build commands, run with their interpreter and environment: exact argv for hostile paths, args and secrets", async (t) => {
  const box = sandbox(t);
  const m = (tag: string) => hostile(box.markers, tag);
  const names = {
    project: `Ap${m("project")}i/Api.csproj`,
    context: `ctx ${m("context")}`,
    dockerfile: `ctx ${m("context")}/Docker${m("dockerfile")}file`,
    stage: `--push ${m("stage")}`,
    cert: `cert ${m("cert")}.pem`,
  };
  const argValue = `it's "q" ${hostile(box.markers, "arg", { newline: true })}`;
  const secretValue = `s3cr$t ${m("secret")}`;
  // Manifest paths are relative to its folder, written with "/" (a backslash is read as one).
  const abs = (p: string) => path.resolve(box.dir, p.replace(/\\/g, "/"));
  fs.mkdirSync(path.dirname(abs(names.project)), { recursive: true });
  fs.writeFileSync(abs(names.project), '<Project Sdk="Microsoft.NET.Sdk.Web" />');
  fs.mkdirSync(abs(names.context), { recursive: true });
  fs.mkdirSync(path.dirname(abs(names.dockerfile)), { recursive: true });
  fs.writeFileSync(abs(names.dockerfile), "FROM scratch\n");
  const manifest = path.join(box.dir, "aspire-manifest.json");
  fs.writeFileSync(
    manifest,
    JSON.stringify({
      resources: {
        api: {
          type: "project.v0",
          path: names.project,
          bindings: {
            http: { scheme: "http", protocol: "tcp", transport: "http", external: true },
          },
        },
        web: {
          type: "container.v1",
          build: {
            context: names.context,
            dockerfile: names.dockerfile,
            stage: names.stage,
            args: { A: argValue, FROM_ENV: null },
            secrets: {
              tok: { type: "env", value: "{tok.value}" },
              "cert.pem": { type: "file", source: names.cert },
            },
          },
          bindings: {
            http: { scheme: "http", protocol: "tcp", transport: "http", targetPort: 8080 },
          },
        },
        tok: {
          type: "parameter.v0",
          value: "{tok.inputs.value}",
          inputs: { value: { type: "string", secret: true } },
        },
      },
    }),
  );
  const run = await runProgramWithMocks(
    programFile,
    "test",
    {
      "aspire:cloud": "aws",
      "aws:region": "eu-west-1",
      "aspire:manifest": manifest,
      "aspire:parameters.tok": secretValue,
    },
    ["aspire:parameters.tok"],
  );
  const commands = run.resources.filter(
    (r) => r.type === "command:local:Command" && /ImageBuilds/.test(r.parent ?? ""),
  );
  assert.deepEqual(commands.map((c) => c.name).sort(), ["app-images-api", "app-images-web"]);
  for (const cmd of commands) {
    const interpreter = cmd.inputs.interpreter as string[];
    assert.deepEqual(interpreter, ["/bin/sh", "-c"]);
    const create = String(cmd.inputs.create);
    const environment = unwrapSecret(cmd.inputs.environment, `${cmd.name} environment`);
    assert.equal(environment.REGISTRY_PASSWORD, "(registry token)");
    const ref = environment.ASPIRE_IMAGE;
    const repository = cmd.name === "app-images-api" ? "api" : "web";
    assert.match(
      ref,
      new RegExp(
        `^000000000000\\.dkr\\.ecr\\.\\(region\\)\\.amazonaws\\.com/aspire-arm/test/${repository}:[0-9a-f]{16}$`,
      ),
    );
    const tag = ref.slice(ref.lastIndexOf(":") + 1);
    const expected =
      repository === "api"
        ? dotnetPublishArgv(abs(names.project), "aspire-arm/test/api", tag)
        : [
            ...dockerBuildxPush(abs(names.dockerfile), ref),
            "--target",
            names.stage,
            "--build-arg",
            `A=${argValue}`,
            "--build-arg",
            "FROM_ENV",
            "--secret",
            environment.ASPIRE_SECRET_0,
            "--secret",
            environment.ASPIRE_SECRET_1,
            abs(names.context),
          ];
    if (repository === "web") {
      assert.deepEqual(csvFields(environment.ASPIRE_SECRET_0), ["id=tok", "env=BUILD_SECRET_0"]);
      assert.deepEqual(
        csvFields(environment.ASPIRE_SECRET_1),
        ["id=cert.pem", `src=${abs(names.cert)}`],
        "the id stays an id, the source is the manifest's file",
      );
      assert.equal(environment.BUILD_SECRET_0, secretValue);
    }
    for (const shell of [interpreter, ["bash", "-c"]]) {
      const r = runBuild(box, shell, create, environment);
      assertCleanBuild(r, {
        password: "(registry token)",
        ref,
        markers: box.markers,
        secrets: [secretValue],
      });
      assert.deepEqual(
        r.calls.map((c) => c.argv),
        [["docker", "login", "--username", USER, "--password-stdin", REGISTRY], expected],
        `${cmd.name} under ${shell[0]}`,
      );
      if (repository === "web") assert.equal(r.calls[1].env.BUILD_SECRET_0, secretValue);
    }
  }
});
