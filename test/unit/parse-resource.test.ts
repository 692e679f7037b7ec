// Each resource kind as the manifest stage reads it: the typed resource (fields, defaults, resolved
// paths) for what is valid, and the one error naming resource, field and fix for each mistake.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkManifest, type CheckResult } from "../../src/manifest";

const dir = "/apps/t/App.AppHost";
const img = "docker.io/library/redis:7.4";
const check = (resources: Record<string, unknown>): CheckResult =>
  checkManifest({ file: `${dir}/aspire-manifest.json`, dir, document: { resources } });
/** The resources as plain JSON (fields left undefined are absent). */
const parsed = (resources: Record<string, unknown>) => {
  const r = check(resources);
  assert.deepEqual(r.errors, []);
  return JSON.parse(JSON.stringify(Object.fromEntries(r.manifest?.resources ?? []))) as Record<
    string,
    unknown
  >;
};
const errors = (resources: Record<string, unknown>) => {
  const r = check(resources);
  assert.equal(r.manifest, undefined);
  return r.errors.map((e) => [e.resource, e.field, e.message]);
};
const warnings = (resources: Record<string, unknown>) =>
  check(resources).warnings.map((e) => [e.resource, e.field, e.message]);

test("parameters: value, inputs with secrecy and a default value or generate options (their defaults filled in)", () => {
  assert.deepEqual(
    parsed({
      p: {
        type: "parameter.v0",
        value: "{p.inputs.value}",
        connectionString: "{p.value}",
        inputs: {
          value: { type: "string", secret: true, description: "d", default: { value: "x" } },
        },
      },
    }),
    {
      p: {
        kind: "parameter.v0",
        name: "p",
        value: "{p.inputs.value}",
        inputs: { value: { name: "value", secret: true, default: { kind: "value", value: "x" } } },
        connectionString: "{p.value}",
      },
    },
  );
  assert.deepEqual(
    parsed({
      p: {
        type: "parameter.v0",
        value: "{p.inputs.value}",
        inputs: {
          value: {
            default: { generate: { minLength: 10, special: false, upper: false, minNumeric: 2 } },
          },
        },
      },
    }).p,
    {
      kind: "parameter.v0",
      name: "p",
      value: "{p.inputs.value}",
      inputs: {
        value: {
          name: "value",
          secret: false,
          default: {
            kind: "generate",
            generate: {
              minLength: 10,
              lower: true,
              upper: false,
              numeric: true,
              special: false,
              minLower: 0,
              minUpper: 0,
              minNumeric: 2,
              minSpecial: 0,
            },
          },
        },
      },
    },
  );
});

test("values and annotated strings: the uri filter is kept, no filter is none", () => {
  assert.deepEqual(parsed({ v: { type: "value.v0", connectionString: "Host=x", value: "y" } }).v, {
    kind: "value.v0",
    name: "v",
    connectionString: "Host=x",
    value: "y",
  });
  assert.deepEqual(
    parsed({
      a: { type: "annotated.string", value: "a b", filter: "uri" },
      b: { type: "annotated.string", value: "c" },
    }),
    {
      a: { kind: "annotated.string", name: "a", value: "a b", filter: "uri" },
      b: { kind: "annotated.string", name: "b", value: "c" },
    },
  );
});

test("projects: the path resolved from the manifest's folder (backslashes too), bindings with their defaults", () => {
  assert.deepEqual(
    parsed({
      api: {
        type: "project.v1",
        path: "..\\Api\\Api.csproj",
        args: ["--x"],
        env: { A: "1" },
        connectionString: "cs",
        bindings: {
          http: { scheme: "http" },
          h2: { scheme: "https", transport: "http2", port: 5001, targetPort: 5002, external: true },
          u: { scheme: "udp" },
          t: { scheme: "tcp", protocol: "udp" },
        },
      },
    }).api,
    {
      kind: "project.v1",
      name: "api",
      path: "..\\Api\\Api.csproj",
      projectPath: "/apps/t/Api/Api.csproj",
      env: { A: "1" },
      args: ["--x"],
      bindings: {
        http: { name: "http", scheme: "http", protocol: "tcp", transport: "http", external: false },
        h2: {
          name: "h2",
          scheme: "https",
          protocol: "tcp",
          transport: "http2",
          port: 5001,
          targetPort: 5002,
          external: true,
        },
        u: { name: "u", scheme: "udp", protocol: "udp", transport: "udp", external: false },
        t: { name: "t", scheme: "tcp", protocol: "udp", transport: "udp", external: false },
      },
      connectionString: "cs",
      containerFiles: {},
    },
  );
  for (const path of ["Api/A.fsproj", "B.vbproj", "app.cs", "Api/API.CSPROJ"])
    assert.deepEqual(
      errors({ api: { type: "project.v0", path }, bad: 1 }).map((e) => e[0]),
      ["bad"],
      path,
    );
});

