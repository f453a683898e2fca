import ipaddr from "ipaddr.js";

/** An IPv4 CIDR block as a range of 32-bit addresses. */
export interface Block {
  text: string;
  first: number;
  last: number;
  prefix: number;
}

/** Parses `10.0.0.0/16`; undefined when it is not a canonical IPv4 block. */
export function parseCidr(text: unknown): Block | undefined {
  if (typeof text !== "string" || !ipaddr.IPv4.isValidCIDR(text)) return undefined;
  const [address, prefix] = ipaddr.IPv4.parseCIDR(text);
  const first = address.toByteArray().reduce((n, byte) => n * 256 + byte, 0);
  const size = 2 ** (32 - prefix);
  if (first % size !== 0) return undefined;
  return { text, first, last: first + size - 1, prefix };
}

/** The network address a block with host bits set should have been written as. */
export function networkOf(text: string): string | undefined {
  if (!ipaddr.IPv4.isValidCIDR(text)) return undefined;
  const [address, prefix] = ipaddr.IPv4.parseCIDR(text);
  return `${ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefix}`).toString()}/${prefix}`;
}

export function contains(outer: Block, inner: Block): boolean {
  return inner.first >= outer.first && inner.last <= outer.last;
}

export function overlaps(a: Block, b: Block): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** A Check-shaped validation of a CIDR block with a prefix between `min` and `max` (AWS: /16 to /28). */
export function cidrIssue(value: unknown, name: string, min = 16, max = 28) {
  if (typeof value !== "string")
    return { message: `${name} must be an IPv4 CIDR block`, found: value, fix: `Use a block such as "10.0.0.0/${min}"` };
  const block = parseCidr(value);
  if (!block) {
    const network = networkOf(value);
    return network
      ? { message: `${name} has host bits set`, found: value, fix: `Use the network address "${network}"` }
      : { message: `${name} is not a valid IPv4 CIDR block`, found: value, fix: `Use a block such as "10.0.0.0/${min}"` };
  }
  if (block.prefix < min || block.prefix > max) {
    const prefix = Math.min(Math.max(block.prefix, min), max);
    const example = networkOf(`${value.split("/")[0]}/${prefix}`) ?? `10.0.0.0/${prefix}`;
    return {
      message: `${name} must have a prefix length from /${min} to /${max}`,
      found: value,
      fix: `Use a block between /${min} and /${max}, such as "${example}"`,
    };
  }
  return undefined;
}
