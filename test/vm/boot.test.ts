// The rendered user data booted on a real (emulated) arm64 VM: Debian 13 under qemu-system-aarch64
// (TCG), cloud-init from a NoCloud seed, Docker and compose from Debian's packages, offline
// stand-ins for the images (test/vm/image). Nothing of aspire-arm is faked: the user data is what
// `aspire-arm plan` renders, and bootstrap.sh, apply.sh and fetch-secrets.py run as on a cloud VM,
// with the `file` secret source reading a JSON file on a disk of its own.
//   (a) the starter app: cloud-init done without errors, every service running, the frontend's
//       connection string reaches Redis through the proxy on port 80 (from the host, through a
//       forwarded port), secrets.env 0600, the secret in no log or unit file;
//   (b) the same app with a named volume after a reboot: everything back, the data still there;
//   (c) the named volume on a separate data disk: formatted on the first boot only, kept by a
//       second VM (new instance, same disk);
//   (d) split placement: the starter on two VMs booted together, `data` (Redis) and `app` (the
//       projects and the proxy), on a private network with the stack's private DNS zone stood in
//       for: the frontend reaches Redis on the other VM by its zone name, and only the published
//       ports are reachable from the other VM.
// Slow (minutes per boot): runs only with ASPIRE_VM_TEST=1 (`npm run test:vm`, CI's last step).
// Env: ASPIRE_VM_KEEP=1 keeps the run folder; ASPIRE_VM_FIGURES=FILE writes the figures there;
// ASPIRE_VM_BOOT_TIMEOUT (s, default 900) kills a boot that takes longer; ASPIRE_VM_ONLY=REGEXP runs
// only the scenarios whose names match (e.g. 'split'): node 20's --test-name-pattern runs all of a
// matching test's subtests, and none when the test's own name does not match.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { privateZone, vmAlias } from "../../src/plan";
import type { RenderedVm } from "../../src/render";
import { renderFixture } from "./render-fixture";
import {
  ensureImage,
  freePort,
  freeUdpPort,
  httpGet,
  listExt4,
  makeBlank,
  makeExt4,
  makeSeed,
  poll,
  readFromExt4,
  readResults,
  REPO,
  sh,
  Vm,
  VM_DIR,
  type Disk,
  type PollStats,
  type VmOptions,
} from "./vm";

const ENABLED = process.env.ASPIRE_VM_TEST === "1";
const BOOT_TIMEOUT_MS = Number(process.env.ASPIRE_VM_BOOT_TIMEOUT ?? 900) * 1000;
const ONLY = process.env.ASPIRE_VM_ONLY ? new RegExp(process.env.ASPIRE_VM_ONLY) : undefined;
const only = (name: string) => ({
  skip: ONLY && !ONLY.test(name) ? `ASPIRE_VM_ONLY=${process.env.ASPIRE_VM_ONLY}` : false,
});
const SECRET_FILE = "/mnt/aspire-test/secrets.json";
/** The first release, applied by the bootstrap (ASPIRE_RELEASE_FILE): each VM's test disk has its own. */
const RELEASE_FILE = "/mnt/aspire-test/release.json.gz";
const STARTER = "manifests/aspire-starter/aspire-manifest.json";
const IMAGES = { apiservice: "local/aspire-test-app:1", webfrontend: "local/aspire-test-app:1" };

interface Figure {
  scenario: string;
  boot: string;
  cloudInitDone?: number;
  finalFinished?: number;
  healthy?: number;
  hostReady?: number;
  /** The host's 1-minute load average when the boot was ready: other work slows the emulation. */
  load: number;
}
const figures: Figure[] = [];

/** A container of compose project aspire, as the probe reports it. */
interface Container {
  service: string;
  name: string;
  state: string;
  image: string;
  env: string[];
  started: string;
}

interface RolloutFigure {
  scenario: string;
  result: string;
  /** rollout.sh's run time on the VM. */
  seconds: number;
  client: PollStats;
  load: number;
}
const rolloutFigures: RolloutFigure[] = [];

function rolloutFigure(
  scenario: string,
  r: Record<string, any>,
  host: { client: PollStats; load: number },
): void {
  const f: RolloutFigure = {
    scenario,
    result: r.result ?? (r.rc === 0 ? "live" : `failed (exit ${r.rc}), rolled back`),
    seconds: r.seconds,
    client: host.client,
    load: host.load,
  };
  rolloutFigures.push(f);
  console.log(
    `rollout figures ${scenario}: ${f.result} in ${f.seconds} s; client: ${f.client.requests} requests in ${f.client.seconds.toFixed(0)} s, ${f.client.failed} failed, ${f.client.degraded} degraded, slowest ${f.client.slowestMs} ms (load ${f.load.toFixed(1)})`,
  );
}
/** Lines under the figures table (wall times of scenarios). */
const notes: string[] = [];
const running = new Set<Vm>();
process.on("exit", () => {
  for (const vm of running) vm.kill();
});

/** Guest figures of one boot from the probe's results (seconds of guest uptime). */
function figure(
  scenario: string,
  boot: string,
  r: Record<string, any>,
  hostReady?: number,
): Figure {
  const final = r.cloud_init_status_json?.v1?.["modules-final"]?.finished;
  const f: Figure = {
    scenario,
    boot,
    cloudInitDone: r.cloud_init_done_uptime ?? undefined,
    // cloud-init 25.1 records the stages' times as seconds of uptime (older ones: epoch seconds).
    finalFinished:
      typeof final === "number" ? (final > 1e9 && r.btime ? final - r.btime : final) : undefined,
    healthy: r.healthy_uptime ?? undefined,
    hostReady,
    load: os.loadavg()[0],
  };
  figures.push(f);
  console.log(
    `figures ${scenario} ${boot}: cloud-init done at ${fmt(f.cloudInitDone)} s (final stage finished at ${fmt(f.finalFinished)} s), all healthy at ${fmt(f.healthy)} s of uptime; probe ready ${fmt(hostReady)} s after the kernel started (host clock; load ${f.load.toFixed(1)})`,
  );
  return f;
}
const fmt = (n?: number) => (n === undefined ? "-" : n.toFixed(0));

