// no-secret-in-user-data, and the same check of stack outputs: a secret's value is never where
// anything but the secret store keeps it.
import * as zlib from "node:zlib";
import {
  plain,
  prepare,
  rec,
  str,
  TYPES,
  violation,
  type PolicyResource,
  type Violation,
} from "./resources";

export const NO_SECRET_IN_USER_DATA = "no-secret-in-user-data";
export const NO_SECRET_IN_OUTPUTS = "no-secret-in-outputs";

interface Secret {
  readonly value: string;
  /** Where the value lives, for messages (never the value itself). */
  readonly source: string;
}

/** The secret values of the stack: SSM SecureStrings and Secret Manager versions (empty ones skipped). */
export function secretValues(resources: readonly PolicyResource[]): string[] {
  return collectSecrets(prepare(resources)).map((s) => s.value);
}

function collectSecrets(resources: readonly PolicyResource[]): Secret[] {
  const out: Secret[] = [];
  for (const r of resources) {
    const value =
      r.type === TYPES.awsSsmParameter && r.inputs.type === "SecureString"
        ? str(r.inputs.value)
        : r.type === TYPES.gcpSecretVersion
          ? str(r.inputs.secretData)
          : undefined;
    if (value) out.push({ value, source: `${r.type} ${r.name}` });
  }
  return out;
}

/** The base64 text that encodes `value` wherever it sits in a larger base64 text, for each of the
 *  three byte alignments (the characters shared with neighbouring bytes are left out). */
function base64Cores(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const cores: string[] = [];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString("base64");
    const core = encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    if (core.length >= 8) cores.push(core);
  }
  return cores;
}

/** Whether `text` holds `secret` as it is, JSON-escaped, or base64-encoded (cloud-init b64 files). */
function containsSecret(text: string, secret: string): boolean {
  if (text.includes(secret)) return true;
  const escaped = JSON.stringify(secret).slice(1, -1);
  if (escaped !== secret && text.includes(escaped)) return true;
  return base64Cores(secret).some((c) => text.includes(c));
}

/** Decodes base64 user data, gunzipping it when it starts with gzip's magic 1f 8b. */
function decodeBase64UserData(b64: string): { text: string } | { error: string } {
  const bytes = Buffer.from(b64.replace(/\s+/g, ""), "base64");
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return { text: zlib.gunzipSync(bytes).toString("utf8") };
    } catch (e) {
      return {
        error: `it looks gzip-compressed but does not decompress (${(e as Error).message})`,
      };
    }
  }
  return { text: bytes.toString("utf8") };
}

/** The user data of an instance as the VM reads it, by where it came from. */
function userDataTexts(r: PolicyResource): { where: string; text?: string; error?: string }[] {
  const out: { where: string; text?: string; error?: string }[] = [];
  if (r.type === TYPES.awsInstance) {
    const ud = str(r.inputs.userData);
    if (ud) out.push({ where: "userData", text: ud });
    const b64 = str(r.inputs.userDataBase64);
    if (b64)
      out.push(
        { where: "userDataBase64", text: b64 },
        { where: "userDataBase64 (decoded)", ...decodeBase64UserData(b64) },
      );
  } else if (r.type === TYPES.gcpInstance) {
    const meta = rec(r.inputs.metadata) ?? {};
    const base64 = str(meta["user-data-encoding"])?.toLowerCase() === "base64";
    for (const [k, v] of Object.entries(meta)) {
      const text = str(v);
      if (!text) continue;
      out.push({ where: `metadata["${k}"]`, text });
      if (k === "user-data" && base64)
        out.push({ where: `metadata["${k}"] (decoded)`, ...decodeBase64UserData(text) });
    }
    const script = str(r.inputs.metadataStartupScript);
    if (script) out.push({ where: "metadataStartupScript", text: script });
  }
  return out;
}

/** No instance's user data (AWS userData / userDataBase64, gzip or not; GCP metadata, base64 or
 *  not) holds the value of any of the stack's secrets. Anything on the VM can read user data. */
export function noSecretInUserData(resources: readonly PolicyResource[]): Violation[] {
  const rs = prepare(resources);
  const secrets = collectSecrets(rs);
  const out: Violation[] = [];
  for (const r of rs) {
    const parts = userDataTexts(r);
    for (const part of parts)
      if (part.error !== undefined)
        out.push(
          violation(
            NO_SECRET_IN_USER_DATA,
            r,
            `${part.where} cannot be checked for secrets: ${part.error}.`,
          ),
        );
    for (const s of secrets) {
      const where = parts
        .filter((part) => part.text !== undefined && containsSecret(part.text, s.value))
        .map((part) => part.where);
      if (where.length)
        out.push(
          violation(
            NO_SECRET_IN_USER_DATA,
            r,
            `${where.join(" and ")} contain${where.length > 1 ? "" : "s"} the value of the secret ${s.source}: user data is readable by anything on the VM and by anyone who can describe it. Pass the secret's name and read the value at boot.`,
          ),
        );
    }
  }
  return out;
}

/** Stack outputs (resolved, plain) that contain any of `secretValues`, one violation per output. */
export function secretsInOutputs(
  outputs: Readonly<Record<string, unknown>>,
  secretValues: readonly string[],
): Violation[] {
  const out: Violation[] = [];
  const secrets = secretValues.filter((s) => typeof s === "string" && s !== "");
  for (const [key, value] of Object.entries(outputs)) {
    let text: string;
    try {
      text =
        JSON.stringify(plain(value), (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ?? "";
    } catch {
      text = String(value);
    }
    const found = secrets.map((s, i) => (containsSecret(text, s) ? i : -1)).filter((i) => i >= 0);
    if (found.length)
      out.push({
        policy: NO_SECRET_IN_OUTPUTS,
        resource: key,
        type: "stack output",
        message: `stack output ${key} contains secret value${found.length > 1 ? "s" : ""} #${found.join(", #")} in plain text: export it with pulumi.secret(), or not at all.`,
      });
  }
  return out;
}
