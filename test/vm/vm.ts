// The host side of the emulated arm64 VM test: the cached image, seed and test disks, and one
// qemu-system-aarch64 process per boot, watched through its serial console and stopped by PID.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import * as dgram from "node:dgram";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository root (this file runs as dist/test/vm/vm.js). */
export const REPO = path.resolve(__dirname, "../../..");
export const VM_DIR = path.join(REPO, "test", "vm");

/** The folder of the cached image (ensure-image.sh builds it when the recipe changed). */
export async function ensureImage(): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn("bash", [path.join(VM_DIR, "ensure-image.sh")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("error", reject);
    p.on("close", (code) =>
      code === 0
        ? resolve(out.trim().split("\n").pop() as string)
        : reject(new Error(`ensure-image.sh exited with ${code}`)),
    );
  });
}

export async function sh(
  cmd: string,
  args: string[],
  opts: { cwd?: string; timeout?: number } = {},
): Promise<string> {
  const { stdout } = await run(cmd, args, {
    cwd: opts.cwd,
    timeout: opts.timeout ?? 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** A free TCP port on 127.0.0.1 for the forward of the guest's port 80. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A free UDP port on 127.0.0.1: one end of a private network link between two VMs. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket("udp4");
    s.on("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

/** A sparse ext4 disk image, optionally filled from a folder (no loop mount needed). */
export async function makeExt4(
  file: string,
  sizeMb: number,
  label: string,
  fromDir?: string,
): Promise<void> {
  fs.rmSync(file, { force: true });
  await sh("truncate", ["-s", `${sizeMb}M`, file]);
  // No journal: what the guest wrote is in place once it synced, even if qemu is killed.
  await sh("mkfs.ext4", [
    "-q",
    "-F",
    "-O",
    "^has_journal",
    "-L",
    label,
    ...(fromDir ? ["-d", fromDir] : []),
    file,
  ]);
}

/** An empty (blank) raw disk. */
export async function makeBlank(file: string, sizeMb: number): Promise<void> {
  fs.rmSync(file, { force: true });
  await sh("truncate", ["-s", `${sizeMb}M`, file]);
}

/** The NoCloud seed: an ISO labelled cidata with user-data and meta-data. */
export async function makeSeed(
  dir: string,
  userData: Buffer | string,
  instanceId: string,
  hostname = "app",
): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "user-data"), userData);
  fs.writeFileSync(
    path.join(dir, "meta-data"),
    `instance-id: ${instanceId}\nlocal-hostname: ${hostname}\n`,
  );
  const iso = path.join(dir, "seed.iso");
  await sh("cloud-localds", [iso, path.join(dir, "user-data"), path.join(dir, "meta-data")]);
  return iso;
}

/** The text of one file of an ext4 image (debugfs), or undefined when it is not there. */
export async function readFromExt4(image: string, file: string): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run("debugfs", ["-R", `cat ${file}`, image], {
      maxBuffer: 64 * 1024 * 1024,
    });
    if (/not found|File not found/i.test(stderr) && !stdout) return undefined;
    return stdout || undefined;
  } catch {
    return undefined;
  }
}

export async function listExt4(image: string, dir: string): Promise<string> {
  const { stdout } = await run("debugfs", ["-R", `ls -l ${dir}`, image]);
  return stdout;
}

/** The probe's results on the results disk: boot-1.json, boot-2.json, ... */
export async function readResults(image: string): Promise<Record<string, any>[]> {
  const out: Record<string, any>[] = [];
  for (let n = 1; ; n++) {
    const text = await readFromExt4(image, `/boot-${n}.json`);
    if (text === undefined) return out;
    out.push(JSON.parse(text));
  }
}

export interface Disk {
  file: string;
  readonly?: boolean;
}

export interface VmOptions {
  image: string; // folder with vmlinuz, initrd.img
  runDir: string;
  /** In order: vda (root), vdb, ... */
  disks: Disk[];
  hostPort: number;
  timeoutMs: number;
  cpu?: string;
  /** A second NIC on a private network: Ethernet frames in UDP datagrams between two qemu
   *  processes on 127.0.0.1 (`-netdev dgram`), this VM's end at localPort, the other's at remotePort.
   *  The MAC must differ between the VMs (qemu's default is the same in every process). Its static
   *  address (CIDR) is given at boot: see privateNetworkCredential. */
  privateNic?: { mac: string; address: string; localPort: number; remotePort: number };
}

/** The kernel command-line argument that configures the private NIC at boot: a systemd credential
 *  that systemd-network-generator (systemd 256 and later) writes to
 *  /run/systemd/network/05-aspire-test-private.network before systemd-networkd starts. Matched by
 *  MAC and sorted before the image's 10-slirp.network, whose `Name=eth0 en*` also matches a second
 *  NIC by its alternative name (enp0sN): without this file that NIC got the user-mode NIC's address
 *  and default route, the duplicate route failed, and systemd-networkd-wait-online held the boot
 *  for its 120 s timeout. */
