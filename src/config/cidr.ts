// Address blocks written as CIDRs (203.0.113.0/24, 2001:db8::/32): one reading of them for the
// stack config (aspire:ssh cidrs, aspire:network's cidr), the components (the subnet of a created
// VPC) and the policies (rule sources). The address is read by Node's own parser (net.isIP), and
// containment is Node's BlockList: no hand-written address grammar, no dependency.
//
// What is a CIDR here: an IPv4 or IPv6 address as Node reads it (dotted decimal without leading
// zeros, so 999.1.1.1 and 010.0.0.1 are not; no zone such as %eth0), a slash, and a prefix length
// in decimal without leading zeros up to 32 (IPv4) or 128 (IPv6): 10.0.0.0/33 is not one. An
// address with host bits set (10.0.0.1/8) reads as a CIDR, but is not canonical: the stack config
// refuses it, naming the block it stands for (10.0.0.0/8), as the clouds' APIs and the AWS
// provider take only that form; the policies read it as the block it falls in, as the clouds would.
import { BlockList, isIP, SocketAddress } from "node:net";

export interface Cidr {
  readonly family: 4 | 6;
  /** The address as written (host bits possibly set). */
  readonly address: string;
  readonly prefix: number;
}

/** Reads `address/prefix`; undefined when it is not a CIDR (above). With `bareAddress`, an
 *  address alone reads as the block of just that address (/32, /128). Nothing is trimmed. */
export function parseCidr(
  text: string,
  options: { readonly bareAddress?: boolean } = {},
): Cidr | undefined {
  const parts = text.split("/");
  if (parts.length > 2 || (parts.length === 1 && !options.bareAddress)) return undefined;
  const [address, length] = parts;
  const family = address.includes("%") ? 0 : isIP(address);
  if (family !== 4 && family !== 6) return undefined;
  const bits = family === 4 ? 32 : 128;
  if (length !== undefined && !/^(0|[1-9]\d{0,2})$/.test(length)) return undefined;
  const prefix = length === undefined ? bits : Number(length);
  return prefix <= bits ? { family, address, prefix } : undefined;
}

/** The block's own address: the address with its host bits cleared (10.0.0.1/8 -> 10.0.0.0), in
 *  the usual text form (IPv6 compressed). */
export function networkAddress(c: Cidr): string {
  const bytes = addressBytes(c);
  bytes.forEach((b, i) => {
    const kept = Math.min(8, Math.max(0, c.prefix - 8 * i));
    bytes[i] = b & (0xff << (8 - kept));
  });
  if (c.family === 4) return bytes.join(".");
  const groups = Array.from({ length: 8 }, (_, i) =>
    ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16),
  );
  return new SocketAddress({ address: groups.join(":"), family: "ipv6" }).address;
}

/** Whether the address is the block's own (no host bit set), written as the clouds write it. */
export function isCanonical(c: Cidr): boolean {
  return (
    networkAddress(c) ===
    (c.family === 4 ? c.address : new SocketAddress({ address: c.address, family: "ipv6" }).address)
  );
}

/** Whether every address of `inner` is in `outer` (the same family; host bits set in either are
 *  read as the block they fall in). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  const type = outer.family === 4 ? "ipv4" : "ipv6";
  const list = new BlockList();
  list.addSubnet(outer.address, outer.prefix, type);
  return list.check(inner.address, type);
}

/** What is wrong with `text` as an IPv4 block for the stack config, or undefined when it is one
 *  in canonical form. */
export function ipv4CidrProblem(text: string): string | undefined {
  const c = parseCidr(text);
  if (!c || c.family !== 4) return `${text} is not an IPv4 CIDR`;
  if (!isCanonical(c))
    return `${text} has host bits set: the block it names is written ${networkAddress(c)}/${c.prefix}`;
  return undefined;
}

/** The 4 or 16 bytes of the address (valid: parseCidr read it). */
function addressBytes(c: Cidr): number[] {
  if (c.family === 4) return c.address.split(".").map(Number);
  let text = c.address;
  // An IPv4 address at the end (::ffff:192.0.2.1) stands for the last two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, d, e] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((d << 8) | e).toString(16)}`;
  }
  const [head, tail] = text.split("::");
  const groups = (h: string | undefined) => (h ? h.split(":") : []);
  const known = [...groups(head), ...groups(tail)].length;
  const all =
    tail === undefined
      ? groups(head)
      : [...groups(head), ...Array<string>(8 - known).fill("0"), ...groups(tail)];
  return all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
}
