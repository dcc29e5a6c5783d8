import { odata, type TableClient } from "@azure/data-tables";
import { asTransient, isEntityMissing } from "./tableErrors";
import { deletePartition, deleteRow, deleteRows } from "./deleteRows";
import { MESSAGE_ROW, STATUS_ROW_PREFIX } from "./messageLedgerRows";
import type { RetentionStep, RetentionSweeper, RetentionTask } from "../../domain/retention/RetentionSweeper";

/** The tables the purge reaches, and the one where it keeps its place between runs. */
export interface RetentionTables {
  messages: TableClient;
  sends: TableClient;
  routeActions: TableClient;
  rejectedEvents: TableClient;
  audit: TableClient;
  retention: TableClient;
}

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string };

/** How one task finds its rows (a filter on the rows' own times) and what it does with a page of them. */
interface TaskSpec {
  table: TableClient;
  filter(cutoff: string): string;
  select?: string[];
  /** Rows per page; smaller for large rows. */
  pageSize?: number;
  purge(rows: Row[]): Promise<number>;
}

const STATE_PARTITION = "sweep";
const PAGE_SIZE = 1000;

/**
 * The retention purge on Table Storage. Each task is a query on the rows' own time properties (the message's `at`, a
 * status row's `at`, a send's first attempt, a rejection's time) read page by page; the continuation token is kept in
 * the `retention` table, so a step resumes where the last one stopped and each row is looked at once per pass. No
 * query reads a partition whole: the ledger's, the sends' and the route actions' partitions are one message or one send
 * each, and the rejected events are spread over 256.
 */
export function createRetentionSweeper(tables: RetentionTables): RetentionSweeper {
  const specs = taskSpecs(tables);
  return {
    async step(task, cutoff, maxRows) {
      const spec = specs[task];
      const position = await readPosition(tables.retention, task);
      const result: RetentionStep = { task, found: 0, purged: 0, passComplete: false };
      // Empty pages (the service stops a page after 5 s of looking) count too, so a step is bounded in requests.
      const pageSize = Math.min(spec.pageSize ?? PAGE_SIZE, maxRows);
      const maxPages = Math.ceil(maxRows / pageSize) * 2;
      let token = position;
      try {
        const pages = spec.table
          .listEntities<Record<string, unknown>>({
            queryOptions: {
              filter: spec.filter(cutoff.toISOString()),
              ...(spec.select ? { select: spec.select } : {}),
            },
          })
          .byPage({ maxPageSize: pageSize, ...(token ? { continuationToken: token } : {}) });
        let pageCount = 0;
        for await (const page of pages) {
          pageCount += 1;
          const rows = page as unknown as Row[];
          result.found += rows.length;
          result.purged += await spec.purge(rows);
          token = (page as { continuationToken?: string }).continuationToken;
          await savePosition(tables.retention, task, token);
          if (!token) {
            result.passComplete = true;
            break;
          }
          if (result.found >= maxRows || pageCount >= maxPages) break;
        }
        if (pageCount === 0) {
          result.passComplete = true;
          await savePosition(tables.retention, task, undefined);
        }
      } catch (error) {
        throw asTransient(`retention ${task}`, error);
      }
      return result;
    },
  };
}