test("Dockerfile builds: paths resolved, build args kept (null for one taken from the environment), no args", () => {
  assert.deepEqual(
    parsed({
      d: {
        type: "dockerfile.v0",
        path: "../d/Dockerfile",
        context: "../d",
        buildArgs: { A: "1", B: null },
        env: { E: "e" },
        args: ["ignored"],
      },
    }).d,
    {
      kind: "dockerfile.v0",
      name: "d",
      build: {
        contextPath: "/apps/t/d",
        dockerfilePath: "/apps/t/d/Dockerfile",
        args: { A: "1", B: null },
        secrets: {},
        buildOnly: false,
      },
      env: { E: "e" },
      args: [],
      bindings: {},
      containerFiles: {},
    },
  );
  assert.deepEqual(
    warnings({ d: { type: "dockerfile.v0", path: "Dockerfile", context: ".", args: ["x"] } }),
    [["d", "args", "unknown field args is ignored."]],
  );
});

test("containers: a build section with stage, args, env and file secrets, volumes, bind mounts and container files", () => {
  assert.deepEqual(
    parsed({
      c: {
        type: "container.v1",
        build: {
          context: "../c",
          dockerfile: "../c/Dockerfile",
          stage: "final",
          args: { X: "1" },
          secrets: { s1: { type: "env", value: "v" }, s2: { type: "file", source: "../s.txt" } },
          buildOnly: true,
        },
        entrypoint: "/bin/sh",
        volumes: [{ name: "v1", target: "/data", readOnly: true }, { target: "/tmp2" }],
        bindMounts: [{ source: "../b", target: "/b", readOnly: true }],
        containerFiles: { src: { destination: "/app/wwwroot", sources: ["/dist"] } },
      },
    }).c,
    {
      kind: "container.v1",
      name: "c",
      build: {
        contextPath: "/apps/t/c",
        dockerfilePath: "/apps/t/c/Dockerfile",
        stage: "final",
        args: { X: "1" },
        secrets: {
          s1: { type: "env", value: "v" },
          s2: { type: "file", sourcePath: "/apps/t/s.txt" },
        },
        buildOnly: true,
      },
      entrypoint: "/bin/sh",
      volumes: [
        { name: "v1", target: "/data", readOnly: true },
        { target: "/tmp2", readOnly: false },
      ],
      bindMounts: [{ source: "../b", sourcePath: "/apps/t/b", target: "/b", readOnly: true }],
      env: {},
      args: [],
      bindings: {},
      containerFiles: { src: { destination: "/app/wwwroot", sources: ["/dist"] } },
    },
  );
  // An empty volume name is an anonymous volume.
  assert.deepEqual(
    (
      parsed({ c: { type: "container.v0", image: img, volumes: [{ name: "", target: "/x" }] } })
        .c as { volumes: unknown }
    ).volumes,
    [{ target: "/x", readOnly: false }],
  );
});

test("bindings: containerPort is read as targetPort with a warning, an unknown protocol as tcp with a warning", () => {
  const r = check({
    k: {
      type: "container.v0",
      image: img,
      bindings: {
        tcp: { scheme: "tcp", containerPort: 6379 },
        p: { scheme: "tcp", protocol: "sctp", targetPort: 1 },
      },
    },
  });
  assert.deepEqual(
    r.warnings.map((e) => [e.resource, e.field, e.message]),
    [
      [
        "k",
        "bindings.tcp.containerPort",
        "containerPort is the 8.0-preview name of targetPort; read as targetPort 6379.",
      ],
      ["k", "bindings.p.protocol", 'protocol "sctp" is not tcp or udp; read as tcp.'],
    ],
  );
  assert.deepEqual(JSON.parse(JSON.stringify(r.manifest?.resources.get("k"))).bindings, {
    tcp: {
      name: "tcp",
      scheme: "tcp",
      protocol: "tcp",
      transport: "tcp",
      targetPort: 6379,
      external: false,
    },
    p: {
      name: "p",
      scheme: "tcp",
      protocol: "tcp",
      transport: "tcp",
      targetPort: 1,
      external: false,
    },
  });
  // targetPort wins over containerPort.
  assert.equal(
    (
      check({
        k: {
          type: "container.v0",
          image: img,
          bindings: { tcp: { scheme: "tcp", targetPort: 1, containerPort: 2 } },
        },
      }).manifest?.resources.get("k") as { bindings: Record<string, { targetPort: number }> }
    ).bindings.tcp.targetPort,
    1,
  );
});