const STARTER_SERVICES = ["apiservice", "cache", "caddy", "webfrontend"];

/** What every booted VM must show: cloud-init done without errors, all services running, the
 *  app unit succeeded, secrets.env 0600 root-only, the secret nowhere in logs or unit files; with
 *  the proxy on the VM, the frontend's Redis check through it. */
function assertHealthyBoot(
  r: Record<string, any>,
  what: string,
  services = STARTER_SERVICES,
): void {
  const status = r.cloud_init_status ?? {};
  assert.equal(
    status.status,
    "done",
    `${what}: cloud-init status ${JSON.stringify(status.status)} (${status.extended_status}); errors: ${JSON.stringify(status.errors)}`,
  );
  assert.deepEqual(status.errors ?? [], [], `${what}: cloud-init errors`);
  assert.deepEqual(
    r.cloud_init_result_json?.v1?.errors,
    [],
    `${what}: /run/cloud-init/result.json errors`,
  );
  assert.ok(r.healthy, `${what}: app not healthy: ${r.healthy_reason}`);
  const want: string[] = r.expected_services;
  assert.deepEqual(want, services, `${what}: compose services`);
  for (const s of want) {
    const row = (r.compose_ps as { service: string; state: string }[]).find((x) => x.service === s);
    assert.equal(row?.state, "running", `${what}: ${s} is ${row?.state}`);
  }
  // The app unit applies the current release at boot. On a first boot there is none when the
  // bootstrap enables it (its condition, the release's apply.sh, is not met): the bootstrap
  // applies the first release itself, through rollout.sh.
  const firstBoot = r.boot === 1 && r.app_unit?.ConditionResult === "no";
  assert.equal(
    r.app_unit?.ActiveState,
    firstBoot ? "inactive" : "active",
    `${what}: aspire-arm-app.service ${JSON.stringify(r.app_unit)}`,
  );
  assert.equal(
    r.app_unit?.Result,
    "success",
    `${what}: aspire-arm-app.service ${JSON.stringify(r.app_unit)}`,
  );
  if (firstBoot)
    assert.ok(
      (r.bootstrap_log as string[]).some((l) => /rollout: release [0-9a-f]{16} applied/.test(l)),
      `${what}: the bootstrap applied the first release: ${r.bootstrap_log.join("\n")}`,
    );
  assert.match(r.current_release ?? "", /^[0-9a-f]{16}$/, `${what}: a current release`);
  assert.match(
    r.secrets_env_stat ?? "",
    /^600 root:root /,
    `${what}: /run/aspire-arm/secrets.env is ${r.secrets_env_stat}`,
  );
  assert.equal(r.canaries, 1, `${what}: the probe read the secret file`);
  assert.equal(r.secret_in_secrets_env, true, `${what}: the secret reached secrets.env`);
  assert.deepEqual(r.secret_leaks, [], `${what}: the secret value appears in these logs or files`);
  if (services.includes("caddy"))
    assert.equal(
      r.http_root?.redis,
      "PONG",
      `${what}: the frontend through the proxy (guest side): ${JSON.stringify(r.http_root)}`,
    );
}

async function rootCopy(image: string, file: string): Promise<void> {
  await sh("cp", ["--sparse=always", path.join(image, "rootfs.img"), file]);
}

interface Scenario {
  dir: string;
  port: number;
  results: string;
}

/** A unit list as `systemctl show` prints it: names with a backslash are quoted, backslashes doubled. */
function unitList(value: unknown): string[] {
  return String(value ?? "")
    .split(/\s+/)
    .filter(Boolean)
    .map((u) => (u.startsWith('"') ? (JSON.parse(u) as string) : u));
}

