import { parse } from "csv-parse/sync";
import type { CountryCode } from "libphonenumber-js";
import { ConcurrencyError } from "../../core/errors";
import type { Logger } from "../../core/logging/createLogger";
import { maskIdentifier } from "../../core/logging/mask";
import { tryParsePhoneNumber, type PhoneNumber } from "../../core/values/PhoneNumber";
import type { ContactId, Scope } from "../../core/values/identifiers";
import { followContact, resolveContact, type IdentityDeps } from "./resolveContact";

/** One contact row of a CRM export. */
export interface ImportRow {
  line: number;
  phone: PhoneNumber;
  externalId: string | null;
  name: string | null;
}

/** A row that could not be loaded, with its line number in the file. */
export interface ImportProblem {
  line: number;
  reason: string;
}

/** Summary of an import run. */
export interface ImportReport {
  created: number;
  updated: number;
  unchanged: number;
  problems: ImportProblem[];
}

const PHONE_COLUMNS = ["phone", "phone_number", "phonenumber", "mobile", "msisdn", "whatsapp"];
const ID_COLUMNS = ["externalid", "external_id", "id", "crm_id", "customer_id"];
const NAME_COLUMNS = ["name", "full_name", "fullname", "display_name"];
const MAX_FIELD = 256;

/** Field separators CRM exports use: `,`, and `;` where the decimal separator is a comma (Excel in many locales). */
const DELIMITERS = [",", ";", "\t"] as const;

/**
 * The delimiter of a CSV file, from its header row: the candidate that occurs most often outside quotes (`,` when
 * none does, e.g. a one-column file). Only the header is read, so a comma inside an unquoted value of a
 * semicolon-separated file (`Lovelace, Ada`) stays part of the value, which a list of delimiters would split on.
 */
export function detectDelimiter(text: string): string {
  const header = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  const unquoted = header.replace(/"[^"]*"/g, "");
  let best: string = DELIMITERS[0];
  let bestCount = 0;
  for (const delimiter of DELIMITERS) {
    const count = unquoted.split(delimiter).length - 1;
    if (count > bestCount) [best, bestCount] = [delimiter, count];
  }
  return best;
}

/** A rejected value as a report may show it: masked like a phone number in the logs, and bounded. */
function shown(value: string): string {
  return value.length > 40
    ? `${maskIdentifier(value.slice(0, 40))}… (${value.length} characters)`
    : maskIdentifier(value);
}

function pick(record: Record<string, string>, names: string[]): string | undefined {
  for (const name of names) {
    const value = record[name];
    if (value !== undefined) return value.trim();
  }
  return undefined;
}

/**
 * Parses a CRM export (CSV with a header row: a phone column, optional external ID and name; comma, semicolon or tab
 * separated). Bad rows are reported with their line numbers and the offending value masked, and skipped; so is a
 * second row with the phone or the external ID of an earlier one (one contact per phone and per CRM record). Good rows
 * are returned. National numbers need `defaultCountry`.
 */
export function parseContactsCsv(
  text: string,
  defaultCountry?: CountryCode,
): { rows: ImportRow[]; problems: ImportProblem[] } {
  const read = readCsvRecords(text);
  if ("problem" in read) return { rows: [], problems: [read.problem] };
  const rows: ImportRow[] = [];
  const problems: ImportProblem[] = [];
  const seenPhones = new Map<string, number>();
  const seenExternalIds = new Map<string, number>();
  for (const { record, info } of read.records) {
    const line = info.lines;
    const checked = checkRow(record, defaultCountry, seenPhones, seenExternalIds);
    if (typeof checked === "string") {
      problems.push({ line, reason: checked });
      continue;
    }
    seenPhones.set(checked.phone, line);
    if (checked.externalId !== null) seenExternalIds.set(checked.externalId, line);
    rows.push({ line, ...checked });
  }
  return { rows, problems };
}

type CsvRecord = { record: Record<string, string>; info: { lines: number } };

