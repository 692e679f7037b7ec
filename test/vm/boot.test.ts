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
//       second VM (new instance, same disk).
// Slow (minutes per boot): runs only with ASPIRE_VM_TEST=1 (`npm run test:vm`, CI's last step).
// Env: ASPIRE_VM_KEEP=1 keeps the run folder; ASPIRE_VM_FIGURES=FILE writes the figures there;
// ASPIRE_VM_BOOT_TIMEOUT (s, default 900) kills a boot that takes longer.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderFixture } from "./render-fixture";
import { ensureImage, freePort, httpGet, listExt4, makeBlank, makeExt4, makeSeed, readResults, REPO, sh, Vm, VM_DIR, type Disk } from "./vm";

const ENABLED = process.env.ASPIRE_VM_TEST === "1";
const BOOT_TIMEOUT_MS = Number(process.env.ASPIRE_VM_BOOT_TIMEOUT ?? 900) * 1000;
const SECRET_FILE = "/mnt/aspire-test/secrets.json";
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
const running = new Set<Vm>();
process.on("exit", () => {
  for (const vm of running) vm.kill();
});

/** Guest figures of one boot from the probe's results (seconds of guest uptime). */
function figure(scenario: string, boot: string, r: Record<string, any>, hostReady?: number): Figure {
  const final = r.cloud_init_status_json?.v1?.["modules-final"]?.finished;
  const f: Figure = {
    scenario,
    boot,
    cloudInitDone: r.cloud_init_done_uptime ?? undefined,
    // cloud-init 25.1 records the stages' times as seconds of uptime (older ones: epoch seconds).
    finalFinished: typeof final === "number" ? (final > 1e9 && r.btime ? final - r.btime : final) : undefined,
    healthy: r.healthy_uptime ?? undefined,
    hostReady,
    load: os.loadavg()[0],
  };
  figures.push(f);
  console.log(`figures ${scenario} ${boot}: cloud-init done at ${fmt(f.cloudInitDone)} s (final stage finished at ${fmt(f.finalFinished)} s), all healthy at ${fmt(f.healthy)} s of uptime; probe ready ${fmt(hostReady)} s after the kernel started (host clock; load ${f.load.toFixed(1)})`);
  return f;
}
const fmt = (n?: number) => (n === undefined ? "-" : n.toFixed(0));

/** What every booted VM must show: cloud-init done without errors, all services running, the
 *  app unit succeeded, secrets.env 0600 root-only, the secret nowhere in logs or unit files. */
function assertHealthyBoot(r: Record<string, any>, what: string): void {
  const status = r.cloud_init_status ?? {};
  assert.equal(status.status, "done", `${what}: cloud-init status ${JSON.stringify(status.status)} (${status.extended_status}); errors: ${JSON.stringify(status.errors)}`);
  assert.deepEqual(status.errors ?? [], [], `${what}: cloud-init errors`);
  assert.deepEqual(r.cloud_init_result_json?.v1?.errors, [], `${what}: /run/cloud-init/result.json errors`);
  assert.ok(r.healthy, `${what}: app not healthy: ${r.healthy_reason}`);
  const want: string[] = r.expected_services;
  assert.deepEqual(want, ["apiservice", "cache", "caddy", "webfrontend"], `${what}: compose services`);
  for (const s of want) {
    const row = (r.compose_ps as { service: string; state: string }[]).find((x) => x.service === s);
    assert.equal(row?.state, "running", `${what}: ${s} is ${row?.state}`);
  }
  assert.equal(r.app_unit?.ActiveState, "active", `${what}: aspire-arm-app.service ${JSON.stringify(r.app_unit)}`);
  assert.equal(r.app_unit?.Result, "success", `${what}: aspire-arm-app.service ${JSON.stringify(r.app_unit)}`);
  assert.match(r.secrets_env_stat ?? "", /^600 root:root /, `${what}: /run/aspire-arm/secrets.env is ${r.secrets_env_stat}`);
  assert.equal(r.canaries, 1, `${what}: the probe read the secret file`);
  assert.equal(r.secret_in_secrets_env, true, `${what}: the secret reached secrets.env`);
  assert.deepEqual(r.secret_leaks, [], `${what}: the secret value appears in these logs or files`);
  assert.equal(r.http_root?.redis, "PONG", `${what}: the frontend through the proxy (guest side): ${JSON.stringify(r.http_root)}`);
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
  return String(value ?? "").split(/\s+/).filter(Boolean).map((u) => (u.startsWith('"') ? (JSON.parse(u) as string) : u));
}

