// How a manifest is rejected as a whole: rejection spreads along references until nothing changes,
// each reference cycle is reported once (and separate cycles each), and container paths must be
// absolute. Asserted on checkManifest's errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkManifest, type CheckResult } from "../../src/manifest";

function check(resources: Record<string, unknown>): CheckResult {
  return checkManifest({
    file: "/apps/test/aspire-manifest.json",
    dir: "/apps/test",
    document: { resources },
  });
}
const messages = (r: CheckResult) =>
  r.errors.map((e) => `${e.resource}${e.field ? `.${e.field}` : ""}: ${e.message}`);
const alpine = (env: Record<string, string>) => ({
  type: "container.v0",
  image: "docker.io/library/alpine:3.20",
  env,
});

test("rejection spreads through any number of references, whatever the order of the resources", () => {
  // first references second, which references third, which is rejected: listed first to last,
  // each pass over the manifest rejects one more of them.
  const r = check({
    first: alpine({ X: "{second.connectionString}" }),
    second: { type: "value.v0", connectionString: "{third.connectionString};Extra=1" },
    third: { type: "azure.bicep.v0", path: "third.bicep" },
    fine: alpine({ Y: "plain" }),
  });
  assert.equal(r.manifest, undefined);
  const byResource = new Map(r.errors.map((e) => [e.resource, e]));
  assert.deepEqual([...byResource.keys()].sort(), ["first", "second", "third"]);
  assert.equal(byResource.get("second")?.field, "connectionString");
  assert.match(
    byResource.get("second")?.message ?? "",
    /^references unsupported third through \{third\.connectionString\}, so it cannot run without it\. Fix third first, or remove this reference from the AppHost\.$/,
  );
  assert.equal(byResource.get("first")?.field, "env.X");
  assert.match(
    byResource.get("first")?.message ?? "",
    /^references unsupported second through \{second\.connectionString\}/,
  );
});

test("two separate reference cycles are two errors, each reported once", () => {
  const r = check({
    a: { type: "value.v0", connectionString: "{b.connectionString}" },
    b: { type: "value.v0", connectionString: "{a.connectionString}" },
    x: { type: "value.v0", connectionString: "{y.connectionString}" },
    y: { type: "value.v0", connectionString: "{x.connectionString}" },
    user: alpine({ A: "{a.connectionString}", X: "{x.connectionString}" }),
  });
  assert.equal(r.manifest, undefined);
  const cycles = messages(r).filter((m) => m.includes("reference cycle: "));
  assert.equal(cycles.length, 2, cycles.join("\n"));
  assert.ok(
    cycles.some((m) =>
      /reference cycle: (a|b)\.connectionString -> (a|b)\.connectionString -> \1\.connectionString\./.test(
        m,
      ),
    ),
    cycles.join("\n"),
  );
  assert.ok(
    cycles.some((m) =>
      /reference cycle: (x|y)\.connectionString -> (x|y)\.connectionString -> \1\.connectionString\./.test(
        m,
      ),
    ),
    cycles.join("\n"),
  );
});

test("volume and bind-mount targets must be absolute paths inside the container", () => {
  const r = check({
    vol: {
      type: "container.v0",
      image: "docker.io/library/postgres:17.6",
      volumes: [{ name: "data", target: "var/lib/postgresql/data", readOnly: false }],
    },
    bind: {
      type: "container.v0",
      image: "docker.io/library/nginx:1.27",
      bindMounts: [{ source: "conf", target: "etc/nginx", readOnly: true }],
    },
    ok: {
      type: "container.v0",
      image: "docker.io/library/nginx:1.27",
      volumes: [{ name: "ok", target: "/data", readOnly: false }],
    },
  });
  assert.deepEqual(
    r.errors.map((e) => [e.resource, e.field, e.message]),
    [
      [
        "vol",
        "volumes.0.target",
        'volume target "var/lib/postgresql/data" must be an absolute path inside the container.',
      ],
      [
        "bind",
        "bindMounts.0.target",
        'bind mount target "etc/nginx" must be an absolute path inside the container.',
      ],
    ],
  );
});