test("what is not a resource: not an object, no type (with what the AppHost wrote), a type that is not a string", () => {
  assert.deepEqual(errors({ x: 5, y: null, z: "s" }), [
    ["x", null, "resource must be an object, not number 5."],
    ["y", null, "resource must be an object, not null."],
    ["z", null, 'resource must be an object, not the string "s".'],
  ]);
  assert.deepEqual(errors({ n: { error: "boom" }, m: { type: null }, t: { type: 7 } }), [
    [
      "n",
      "type",
      'unsupported type (none): the resource has no type, so there is nothing to run. The AppHost wrote: "boom" Remove the resource from the AppHost or give it a publishable form (a container or a Dockerfile).',
    ],
    [
      "m",
      "type",
      "unsupported type (none): the resource has no type, so there is nothing to run. Remove the resource from the AppHost or give it a publishable form (a container or a Dockerfile).",
    ],
    ["t", "type", "type must be a string, not number 7."],
  ]);
});

test("each mistake in a resource is an error naming its field and the fix", () => {
  assert.deepEqual(errors({ a: { type: "annotated.string", value: "a", filter: "html" } }), [
    ["a", "filter", 'unknown filter "html": the only filter Aspire writes is "uri".'],
  ]);
  assert.deepEqual(
    errors({
      api: { type: "project.v0", path: "Api/readme.txt" },
      api2: { type: "project.v0", path: "Api/\u0001.csproj" },
      api5: { type: "project.v0", path: "Api/.csproj" },
    }),
    [
      [
        "api",
        "path",
        'project path "Api/readme.txt" does not name a project file (NAME.csproj, .fsproj, .vbproj, or a file-based app NAME.cs).',
      ],
      [
        "api2",
        "path",
        'path "Api/\\u0001.csproj" has a control character: no file of the app has one in its name.',
      ],
      [
        "api5",
        "path",
        'project path "Api/.csproj" does not name a project file (NAME.csproj, .fsproj, .vbproj, or a file-based app NAME.cs).',
      ],
    ],
  );
  assert.deepEqual(
    errors({
      c0: { type: "container.v0", build: { context: ".", dockerfile: "Dockerfile" } },
      c1: { type: "container.v1" },
      c2: { type: "container.v1", image: img, build: { context: ".", dockerfile: "Dockerfile" } },
      c3: { type: "container.v0" },
    }),
    [
      ["c0", "build", "container.v0 cannot have a build section: a build needs container.v1."],
      ["c1", null, "a container.v1 needs an image or a build section."],
      ["c2", "build", "a container has either an image or a build section, not both."],
      ["c3", null, "a container.v0 needs an image."],
    ],
  );
  assert.deepEqual(
    errors({ b: { type: "container.v0", image: img, bindings: { tcp: { protocol: "tcp" } } } }),
    [["b", "bindings.tcp.scheme", "binding tcp needs a scheme (http, https, tcp, ...)."]],
  );
  assert.deepEqual(
    errors({
      s: {
        type: "container.v1",
        build: { context: ".", dockerfile: "Dockerfile", secrets: { k: { type: "ssh" }, j: {} } },
      },
    }),
    [
      ["s", "build.secrets.k.type", 'build secret type must be "env" or "file", not "ssh".'],
      ["s", "build.secrets.j.type", "required field build.secrets.j.type is missing."],
    ],
  );
  assert.deepEqual(errors({ c: { type: "container.v0", image: img, inputs: { value: {} } } }), [
    [
      "c",
      "inputs",
      "legacy inputs on container.v0: inputs belong to parameter.v0 resources since Aspire 8.0 GA. Regenerate the manifest with Aspire 8.0 or later.",
    ],
  ]);
  assert.deepEqual(
    errors({
      c: { type: "container.v1", image: img, volumes: [{ name: "bad name", target: "/y" }] },
    }),
    [
      [
        "c",
        "volumes.0.name",
        'volume name "bad name" is not one Docker accepts: use ASCII letters, digits and _ . -, starting with a letter or digit, 2 to 255 characters. Rename the volume in the AppHost.',
      ],
    ],
  );
});