test("emulated arm64 VM boots the rendered user data", async (t: TestContext) => {
  if (!ENABLED) {
    t.skip(
      "boots arm64 VMs under qemu for many minutes: run with ASPIRE_VM_TEST=1 (npm run test:vm)",
    );
    return;
  }
  const image = await ensureImage();
  console.log(
    `image ${image}: ${fs.readFileSync(path.join(image, "info.txt"), "utf8").split("\n").slice(0, 8).join("; ")}`,
  );
  const keep = process.env.ASPIRE_VM_KEEP === "1";
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-vm-"));
  t.after(async () => {
    for (const vm of running) await vm.stop();
    if (keep) console.log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
    printFigures(image);
  });

  // The stand-in secret store: {store name: value}, as fetch-secrets.py's file source reads it.
  const canary = "canary" + randomBytes(12).toString("hex");
  const secretsDir = path.join(work, "secrets");
  fs.mkdirSync(secretsDir, { mode: 0o700 });
  fs.writeFileSync(
    path.join(secretsDir, "secrets.json"),
    JSON.stringify({ "cache-password": canary }) + "\n",
    { mode: 0o600 },
  );
  // The same disk carries the guest side of the test (probe.py, import-images.sh), so that they can
  // change without rebuilding the image.
  fs.cpSync(path.join(VM_DIR, "guest-tools"), path.join(secretsDir, "tools"), { recursive: true });

  /** A VM's test disk (label aspire-secrets, mounted at /mnt/aspire-test): the secrets file and the
   *  guest tools, plus `files` (its first release at release.json.gz, ...). */
  async function testDisk(name: string, files: Record<string, Buffer | string>): Promise<string> {
    const dir = path.join(work, `${name}-test-disk`);
    fs.cpSync(secretsDir, dir, { recursive: true });
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content);
    }
    const disk = path.join(work, `${name}-test.img`);
    await makeExt4(disk, 8, "aspire-secrets", dir);
    return disk;
  }

  /** Starts one VM (killed after `boots` boot timeouts); its disks: a fresh copy of the root disk,
   *  ...extra, the seed, the test disk (testDisk()), the results disk. */
  async function boot(
    name: string,
    userData: Buffer | string,
    test: string,
    extra: Disk[],
    boots = 1,
    o: { hostname?: string; privateNic?: VmOptions["privateNic"] } = {},
  ): Promise<{ vm: Vm; s: Scenario }> {
    const dir = path.join(work, name);
    fs.mkdirSync(dir, { recursive: true });
    const root = path.join(dir, "root.img");
    await rootCopy(image, root);
    const seed = await makeSeed(
      path.join(dir, "seed"),
      userData,
      `i-${name}-${randomBytes(4).toString("hex")}`,
      o.hostname,
    );
    const results = path.join(dir, "results.img");
    await makeExt4(results, 16, "aspire-results");
    const port = await freePort();
    const vm = new Vm({
      image,
      runDir: dir,
      disks: [
        { file: root },
        ...extra,
        { file: seed, readonly: true },
        { file: test, readonly: true },
        { file: results },
      ],
      hostPort: port,
      timeoutMs: BOOT_TIMEOUT_MS * boots,
      privateNic: o.privateNic,
    });
    running.add(vm);
    vm.start();
    console.log(
      `${name}: qemu pid started, guest port 80 on 127.0.0.1:${port}, console ${vm.consoleLog}`,
    );
    return { vm, s: { dir, port, results } };
  }

  async function withConsole<T>(vm: Vm | Vm[], f: () => Promise<T>): Promise<T> {
    const vms = Array.isArray(vm) ? vm : [vm];
    try {
      return await f();
    } catch (e) {
      for (const v of vms)
        console.log(`console tail (${v.consoleLog}):\n${v.tail(120).replace(/^/gm, "  ")}`);
      throw e;
    } finally {
      for (const v of vms) {
        await v.stop();
        running.delete(v);
      }
    }
  }

  const ready = (n: number) => new RegExp(`ASPIRE-TEST READY boot=${n}\\b`);
  const kernelStart = /Booting Linux on physical CPU/;

  /** `aspire-arm plan` of the starter as the VMs get it (the test images, the file secret and
   *  release sources, a placement), written to a folder of the run; the folder. */
  async function planStarter(name: string, placement: Record<string, string[]> = {}) {
    const out = path.join(work, name);
    await sh(
      "node",
      [
        path.join(REPO, "bin", "aspire-arm.js"),
        "plan",
        STARTER,
        "--no-resources",
        "--secret-file",
        SECRET_FILE,
        "--release-file",
        RELEASE_FILE,
        ...Object.entries(IMAGES).flatMap(([k, v]) => ["--image", `${k}=${v}`]),
        ...Object.entries(placement).flatMap(([vm, rs]) => ["--vm", `${vm}=${rs.join(",")}`]),
        "--out",
        out,
      ],
      { cwd: REPO },
    );
    return out;
  }

  const A_NAME =
    "(a) starter app: cloud-init done, services up, Redis reached through the proxy, secret kept; then a release rolled out and a failing one rolled back, with a client polling through Caddy";
  await t.test(A_NAME, only(A_NAME), async () => {
    const manifestArg = STARTER;
    const out = await planStarter("plan-a");
    const userData = fs.readFileSync(path.join(out, "app", "user-data"));
    const first = fs.readFileSync(path.join(out, "app", "release.json.gz"));
    const firstId = fs.readFileSync(path.join(out, "app", "release-id"), "utf8").trim();

    // The releases the rollouts deliver, rendered as the CLI renders them: (2) the frontend with a
    // new env value and a new image; (3) the frontend on a build whose command exits at start.
    const release = (webfrontend: string, value?: string) => {
      const [r] = renderFixture({
        manifest: path.join(REPO, manifestArg),
        secretFile: SECRET_FILE,
        releaseFile: RELEASE_FILE,
        images: { ...IMAGES, webfrontend },
        edit: value
          ? (doc) => {
              doc.resources.webfrontend.env = {
                ...doc.resources.webfrontend.env,
                ASPIRE_TEST_RELEASE: value,
              };
            }
          : undefined,
      });
      // An app change never changes what the instance was created with.
      assert.equal(r.cloudConfig, userData.toString("utf8"), "the user data stays as it was");
      return r.release;
    };
    assert.equal(release(IMAGES.webfrontend).id, firstId, "renderFixture's release is the CLI's");
    const second = release("local/aspire-test-app:2", "2");
    const failing = release("local/aspire-test-app:exits", "3");
    assert.equal(new Set([firstId, second.id, failing.id]).size, 3);
    const test = await testDisk("a", {
      "release.json.gz": first,
      "rollouts/2.json.gz": second.gz,
      "rollouts/3.json.gz": failing.gz,
    });

    // Three boot timeouts: the boot, then two rollouts.
    const { vm, s } = await boot("a", userData, test, [], 3);
    const host = await withConsole(vm, async () => {
      const line = await vm.waitFor(ready(1));
      const root = await httpGet(s.port, "/");
      const readyAt = line.t - (vm.timeOf(kernelStart) ?? 0);
      // Each rollout through rollout.sh, the entry point Run Command and the GCE agent call,
      // while a client polls the frontend through Caddy ten times a second: GET /health (GET /
      // opens a Redis connection and calls apiservice for every request, which an emulated VM
      // cannot serve ten times a second: requests queued up by the hundred).
      const client = () => poll(s.port, "/health", 10, (body: string) => body === "ok");
      // The client alone first: what the emulated VM serves without a rollout.
      const idle = client();
      await new Promise((r) => setTimeout(r, 10_000));
      const baseline = { client: await idle.stop(), load: os.loadavg()[0] };
      const rollout = async (n: number, bundle: string) => {
        const from = vm.lines.length;
        const polling = client();
        await vm.command(`rollout /mnt/aspire-test/rollouts/${bundle}`);
        const done = await vm.waitFor(new RegExp(`ASPIRE-TEST ROLLOUT done n=${n} `), from);
        // A few seconds more: requests after the switch reach the new (or restored) containers.
        await new Promise((r) => setTimeout(r, 3000));
        return { done: done.text, client: await polling.stop(), load: os.loadavg()[0] };
      };
      const r2 = await rollout(1, "2.json.gz");
      const after2 = await httpGet(s.port, "/");
      const r3 = await rollout(2, "3.json.gz");
      const after3 = await httpGet(s.port, "/");
      await vm.command("poweroff");
      await vm.waitExit(180_000);
      return { root, readyAt, baseline, r2, after2, r3, after3 };
    });
    const [r] = await readResults(s.results);
    assert.ok(r, "the probe wrote no results");
    const rolled = [1, 2].map(async (n) => {
      const text = await readFromExt4(s.results, `/rollout-${n}.json`);
      assert.ok(text, `the probe wrote rollout-${n}.json`);
      return JSON.parse(text) as Record<string, any>;
    });
    const [ro2, ro3] = await Promise.all(rolled);
    fs.writeFileSync(
      path.join(s.dir, "results.json"),
      JSON.stringify({ boot: r, rollouts: [ro2, ro3] }, null, 1),
    );
    figure("(a) starter app", "first boot", r, host.readyAt);
    if (
      r.cloud_init_status?.recoverable_errors &&
      Object.keys(r.cloud_init_status.recoverable_errors).length
    )
      console.log(
        `(a) cloud-init recoverable errors (warnings): ${JSON.stringify(r.cloud_init_status.recoverable_errors)}`,
      );
    assertHealthyBoot(r, "(a)");
    if (r.secret_in_docker_state?.length)
      console.log(
        `note: the secret is in Docker's own state on the boot disk (container environments): ${r.secret_in_docker_state.join(", ")}`,
      );
    assert.equal(
      host.root.status,
      200,
      `GET / through the forwarded port 80: ${host.root.status} ${host.root.body}`,
    );
    const body = JSON.parse(host.root.body);
    assert.equal(body.redis, "PONG", `the frontend's ConnectionStrings__cache: ${host.root.body}`);
    assert.equal(
      body.apiservice,
      "ok",
      `the frontend's services__apiservice__http__0: ${host.root.body}`,
    );
    assert.equal(body.cache, "cache:6379");
    assert.ok(!host.root.body.includes(canary));
    assert.equal(r.current_release, firstId, "the bootstrap applied the first release");

    rolloutFigure(
      "(a) none: the client alone for 10 s",
      { result: "-", seconds: 0 },
      host.baseline,
    );
    assert.equal(host.baseline.client.failed, 0, host.baseline.client.failures.join("\n"));

    // (2): live, without a failed request; the unchanged services' containers kept running.
    rolloutFigure("(a) new env value and image (webfrontend)", ro2, host.r2);
    const frontends = (x: Record<string, any>) =>
      (x.containers as Container[]).filter((c) => c.service === "webfrontend");
    const startedOf = (x: Record<string, any>, service: string) =>
      (x.containers as Container[]).find((c) => c.service === service)?.started;
    assert.equal(ro2.rc, 0, `rollout 2 failed:\n${ro2.stderr}\n${ro2.stdout}`);
    assert.equal(ro2.current, second.id);
    assert.equal(ro2.previous, firstId, "the release before it is kept as the rollback target");
    assert.deepEqual(
      frontends(ro2).map((c) => [c.state, c.image, c.env]),
      [["running", "local/aspire-test-app:2", ["ASPIRE_TEST_BUILD=2", "ASPIRE_TEST_RELEASE=2"]]],
      `the new frontend: ${JSON.stringify(ro2.containers)}`,
    );
    assert.match(ro2.stdout, /starting a new webfrontend container beside the old one/);
    for (const unchanged of ["apiservice", "cache", "caddy"])
      assert.equal(
        startedOf(ro2, unchanged),
        startedOf(r, unchanged),
        `${unchanged} was not restarted by a release that does not change it`,
      );
    assert.equal(JSON.parse(host.after2.body).redis, "PONG", host.after2.body);
    assert.deepEqual(host.r2.client.failures, [], "requests failed during the rollout");
    assert.equal(host.r2.client.failed, 0);
    assert.deepEqual(ro2.secret_leaks, [], "the secret appears in these files after the rollout");

    // (3): the service exits at start: the rollout fails with its log lines, and the release
    // before it serves again, without a failed request.
    rolloutFigure("(a) a build that exits at start (webfrontend): rolled back", ro3, host.r3);
    assert.notEqual(ro3.rc, 0, `rollout 3 should fail:\n${ro3.stdout}`);
    assert.match(ro3.stderr, /webfrontend is not healthy/, ro3.stderr);
    assert.match(ro3.stderr, /aspire-test-app: this build exits at start/, ro3.stderr);
    assert.match(ro3.stdout + ro3.stderr, /rolled back to/, ro3.stderr);
    assert.equal(ro3.current, second.id, "the release before it is current again");
    assert.deepEqual(
      frontends(ro3).map((c) => [c.state, c.image, c.env]),
      [["running", "local/aspire-test-app:2", ["ASPIRE_TEST_BUILD=2", "ASPIRE_TEST_RELEASE=2"]]],
      `the frontend after the rollback: ${JSON.stringify(ro3.containers)}`,
    );
    assert.equal(JSON.parse(host.after3.body).redis, "PONG", host.after3.body);
    assert.deepEqual(host.r3.client.failures, [], "requests failed during the failed rollout");
    assert.equal(host.r3.client.failed, 0);
    assert.deepEqual(ro3.secret_leaks, [], "the secret appears in these files after the rollback");
  });

  await t.test(
    "(b) reboot and (c) data disk: the named volume on /dev/vdb survives a reboot and a new VM",
    only(
      "(b) reboot and (c) data disk: the named volume on /dev/vdb survives a reboot and a new VM",
    ),
    async () => {
      const manifest = path.join(VM_DIR, "fixtures", "starter-with-volume", "aspire-manifest.json");
      const [rendered] = renderFixture({
        manifest,
        secretFile: SECRET_FILE,
        releaseFile: RELEASE_FILE,
        images: IMAGES,
        dataDisk: "/dev/vdb",
      });
      const test = await testDisk("bc", { "release.json.gz": rendered.release.gz });
      // The bytes AWS is sent: gzip-compressed cloud-config.
      assert.equal(rendered.userDataEncoding, "gzip");
      const data = path.join(work, "data.img");
      await makeBlank(data, 1024);
      const key = "aspire-vm-test";
      const value = randomBytes(8).toString("hex");

      // First boot of VM 1 (blank data disk), then a reboot of the same VM.
      const first = await boot("bc1", rendered.userData, test, [{ file: data }], 2);
      const times = await withConsole(first.vm, async () => {
        const vm = first.vm;
        const r1 = await vm.waitFor(ready(1));
        const root = JSON.parse((await httpGet(first.s.port, "/")).body);
        assert.equal(root.redis, "PONG", `boot 1 GET /: ${JSON.stringify(root)}`);
        const set = JSON.parse(
          (await httpGet(first.s.port, `/set?key=${key}&value=${value}`)).body,
        );
        assert.equal(set.set, "OK", `SET through the app: ${JSON.stringify(set)}`);
        assert.equal(
          JSON.parse((await httpGet(first.s.port, `/get?key=${key}`)).body).value,
          value,
        );
        await new Promise((r) => setTimeout(r, 3000)); // --save 1 1
        const from = vm.lines.length;
        await vm.command("reboot");
        const r2 = await vm.waitFor(ready(2), from);
        const got = JSON.parse((await httpGet(first.s.port, `/get?key=${key}`)).body);
        assert.equal(got.value, value, `(b) after the reboot, GET ${key}: ${JSON.stringify(got)}`);
        await vm.command("poweroff");
        await vm.waitExit(180_000);
        return {
          ready1: r1.t - (vm.timeOf(kernelStart, 1) ?? 0),
          ready2: r2.t - (vm.timeOf(kernelStart, 2) ?? 0),
        };
      });
      const [b1, b2] = await readResults(first.s.results);
      assert.ok(b1 && b2, "the probe wrote results for both boots");
      fs.writeFileSync(path.join(first.s.dir, "results.json"), JSON.stringify([b1, b2], null, 1));
      figure(
        "(b)/(c) named volume on data disk",
        "first boot (formats the disk)",
        b1,
        times.ready1,
      );
      figure("(b) same VM", "after reboot", b2, times.ready2);
      assertHealthyBoot(b1, "(c) boot 1");
      assert.ok(
        b1.bootstrap_log.some((l: string) => l.includes("formatting blank data disk /dev/vdb")),
        `(c) boot 1 formats the disk: ${b1.bootstrap_log.join("\n")}`,
      );
      assert.equal(
        b1.data_mount?.source,
        "/dev/vdb",
        `(c) boot 1: data dir mounted from the data disk: ${JSON.stringify(b1.data_mount)}`,
      );
      assertHealthyBoot(b2, "(b) after reboot");
      // Docker restarts the containers by itself at boot: it must wait for the data disk (the
      // bootstrap's RequiresMountsFor drop-in), or the volume would be the boot disk's mount point.
      const mountUnit = "var-lib-aspire\\x2darm-data.mount";
      assert.ok(
        unitList(b2.docker_unit?.After).includes(mountUnit),
        `(b) docker.service is ordered after ${mountUnit}: After=${b2.docker_unit?.After}`,
      );
      assert.ok(
        Number(b2.data_mount_unit?.ActiveEnterTimestampMonotonic) <=
          Number(b2.docker_unit?.ExecMainStartTimestampMonotonic),
        `(b) the data disk was mounted (${b2.data_mount_unit?.ActiveEnterTimestampMonotonic} us) before docker started (${b2.docker_unit?.ExecMainStartTimestampMonotonic} us)`,
      );
      assert.notEqual(b2.boot_id, b1.boot_id, "(b) the VM rebooted");
      assert.equal(
        b2.data_mount?.source,
        "/dev/vdb",
        `(b) after reboot the data disk is mounted again (fstab): ${JSON.stringify(b2.data_mount)}`,
      );

      // VM 2: a new instance (fresh root disk, new instance-id: bootstrap runs again) with the same disk.
      const second = await boot("bc2", rendered.userData, test, [{ file: data }]);
      const ready3 = await withConsole(second.vm, async () => {
        const vm = second.vm;
        const r = await vm.waitFor(ready(1));
        const got = JSON.parse((await httpGet(second.s.port, `/get?key=${key}`)).body);
        assert.equal(
          got.value,
          value,
          `(c) new VM with the same data disk, GET ${key}: ${JSON.stringify(got)}`,
        );
        await vm.command("poweroff");
        await vm.waitExit(180_000);
        return r.t - (vm.timeOf(kernelStart) ?? 0);
      });
      const [c1] = await readResults(second.s.results);
      assert.ok(c1, "the probe wrote results");
      fs.writeFileSync(path.join(second.s.dir, "results.json"), JSON.stringify(c1, null, 1));
      figure("(c) new VM, same data disk", "first boot (keeps the disk)", c1, ready3);
      assertHealthyBoot(c1, "(c) new VM");
      assert.ok(
        c1.bootstrap_log.some((l: string) => l.includes("already has a filesystem; keeping it")),
        `(c) the disk is kept: ${c1.bootstrap_log.join("\n")}`,
      );
      assert.ok(
        !c1.bootstrap_log.some((l: string) => l.includes("formatting")),
        "(c) not formatted again",
      );
      // The data is on the data disk itself, not on a root disk.
      const listing = await listExt4(data, "/volumes/cache-data");
      assert.match(listing, /dump\.rdb/, `Redis' snapshot on the data disk:\n${listing}`);
    },
  );

  await t.test(
    "(d) split placement: data (Redis) and app (projects) on two VMs, one private network",
    only("(d) split placement: data (Redis) and app (projects) on two VMs, one private network"),
    async () => {
      const started = Date.now();
      const manifestArg = STARTER;
      const placement = { data: ["cache"], app: ["apiservice", "webfrontend"] };
      const rendered = renderFixture({
        manifest: path.join(REPO, manifestArg),
        secretFile: SECRET_FILE,
        releaseFile: RELEASE_FILE,
        images: IMAGES,
        vms: placement,
      });
      assert.deepEqual(rendered.map((r) => r.vm.name).sort(), ["app", "data"]);
      // The user data the CLI writes for the same placement, byte for byte.
      const out = await planStarter("plan-d", placement);
      for (const r of rendered)
        assert.equal(
          r.cloudConfig,
          fs.readFileSync(path.join(out, r.vm.name, "user-data"), "utf8"),
          `${r.vm.name}: renderFixture's user data is the CLI's`,
        );
      for (const r of rendered)
        assert.deepEqual(
          r.release.gz,
          fs.readFileSync(path.join(out, r.vm.name, "release.json.gz")),
          `${r.vm.name}: renderFixture's release is the CLI's`,
        );

      // What the plan publishes, from the rendered compose files: the reachability expectations below rest on it.
      const compose = (r: RenderedVm) =>
        yaml.load(r.appConfig.find((f) => f.path === "compose.yaml")!.content) as {
          services: Record<
            string,
            { image: string; ports?: string[]; environment?: Record<string, string> }
          >;
        };
      const vm = Object.fromEntries(rendered.map((r) => [r.vm.name, { r, compose: compose(r) }]));
      const published = (name: string) =>
        Object.values(vm[name].compose.services)
          .flatMap((s) => s.ports ?? [])
          .sort();
      assert.deepEqual(
        published("data"),
        ["6379:6379"],
        "data publishes the cache's port (private: the app's VM is its client)",
      );
      assert.deepEqual(published("app"), ["80:80"], "app publishes the proxy's port only");
      const stack = "dev"; // the stack renderFixture plans
      const dataName = vmAlias("data", stack);
      const appName = vmAlias("app", stack);
      assert.match(
        vm.app.compose.services.webfrontend.environment?.ConnectionStrings__cache ?? "",
        new RegExp(`^${dataName.replace(/\./g, "\\.")}:6379,password=\\$\\{ASPIRE_P_`),
        "the frontend's connection string names data in the private zone",
      );

      // The private network: a second NIC on each VM, linked by qemu (-netdev dgram), its static
      // address given at boot (a systemd-networkd credential on the kernel command line, vm.ts); the
      // private zone: its two A records, answered by a resolver on each VM (guest-tools/private-net.py).
      const nets = {
        data: { ip: "10.10.0.11", mac: "52:54:00:0a:0a:0b" },
        app: { ip: "10.10.0.12", mac: "52:54:00:0a:0a:0c" },
      };
      const records = { [dataName]: nets.data.ip, [appName]: nets.app.ip };
      const reach = {
        app: [
          {
            host: dataName,
            port: 6379,
            expect: "open",
            send: "PING\r\n",
            why: "the cache's port, published by data (its client is on app)",
          },
          {
            host: dataName,
            port: 6380,
            expect: "refused",
            why: "a port the plan does not publish on data",
          },
        ],
        data: [
          {
            host: appName,
            port: 80,
            expect: "open",
            why: "the proxy's port, published by app: the path from data to app works",
          },
          {
            host: appName,
            port: 8080,
            expect: "refused",
            why: "webfrontend and apiservice listen on 8080 in their containers, not published",
          },
          {
            host: appName,
            port: 6379,
            expect: "refused",
            why: "Redis' port, on a VM where it is not published",
          },
        ],
      };
      const ports = { data: await freeUdpPort(), app: await freeUdpPort() };
      while (ports.app === ports.data) ports.app = await freeUdpPort();
      const boots = await Promise.all(
        (["data", "app"] as const).map(async (name) => {
          const images = [
            ...new Set(Object.values(vm[name].compose.services).map((s) => s.image)),
          ].sort();
          const vmJson = {
            vm: name,
            mac: nets[name].mac,
            address: `${nets[name].ip}/24`,
            zone: privateZone(stack),
            records,
            images,
            reach: reach[name],
          };
          const disk = await testDisk(`d-${name}`, {
            "vm.json": JSON.stringify(vmJson, null, 1) + "\n",
            "release.json.gz": vm[name].r.release.gz,
          });
          const other = name === "data" ? "app" : "data";
          return boot(`d-${name}`, vm[name].r.userData, disk, [], 1, {
            hostname: name,
            privateNic: {
              mac: nets[name].mac,
              address: `${nets[name].ip}/24`,
              localPort: ports[name],
              remotePort: ports[other],
            },
          });
        }),
      );
      const [data, app] = boots;
      const host = await withConsole([data.vm, app.vm], async () => {
        const [rd, ra] = await Promise.all([data.vm.waitFor(ready(1)), app.vm.waitFor(ready(1))]);
        const root = await httpGet(app.s.port, "/");
        const from = [data.vm.lines.length, app.vm.lines.length];
        await Promise.all([data.vm.command("reach"), app.vm.command("reach")]);
        await Promise.all([
          data.vm.waitFor(/ASPIRE-TEST REACH done/, from[0]),
          app.vm.waitFor(/ASPIRE-TEST REACH done/, from[1]),
        ]);
        await Promise.all([data.vm.command("poweroff"), app.vm.command("poweroff")]);
        await Promise.all([data.vm.waitExit(180_000), app.vm.waitExit(180_000)]);
        return {
          root,
          dataReady: rd.t - (data.vm.timeOf(kernelStart) ?? 0),
          appReady: ra.t - (app.vm.timeOf(kernelStart) ?? 0),
        };
      });
      const wall = (Date.now() - started) / 1000;
      const results = async (b: (typeof boots)[number]) => {
        const [r] = await readResults(b.s.results);
        const text = await readFromExt4(b.s.results, "/reach.json");
        assert.ok(r && text, `${b.s.dir}: the probe wrote its results and reach.json`);
        const rr = JSON.parse(text);
        fs.writeFileSync(
          path.join(b.s.dir, "results.json"),
          JSON.stringify({ boot: r, reach: rr }, null, 1),
        );
        return { r, reach: rr as { checks: Record<string, any>[]; zone_dns_log: string[] } };
      };
      const d = await results(data);
      const a = await results(app);
      figure("(d) split: data VM (cache)", "first boot, with app", d.r, host.dataReady);
      figure(
        "(d) split: app VM (apiservice, webfrontend, caddy)",
        "first boot, with data",
        a.r,
        host.appReady,
      );
      notes.push(
        `(d) wall time: ${wall.toFixed(0)} s from rendering to both VMs powered off (the two VMs boot at the same time).`,
      );
      console.log(`(d) wall time ${wall.toFixed(0)} s`);
      for (const [name, x] of [
        ["data", d],
        ["app", a],
      ] as const) {
        console.log(
          `(d) ${name} reach: ${JSON.stringify(x.reach.checks.map((c) => [c.host, c.port, c.result, c.reply]))}`,
        );
        console.log(
          `(d) ${name} zone resolver log (last lines): ${JSON.stringify(x.reach.zone_dns_log.slice(-6))}`,
        );
      }
      assertHealthyBoot(d.r, "(d) data", ["cache"]);
      assertHealthyBoot(a.r, "(d) app", ["apiservice", "caddy", "webfrontend"]);
      for (const [name, x] of [
        ["data", d],
        ["app", a],
      ] as const) {
        // `ip -4 -o address show`: "3: eth1    inet 10.10.0.11/24 ..."
        const addrs = (x.r.addresses as string[])
          .map((l) => l.split(/\s+/))
          .map((w) => ({ dev: w[1], cidr: w[3] }));
        const nic = addrs.find((p) => p.cidr === `${nets[name].ip}/24`)?.dev;
        assert.ok(nic, `(d) ${name} has its private address: ${JSON.stringify(x.r.addresses)}`);
        assert.deepEqual(
          addrs.filter((p) => p.dev === nic).map((p) => p.cidr),
          [`${nets[name].ip}/24`],
          `(d) ${name}: only the private address on ${nic}`,
        );
        assert.deepEqual(
          addrs.filter((p) => p.cidr === "10.0.2.15/24").length,
          1,
          `(d) ${name}: the user-mode NIC's address on one NIC: ${JSON.stringify(x.r.addresses)}`,
        );
        assert.ok(
          !(x.r.failed_units as string[]).some((u) => u.includes("wait-online")),
          `(d) ${name}: the network came online: ${JSON.stringify(x.r.failed_units)}`,
        );
      }

      // The frontend on app reaches Redis on data through its wired connection string, through Caddy.
      assert.equal(
        host.root.status,
        200,
        `GET / through app's forwarded port 80: ${host.root.status} ${host.root.body}`,
      );
      const body = JSON.parse(host.root.body);
      assert.equal(
        body.cache,
        `${dataName}:6379`,
        `the frontend's ConnectionStrings__cache: ${host.root.body}`,
      );
      assert.equal(body.redis, "PONG", `the frontend reaches Redis on data: ${host.root.body}`);
      assert.equal(
        body.apiservice,
        "ok",
        `the frontend reaches apiservice on its own VM: ${host.root.body}`,
      );
      assert.ok(!host.root.body.includes(canary));
      // The name came from the zone's stand-in: Docker's DNS knows only container names and
      // forwards the rest from the container to the VM's resolver (the query's source is the
      // container's address; the VM's own address is the probe's lookup).
      const fromContainer = a.reach.zone_dns_log.filter(
        (l) =>
          l.endsWith(`: A ${dataName} -> ${nets.data.ip}`) &&
          !l.startsWith(`from ${nets.app.ip}:`) &&
          !l.startsWith("from 127."),
      );
      assert.ok(
        fromContainer.length > 0,
        `(d) app's resolver answered ${dataName} to a container: ${a.reach.zone_dns_log.join("\n")}`,
      );

      // Only what the plan publishes is reachable from the other VM.
      for (const [name, x] of [
        ["data", d],
        ["app", a],
      ] as const)
        for (const c of x.reach.checks) {
          assert.equal(
            c.address,
            records[c.host],
            `(d) from ${name}, ${c.host} resolves to ${records[c.host]}: ${JSON.stringify(c)}`,
          );
          assert.equal(
            c.result,
            c.expect,
            `(d) from ${name}, TCP ${c.host}:${c.port} (${c.why}): ${JSON.stringify(c)}`,
          );
        }
      const redis = a.reach.checks.find((c) => c.port === 6379);
      assert.match(
        redis?.reply ?? "",
        /^-NOAUTH/,
        `(d) from app, data:6379 is Redis asking for its password: ${JSON.stringify(redis)}`,
      );
    },
  );
});

