/**
 * Compiles the JSON Schemas in `schemas/` into standalone validator modules (run by `npm run build`, after `tsc`), so
 * the app validates routes, subscriptions and send requests against the very schemas it publishes without compiling
 * them as it starts: ajv's compile costs hundreds of milliseconds of cold start, its generated code a few.
 *
 * The generated modules are committed (tests and `tsc` read them like any source) and rewritten only when what they
 * are built from changed: the schemas, the options below or the ajv version (a fingerprint in their first line). When
 * one is rewritten, `tsc` runs again so that `dist/` holds it too. `test/schemaValidation` fails when a committed
 * module differs from what this script would write.
 *
 * Before compiling, each `discriminator` node gets `x-discriminatorValues`, the tag values its branches accept (read
 * through their `$ref`s), so an unknown tag can be reported with the values that are allowed.
 */
import Ajv, { type Options } from "ajv";
import standaloneCode from "ajv/dist/standalone";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

type SchemaNode = Record<string, unknown>;

/** One generated module: its path from the project root, its ajv options, what it exports. */
export interface SchemaModule {
  file: string;
  /** Every error (a file is fixed in one pass) or only the first (a request is answered with one). */
  allErrors: boolean;
  /** `"all"` drops properties a schema does not list (while validating, from the data); false reports nothing. */
  removeAdditional: "all" | false;
  /** Export name → schema reference (file name, optionally with a `#/definitions/...` pointer). */
  exports: Record<string, string>;
  /** What the module holds, for its first comment. */
  summary: string;
}

/**
 * The modules this script writes. Each is its own file so that the deployed bundle holds only what the app uses (the
 * subscriptions file is read by the local tools alone) and each ajv instance has the options its callers need.
 */
export const SCHEMA_MODULES: readonly SchemaModule[] = [
  {
    file: "lib/schemaValidation/compiledRoutesValidator.ts",
    allErrors: true,
    removeAdditional: false,
    exports: { routesFile: "routes.schema.json" },
    summary: "Validator of the routes file (every error)",
  },
  {
    file: "lib/schemaValidation/compiledSubscriptionsValidator.ts",
    allErrors: true,
    removeAdditional: false,
    exports: { subscriptionsFile: "eventSubscriptions.schema.json" },
    summary: "Validator of the Event Grid subscriptions file (every error)",
  },
  {
    file: "lib/schemaValidation/compiledSendValidators.ts",
    allErrors: false,
    removeAdditional: "all",
    exports: {
      sendRequest: "sendMessage.schema.json",
      outboundMessage: "sendMessage.schema.json#/definitions/message",
    },
    summary:
      "Validators of the send request body and of one outbound message (the first error; they remove the properties the schema does not list)",
  },
];

/** Keywords the schemas carry for people and editors (VS Code reads the first two); ajv only has to accept them. */
const ANNOTATION_KEYWORDS = ["errorMessage", "patternErrorMessage", "x-discriminatorValues"] as const;

/** Prose for people and editors, left out of the compiled copies (the messages need only titles and errorMessage). */
const PROSE_KEYWORDS = ["description", "default", "examples", "$comment"];

const BASE_OPTIONS: Options = {
  strict: true,
  allowUnionTypes: true,
  discriminator: true,
  // Errors carry their schema node, which holds what the readable messages need (titles, errorMessage, ranges).
  verbose: true,
  // The app words every message itself.
  messages: false,
  inlineRefs: false,
  code: { source: true, esm: true },
};

/** Reads every `schemas/*.json` by file name, with `x-discriminatorValues` added. */
export function readSchemas(root: string): Map<string, SchemaNode> {
  const directory = join(root, "schemas");
  const schemas = new Map<string, SchemaNode>();
  for (const name of readdirSync(directory)
    .filter((file) => file.endsWith(".json"))
    .sort()) {
    schemas.set(name, JSON.parse(readFileSync(join(directory, name), "utf8")) as SchemaNode);
  }
  for (const [name, schema] of schemas) {
    addDiscriminatorValues(schema, name, schemas);
    removeProse(schema);
  }
  return schemas;
}

