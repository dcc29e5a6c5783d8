import { once } from "node:events";
import { createServer } from "node:net";

/** True when nothing listens on `port` at `hostname` (checked by listening on it briefly). */
export async function isPortFree(port: number, hostname = "127.0.0.1"): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port, hostname);
    await once(server, "listening");
  } catch {
    return false;
  }
  server.close();
  await once(server, "close");
  return true;
}

/** A port that was free a moment ago. */
export async function freePort(hostname = "127.0.0.1"): Promise<number> {
  const server = createServer();
  server.listen(0, hostname);
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("could not pick a free port");
  return address.port;
}
