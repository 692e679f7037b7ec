// What a reference may name, field types as the manifest stage reads them, and images known to
// have no arm64 variant: each refusal is one error naming the resource, the field and the reason.
import { test } from "node:test";
import assert from "node:assert/strict";
import { check, errorLines, img, lines } from "./check-support";

const targets = {
  p: {
    type: "parameter.v0",
    value: "{p.inputs.value}",
    inputs: { value: { type: "string" }, other: { type: "string" } },
  },
  q: { type: "parameter.v0", value: "x" },
  v: { type: "value.v0", connectionString: "cs" },
  w: { type: "value.v0", value: "val" },
  a: { type: "annotated.string", value: "x" },
  c: {
    type: "container.v0",
    image: img,
    connectionString: "{c.bindings.tcp.host}",
    bindings: { tcp: { scheme: "tcp", targetPort: 1 }, udp: { scheme: "udp", targetPort: 2 } },
  },
  n: { type: "container.v0", image: img },
};

test("references that resolve: connection strings, values, inputs, any binding property, names in any case", () => {
  for (const ref of [
    "{v.connectionString}",
    "{p.value}",
    "{a.value}",
    "{w.value}",
    "{p.inputs.value}",
    "{c.bindings.tcp.url}",
    "{c.bindings.tcp.tlsEnabled}",
    "{c.bindings.tcp.targetPort}",
    "{C.bindings.tcp.port}",
    "{c.connectionString}",
  ]) {
    const r = check({ ...targets, u: { type: "container.v0", image: img, env: { X: ref } } });
    assert.deepEqual(lines(r.errors), [], ref);
    assert.ok(r.manifest, ref);
  }
});

test("each reference that cannot resolve says why", () => {
  const why: [string, string][] = [
    [
      "{.outputs.x}",
      "azd's global Azure outputs ({.outputs.NAME}) exist only in Azure deployments.",
    ],
    [
      "{v.connectionString.x}",
      "unknown field path connectionString.x (use connectionString, value, inputs.NAME or bindings.NAME.PROPERTY).",
    ],
    ["{w.connectionString}", "w is a value.v0 with no connectionString."],
    ["{n.connectionString}", "n is a container.v0 with no connectionString."],
    ["{v.value}", "v is a value.v0 with no value."],
    ["{c.value}", "c is a container.v0 with no value."],
    [
      "{v.value.x}",
      "unknown field path value.x (use connectionString, value, inputs.NAME or bindings.NAME.PROPERTY).",
    ],
    ["{p.inputs.nope}", "parameter p has no input named nope (it has: value, other)."],
    ["{q.inputs.value}", "parameter q has no input named value (it has: none)."],
    [
      "{p.inputs}",
      "unknown field path inputs (use connectionString, value, inputs.NAME or bindings.NAME.PROPERTY).",
    ],
    [
      "{p.inputs.value.x}",
      "unknown field path inputs.value.x (use connectionString, value, inputs.NAME or bindings.NAME.PROPERTY).",
    ],
    ["{v.inputs.value}", "v is a value.v0; only parameters have inputs."],
    [
      "{c.bindings.tcp}",
      "unknown field path bindings.tcp (use connectionString, value, inputs.NAME or bindings.NAME.PROPERTY).",
    ],
    [
      "{c.bindings.tcp.url.x}",
      "unknown field path bindings.tcp.url.x (use connectionString, value, inputs.NAME or bindings.NAME.PROPERTY).",
    ],
    ["{c.bindings.nope.url}", "c has no binding named nope (it has: tcp, udp)."],
    ["{n.bindings.tcp.url}", "n has no binding named tcp (it has: none)."],
    [
      "{c.bindings.tcp.nope}",
      "a binding has no property nope (use one of url, host, port, targetPort, scheme, protocol, transport, external, tlsEnabled).",
    ],
    ["{v.bindings.tcp.url}", "v is a value.v0 and has no bindings."],
    ["{c.outputs.x}", "Bicep outputs exist only in Azure deployments."],
    ["{c.secretOutputs.x}", "Bicep outputs exist only in Azure deployments."],
    ["{c.secrets.x}", "Bicep outputs exist only in Azure deployments."],
    ["{c.output.x}", "CloudFormation outputs exist only in AWS CloudFormation deployments."],
    [
      "{c.volumes.0.name}",
      "storage names of volumes and bind mounts are an azd convention for Azure storage; aspire-arm keeps volumes on the VM.",
    ],
    [
      "{c.bindMounts.0}",
      "storage names of volumes and bind mounts are an azd convention for Azure storage; aspire-arm keeps volumes on the VM.",
    ],
    [
      "{c.containerImage}",
      "this is filled in by Azure deployers inside a deployment section only.",
    ],
    ["{c.containerPort}", "this is filled in by Azure deployers inside a deployment section only."],
    [
      "{c.nope}",
      "unknown field path nope (use connectionString, value, inputs.NAME or bindings.NAME.PROPERTY).",
    ],
  ];
  for (const [ref, reason] of why) {
    const r = check({ ...targets, u: { type: "container.v0", image: img, env: { X: ref } } });
    assert.equal(r.manifest, undefined, ref);
    assert.deepEqual(
      lines(r.errors),
      [
        `u|env.X|bad reference ${ref} in u.env.X: ${reason} Fix the AppHost and publish the manifest again.`,
      ],
      ref,
    );
  }
});