function addDiscriminatorValues(node: unknown, file: string, schemas: Map<string, SchemaNode>): void {
  if (Array.isArray(node)) {
    for (const item of node) addDiscriminatorValues(item, file, schemas);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const schema = node as SchemaNode;
  const discriminator = schema.discriminator as { propertyName?: string } | undefined;
  if (Array.isArray(schema.oneOf) && !discriminator?.propertyName) {
    // Without one, a value that fits no branch gets every branch's errors, which no reader can make sense of.
    throw new Error(`${file}: every oneOf needs a discriminator (the property whose value picks the branch)`);
  }
  if (discriminator?.propertyName && Array.isArray(schema.oneOf)) {
    const tag = discriminator.propertyName;
    schema["x-discriminatorValues"] = schema.oneOf.flatMap((branch: SchemaNode) => {
      const target = typeof branch.$ref === "string" ? resolveRef(branch.$ref, file, schemas) : branch;
      const property = (target.properties as Record<string, SchemaNode> | undefined)?.[tag];
      if (property?.const !== undefined) return [property.const];
      if (Array.isArray(property?.enum)) return property.enum as unknown[];
      throw new Error(`${file}: a oneOf branch of the discriminator on ${tag} has no const or enum for it`);
    });
  }
  for (const value of Object.values(schema)) addDiscriminatorValues(value, file, schemas);
}

/** Deletes the prose keywords of a schema node and of every subschema below it (not of properties named so). */
function removeProse(schema: unknown): void {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return;
  const node = schema as SchemaNode;
  for (const keyword of PROSE_KEYWORDS) delete node[keyword];
  for (const keyword of ["properties", "definitions"]) {
    for (const sub of Object.values((node[keyword] as SchemaNode | undefined) ?? {})) removeProse(sub);
  }
  for (const keyword of ["items", "additionalProperties", "not"]) removeProse(node[keyword]);
  for (const keyword of ["oneOf", "anyOf", "allOf"]) {
    for (const sub of (node[keyword] as unknown[] | undefined) ?? []) removeProse(sub);
  }
}

function resolveRef(ref: string, file: string, schemas: Map<string, SchemaNode>): SchemaNode {
  const [target = "", pointer = ""] = ref.split("#");
  const document = schemas.get(target === "" ? file : target);
  if (!document) throw new Error(`${file}: cannot resolve ${ref}`);
  let node: unknown = document;
  for (const segment of pointer.split("/").filter(Boolean)) node = (node as SchemaNode)[segment];
  if (typeof node !== "object" || node === null) throw new Error(`${file}: cannot resolve ${ref}`);
  return node as SchemaNode;
}

/** What a module is built from; equal fingerprints mean the module needs no rebuild. */
export function fingerprintOf(spec: SchemaModule, root: string): string {
  const ajvVersion = (JSON.parse(readFileSync(require.resolve("ajv/package.json"), "utf8")) as { version: string })
    .version;
  const hash = createHash("sha256").update(JSON.stringify({ spec, BASE_OPTIONS, ajvVersion }));
  const directory = join(root, "schemas");
  for (const name of readdirSync(directory)
    .filter((file) => file.endsWith(".json"))
    .sort()) {
    hash.update(name).update(readFileSync(join(directory, name)));
  }
  return hash.digest("hex").slice(0, 16);
}

/** The text of one generated module, formatted as the project formats TypeScript. */
export async function generateModule(spec: SchemaModule, root: string): Promise<string> {
  const ajv = new Ajv({ ...BASE_OPTIONS, allErrors: spec.allErrors, removeAdditional: spec.removeAdditional });
  ajv.addVocabulary([...ANNOTATION_KEYWORDS]);
  for (const [name, schema] of readSchemas(root)) ajv.addSchema(schema, name);
  const code = standaloneCode(ajv, spec.exports);

  // ajv's ES module output still `require`s its runtime helpers (ucs2length counts code points, as WhatsApp does);
  // imports keep the module an ES module for every reader (tsc, esbuild, vitest).
  const imports: string[] = [];
  const body = code
    .replace(/^"use strict";/, "")
    .replace(/const (\w+) = require\("(ajv\/dist\/runtime\/\w+)"\)\.default;/g, (_, name: string, path: string) => {
      imports.push(`import ${name} from "${path}";`);
      return "";
    });
  if (/\brequire\(/.test(body)) throw new Error(`${spec.file}: generated code requires a module not handled here`);

  const header = [
    `// Generated by scripts/compileSchemas.ts from schemas/*.json (fingerprint ${fingerprintOf(spec, root)}).`,
    "// Do not edit: change the schemas and run npm run build.",
    `// ${spec.summary}.`,
    "/* eslint-disable */",
    "// @ts-nocheck",
  ];
  const text = [...header, ...imports, body].join("\n");
  const prettier = await import("prettier");
  const target = join(root, spec.file);
  const config = (await prettier.resolveConfig(target)) ?? {};
  return prettier.format(text, { ...config, filepath: target });
}

/** The fingerprint a committed module was generated with, read from its first line. */
function committedFingerprint(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  return /fingerprint ([0-9a-f]+)/.exec(readFileSync(path, "utf8").split("\n", 1)[0] ?? "")?.[1];
}

/** Rewrites the modules whose fingerprint changed; returns the paths rewritten. */
export async function compileSchemas(root: string): Promise<string[]> {
  const written: string[] = [];
  for (const spec of SCHEMA_MODULES) {
    const path = join(root, spec.file);
    if (committedFingerprint(path) === fingerprintOf(spec, root)) continue;
    writeFileSync(path, await generateModule(spec, root));
    written.push(spec.file);
  }
  return written;
}

if (require.main === module) {
  const root = resolve(__dirname, "..", "..");
  compileSchemas(root)
    .then((written) => {
      if (written.length === 0) return;
      console.log(`Compiled schemas into ${written.join(", ")}; compiling them into dist/`);
      const tsc = require.resolve("typescript/bin/tsc");
      const run = spawnSync(process.execPath, [tsc, "-b", join(root, "tsconfig.build.json")], { stdio: "inherit" });
      if (run.status !== 0) process.exit(run.status ?? 1);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