function taskSpecs(tables: RetentionTables): Record<RetentionTask, TaskSpec> {
  const { messages, sends, routeActions, rejectedEvents, audit } = tables;
  return {
    // The text goes, the row stays: summary emptied, warnings without their excerpts, no kept template.
    messageContent: {
      table: messages,
      filter: (cutoff) => odata`RowKey eq ${MESSAGE_ROW} and at lt ${cutoff} and summary gt ${""}`,
      select: ["PartitionKey", "RowKey", "warnings"],
      purge: async (rows) => {
        for (const row of rows) {
          await messages.updateEntity(
            {
              partitionKey: row.partitionKey,
              rowKey: row.rowKey,
              summary: "",
              warnings: withoutExcerpts(row.warnings),
              resendableTemplate: "",
              contentPurged: true,
            },
            "Merge",
          );
        }
        return rows.length;
      },
    },
    deliveryHistory: {
      table: messages,
      filter: (cutoff) =>
        odata`RowKey ge ${STATUS_ROW_PREFIX} and RowKey lt ${nextPrefix(STATUS_ROW_PREFIX)} and at lt ${cutoff}`,
      select: ["PartitionKey", "RowKey"],
      purge: (rows) => deleteEach(messages, rows, "status history"),
    },
    messages: {
      table: messages,
      filter: (cutoff) => odata`RowKey eq ${MESSAGE_ROW} and (at lt ${cutoff} or statusAt lt ${cutoff})`,
      select: ["PartitionKey"],
      purge: async (rows) => {
        let purged = 0;
        for (const row of rows) purged += await deletePartition(messages, row.partitionKey, "message");
        return purged;
      },
    },
    sendRecords: {
      table: sends,
      filter: (cutoff) => odata`repeatabilityFirstSent lt ${cutoff}`,
      select: ["PartitionKey", "RowKey"],
      purge: (rows) => deleteEach(sends, rows, "send record"),
    },
    routeActions: {
      table: routeActions,
      filter: (cutoff) => odata`at lt ${cutoff}`,
      select: ["PartitionKey", "RowKey"],
      purge: (rows) => deleteEach(routeActions, rows, "route action"),
    },
    // The raw payload goes; the record with its masked copy stays until rejectedEvents.
    rejectedRaw: {
      table: rejectedEvents,
      filter: (cutoff) => odata`rejectedAt lt ${cutoff} and rawLength gt 0`,
      // Every property but the raw chunks, which can make a row a megabyte.
      select: [
        "PartitionKey",
        "RowKey",
        "functionName",
        "code",
        "reason",
        "field",
        "eventId",
        "eventType",
        "rejectedAt",
        "masked",
        "rawLength",
        "rawRows",
      ],
      pageSize: 100,
      purge: async (rows) => {
        for (const row of rows) {
          const continuation = Array.from({ length: Math.max(0, Number(row.rawRows ?? 1) - 1) }, (_, i) => {
            return `${row.rowKey}|${i + 1}`;
          });
          await deleteRows(rejectedEvents, row.partitionKey, continuation, "rejected event");
          const kept: Row = { partitionKey: row.partitionKey, rowKey: row.rowKey, rawLength: 0, rawRows: 1 };
          for (const [name, value] of Object.entries(row)) {
            if (
              !/^raw(\d+|Length|Rows)$/.test(name) &&
              !["etag", "timestamp", "partitionKey", "rowKey"].includes(name)
            ) {
              kept[name] = value;
            }
          }
          await rejectedEvents.updateEntity(kept, "Replace");
        }
        return rows.length;
      },
    },
    // One partition per UTC day (yyyymmdd): whole days go, found by a range on the partition key.
    audit: {
      table: audit,
      filter: (cutoff) => odata`PartitionKey lt ${auditDayOf(cutoff)}`,
      select: ["PartitionKey", "RowKey"],
      purge: async (rows) => {
        const byDay = new Map<string, string[]>();
        for (const row of rows) byDay.set(row.partitionKey, [...(byDay.get(row.partitionKey) ?? []), row.rowKey]);
        for (const [day, keys] of byDay) await deleteRows(audit, day, keys, "audit record");
        return rows.length;
      },
    },
    rejectedEvents: {
      table: rejectedEvents,
      filter: (cutoff) => odata`rejectedAt lt ${cutoff}`,
      select: ["PartitionKey", "RowKey", "rawRows"],
      purge: async (rows) => {
        for (const row of rows) {
          const keys = [
            row.rowKey,
            ...Array.from({ length: Math.max(0, Number(row.rawRows ?? 1) - 1) }, (_, i) => `${row.rowKey}|${i + 1}`),
          ];
          await deleteRows(rejectedEvents, row.partitionKey, keys, "rejected event");
        }
        return rows.length;
      },
    },
  };
}

/** Deletes each row (a row already gone counts); returns how many. */
async function deleteEach(table: TableClient, rows: readonly Row[], label: string): Promise<number> {
  for (const row of rows) await deleteRow(table, row.partitionKey, row.rowKey, label);
  return rows.length;
}

/** The audit partition of the day a cutoff (an ISO time) falls on: days before it are past retention. */
function auditDayOf(cutoff: string): string {
  return cutoff.slice(0, 10).replaceAll("-", "");
}

/** The first string after every string that starts with `prefix`. */
function nextPrefix(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** Stored warnings without their `raw` excerpts (the part that may quote what the person sent). */
function withoutExcerpts(warnings: unknown): string {
  if (typeof warnings !== "string" || warnings === "") return "";
  try {
    const list = JSON.parse(warnings) as Record<string, unknown>[];
    return JSON.stringify(list.map(({ raw: _raw, ...rest }) => rest));
  } catch {
    return "";
  }
}

async function readPosition(table: TableClient, task: RetentionTask): Promise<string | undefined> {
  try {
    const row = await table.getEntity<{ token?: string }>(STATE_PARTITION, task);
    return row.token || undefined;
  } catch (error) {
    if (isEntityMissing(error)) return undefined;
    throw asTransient("retention position read", error);
  }
}

async function savePosition(table: TableClient, task: RetentionTask, token: string | undefined): Promise<void> {
  try {
    await table.upsertEntity({ partitionKey: STATE_PARTITION, rowKey: task, token: token ?? "" }, "Replace");
  } catch (error) {
    throw asTransient("retention position write", error);
  }
}
