/**
 * Runs a validator compiled from `schemas/*.json` (see `scripts/compileSchemas.ts`) and words its errors the way the
 * app words every input problem: the path of the value (`routes[0].filter.advancedFilters[1].operatorType`) and a
 * sentence about it (`must be one of …`), never ajv's schema paths.
 *
 * The schemas supply what the sentences need: a node's `errorMessage` (and `patternErrorMessage` for patterns) replaces
 * the generic sentence for the node's own checks, as in VS Code; a missing property uses the `errorMessage` of its
 * schema; `title` names the object an unknown property was found in; `x-discriminatorValues` (added when compiling)
 * lists the values a `discriminator` accepts.
 *
 * @packageDocumentation
 */

import type { ErrorObject } from "ajv";

/** A validator as ajv's standalone code exports it: true when valid, else the errors on the function. */
export type CompiledValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** A property name or an array index. */
export type PathSegment = string | number;

/** One schema problem: where it is (from the validated value's root) and what is wrong, as a sentence. */
export interface SchemaProblem {
  path: PathSegment[];
  message: string;
}

interface SchemaNode {
  type?: string | string[];
  title?: string;
  properties?: Record<string, SchemaNode | undefined>;
  minimum?: number;
  maximum?: number;
  errorMessage?: string;
  patternErrorMessage?: string;
  "x-discriminatorValues"?: unknown[];
}

/**
 * Validates `data` with `validate` and returns its problems in the order ajv found them, without duplicates. Empty
 * when `data` is valid. The compiled validators carry `verbose: true`, so each error holds its schema node.
 */
export function schemaProblems(validate: CompiledValidator, data: unknown): SchemaProblem[] {
  if (validate(data)) return [];
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const problem = describeError(error);
    const key = `${formatPath(problem.path)}\n${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

/** `["routes", 0, "name"]` as `routes[0].name`; `prefix` goes in front (`message` gives `message.text`). */
export function formatPath(path: readonly PathSegment[], prefix = ""): string {
  let text = prefix;
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? segment : `.${segment}`;
  }
  return text;
}

/** True when `inner` is `outer` or lies below it. */
export function isWithin(inner: readonly PathSegment[], outer: readonly PathSegment[]): boolean {
  return outer.every((segment, index) => inner[index] === segment);
}

function describeError(error: ErrorObject): SchemaProblem {
  const path = toPath(error.instancePath);
  const node = (error.parentSchema ?? {}) as SchemaNode;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required": {
      const name = String(params.missingProperty);
      return { path: [...path, name], message: node.properties?.[name]?.errorMessage ?? "is required" };
    }
    case "additionalProperties": {
      const allowed = Object.keys(node.properties ?? {}).join(", ");
      const where = node.title ? `a property of ${withArticle(node.title)}` : "an allowed property";
      return { path: [...path, String(params.additionalProperty)], message: `is not ${where} (${allowed})` };
    }
    case "discriminator": {
      const tag = String(params.tag);
      const values = node["x-discriminatorValues"] ?? [];
      const got = params.tagValue === undefined ? "" : `; got ${JSON.stringify(params.tagValue)}`;
      const listed = values.length > 9 ? `one of the ${values.length} values ${list(values)}` : alternatives(values);
      return { path: [...path, tag], message: node.errorMessage ?? `must be ${listed}${got}` };
    }
    case "pattern":
      return {
        path,
        message: node.patternErrorMessage ?? node.errorMessage ?? `must match the pattern ${String(params.pattern)}`,
      };
    default:
      return { path, message: node.errorMessage ?? genericMessage(error.keyword, params, node) };
  }
}

function genericMessage(keyword: string, params: Record<string, unknown>, node: SchemaNode): string {
  const limit = Number(params.limit);
  switch (keyword) {
    case "type":
    case "minimum":
    case "maximum":
      if (node.minimum !== undefined && node.maximum !== undefined) {
        return node.type === "integer"
          ? `must be a whole number from ${node.minimum} to ${node.maximum}`
          : `must be a number between ${node.minimum} and ${node.maximum}`;
      }
      if (keyword === "minimum") return `must be at least ${limit}`;
      if (keyword === "maximum") return `must be at most ${limit}`;
      return `must be ${typeWords(String(params.type))}`;
    case "enum":
      return `must be ${alternatives(params.allowedValues as unknown[])}`;
    case "const":
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case "minItems":
      return limit === 1 ? "must not be empty" : `must hold at least ${limit} items`;
    case "maxItems":
      return `must hold at most ${limit} item${limit === 1 ? "" : "s"}`;
    case "minLength":
      return limit === 1 ? "must not be empty" : `must be at least ${limit} characters`;
    case "maxLength":
      return `must be at most ${limit} characters`;
    case "minProperties":
    case "maxProperties":
      return `must have ${keyword === "minProperties" ? "at least" : "at most"} ${limit} propert${limit === 1 ? "y" : "ies"}`;
    case "not":
    case "false schema":
      return "is not allowed";
    default:
      return `does not satisfy the schema's ${keyword}`;
  }
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  object: "an object",
  array: "an array",
  null: "null",
};

/** `array,null` reads "an array": null stands for "absent" (ARM writes it so), which needs no mention. */
function typeWords(types: string): string {
  const named = types.split(",").filter((type, _, all) => type !== "null" || all.length === 1);
  return named.map((type) => TYPE_WORDS[type] ?? type).join(" or ");
}

function alternatives(values: readonly unknown[]): string {
  const words = values.map(word);
  if (words.length <= 2) return words.join(" or ");
  return `one of ${words.join(", ")}`;
}

function list(values: readonly unknown[]): string {
  return values.map(word).join(", ");
}

function word(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? "an" : "a"} ${noun}`;
}

/** A JSON pointer (`/routes/0/name`) as path segments; digits are array indexes (no schema here names a property so). */
function toPath(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((segment) => (/^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment));
}
