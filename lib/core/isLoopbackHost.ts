const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * True when `hostname` (as `URL.hostname` gives it) names this machine's loopback interface.
 *
 * Plain HTTP is tolerated only there: traffic that never leaves the machine (a local emulator) cannot be read or
 * altered on the network, anything else must use TLS.
 */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

/** True for `https:` URLs, and for `http:` URLs whose host is a loopback address. */
export function isSecureOrLoopbackUrl(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
}
