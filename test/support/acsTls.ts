import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The committed test-only key and self-signed certificate (see acsTls/README.md) for the HTTPS ACS emulator. */
export function loadAcsTestTls(): { key: Buffer; cert: Buffer } {
  const directory = join(__dirname, "acsTls");
  return { key: readFileSync(join(directory, "key.pem")), cert: readFileSync(join(directory, "cert.pem")) };
}