test("an entry of bindings or inputs that is no object, or has a bad name, is one error naming it, and no warning", () => {
  const r = check({
    c: { type: "container.v0", image: img, bindings: { "bad name": { scheme: "tcp" }, ok: "tcp" } },
    p: { type: "parameter.v0", value: "{p.inputs.value}", inputs: { value: "x" } },
  });
  assert.deepEqual(
    r.errors.map((e) => [e.resource, e.field, e.message.split(":")[0]]),
    [
      ["c", "bindings.bad name", 'endpoint name "bad name" is not a name Aspire writes'],
      ["c", "bindings.ok", 'bindings.ok must be an object, not the string "tcp".'],
      ["p", "inputs.value", 'inputs.value must be an object, not the string "x".'],
    ],
  );
  assert.deepEqual(r.warnings, []);
});

test("fields of the wrong type are errors naming the field, what it must be and what it is", () => {
  assert.deepEqual(
    errorLines({
      c: {
        type: "container.v0",
        image: img,
        env: 5,
        args: "x",
        volumes: {},
        bindMounts: [5, "y"],
        bindings: [],
      },
    }),
    [
      "c|volumes|volumes must be a list, not an object.",
      "c|bindMounts|bindMounts.0 must be an object, not number 5.",
      'c|bindMounts|bindMounts.1 must be an object, not the string "y".',
      "c|env|env must be an object of names to strings, not number 5.",
      'c|args|args must be a list of strings, not the string "x".',
      "c|bindings|bindings must be an object, not a list.",
    ],
  );
  assert.deepEqual(
    errorLines({
      c: {
        type: "container.v0",
        image: img,
        args: [1, "ok"],
        env: { A: 1, B: null },
        entrypoint: ["x"],
      },
    }),
    [
      "c|entrypoint|entrypoint must be a string, not a list.",
      "c|env.A|env.A must be a string, not number 1. Quote numbers and booleans; objects are not allowed.",
      "c|env.B|env.B must be a string, not null. Quote numbers and booleans; objects are not allowed.",
      "c|args.0|args.0 must be a string, not number 1. Quote numbers and booleans.",
    ],
  );
  assert.deepEqual(
    errorLines({
      c: {
        type: "container.v0",
        image: img,
        bindings: {
          a: { scheme: "tcp", targetPort: 0 },
          b: { scheme: "tcp", targetPort: 65536 },
          d: { scheme: "tcp", port: 1.5 },
          e: { scheme: "tcp", targetPort: "80" },
          f: { scheme: "tcp", external: "yes" },
          g: { scheme: "tcp", port: 65535, targetPort: 1 },
        },
      },
    }),
    [
      "c|bindings.a.targetPort|bindings.a.targetPort must be a port number between 1 and 65535, not number 0.",
      "c|bindings.b.targetPort|bindings.b.targetPort must be a port number between 1 and 65535, not number 65536.",
      "c|bindings.d.port|bindings.d.port must be a port number between 1 and 65535, not number 1.5.",
      'c|bindings.e.targetPort|bindings.e.targetPort must be a port number between 1 and 65535, not the string "80".',
      'c|bindings.f.external|bindings.f.external must be true or false, not the string "yes".',
    ],
  );
  assert.deepEqual(
    errorLines({
      p: {
        type: "parameter.v0",
        value: "{p.inputs.value}",
        inputs: {
          value: {
            secret: "no",
            default: { generate: { minLength: -1, minLower: 1.5, minUpper: "2" } },
          },
        },
      },
    }),
    [
      'p|inputs.value.secret|inputs.value.secret must be true or false, not the string "no".',
      "p|inputs.value.default.generate.minLength|inputs.value.default.generate.minLength must be a whole number of 0 or more, not number -1.",
      "p|inputs.value.default.generate.minLower|inputs.value.default.generate.minLower must be a whole number of 0 or more, not number 1.5.",
      'p|inputs.value.default.generate.minUpper|inputs.value.default.generate.minUpper must be a whole number of 0 or more, not the string "2".',
    ],
  );
  assert.deepEqual(errorLines({ c: { type: "container.v0", image: 5 } }), [
    "c|image|image must be a string, not number 5.",
    "c|null|a container.v0 needs an image.",
  ]);
  assert.deepEqual(
    errorLines({
      d: { type: "container.v1", build: "x" },
      e: { type: "container.v1", build: { context: ".", dockerfile: "D", secrets: [] } },
    }),
    [
      'd|build|build must be an object, not the string "x".',
      "e|build.secrets|build.secrets must be an object, not a list.",
    ],
  );
  assert.deepEqual(
    errorLines({
      c: {
        type: "container.v0",
        image: img,
        containerFiles: { s: { destination: "/d", sources: "x" } },
        env: { "bad name": "x" },
      },
    }),
    [
      'c|env.bad name|env name "bad name" is not a variable name: use ASCII letters, digits and _ . : -, starting with a letter or _, at most 256 characters.',
      'c|containerFiles.s.sources|containerFiles.s.sources must be a list of strings, not the string "x".',
    ],
  );
  // Long strings are shown cut at 40 characters.
  assert.deepEqual(errorLines({ c: { type: "container.v0", image: img, args: "y".repeat(41) } }), [
    `c|args|args must be a list of strings, not the string "${"y".repeat(40)}...".`,
  ]);
  assert.deepEqual(errorLines({ c: { type: "container.v0", image: img, args: "y".repeat(40) } }), [
    `c|args|args must be a list of strings, not the string "${"y".repeat(40)}".`,
  ]);
});

