/** `application/json` and the structured-syntax `+json` types (`application/cloudevents-batch+json`, …). */
const JSON_ESSENCE = /^application\/(?:json|[a-z0-9!#$&^_.-][a-z0-9!#$&^_.+-]*\+json)$/;

/** The media type of a `Content-Type` value without its parameters, lower case; undefined when there is none. */
export function mediaTypeOf(contentType: string | null | undefined): string | undefined {
  const essence = contentType?.split(";")[0]?.trim().toLowerCase();
  return essence === undefined || essence === "" ? undefined : essence;
}

/** True when a `Content-Type` value declares JSON (parameters such as `charset` allowed). */
export function isJsonMediaType(contentType: string | null | undefined): boolean {
  const type = mediaTypeOf(contentType);
  return type !== undefined && JSON_ESSENCE.test(type);
}
