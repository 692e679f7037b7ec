// Kafka's self-reference (modelled on the Aspire kafka playground): KAFKA_ADVERTISED_LISTENERS names
// kafka's own host and port, and must be the address its clients use, never localhost or 0.0.0.0.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { composeSchemaErrors } from "../support/compose-schema";
import { corpusDir, SHARED_MISSING } from "../support/paths";
import {
  appFiles,
  composeOf,
  composeService,
  findService,
  fixture,
  plain,
  planFile,
  serviceOf,
  shown,
  vmOf,
} from "./plan-support";

const kafkaManifest = fixture("plan-kafka.json");
const SPLIT = { broker: { resources: ["kafka"] }, app: { resources: ["consumer"] } };

function advertised(options: Parameters<typeof planFile>[1]): string {
  const v = findService(planFile(kafkaManifest, options), "kafka").env.KAFKA_ADVERTISED_LISTENERS;
  assert.ok(v, "no KAFKA_ADVERTISED_LISTENERS");
  assert.equal(v.secret, false);
  assert.equal(v.parts.length, 1, "a plain value is one text part");
  return v.parts[0] as string;
}

test("kafka on one VM with its consumer: the self-reference resolves to the container name kafka", () => {
  assert.equal(
    advertised({}),
    "PLAINTEXT://kafka:29092,PLAINTEXT_HOST://kafka:9092,PLAINTEXT_INTERNAL://kafka:9093",
  );
  const plan = planFile(kafkaManifest);
  assert.deepEqual(findService(plan, "consumer").env.ConnectionStrings__kafka, plain("kafka:9092"));
  const vm = vmOf(plan, "app");
  assert.deepEqual(
    serviceOf(vm, "kafka").ports.map((p) => [p.binding, p.targetPort, p.hostPort, p.exposure]),
    [
      ["tcp", 9092, undefined, "none"],
      ["internal", 9093, undefined, "none"],
    ],
  );
  assert.deepEqual(vm.privatePorts, []);
  assert.deepEqual(vm.peers, []);
});

test("kafka with its consumer on another VM: the self-reference is the broker VM's private DNS name with the published port", () => {
  assert.equal(
    advertised({ vms: SPLIT }),
    "PLAINTEXT://broker.dev.aspire.internal:29092,PLAINTEXT_HOST://broker.dev.aspire.internal:9092,PLAINTEXT_INTERNAL://kafka:9093",
  );
  const plan = planFile(kafkaManifest, { vms: SPLIT });
  // The consumer bootstraps from the same name and port that kafka advertises.
  assert.deepEqual(
    findService(plan, "consumer").env.ConnectionStrings__kafka,
    plain("broker.dev.aspire.internal:9092"),
  );
  const broker = vmOf(plan, "broker");
  assert.deepEqual(
    serviceOf(broker, "kafka").ports.map((p) => [p.binding, p.targetPort, p.hostPort, p.exposure]),
    [
      ["tcp", 9092, 9092, "private"],
      ["internal", 9093, undefined, "none"],
    ],
  );
  assert.deepEqual(broker.privatePorts, [{ port: 9092, protocol: "tcp", service: "kafka" }]);
  assert.deepEqual(vmOf(plan, "app").peers, ["broker"]);
  const text = appFiles(plan, "broker").get("compose.yaml") as string;
  assert.deepEqual(composeSchemaErrors(text), []);
  const kafka = composeService(composeOf(plan, "broker"), "kafka");
  assert.deepEqual(kafka.ports, ["9092:9092"]);
  assert.equal(
    kafka.environment?.KAFKA_ADVERTISED_LISTENERS,
    "PLAINTEXT://broker.dev.aspire.internal:29092,PLAINTEXT_HOST://broker.dev.aspire.internal:9092,PLAINTEXT_INTERNAL://kafka:9093",
  );
});

test("kafka with a native consumer on the same VM (dotnet runtime): kafka advertises its VM's name, the consumer bootstraps on localhost", () => {
  assert.equal(
    advertised({ runtime: "dotnet" }),
    "PLAINTEXT://app.dev.aspire.internal:29092,PLAINTEXT_HOST://app.dev.aspire.internal:9092,PLAINTEXT_INTERNAL://kafka:9093",
  );
  const plan = planFile(kafkaManifest, { runtime: "dotnet" });
  assert.deepEqual(
    findService(plan, "consumer").env.ConnectionStrings__kafka,
    plain("localhost:9092"),
  );
  assert.deepEqual(serviceOf(vmOf(plan, "app"), "kafka").ports[0], {
    binding: "tcp",
    protocol: "tcp",
    targetPort: 9092,
    hostPort: 9092,
    exposure: "private",
  });
});

