import { BlockList, isIPv4 } from 'node:net';

/**
 * Addresses a URL given by an API client must not name, because a peer (NFVCL, with the VIM's credentials) would
 * connect there from its own host (reliability-security.md B.4): loopback, link-local (the cloud metadata service
 * 169.254.169.254), unspecified, multicast and broadcast. Private ranges stay allowed: OpenStack lives there.
 */
const OFF_LIMITS = new BlockList();
OFF_LIMITS.addSubnet('0.0.0.0', 8, 'ipv4');
OFF_LIMITS.addSubnet('127.0.0.0', 8, 'ipv4');
OFF_LIMITS.addSubnet('169.254.0.0', 16, 'ipv4');
OFF_LIMITS.addSubnet('224.0.0.0', 4, 'ipv4');
OFF_LIMITS.addAddress('255.255.255.255', 'ipv4');
OFF_LIMITS.addAddress('::', 'ipv6');
OFF_LIMITS.addAddress('::1', 'ipv6');
OFF_LIMITS.addSubnet('fe80::', 10, 'ipv6');
OFF_LIMITS.addSubnet('ff00::', 8, 'ipv6');

/**
 * Whether the URL's host is such an address, however it is spelled: the host is read as URL parsing (and inet_aton)
 * reads it, so `2852039166` and `0x7f.1` are 169.254.169.254 and 127.0.0.1. `localhost` and `*.localhost` are
 * loopback. A name that resolves there cannot be told here (the peer resolves it); an allowlist would be needed.
 */
export function isOffLimitsHost(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host.startsWith('[') && host.endsWith(']')) return OFF_LIMITS.check(host.slice(1, -1), 'ipv6');
  return isIPv4(host) && OFF_LIMITS.check(host, 'ipv4');
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether a host name (as in a URL or a Host header, IPv6 in brackets, no port) names this machine's loopback. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host.startsWith('[') && host.endsWith(']')) return LOOPBACK.check(host.slice(1, -1), 'ipv6');
  return isIPv4(host) && LOOPBACK.check(host, 'ipv4');
}