export function privateNetworkCredential(mac: string, address: string): string {
  const unit = `[Match]\nMACAddress=${mac}\n\n[Network]\nAddress=${address}\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n`;
  return `systemd.set_credential_binary=network.network.05-aspire-test-private:${Buffer.from(unit).toString("base64")}`;
}

interface ConsoleLine {
  t: number; // seconds since qemu was started
  text: string;
}

/** One qemu-system-aarch64 process: serial console to RUN/console.log with host timestamps. */
export class Vm {
  readonly lines: ConsoleLine[] = [];
  readonly consoleLog: string;
  readonly ctlSock: string;
  private proc?: ChildProcess;
  private pid?: number;
  private started = 0;
  private partial = "";
  private log?: fs.WriteStream;
  private waiters: { re: RegExp; from: number; resolve: (l: ConsoleLine) => void }[] = [];
  private exited?: Promise<number | null>;
  private exitCode?: number | null;
  private killTimer?: NodeJS.Timeout;
  private ctl?: net.Socket;

  constructor(readonly o: VmOptions) {
    this.consoleLog = path.join(o.runDir, "console.log");
    this.ctlSock = path.join(o.runDir, "ctl.sock");
  }

  get elapsed(): number {
    return (Date.now() - this.started) / 1000;
  }

  start(): void {
    const o = this.o;
    fs.rmSync(this.ctlSock, { force: true });
    const args = [
      "-M",
      "virt",
      "-accel",
      "tcg,thread=multi",
      "-cpu",
      o.cpu ?? "max,pauth-impdef=on",
      "-smp",
      "2",
      "-m",
      "2048",
      "-kernel",
      path.join(o.image, "vmlinuz"),
      "-initrd",
      path.join(o.image, "initrd.img"),
      "-append",
      [
        "root=/dev/vda rw console=ttyAMA0 net.ifnames=0",
        ...(o.privateNic ? [privateNetworkCredential(o.privateNic.mac, o.privateNic.address)] : []),
      ].join(" "),
      ...o.disks.flatMap((d, i) => [
        "-drive",
        `if=none,id=d${i},file=${d.file},format=raw,cache=unsafe${d.readonly ? ",readonly=on" : ""}`,
        "-device",
        `virtio-blk-pci,drive=d${i}`,
      ]),
      // No network but the forward of the guest's port 80 to 127.0.0.1 on the host.
      "-netdev",
      `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${o.hostPort}-:80`,
      "-device",
      "virtio-net-pci,netdev=n0,romfile=",
      ...(o.privateNic
        ? [
            "-netdev",
            `dgram,id=n1,local.type=inet,local.host=127.0.0.1,local.port=${o.privateNic.localPort},remote.type=inet,remote.host=127.0.0.1,remote.port=${o.privateNic.remotePort}`,
            "-device",
            `virtio-net-pci,netdev=n1,mac=${o.privateNic.mac},romfile=`,
          ]
        : []),
      "-device",
      "virtio-rng-pci",
      // The host's commands to the probe (reboot, poweroff).
      "-device",
      "virtio-serial-pci",
      "-chardev",
      `socket,id=ctl,path=${this.ctlSock},server=on,wait=off`,
      "-device",
      "virtserialport,chardev=ctl,name=aspire.ctl",
      "-display",
      "none",
      "-monitor",
      "none",
      "-serial",
      "stdio",
      "-pidfile",
      path.join(o.runDir, "qemu.pid"),
    ];
    fs.writeFileSync(
      path.join(o.runDir, "qemu.cmd"),
      ["qemu-system-aarch64", ...args].join(" ") + "\n",
    );
    this.log = fs.createWriteStream(this.consoleLog);
    this.started = Date.now();
    const p = spawn("qemu-system-aarch64", args, { stdio: ["ignore", "pipe", "pipe"] });
    this.proc = p;
    this.pid = p.pid;
    p.stdout!.on("data", (d: Buffer) => this.onData(d.toString("utf8")));
    p.stderr!.on("data", (d: Buffer) => this.onData(`[qemu stderr] ${d.toString("utf8")}`));
    this.exited = new Promise((resolve) => {
      p.on("close", (code, signal) => {
        this.exitCode = code;
        if (this.partial) this.pushLine(this.partial);
        this.partial = "";
        this.log?.end(
          `[${this.elapsed.toFixed(1).padStart(7)}] [qemu exited: code ${code} signal ${signal}]\n`,
        );
        clearTimeout(this.killTimer);
        this.ctl?.destroy();
        resolve(code);
      });
    });
    this.killTimer = setTimeout(() => {
      this.onData(
        `\n[harness: timeout after ${o.timeoutMs / 1000} s: killing qemu pid ${this.pid}]\n`,
      );
      this.kill();
    }, o.timeoutMs);
  }

  private onData(text: string): void {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop() ?? "";
    for (const line of parts) this.pushLine(line.replace(/\r$/, ""));
  }