function printFigures(image: string): void {
  if (!figures.length && !rolloutFigures.length) return;
  const info = fs.existsSync(path.join(image, "info.txt"))
    ? fs.readFileSync(path.join(image, "info.txt"), "utf8")
    : "";
  const buildSeconds = fs.existsSync(path.join(image, "build-seconds"))
    ? fs.readFileSync(path.join(image, "build-seconds"), "utf8").trim()
    : "?";
  const rows = figures.map(
    (f) =>
      `| ${f.scenario} | ${f.boot} | ${fmt(f.cloudInitDone)} | ${fmt(f.healthy)} | ${fmt(f.hostReady)} | ${f.load.toFixed(1)} |`,
  );
  const md = [
    "# Emulated arm64 VM boot figures",
    "",
    `Measured by \`npm run test:vm\` (test/vm/boot.test.ts) on ${new Date().toISOString().slice(0, 10)}: Debian 13 arm64 under`,
    "qemu-system-aarch64 with TCG (no KVM: every arm64 instruction is emulated) on a 2-core x86-64 machine,",
    "`-M virt -cpu max,pauth-impdef=on -smp 2 -m 2048`, direct kernel boot. Seconds of guest uptime (from the",
    "kernel's start). Emulation makes these an upper bound: a real Graviton or Axion VM is many times faster.",
    "",
    "- **cloud-init done**: cloud-init's final stage has finished (`/run/cloud-init/result.json` exists);",
    "  on a first boot this includes the bootstrap (data disk, `systemctl enable --now aspire-arm-app`, whose",
    "  apply.sh fetches the secrets and runs `docker compose up`).",
    "- **all healthy**: every compose service running and the proxy on port 80 answering with the frontend's",
    "  Redis check passing (probed from inside the guest every 2 s); on (d)'s data VM, which has no proxy,",
    "  Redis' container running (the app VM's figure is the one that shows Redis reached across VMs).",
    "- **(d)**: the two VMs are emulated at the same time on the same 2 cores, so each boots slower than a",
    "  single VM does; its host load counts both emulators (above 4, other work shared the cores).",
    "- **ready (host)**: when the guest's probe had written its results, on the host's clock, from the kernel's",
    "  first console line.",
    "- **host load**: the host's 1-minute load average then; above 2, other work shared the 2 cores with the",
    "  emulator and the boot took longer.",
    "",
    "| scenario | boot | cloud-init done (s) | all healthy (s) | ready, host (s) | host load |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    ...notes.flatMap((n) => [n, ""]),
    ...(rolloutFigures.length
      ? [
          "Rollouts on the running VM of (a): `rollout.sh file BUNDLE` (what Run Command and the GCE agent run),",
          "while the host polls the frontend's `GET /health` through Caddy on the forwarded port 80, ten requests",
          "a second (the first row: the client alone, before any rollout).",
          "**Rollout time** is rollout.sh's run on the VM (unpack, apply, health gate, and on failure the",
          "rollback); **failed** counts requests not answered 200 (errors, resets, timeouts of 30 s);",
          "**degraded** counts answers 200 whose body was not the frontend's `ok`.",
          "",
          "| rollout | result | rollout time (s) | requests | failed | degraded | slowest answer (ms) | host load |",
          "|---|---|---|---|---|---|---|---|",
          ...rolloutFigures.map(
            (f) =>
              `| ${f.scenario} | ${f.result} | ${f.seconds.toFixed(0)} | ${f.client.requests} | ${f.client.failed} | ${f.client.degraded} | ${f.client.slowestMs} | ${f.load.toFixed(1)} |`,
          ),
          "",
        ]
      : []),
    `Image: built once per recipe hash in ${buildSeconds} s (mmdebstrap under qemu-user, 2 cores); ${info
      .split("\n")
      .filter((l) =>
        /^(kernel|cloud-init|docker\.io|docker-cli|docker-compose|containerd|python3|systemd)[: ]/.test(
          l,
        ),
      )
      .join(", ")}.`,
    "",
  ].join("\n");
  console.log(md);
  if (process.env.ASPIRE_VM_FIGURES) fs.writeFileSync(process.env.ASPIRE_VM_FIGURES, md);
}