test("parameter inputs: only string inputs, a default with a value or generate options Aspire can honour", () => {
  const param = (input: unknown) => ({
    p: { type: "parameter.v0", value: "{p.inputs.value}", inputs: { value: input } },
  });
  assert.deepEqual(errors(param({ type: "number", default: {} })), [
    [
      "p",
      "inputs.value.type",
      'input type must be "string" (the only type Aspire writes), not "number".',
    ],
    ["p", "inputs.value.default", 'default must have "value" or "generate".'],
  ]);
  assert.deepEqual(
    errors(
      param({
        default: { generate: { lower: false, upper: false, numeric: false, special: false } },
      }),
    ),
    [
      [
        "p",
        "inputs.value.default.generate",
        "a generated value needs at least one allowed character class (lower, upper, numeric or special).",
      ],
    ],
  );
  assert.deepEqual(
    errors(
      param({
        default: {
          generate: { upper: false, minUpper: 1, special: false, minSpecial: 2, minLower: 1 },
        },
      }),
    ),
    [
      [
        "p",
        "inputs.value.default.generate.minUpper",
        "minUpper must be 0 when upper is false (Aspire refuses to generate such a value).",
      ],
      [
        "p",
        "inputs.value.default.generate.minSpecial",
        "minSpecial must be 0 when special is false (Aspire refuses to generate such a value).",
      ],
    ],
  );
  // One class is enough, whichever it is.
  for (const only of ["lower", "upper", "numeric", "special"]) {
    const generate = { lower: false, upper: false, numeric: false, special: false, [only]: true };
    assert.deepEqual(check(param({ default: { generate } })).errors, [], only);
  }
  assert.deepEqual(errors(param({ default: { value: 5 } })), [
    [
      "p",
      "inputs.value.default.value",
      "inputs.value.default.value must be a string, not number 5.",
    ],
  ]);
  assert.deepEqual(errors(param({ default: { generate: 5 } })), [
    [
      "p",
      "inputs.value.default.generate",
      "inputs.value.default.generate must be an object, not number 5.",
    ],
  ]);
});

test("a deployment section's strings, nested at any depth, are checked for references; value resources have none to check", () => {
  assert.deepEqual(
    errors({
      c: {
        type: "container.v0",
        image: img,
        deployment: {
          type: "azure.bicep.v0",
          params: { a: "plain", list: ["x", { deep: "{c.bindings.x.url}" }] },
        },
      },
    }),
    [
      [
        "c",
        "deployment.params.list.1.deep",
        "bad reference {c.bindings.x.url} in c.deployment.params.list.1.deep: c has no binding named x (it has: none). Its deployment section is for Azure Container Apps or App Service: remove PublishAsAzureContainerApp, PublishAsAzureAppServiceWebsite or the Azure compute environment from the AppHost and publish the manifest again.",
      ],
    ],
  );
  assert.deepEqual(
    warnings({ c: { type: "container.v0", image: img, deployment: { params: { a: "plain" } } } }),
    [
      [
        "c",
        "deployment",
        "the deployment section describes Azure compute and is ignored: the resource runs on the VM as a container.v0.",
      ],
    ],
  );
  // A deployment section that is no object holds no strings to check.
  for (const deployment of [null, "x", 5])
    assert.deepEqual(
      check({ c: { type: "container.v0", image: img, deployment } }).errors,
      [],
      String(deployment),
    );
  // A resource refused for itself is reported for that alone: its deployment section goes unread.
  assert.deepEqual(
    errors({
      sql: {
        type: "container.v1",
        image: "mcr.microsoft.com/mssql/server:2022-latest",
        deployment: { params: { env: "{.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_ID}" } },
      },
    }).map(([resource, field]) => [resource, field]),
    [["sql", "image"]],
  );
  assert.deepEqual(warnings({ c: { type: "container.v1", image: img, deployment: {} } }), [
    [
      "c",
      "deployment",
      "the deployment section describes Azure compute and is ignored: the resource runs on the VM as a container.v0.",
    ],
  ]);
});