  private pushLine(text: string): void {
    const line = { t: this.elapsed, text };
    this.lines.push(line);
    this.log?.write(`[${line.t.toFixed(1).padStart(7)}] ${text}\n`);
    const idx = this.lines.length - 1;
    this.waiters = this.waiters.filter((w) => {
      if (idx >= w.from && w.re.test(text)) {
        w.resolve(line);
        return false;
      }
      return true;
    });
  }

  /** The first console line from line index `from` on that matches; rejects when qemu exits first. */
  waitFor(re: RegExp, from = 0): Promise<ConsoleLine> {
    const found = this.lines.slice(from).find((l) => re.test(l.text));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      this.waiters.push({ re, from, resolve });
      void this.exited?.then((code) =>
        reject(new Error(`qemu exited (code ${code}) before the console showed ${re}`)),
      );
    });
  }

  /** Sends one command line to the probe through the virtio port. */
  async command(cmd: string): Promise<void> {
    if (!this.ctl || this.ctl.destroyed) {
      this.ctl = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(this.ctlSock, () => resolve(s));
        s.on("error", reject);
      });
      this.ctl.on("error", () => undefined);
    }
    this.ctl.write(cmd + "\n");
  }

  /** Waits for qemu to exit by itself (guest poweroff); kills it after ms. */
  async waitExit(ms: number): Promise<number | null> {
    const timer = setTimeout(() => {
      this.onData(
        `\n[harness: qemu did not exit within ${ms / 1000} s: killing pid ${this.pid}]\n`,
      );
      this.kill();
    }, ms);
    try {
      return (await this.exited) ?? null;
    } finally {
      clearTimeout(timer);
    }
  }

  get running(): boolean {
    return this.proc !== undefined && this.exitCode === undefined;
  }

  /** SIGTERM to qemu's PID, SIGKILL 5 s later if it is still there. */
  kill(): void {
    if (!this.running || !this.pid) return;
    const pid = this.pid;
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      return;
    }
    setTimeout(() => {
      if (this.running) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    }, 5000).unref();
  }

  async stop(): Promise<void> {
    this.kill();
    if (this.exited) await this.exited;
  }

  tail(n = 80): string {
    return this.lines
      .slice(-n)
      .map((l) => `[${l.t.toFixed(1).padStart(7)}] ${l.text}`)
      .join("\n");
  }

  /** Host-side time of the n-th (1-based) line matching re. */
  timeOf(re: RegExp, n = 1): number | undefined {
    return this.lines.filter((l) => re.test(l.text))[n - 1]?.t;
  }
}

/** One GET http://127.0.0.1:port/path: status and body; rejects on a connection error or timeout. */
export function request(
  port: number,
  p: string,
  timeoutMs = 20_000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: p, timeout: timeoutMs }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

/** GET http://127.0.0.1:port/path: status and body (retried while the connection fails). */
export async function httpGet(
  port: number,
  p: string,
  tries = 10,
): Promise<{ status: number; body: string }> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await request(port, p);
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
  throw new Error(`GET 127.0.0.1:${port}${p} failed ${tries} times: ${String(last)}`);
}

/** What a client polling the app saw. */
export interface PollStats {
  requests: number;
  /** Not answered 200: an error status, a reset or refused connection, no answer in time. */
  failed: number;
  /** The first failures, as "<seconds since start>s <why>". */
  failures: string[];
  /** Answered 200 by a body that does not show the app healthy (check()). */
  degraded: number;
  slowestMs: number;
  seconds: number;
}

/** GETs port/path `perSecond` times a second (without waiting for earlier answers, as clients do)
 *  until stop(), which waits for the answers still due. */
export function poll(
  port: number,
  p: string,
  perSecond: number,
  check: (body: string) => boolean,
): { stop(): Promise<PollStats> } {
  const started = Date.now();
  const stats: PollStats = {
    requests: 0,
    failed: 0,
    failures: [],
    degraded: 0,
    slowestMs: 0,
    seconds: 0,
  };
  const due = new Set<Promise<void>>();
  const fail = (why: string, at: number) => {
    stats.failed++;
    if (stats.failures.length < 20)
      stats.failures.push(`${((at - started) / 1000).toFixed(1)}s ${why}`);
  };
  const timer = setInterval(() => {
    const at = Date.now();
    stats.requests++;
    const one: Promise<void> = request(port, p, 30_000)
      .then(
        (r) => {
          if (r.status !== 200) fail(`HTTP ${r.status} ${r.body.slice(0, 120)}`, at);
          else if (!check(r.body)) stats.degraded++;
        },
        (e: unknown) => fail(String(e), at),
      )
      .finally(() => {
        stats.slowestMs = Math.max(stats.slowestMs, Date.now() - at);
        due.delete(one);
      });
    due.add(one);
  }, 1000 / perSecond);
  return {
    async stop() {
      clearInterval(timer);
      stats.seconds = (Date.now() - started) / 1000;
      await Promise.all([...due]);
      return stats;
    },
  };
}
