import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The request body, or `undefined` when it exceeds `max` bytes. An oversized body is still read to its end (and
 * dropped), so the caller can answer 413 on a connection the client is not still writing to.
 */
export async function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > max) tooLarge = true;
    if (!tooLarge) chunks.push(buffer);
  }
  return tooLarge ? undefined : Buffer.concat(chunks);
}

/** Answers with `payload` as JSON (no body when it is `undefined`, e.g. a 202), plus any extra `headers`. */
export function writeJson(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  const text = payload === undefined ? "" : JSON.stringify(payload);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