test("emulated arm64 VM boots the rendered user data", async (t: TestContext) => {
  if (!ENABLED) {
    t.skip("boots arm64 VMs under qemu for many minutes: run with ASPIRE_VM_TEST=1 (npm run test:vm)");
    return;
  }
  const image = await ensureImage();
  console.log(`image ${image}: ${fs.readFileSync(path.join(image, "info.txt"), "utf8").split("\n").slice(0, 8).join("; ")}`);
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
  fs.writeFileSync(path.join(secretsDir, "secrets.json"), JSON.stringify({ "cache-password": canary }) + "\n", { mode: 0o600 });
  // The same disk carries the guest side of the test (probe.py, import-images.sh), so that they can
  // change without rebuilding the image.
  fs.cpSync(path.join(VM_DIR, "guest-tools"), path.join(secretsDir, "tools"), { recursive: true });
  const secretsImg = path.join(work, "secrets.img");
  await makeExt4(secretsImg, 8, "aspire-secrets", secretsDir);

  /** Starts one VM (killed after `boots` boot timeouts); its disks: a fresh copy of the root disk,
   *  ...extra, the seed, the secrets and tools disk, the results disk. */
  async function boot(name: string, userData: Buffer | string, extra: Disk[], boots = 1): Promise<{ vm: Vm; s: Scenario }> {
    const dir = path.join(work, name);
    fs.mkdirSync(dir, { recursive: true });
    const root = path.join(dir, "root.img");
    await rootCopy(image, root);
    const seed = await makeSeed(path.join(dir, "seed"), userData, `i-${name}-${randomBytes(4).toString("hex")}`);
    const results = path.join(dir, "results.img");
    await makeExt4(results, 16, "aspire-results");
    const port = await freePort();
    const vm = new Vm({
      image,
      runDir: dir,
      disks: [{ file: root }, ...extra, { file: seed, readonly: true }, { file: secretsImg, readonly: true }, { file: results }],
      hostPort: port,
      timeoutMs: BOOT_TIMEOUT_MS * boots,
    });
    running.add(vm);
    vm.start();
    console.log(`${name}: qemu pid started, guest port 80 on 127.0.0.1:${port}, console ${vm.consoleLog}`);
    return { vm, s: { dir, port, results } };
  }

  async function withConsole<T>(vm: Vm, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      console.log(`console tail (${vm.consoleLog}):\n${vm.tail(120).replace(/^/gm, "  ")}`);
      throw e;
    } finally {
      await vm.stop();
      running.delete(vm);
    }
  }

  const ready = (n: number) => new RegExp(`ASPIRE-TEST READY boot=${n}\\b`);
  const kernelStart = /Booting Linux on physical CPU/;

  await t.test("(a) starter app: cloud-init done, services up, Redis reached through the proxy, secret kept", async () => {
    const out = path.join(work, "plan-a");
    await sh("node", [
      path.join(REPO, "bin", "aspire-arm.js"), "plan", "manifests/aspire-starter/aspire-manifest.json", "--no-resources",
      "--secret-file", SECRET_FILE, ...Object.entries(IMAGES).flatMap(([k, v]) => ["--image", `${k}=${v}`]), "--out", out,
    ], { cwd: REPO });
    const userData = fs.readFileSync(path.join(out, "app", "user-data"));
    const { vm, s } = await boot("a", userData, []);
    const hostChecks = await withConsole(vm, async () => {
      const line = await vm.waitFor(ready(1));
      const root = await httpGet(s.port, "/");
      await vm.command("poweroff");
      await vm.waitExit(180_000);
      return { root, readyAt: line.t - (vm.timeOf(kernelStart) ?? 0) };
    });
    const [r] = await readResults(s.results);
    assert.ok(r, "the probe wrote no results");
    fs.writeFileSync(path.join(s.dir, "results.json"), JSON.stringify(r, null, 1));
    figure("(a) starter app", "first boot", r, hostChecks.readyAt);
    if (r.cloud_init_status?.recoverable_errors && Object.keys(r.cloud_init_status.recoverable_errors).length)
      console.log(`(a) cloud-init recoverable errors (warnings): ${JSON.stringify(r.cloud_init_status.recoverable_errors)}`);
    assertHealthyBoot(r, "(a)");
    if (r.secret_in_docker_state?.length)
      console.log(`note: the secret is in Docker's own state on the boot disk (container environments): ${r.secret_in_docker_state.join(", ")}`);
    assert.equal(hostChecks.root.status, 200, `GET / through the forwarded port 80: ${hostChecks.root.status} ${hostChecks.root.body}`);
    const body = JSON.parse(hostChecks.root.body);
    assert.equal(body.redis, "PONG", `the frontend's ConnectionStrings__cache: ${hostChecks.root.body}`);
    assert.equal(body.apiservice, "ok", `the frontend's services__apiservice__http__0: ${hostChecks.root.body}`);
    assert.equal(body.cache, "cache:6379");
    assert.ok(!hostChecks.root.body.includes(canary));
  });

  await t.test("(b) reboot and (c) data disk: the named volume on /dev/vdb survives a reboot and a new VM", async () => {
    const manifest = path.join(VM_DIR, "fixtures", "starter-with-volume", "aspire-manifest.json");
    const [rendered] = renderFixture({ manifest, secretFile: SECRET_FILE, images: IMAGES, dataDisk: "/dev/vdb" });
    // The bytes AWS is sent: gzip-compressed cloud-config.
    assert.equal(rendered.userDataEncoding, "gzip");
    const data = path.join(work, "data.img");
    await makeBlank(data, 1024);
    const key = "aspire-vm-test";
    const value = randomBytes(8).toString("hex");

    // First boot of VM 1 (blank data disk), then a reboot of the same VM.
    const first = await boot("bc1", rendered.userData, [{ file: data }], 2);
    const times = await withConsole(first.vm, async () => {
      const vm = first.vm;
      const r1 = await vm.waitFor(ready(1));
      const root = JSON.parse((await httpGet(first.s.port, "/")).body);
      assert.equal(root.redis, "PONG", `boot 1 GET /: ${JSON.stringify(root)}`);
      const set = JSON.parse((await httpGet(first.s.port, `/set?key=${key}&value=${value}`)).body);
      assert.equal(set.set, "OK", `SET through the app: ${JSON.stringify(set)}`);
      assert.equal(JSON.parse((await httpGet(first.s.port, `/get?key=${key}`)).body).value, value);
      await new Promise((r) => setTimeout(r, 3000)); // --save 1 1
      const from = vm.lines.length;
      await vm.command("reboot");
      const r2 = await vm.waitFor(ready(2), from);
      const got = JSON.parse((await httpGet(first.s.port, `/get?key=${key}`)).body);
      assert.equal(got.value, value, `(b) after the reboot, GET ${key}: ${JSON.stringify(got)}`);
      await vm.command("poweroff");
      await vm.waitExit(180_000);
      return { ready1: r1.t - (vm.timeOf(kernelStart, 1) ?? 0), ready2: r2.t - (vm.timeOf(kernelStart, 2) ?? 0) };
    });
    const [b1, b2] = await readResults(first.s.results);
    assert.ok(b1 && b2, "the probe wrote results for both boots");
    fs.writeFileSync(path.join(first.s.dir, "results.json"), JSON.stringify([b1, b2], null, 1));
    figure("(b)/(c) named volume on data disk", "first boot (formats the disk)", b1, times.ready1);
    figure("(b) same VM", "after reboot", b2, times.ready2);
    assertHealthyBoot(b1, "(c) boot 1");
    assert.ok(b1.bootstrap_log.some((l: string) => l.includes("formatting blank data disk /dev/vdb")), `(c) boot 1 formats the disk: ${b1.bootstrap_log.join("\n")}`);
    assert.equal(b1.data_mount?.source, "/dev/vdb", `(c) boot 1: data dir mounted from the data disk: ${JSON.stringify(b1.data_mount)}`);
    assertHealthyBoot(b2, "(b) after reboot");
    // Docker restarts the containers by itself at boot: it must wait for the data disk (the
    // bootstrap's RequiresMountsFor drop-in), or the volume would be the boot disk's mount point.
    const mountUnit = "var-lib-aspire\\x2darm-data.mount";
    assert.ok(unitList(b2.docker_unit?.After).includes(mountUnit), `(b) docker.service is ordered after ${mountUnit}: After=${b2.docker_unit?.After}`);
    assert.ok(Number(b2.data_mount_unit?.ActiveEnterTimestampMonotonic) <= Number(b2.docker_unit?.ExecMainStartTimestampMonotonic), `(b) the data disk was mounted (${b2.data_mount_unit?.ActiveEnterTimestampMonotonic} us) before docker started (${b2.docker_unit?.ExecMainStartTimestampMonotonic} us)`);
    assert.notEqual(b2.boot_id, b1.boot_id, "(b) the VM rebooted");
    assert.equal(b2.data_mount?.source, "/dev/vdb", `(b) after reboot the data disk is mounted again (fstab): ${JSON.stringify(b2.data_mount)}`);

    // VM 2: a new instance (fresh root disk, new instance-id: bootstrap runs again) with the same disk.
    const second = await boot("bc2", rendered.userData, [{ file: data }]);
    const ready3 = await withConsole(second.vm, async () => {
      const vm = second.vm;
      const r = await vm.waitFor(ready(1));
      const got = JSON.parse((await httpGet(second.s.port, `/get?key=${key}`)).body);
      assert.equal(got.value, value, `(c) new VM with the same data disk, GET ${key}: ${JSON.stringify(got)}`);
      await vm.command("poweroff");
      await vm.waitExit(180_000);
      return r.t - (vm.timeOf(kernelStart) ?? 0);
    });
    const [c1] = await readResults(second.s.results);
    assert.ok(c1, "the probe wrote results");
    fs.writeFileSync(path.join(second.s.dir, "results.json"), JSON.stringify(c1, null, 1));
    figure("(c) new VM, same data disk", "first boot (keeps the disk)", c1, ready3);
    assertHealthyBoot(c1, "(c) new VM");
    assert.ok(c1.bootstrap_log.some((l: string) => l.includes("already has a filesystem; keeping it")), `(c) the disk is kept: ${c1.bootstrap_log.join("\n")}`);
    assert.ok(!c1.bootstrap_log.some((l: string) => l.includes("formatting")), "(c) not formatted again");
    // The data is on the data disk itself, not on a root disk.
    const listing = await listExt4(data, "/volumes/cache-data");
    assert.match(listing, /dump\.rdb/, `Redis' snapshot on the data disk:\n${listing}`);
  });
});