test("unknown fields are warnings naming their full path; the resource still deploys", () => {
  const r = check({
    c: {
      type: "container.v0",
      image: img,
      extra: 1,
      bindings: { tcp: { scheme: "tcp", other: 2 } },
    },
  });
  assert.ok(r.manifest);
  assert.deepEqual(lines(r.warnings), [
    "c|extra|unknown field extra is ignored.",
    "c|bindings.tcp.other|unknown field bindings.tcp.other is ignored.",
  ]);
  assert.deepEqual(
    lines(
      check({ c: { type: "container.v0", image: img }, $x: 1 } as Record<string, unknown>).warnings,
    ).length,
    0,
    "a resource name, not a top-level field",
  );
});

test("images with no arm64 variant are refused on any registry alias, tag or digest; other repositories are not", () => {
  const refused = [
    "mcr.microsoft.com/mssql/server:2022-latest",
    "MSSQL/SERVER",
    `mssql/server@sha256:${"a".repeat(64)}`,
    "mcr.microsoft.com/azure-sql-edge:latest",
    "azure-sql-edge",
    "docker.io/library/mssql/server",
    "docker.io/mssql/server:1",
    " mssql/server:2022 ",
  ];
  for (const image of refused) {
    const r = check({ c: { type: "container.v0", image } });
    assert.deepEqual(
      r.errors.map((e) => [e.resource, e.field]),
      [["c", "image"]],
      image,
    );
    assert.ok(
      r.errors[0].message.startsWith(
        `image ${image} has no linux/arm64 variant, so it cannot run on an Arm VM. `,
      ),
      image,
    );
  }
  assert.match(
    check({ c: { type: "container.v0", image: "mssql/server" } }).errors[0].message,
    /SQL Server publishes amd64 images only\. Use a managed SQL Server \(Amazon RDS, Cloud SQL\)/,
  );
  assert.match(
    check({ c: { type: "container.v0", image: "azure-sql-edge" } }).errors[0].message,
    /Azure SQL Edge is retired and its arm64 images are no longer published\./,
  );
  for (const image of [
    "localhost:5000/mssql/server",
    "mcr.microsoft.com/mssql/server-extra",
    "mcr.microsoft.com/azure-sql-edge-x",
    "x/mcr.microsoft.com/azure-sql-edge",
    "docker.io/library/redis:7.4",
    // docker.io/ and library/ are Docker Hub's own prefixes only at the start of the name
    "mcr.microsoft.com/docker.io/mssql/server",
    "mcr.microsoft.com/library/mssql/server",
  ])
    assert.deepEqual(check({ c: { type: "container.v0", image } }).errors, [], image);
});
