import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TransientError } from "../../lib/errors";
import { createAcsMessagesClient, type AcsMessagesClient } from "../../lib/sending/createAcsMessagesClient";
import { downloadMedia } from "../../lib/sending/downloadMedia";
import { UpstreamError } from "../../lib/sending/UpstreamError";
import { createAcsMessagesEmulator, type AcsMessagesEmulator } from "../../local/acsEmulator/createAcsMessagesEmulator";
import { TEST_CHANNEL_ID } from "../support/acsEmulatorHarness";

const MEDIA_ID = "1c1d3d2e-5d1e-4f3a-9b1a-2f7e8d9c0b1a";
/** Every byte value, twice, in an order that is far from valid UTF-8. */
const ALL_BYTES = Buffer.concat([
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i)),
]);

let emulator: AcsMessagesEmulator;
let client: AcsMessagesClient;

beforeAll(async () => {
  emulator = await createAcsMessagesEmulator({ channels: [TEST_CHANNEL_ID] });
  emulator.addMedia(MEDIA_ID, ALL_BYTES, "image/jpeg");
  client = createAcsMessagesClient(
    { kind: "connectionString", connectionString: emulator.connectionString },
    { retryOptions: { maxRetries: 0 } },
  );
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
});

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

describe("downloadMedia", () => {
  it("returns the exact bytes and content type when the media holds all 256 byte values", async () => {
    const media = await downloadMedia(client, MEDIA_ID);

    expect(media.contentType).toBe("image/jpeg");
    expect(media.contentLength).toBe(ALL_BYTES.length);
    const bytes = await readAll(media.stream);
    expect(bytes.equals(ALL_BYTES)).toBe(true);
  });

  it("corrupts the bytes when the SDK's plain awaited get() is used instead of asNodeStream()", async () => {
    const response = await client.path("/messages/streams/{id}", MEDIA_ID).get();

    expect(response.status).toBe("200");
    // The SDK hands back text decoded as UTF-8; invalid sequences became U+FFFD and cannot be recovered.
    expect(typeof response.body).toBe("string");
    const roundTripped = Buffer.from(response.body as unknown as string, "utf8");
    expect(roundTripped.equals(ALL_BYTES)).toBe(false);
    expect(roundTripped.includes(Buffer.from("\uFFFD", "utf8"))).toBe(true);
  });

  it("throws UpstreamError 404 when the media ID is unknown", async () => {
    const error = await downloadMedia(client, "no-such-media").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 404, acsErrorCode: "NotFound" });
  });

  it("throws TransientError when ACS fails the download with 503", async () => {
    emulator.failNext({ status: 503, operation: "media", retryAfterSeconds: 2 });

    const error = await downloadMedia(client, MEDIA_ID).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ status: 503, retryAfterSeconds: 2 });
  });
});