function printFigures(image: string): void {
  if (!figures.length) return;
  const info = fs.existsSync(path.join(image, "info.txt")) ? fs.readFileSync(path.join(image, "info.txt"), "utf8") : "";
  const buildSeconds = fs.existsSync(path.join(image, "build-seconds")) ? fs.readFileSync(path.join(image, "build-seconds"), "utf8").trim() : "?";
  const rows = figures.map((f) => `| ${f.scenario} | ${f.boot} | ${fmt(f.cloudInitDone)} | ${fmt(f.healthy)} | ${fmt(f.hostReady)} | ${f.load.toFixed(1)} |`);
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
    "  Redis check passing (probed from inside the guest every 2 s).",
    "- **ready (host)**: when the guest's probe had written its results, on the host's clock, from the kernel's",
    "  first console line.",
    "- **host load**: the host's 1-minute load average then; above 2, other work shared the 2 cores with the",
    "  emulator and the boot took longer.",
    "",
    "| scenario | boot | cloud-init done (s) | all healthy (s) | ready, host (s) | host load |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    `Image: built once per recipe hash in ${buildSeconds} s (mmdebstrap under qemu-user, 2 cores); ${info.split("\n").filter((l) => /^(kernel|cloud-init|docker\.io|docker-cli|docker-compose|containerd|python3|systemd)[: ]/.test(l)).join(", ")}.`,
    "",
  ].join("\n");
  console.log(md);
  if (process.env.ASPIRE_VM_FIGURES) fs.writeFileSync(process.env.ASPIRE_VM_FIGURES, md);
}
