// What a VM receives in a mocked run, decoded as the VM decodes it: the user data cloud-init boots
// (gzip, base64 in GCP metadata) and the release bundle (AWS: the S3 object; GCP: the instance
// metadata key), as a map of its files.
import * as zlib from "node:zlib";
import * as yaml from "js-yaml";
import type { MockRun, RecordedResource } from "../../src/cli/mock-program";

/** The cloud-config a VM boots with. */
export function userData(instance: RecordedResource): string {
  if (instance.type === "aws:ec2/instance:Instance")
    return zlib
      .gunzipSync(Buffer.from(String(instance.inputs.userDataBase64), "base64"))
      .toString("utf8");
  const metadata = instance.inputs.metadata as Record<string, string>;
  const text = metadata["user-data"];
  return metadata["user-data-encoding"] === "base64"
    ? zlib.gunzipSync(Buffer.from(text, "base64")).toString("utf8")
    : text;
}

export interface WrittenFile {
  readonly path: string;
  readonly content: string;
  readonly encoding?: string;
  readonly permissions?: string;
}

/** The files the user data writes. */
export function writtenFiles(cloudConfig: string): WrittenFile[] {
  return (yaml.load(cloudConfig) as { write_files: WrittenFile[] }).write_files;
}

/** A file the user data writes, by path. */
export function writtenFile(cloudConfig: string, file: string): string | undefined {
  return writtenFiles(cloudConfig).find((f) => f.path === file)?.content;
}

/** One file of a release bundle: text, or base64 for bytes that are not UTF-8. */
export interface BundleFile {
  readonly path: string;
  readonly mode: string;
  readonly text?: string;
  readonly base64?: string;
}

/** The files of a release bundle (the gzip'ed JSON, as delivered), in the bundle's order. */
export function bundleFiles(gz: Buffer): BundleFile[] {
  return (JSON.parse(zlib.gunzipSync(gz).toString("utf8")) as { files: BundleFile[] }).files;
}

/** A bundle's files by path, as release.py writes them on the VM: the bytes. */
export function bundleBytes(gz: Buffer): Map<string, Buffer> {
  return new Map(
    bundleFiles(gz).map((f) => [
      f.path,
      f.base64 !== undefined ? Buffer.from(f.base64, "base64") : Buffer.from(f.text ?? "", "utf8"),
    ]),
  );
}

export interface DeliveredRelease {
  readonly id: string;
  /** Path -> text (base64 files stay base64). */
  readonly files: ReadonlyMap<string, string>;
}

/** The release of VM `vm` (the instance's logical name is `<component>-<vm>`), as delivered. */
export function releaseOf(run: MockRun, instance: RecordedResource): DeliveredRelease {
  let gzBase64: string;
  if (instance.type === "aws:ec2/instance:Instance") {
    const object = run.resources.find(
      (r) =>
        r.type === "aws:s3/bucketObjectv2:BucketObjectv2" && r.name === `${instance.name}-release`,
    );
    if (!object) throw new Error(`no release object for ${instance.name}`);
    gzBase64 = String(object.inputs.contentBase64);
  } else gzBase64 = (instance.inputs.metadata as Record<string, string>)["aspire-arm-bundle"];
  const files = bundleFiles(Buffer.from(gzBase64, "base64"));
  const rollout = run.resources.find(
    (r) => r.type === "command:local:Command" && r.name === `${instance.name}-rollout`,
  );
  const env = (rollout?.inputs.environment ?? {}) as Record<string, string>;
  return {
    id: env.ASPIRE_RELEASE ?? "",
    files: new Map(files.map((f) => [f.path, f.text ?? f.base64 ?? ""])),
  };
}
