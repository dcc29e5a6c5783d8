import { isRestError, type PipelineResponse } from "@azure/core-rest-pipeline";

const TABLE_NOT_FOUND = "TableNotFound";

function errorCodeOf(response: PipelineResponse): unknown {
  const header = response.headers.get("x-ms-error-code");
  if (header) return header;
  // Not every front end sets the header; the odata error body always names the code.
  try {
    return (JSON.parse(response.bodyAsText ?? "") as { "odata.error"?: { code?: unknown } })["odata.error"]?.code;
  } catch {
    return undefined;
  }
}

/**
 * True when a response says the table itself does not exist (404 `TableNotFound`), as opposed to a missing entity
 * (404 `ResourceNotFound`). A transaction (`$batch`) answers 202 and carries the failed operation's 404 in its
 * multipart body, so that case is recognised too.
 */
export function isTableMissingResponse(response: PipelineResponse | undefined): boolean {
  if (!response) return false;
  if (response.status === 404) return errorCodeOf(response) === TABLE_NOT_FOUND;
  // Every transaction answers 202: the cheap test goes first, so a successful one costs a substring search.
  return (
    response.status === 202 &&
    (response.bodyAsText ?? "").includes("TableNotFound") &&
    new URL(response.request.url).pathname.endsWith("/$batch") &&
    /HTTP\/1\.1 404[\s\S]*"code"\s*:\s*"TableNotFound"/.test(response.bodyAsText ?? "")
  );
}

/**
 * True when a Table Storage error means the table is missing. Stores must not read that 404 as "no such entity": the
 * table is recreated on the next request (see `recreateMissingTablePolicy`), so it is a transient failure.
 */
export function isTableMissing(error: unknown): boolean {
  return (
    isRestError(error) &&
    error.statusCode === 404 &&
    (error.code === TABLE_NOT_FOUND || isTableMissingResponse(error.response))
  );
}
