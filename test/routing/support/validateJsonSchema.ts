import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * A small JSON Schema (draft-07) validator covering exactly the keywords the project's schemas use, so the published
 * schemas can be tested without a validator dependency. An unknown keyword throws: a schema must not rely on a keyword
 * this validator would silently ignore.
 */
export function validateJsonSchema(schemaFile: string, instance: unknown): string[] {
  const errors: string[] = [];
  const root = loadSchema(schemaFile);
  check(root, root, schemaFile, instance, "$", errors);
  return errors;
}

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "title",
  "description",
  "default",
  "examples",
  "$comment",
  "definitions",
]);
const cache = new Map<string, Schema>();

function loadSchema(file: string): Schema {
  let schema = cache.get(file);
  if (!schema) {
    schema = JSON.parse(readFileSync(file, "utf8")) as Schema;
    cache.set(file, schema);
  }
  return schema;
}

function check(schema: Schema, root: Schema, file: string, value: unknown, path: string, errors: string[]): void {
  for (const [keyword, argument] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case "$ref": {
        const [target, pointer] = (argument as string).split("#") as [string, string | undefined];
        const targetFile = target === "" ? file : join(dirname(file), target);
        const targetRoot = target === "" ? root : loadSchema(targetFile);
        let resolved: unknown = targetRoot;
        for (const segment of (pointer ?? "").split("/").filter(Boolean)) {
          resolved = (resolved as Schema)[segment];
        }
        if (resolved === undefined) throw new Error(`unresolvable $ref ${String(argument)} in ${file}`);
        check(resolved as Schema, targetRoot, targetFile, value, path, errors);
        break;
      }
      case "type": {
        const types = Array.isArray(argument) ? (argument as string[]) : [argument as string];
        if (!types.some((type) => hasType(value, type))) errors.push(`${path}: must be ${types.join(" or ")}`);
        break;
      }
      case "enum":
        if (!(argument as unknown[]).some((option) => option === value))
          errors.push(`${path}: must be one of ${JSON.stringify(argument)}`);
        break;
      case "const":
        if (value !== argument) errors.push(`${path}: must be ${JSON.stringify(argument)}`);
        break;
      case "properties":
        if (isObject(value)) {
          for (const [name, sub] of Object.entries(argument as Record<string, Schema>)) {
            if (name in value) check(sub, root, file, value[name], `${path}.${name}`, errors);
          }
        }
        break;
      case "required":
        if (isObject(value)) {
          for (const name of argument as string[]) if (!(name in value)) errors.push(`${path}: needs ${name}`);
        }
        break;
      case "additionalProperties":
        if (isObject(value) && argument === false) {
          const known = Object.keys((schema.properties as Schema | undefined) ?? {});
          for (const name of Object.keys(value))
            if (!known.includes(name)) errors.push(`${path}.${name}: is not allowed`);
        } else if (argument !== false) throw new Error("only additionalProperties: false is supported");
        break;
      case "items":
        if (Array.isArray(value))
          value.forEach((item, index) => check(argument as Schema, root, file, item, `${path}[${index}]`, errors));
        break;
      case "minItems":
        if (Array.isArray(value) && value.length < (argument as number))
          errors.push(`${path}: needs at least ${String(argument)} items`);
        break;
      case "maxItems":
        if (Array.isArray(value) && value.length > (argument as number))
          errors.push(`${path}: allows at most ${String(argument)} items`);
        break;
      case "minLength":
        if (typeof value === "string" && Array.from(value).length < (argument as number))
          errors.push(`${path}: too short`);
        break;
      case "maxLength":
        if (typeof value === "string" && Array.from(value).length > (argument as number))
          errors.push(`${path}: too long`);
        break;
      case "pattern":
        if (typeof value === "string" && !new RegExp(argument as string, "u").test(value)) {
          errors.push(`${path}: does not match ${String(argument)}`);
        }
        break;
      case "minimum":
        if (typeof value === "number" && value < (argument as number))
          errors.push(`${path}: below ${String(argument)}`);
        break;
      case "maximum":
        if (typeof value === "number" && value > (argument as number))
          errors.push(`${path}: above ${String(argument)}`);
        break;
      case "oneOf": {
        const passing = (argument as Schema[]).filter((sub) => {
          const inner: string[] = [];
          check(sub, root, file, value, path, inner);
          return inner.length === 0;
        });
        if (passing.length !== 1)
          errors.push(
            `${path}: must match exactly one of ${(argument as Schema[]).length} shapes (matches ${passing.length})`,
          );
        break;
      }
      default:
        throw new Error(`validateJsonSchema does not support the keyword ${keyword} (${file})`);
    }
  }
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "null":
      return value === null;
    default:
      return typeof value === type;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