test("the advertised listeners never name localhost, 127.0.0.1 or 0.0.0.0, in any placement, on either cloud", () => {
  for (const cloud of ["aws", "gcp"] as const)
    for (const options of [
      {},
      { vms: SPLIT },
      { runtime: "dotnet" as const },
      { vmPerService: true },
    ]) {
      const value = advertised({ cloud, ...options });
      assert.doesNotMatch(
        value,
        /localhost|127\.0\.0\.1|0\.0\.0\.0/,
        `${cloud} ${JSON.stringify(options)}: ${value}`,
      );
    }
});

test("vmPerService: kafka and its consumer each on a VM named after it; kafka advertises its own VM's name and publishes the port its consumer uses", () => {
  const plan = planFile(kafkaManifest, { vmPerService: true });
  assert.deepEqual(
    plan.vms.map((v) => [v.name, v.services.map((s) => s.name), v.peers]),
    [
      ["kafka", ["kafka"], []],
      ["consumer", ["consumer"], ["kafka"]],
    ],
  );
  assert.equal(
    advertised({ vmPerService: true }),
    "PLAINTEXT://kafka.dev.aspire.internal:29092,PLAINTEXT_HOST://kafka.dev.aspire.internal:9092,PLAINTEXT_INTERNAL://kafka:9093",
  );
  assert.deepEqual(
    findService(plan, "consumer").env.ConnectionStrings__kafka,
    plain("kafka.dev.aspire.internal:9092"),
  );
  assert.deepEqual(vmOf(plan, "kafka").privatePorts, [
    { port: 9092, protocol: "tcp", service: "kafka" },
  ]);
  assert.deepEqual(composeService(composeOf(plan, "kafka"), "kafka").ports, ["9092:9092"]);
});

test("kafka's other env is passed through verbatim, KAFKA_LISTENERS included (it is what kafka binds, not what it advertises)", () => {
  const kafka = findService(planFile(kafkaManifest, { vms: SPLIT }), "kafka");
  assert.deepEqual(
    kafka.env.KAFKA_LISTENERS,
    plain(
      "PLAINTEXT://localhost:29092,CONTROLLER://localhost:29093,PLAINTEXT_HOST://0.0.0.0:9092,PLAINTEXT_INTERNAL://0.0.0.0:9093",
    ),
  );
  assert.deepEqual(Object.keys(kafka.env), [
    "KAFKA_LISTENERS",
    "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
    "KAFKA_ADVERTISED_LISTENERS",
  ]);
  assert.deepEqual(findService(planFile(kafkaManifest, { vms: SPLIT }), "consumer").args, [
    plain("kafka"),
  ]);
});

const corpusKafka = path.join(
  corpusDir,
  "dotnet__aspire@v9.0.0__playground__kafka__KafkaBasic.AppHost__aspire-manifest.json",
);

test(
  "the real Aspire 9.0 kafka playground (corpus): kafka advertises the broker VM's name to its clients elsewhere; kafka2, with no clients, its container name",
  { skip: fs.existsSync(corpusKafka) ? false : SHARED_MISSING },
  () => {
    const plan = planFile(corpusKafka, {
      vms: {
        broker: { resources: ["kafka", "kafka2"] },
        app: { resources: ["producer", "consumer"] },
      },
    });
    assert.equal(
      shown(findService(plan, "kafka").env.KAFKA_ADVERTISED_LISTENERS),
      "PLAINTEXT://broker.dev.aspire.internal:29092,PLAINTEXT_HOST://broker.dev.aspire.internal:9092,PLAINTEXT_INTERNAL://kafka:9093",
    );
    assert.equal(
      shown(findService(plan, "kafka2").env.KAFKA_ADVERTISED_LISTENERS),
      "PLAINTEXT://kafka2:29092,PLAINTEXT_HOST://kafka2:9092,PLAINTEXT_INTERNAL://kafka2:9093",
    );
    for (const client of ["producer", "consumer"])
      assert.equal(
        shown(findService(plan, client).env.ConnectionStrings__kafka),
        "broker.dev.aspire.internal:9092",
        client,
      );
    assert.deepEqual(vmOf(plan, "broker").privatePorts, [
      { port: 9092, protocol: "tcp", service: "kafka" },
    ]);
  },
);