/** The CSV's records by normalized column name, or the one problem that stops the whole file. */
function readCsvRecords(text: string): { records: CsvRecord[] } | { problem: ImportProblem } {
  const delimiter = detectDelimiter(text);
  let records: CsvRecord[];
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase().replace(/\s+/g, "_")),
      skip_empty_lines: true,
      delimiter,
      relax_column_count: true,
      bom: true,
      info: true,
    }) as never;
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return { problem: { line, reason: `The file is not valid CSV: ${(error as Error).message}` } };
  }
  const header = records[0] ? Object.keys(records[0].record) : [];
  if (records.length > 0 && !PHONE_COLUMNS.some((c) => header.includes(c))) {
    // The header's own cells are not shown: in a file without a header row they are a contact's data.
    const reason =
      `No phone column; expected one of: ${PHONE_COLUMNS.join(", ")} in the first row ` +
      `(read as ${header.length} column(s) separated by ${JSON.stringify(delimiter)})`;
    return { problem: { line: 1, reason } };
  }
  return { records };
}

/** One record as a row to import, or why it is skipped (values masked; earlier rows win on a repeat). */
function checkRow(
  record: Record<string, string>,
  defaultCountry: CountryCode | undefined,
  seenPhones: ReadonlyMap<string, number>,
  seenExternalIds: ReadonlyMap<string, number>,
): Omit<ImportRow, "line"> | string {
  const rawPhone = pick(record, PHONE_COLUMNS) ?? "";
  const phone = tryParsePhoneNumber(rawPhone, defaultCountry);
  const externalId = pick(record, ID_COLUMNS) || null;
  const name = pick(record, NAME_COLUMNS) || null;
  if (!rawPhone) return "phone is empty";
  if (!phone) {
    return defaultCountry
      ? `phone is not a valid number (got ${shown(rawPhone)})`
      : `phone is not a valid international number (got ${shown(rawPhone)}; use +CC… or pass --country for ` +
          "national numbers)";
  }
  if ((externalId?.length ?? 0) > MAX_FIELD || (name?.length ?? 0) > MAX_FIELD) {
    return `external ID and name must be at most ${MAX_FIELD} characters`;
  }
  const phoneLine = seenPhones.get(phone);
  if (phoneLine !== undefined) {
    return `same phone as line ${phoneLine} (${maskIdentifier(phone)}); the first one was kept`;
  }
  const externalIdLine = externalId === null ? undefined : seenExternalIds.get(externalId);
  if (externalIdLine !== undefined) {
    return `same external ID ${JSON.stringify(externalId)} as line ${externalIdLine}; the first one was kept`;
  }
  return { phone, externalId, name };
}

/**
 * Loads one imported row as a phone-only contact, or fills the external ID and name of the contact that already holds
 * the phone. Never creates a duplicate: when the user later writes with phone and BSUID, the BSUID attaches here.
 */
export async function importContact(
  deps: IdentityDeps,
  scope: Scope,
  row: ImportRow,
): Promise<{ contactId: ContactId; result: "created" | "updated" | "unchanged" }> {
  const resolved = await resolveContact(deps, { scope, phone: row.phone, imported: true });
  const created = resolved.actions.includes("created");
  for (let attempt = 0; attempt < 10; attempt++) {
    const stored = await followContact(deps.store, resolved.contact.contactId);
    if (!stored) break;
    const contact = stored.contact;
    const next = {
      ...contact,
      externalId: contact.externalId ?? row.externalId,
      name: contact.name ?? row.name,
    };
    if (next.externalId === contact.externalId && next.name === contact.name) {
      return { contactId: contact.contactId, result: created ? "created" : "unchanged" };
    }
    if (await deps.store.updateContact(next, stored.etag)) {
      return { contactId: contact.contactId, result: created ? "created" : "updated" };
    }
  }
  throw new ConcurrencyError("Could not update the imported contact after repeated conflicts");
}

/** Imports parsed rows with bounded concurrency; a row that fails is reported, the others still load. */
export async function importContacts(
  deps: IdentityDeps,
  scope: Scope,
  rows: ImportRow[],
  options: { concurrency?: number; logger?: Logger } = {},
): Promise<ImportReport> {
  const report: ImportReport = { created: 0, updated: 0, unchanged: 0, problems: [] };
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const row = rows[next++]!;
      try {
        const { result } = await importContact(deps, scope, row);
        report[result]++;
      } catch (error) {
        report.problems.push({ line: row.line, reason: `could not be stored: ${(error as Error).message}` });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, rows.length) }, worker));
  report.problems.sort((a, b) => a.line - b.line);
  return report;
}
