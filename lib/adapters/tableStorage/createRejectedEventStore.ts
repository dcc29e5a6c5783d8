import { createHash } from "node:crypto";
import type { TableClient, TransactionAction } from "@azure/data-tables";
import { deleteRows } from "./deleteRows";
import { maskIdentifiersInText } from "../../core/logging/mask";
import { asTransient, isEntityMissing } from "./tableErrors";
import type { RejectedEventStore } from "../../domain/rejections/RejectedEventStore";

// Table Storage: a string property holds at most 32K UTF-16 characters and an entity at most 1 MiB, so the raw event
// is spread over several properties and, for very large events, several rows of the same partition.
const CHUNK_CHARS = 30_000;
const CHUNKS_PER_ROW = 14;

/** How much of a rejected event is kept masked for people to read once its raw payload is gone. */
const MASKED_CHARS = 30_000;

function serialise(rawEvent: unknown): string {
  if (typeof rawEvent === "string") return rawEvent;
  try {
    return JSON.stringify(rawEvent) ?? String(rawEvent);
  } catch {
    return String(rawEvent);
  }
}

/** Creates the rejected-events repository on a table. */
export function createRejectedEventStore(table: TableClient): RejectedEventStore {
  return {
    async record(rejection, rawEvent, at) {
      const raw = serialise(rawEvent);
      const hash = createHash("sha256").update(rejection.functionName).update("\n").update(raw).digest("hex");
      const partitionKey = hash.slice(0, 2);
      const rowKey = hash;
      const chunks: string[] = [];
      for (let i = 0; i < raw.length; i += CHUNK_CHARS) chunks.push(raw.slice(i, i + CHUNK_CHARS));
      const rows: Record<string, unknown>[] = [];
      for (let i = 0; i < Math.max(1, chunks.length); i += CHUNKS_PER_ROW) {
        const part: Record<string, unknown> = {
          partitionKey,
          rowKey: i === 0 ? rowKey : `${rowKey}|${i / CHUNKS_PER_ROW}`,
        };
        chunks.slice(i, i + CHUNKS_PER_ROW).forEach((chunk, j) => (part[`raw${j}`] = chunk));
        rows.push(part);
      }
      Object.assign(rows[0]!, {
        functionName: rejection.functionName,
        code: rejection.code,
        reason: rejection.reason.slice(0, 2000),
        field: rejection.field ?? null,
        eventId: rejection.eventId?.slice(0, 200) ?? null,
        eventType: rejection.eventType?.slice(0, 200) ?? null,
        rejectedAt: at.toISOString(),
        rawLength: raw.length,
        rawRows: rows.length,
        // Cut before masking: a mask keeps the length, and the raw event may be a megabyte.
        masked: maskIdentifiersInText(raw.slice(0, MASKED_CHARS)),
      });
      const actions: TransactionAction[] = rows.map((row) => ["upsert", row as never, "Replace"]);
      try {
        await table.submitTransaction(actions);
      } catch (error) {
        throw asTransient("rejected-event write", error);
      }
      return { partitionKey, rowKey };
    },

    async get(partitionKey, rowKey) {
      try {
        const first = await table.getEntity<Record<string, unknown>>(partitionKey, rowKey);
        const rows = [first];
        for (let i = 1; i < Number(first.rawRows ?? 1); i++) {
          rows.push(await table.getEntity<Record<string, unknown>>(partitionKey, `${rowKey}|${i}`));
        }
        let rawEvent = "";
        for (const row of rows) {
          for (let j = 0; j < CHUNKS_PER_ROW && typeof row[`raw${j}`] === "string"; j++) rawEvent += row[`raw${j}`];
        }
        return {
          functionName: String(first.functionName),
          code: String(first.code),
          reason: String(first.reason),
          field: (first.field as string | null) ?? undefined,
          eventId: (first.eventId as string | null) ?? undefined,
          eventType: (first.eventType as string | null) ?? undefined,
          rejectedAt: String(first.rejectedAt),
          rawEvent,
          maskedEvent: typeof first.masked === "string" ? first.masked : "",
        };
      } catch (error) {
        if (isEntityMissing(error)) return undefined;
        throw asTransient("rejected-event read", error);
      }
    },

    async deleteNaming(needles) {
      const wanted = needles.filter((needle) => needle.length > 0);
      if (wanted.length === 0) return 0;
      // Rows of one event: `{hash}`, `{hash}|1`, … in one partition, each holding `raw0`… in order.
      const events = new Map<string, { partitionKey: string; rows: { rowKey: string; raw: string }[] }>();
      try {
        for await (const row of table.listEntities<Record<string, unknown>>()) {
          const base = row.rowKey!.split("|")[0]!;
          const id = `${row.partitionKey}/${base}`;
          const event = events.get(id) ?? { partitionKey: row.partitionKey!, rows: [] };
          let raw = "";
          for (let j = 0; j < CHUNKS_PER_ROW && typeof row[`raw${j}`] === "string"; j++)
            raw += row[`raw${j}`] as string;
          event.rows.push({ rowKey: row.rowKey!, raw });
          events.set(id, event);
        }
      } catch (error) {
        throw asTransient("rejected-event list", error);
      }
      let deleted = 0;
      for (const event of events.values()) {
        const order = (rowKey: string) => Number(rowKey.split("|")[1] ?? 0);
        const raw = event.rows
          .sort((a, b) => order(a.rowKey) - order(b.rowKey))
          .map((row) => row.raw)
          .join("");
        if (!wanted.some((needle) => raw.includes(needle))) continue;
        await deleteRows(
          table,
          event.partitionKey,
          event.rows.map((row) => row.rowKey),
          "rejected event",
        );
        deleted += 1;
      }
      return deleted;
    },
  };
}
