// A YARP gateway container: route patterns like `/catalog/{**catch-all}` are literal braces, not
// references, and must reach compose.yaml verbatim while `{catalog.bindings.http.url}` resolves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { composeSchemaErrors } from "../support/compose-schema";
import {
  appFiles,
  composeService,
  findService,
  fixture,
  parseCompose,
  plain,
  planFile,
  vmOf,
} from "./plan-support";

const yarpManifest = fixture("plan-yarp-gateway.json");

test("YARP gateway on one VM: compose.yaml keeps `/catalog/{**catch-all}` verbatim and resolves the service reference", () => {
  const plan = planFile(yarpManifest);
  const text = appFiles(plan, "app").get("compose.yaml") as string;
  assert.deepEqual(composeSchemaErrors(text), []);
  assert.ok(text.includes("/catalog/{**catch-all}"), text);
  const gateway = composeService(parseCompose(text), "gateway");
  assert.deepEqual(gateway.environment, {
    ASPNETCORE_ENVIRONMENT: "Production",
    REVERSEPROXY__ROUTES__route0__MATCH__PATH: "/catalog/{**catch-all}",
    REVERSEPROXY__ROUTES__route0__CLUSTERID: "cluster_catalog",
    REVERSEPROXY__ROUTES__route0__TRANSFORMS__0__PathRemovePrefix: "/catalog",
    REVERSEPROXY__ROUTES__route1__MATCH__PATH: "/{**catchall}",
    REVERSEPROXY__ROUTES__route1__CLUSTERID: "cluster_catalog",
    REVERSEPROXY__CLUSTERS__cluster_catalog__DESTINATIONS__destination1__ADDRESS:
      "http://_http.catalog",
    services__catalog__http__0: "http://catalog:8080",
  });
  assert.deepEqual(gateway.depends_on, ["catalog"]);
});

test("YARP gateway: the literal-brace values are plain one-part values in the plan", () => {
  const gateway = findService(planFile(yarpManifest), "gateway");
  assert.deepEqual(
    gateway.env.REVERSEPROXY__ROUTES__route0__MATCH__PATH,
    plain("/catalog/{**catch-all}"),
  );
  assert.deepEqual(gateway.env.REVERSEPROXY__ROUTES__route1__MATCH__PATH, plain("/{**catchall}"));
  assert.deepEqual(gateway.env.services__catalog__http__0, plain("http://catalog:8080"));
});

test("YARP gateway: its external http endpoint is served by Caddy on port 80, forwarding to gateway:5000", () => {
  const plan = planFile(yarpManifest);
  const vm = vmOf(plan, "app");
  assert.deepEqual(
    vm.publicEndpoints.map((e) => [e.service, e.port, e.upstream]),
    [["gateway", 80, "gateway:5000"]],
  );
  assert.match(
    appFiles(plan, "app").get("caddy/Caddyfile") ?? "",
    /:80 \{\n\treverse_proxy gateway:5000 \{\n\t\tlb_try_duration 10s\n\t\}\n\}/,
  );
});

test("YARP gateway with the catalog on another VM: the reference resolves to that VM's name, the route stays verbatim", () => {
  const plan = planFile(yarpManifest, {
    vms: { edge: { resources: ["gateway"] }, app: { resources: ["catalog"] } },
  });
  const gateway = composeService(
    parseCompose(appFiles(plan, "edge").get("compose.yaml")),
    "gateway",
  );
  assert.equal(
    gateway.environment?.services__catalog__http__0,
    "http://app.dev.aspire.internal:8080",
  );
  assert.equal(
    gateway.environment?.REVERSEPROXY__ROUTES__route0__MATCH__PATH,
    "/catalog/{**catch-all}",
  );
  assert.equal(gateway.depends_on, undefined);
  assert.deepEqual(vmOf(plan, "app").privatePorts, [
    { port: 8080, protocol: "tcp", service: "catalog" },
  ]);
});

test("YARP gateway with a native catalog (dotnet runtime): the reference goes through the host gateway", () => {
  const plan = planFile(yarpManifest, { runtime: "dotnet" });
  const gateway = composeService(
    parseCompose(appFiles(plan, "app").get("compose.yaml")),
    "gateway",
  );
  assert.equal(gateway.environment?.services__catalog__http__0, "http://host.docker.internal:8080");
  assert.deepEqual(gateway.extra_hosts, ["host.docker.internal:host-gateway"]);
  assert.equal(
    gateway.environment?.REVERSEPROXY__ROUTES__route0__MATCH__PATH,
    "/catalog/{**catch-all}",
  );
});
