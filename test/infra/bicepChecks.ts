import Parser from "tree-sitter";
import Bicep from "tree-sitter-bicep";

/**
 * Static checks of Bicep source on the tree-sitter-bicep syntax tree. The Bicep compiler cannot be installed on this
 * project's build machines; these checks catch part of what it and its linter would (syntax errors, undefined symbols,
 * names declared twice, dead parameters and variables, module parameter and output wiring) and what they would not
 * (keys, where role IDs come from). They are unit-tested on broken snippets in bicepChecks.test.ts, so every check is
 * known to be able to fail. They do not check property names, types or API versions.
 *
 * Limits of the grammar (tree-sitter-bicep 1.1.0): it wrongly flags the `...` spread operator, `extension` statements
 * and `.bicepparam` files, so the templates avoid them. It ends a lambda body at its first member access
 * (`x => x.a` parses as `(x => x).a`), which can put a second lambda parameter out of scope here: parenthesise lambda
 * bodies (`x => (x.a)`). It sometimes splits an array item such as `resourceGroup().id` in two; syntaxErrors reports
 * that rather than letting the other checks run on a tree Bicep would not build.
 */

export type SyntaxNode = Parser.SyntaxNode;

export interface Finding {
  file: string;
  /** 1-based line. */
  line: number;
  message: string;
}

const parser = new Parser();
parser.setLanguage(Bicep as unknown as Parser.Language);

export function parseBicep(source: string): Parser.Tree {
  // The Node binding reads the input through a fixed-size buffer unless told otherwise.
  return parser.parse(source, null, { bufferSize: Math.max(32 * 1024, source.length * 4) });
}

function lineOf(node: SyntaxNode): number {
  return node.startPosition.row + 1;
}

function* walk(node: SyntaxNode): Generator<SyntaxNode> {
  yield node;
  for (const child of node.children) yield* walk(child);
}

export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.file}:${f.line}: ${f.message}`).join("\n");
}

/** ERROR and MISSING nodes: anything the grammar could not parse. */
export function syntaxErrors(file: string, source: string): Finding[] {
  const findings: Finding[] = [];
  for (const node of walk(parseBicep(source).rootNode)) {
    if (node.type === "ERROR") {
      findings.push({
        file,
        line: lineOf(node),
        message: `syntax error near ${JSON.stringify(node.text.slice(0, 40))}`,
      });
    } else if (node.isMissing) {
      findings.push({ file, line: lineOf(node), message: `missing ${JSON.stringify(node.type)}` });
    } else if (node.type === "array") {
      // Items of a multi-line array stand on lines of their own; two items on one line without a comma mean the
      // grammar split one expression (it does so for `resourceGroup().id` after some constructs): Bicep would read
      // something else than this tree, so the other checks cannot be trusted there. Use a variable instead.
      const items = node.children;
      for (let i = 1; i < items.length; i++) {
        const previous = items[i - 1]!;
        const item = items[i]!;
        if (previous.isNamed && item.isNamed && item.startPosition.row === previous.endPosition.row) {
          findings.push({ file, line: lineOf(item), message: `ambiguous array item ${JSON.stringify(item.text)}` });
        }
      }
    }
  }
  return findings;
}

/** Built-in functions (namespaces sys and az) and decorators of Bicep. */
export const BICEP_BUILTINS: ReadonlySet<string> = new Set([
  // namespaces
  "az",
  "sys",
  // sys: any, arrays, objects, strings, numbers, logic, files, lambdas, dates
  "any",
  "array",
  "base64",
  "base64ToJson",
  "base64ToString",
  "bool",
  "buildUri",
  "cidrHost",
  "cidrSubnet",
  "coalesce",
  "concat",
  "contains",
  "dataUri",
  "dataUriToString",
  "dateTimeAdd",
  "dateTimeFromEpoch",
  "dateTimeToEpoch",
  "deployer",
  "empty",
  "endsWith",
  "fail",
  "filter",
  "first",
  "flatten",
  "format",
  "groupBy",
  "guid",
  "indexOf",
  "int",
  "intersection",
  "items",
  "join",
  "json",
  "last",
  "lastIndexOf",
  "length",
  "loadFileAsBase64",
  "loadJsonContent",
  "loadTextContent",
  "loadYamlContent",
  "map",
  "mapValues",
  "max",
  "min",
  "newGuid",
  "objectKeys",
  "padLeft",
  "parseCidr",
  "parseUri",
  "range",
  "readEnvironmentVariable",
  "reduce",
  "replace",
  "shallowMerge",
  "skip",
  "sort",
  "split",
  "startsWith",
  "string",
  "substring",
  "take",
  "toLower",
  "toObject",
  "toUpper",
  "trim",
  "tryGet",
  "union",
  "uniqueString",
  "uri",
  "uriComponent",
  "uriComponentToString",
  "utcNow",
  // az: deployment scopes and resource functions (list* functions are deliberately absent: they return keys)
  "deployment",
  "environment",
  "extensionResourceId",
  "managementGroup",
  "managementGroupResourceId",
  "pickZones",
  "providers",
  "reference",
  "resourceGroup",
  "resourceId",
  "subscription",
  "subscriptionResourceId",
  "tenant",
  "tenantResourceId",
  // decorators
  "allowed",
  "batchSize",
  "description",
  "discriminator",
  "export",
  "maxLength",
  "maxValue",
  "metadata",
  "minLength",
  "minValue",
  "secure",
  "sealed",
]);

type DeclarationKind = "param" | "var" | "resource" | "module" | "output" | "type" | "func" | "import" | "metadata";

export interface Declaration {
  name: string;
  kind: DeclarationKind;
  node: SyntaxNode;
  /** The value (param default, var value, resource/module body, output value). */
  value: SyntaxNode | null;
}

const DECLARATION_KINDS: Record<string, DeclarationKind> = {
  parameter_declaration: "param",
  variable_declaration: "var",
  resource_declaration: "resource",
  module_declaration: "module",
  output_declaration: "output",
  type_declaration: "type",
  user_defined_function: "func",
  metadata_declaration: "metadata",
};

function declarationName(node: SyntaxNode): SyntaxNode | null {
  return node.namedChildren.find((c) => c.type === "identifier") ?? null;
}

function declarationValue(node: SyntaxNode): SyntaxNode | null {
  const eq = node.children.findIndex((c) => c.type === "=");
  if (eq < 0) return null;
  return node.children.slice(eq + 1).find((c) => c.isNamed) ?? null;
}

/** Every declaration of the file, nested resources included. */
export function declarations(root: SyntaxNode): Declaration[] {
  const result: Declaration[] = [];
  for (const node of walk(root)) {
    const kind = DECLARATION_KINDS[node.type];
    if (kind) {
      const name = declarationName(node);
      if (name) result.push({ name: name.text, kind, node, value: declarationValue(node) });
    } else if (node.type === "import_functionality") {
      // import { a, b as c } from '...': the local names are the identifiers after `as`, or the plain ones.
      const children = node.children;
      for (let i = 0; i < children.length; i++) {
        const child = children[i]!;
        if (child.type !== "identifier") continue;
        if (children[i + 1]?.type === "as") continue;
        result.push({ name: child.text, kind: "import", node: child, value: null });
      }
    }
  }
  return result;
}

/** Whether an identifier node names something (a declaration, a key, a property) rather than referring to a symbol. */
function isNonReference(node: SyntaxNode): boolean {
  const parent = node.parent;
  if (!parent) return true;
  if (DECLARATION_KINDS[parent.type] && parent.namedChildren[0]?.id === node.id) return true;
  if (parent.type === "object_property" && parent.children[0]?.id === node.id) return true;
  if (parent.type === "resource_expression" && parent.childForFieldName("resource")?.id === node.id) return true;
  if (parent.type === "import_functionality") return true;
  if (parent.type === "parameter") return parent.namedChildren[0]?.id === node.id;
  if (parent.type === "for_statement" && parent.childForFieldName("initializer")?.id === node.id) return true;
  if (parent.type === "lambda_expression" && parent.namedChildren[0]?.id === node.id) return true;
  if (
    parent.type === "parenthesized_expression" &&
    parent.parent?.type === "lambda_expression" &&
    parent.parent.namedChildren[0]?.id === parent.id
  ) {
    return true;
  }
  return false;
}

/** Names a node brings into scope for its descendants: loop variables, lambda and function parameters. */
function scopeNames(node: SyntaxNode): string[] {
  if (node.type === "for_statement") {
    const initializer = node.childForFieldName("initializer");
    if (initializer) return [initializer.text];
    const parameters = node.namedChildren.find((c) => c.type === "for_loop_parameters");
    return parameters ? parameters.namedChildren.map((c) => c.text) : [];
  }
  if (node.type === "lambda_expression") {
    const head = node.namedChildren[0];
    if (head?.type === "identifier") return [head.text];
    if (head?.type === "parenthesized_expression") {
      return head.namedChildren.filter((c) => c.type === "identifier").map((c) => c.text);
    }
  }
  if (node.type === "user_defined_function") {
    const parameters = node.namedChildren.find((c) => c.type === "parameters");
    return parameters ? parameters.namedChildren.map((p) => p.namedChildren[0]?.text ?? "") : [];
  }
  return [];
}

/** Identifier references of the file with the local names (loop variables, lambda parameters) in scope at each. */
function references(root: SyntaxNode): { node: SyntaxNode; local: boolean }[] {
  const result: { node: SyntaxNode; local: boolean }[] = [];
  const visit = (node: SyntaxNode, locals: ReadonlySet<string>): void => {
    if (node.type === "identifier" && !isNonReference(node)) {
      result.push({ node, local: locals.has(node.text) });
    }
    // Names in types (user-defined types) must be declared too; types bring nothing into scope.
    if (node.type === "type" || node.type === "primitive_type") {
      for (const id of walk(node)) {
        if (id.type === "identifier") result.push({ node: id, local: false });
      }
      return;
    }
    const names = scopeNames(node);
    const inner = names.length > 0 ? new Set([...locals, ...names]) : locals;
    for (const child of node.children) visit(child, inner);
  };
  visit(root, new Set());
  return result;
}

function isFunctionPosition(node: SyntaxNode): boolean {
  const parent = node.parent;
  if (parent?.type === "call_expression" && parent.childForFieldName("function")?.id === node.id) return true;
  return false;
}

/**
 * Undefined symbols (identifiers that are not declared, not in scope and not built-in), names declared twice, dead
 * parameters, dead variables and unused imports (declared and never referenced).
 */
export function symbolFindings(file: string, source: string): Finding[] {
  const root = parseBicep(source).rootNode;
  const declared = declarations(root);
  // Outputs cannot be referenced; nested resources are reached through their parent but also by name inside it.
  const names = new Set(declared.filter((d) => d.kind !== "output").map((d) => d.name));
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const d of declared) {
    if (d.kind === "output" || d.node.parent?.id !== root.id) continue;
    if (seen.has(d.name)) findings.push({ file, line: lineOf(d.node), message: `"${d.name}" is declared twice` });
    seen.add(d.name);
  }
  const used = new Set<string>();
  for (const { node, local } of references(root)) {
    const name = node.text;
    if (local) continue;
    if (names.has(name)) {
      used.add(name);
    } else if (isFunctionPosition(node) ? !BICEP_BUILTINS.has(name) : name !== "az" && name !== "sys") {
      findings.push({ file, line: lineOf(node), message: `undefined symbol "${name}"` });
    }
  }
  for (const d of declared) {
    if ((d.kind === "param" || d.kind === "var" || d.kind === "import") && !used.has(d.name)) {
      // An exported variable is used by the files that import it.
      if (d.kind === "var" && hasDecorator(d.node, "export")) continue;
      findings.push({ file, line: lineOf(d.node), message: `${d.kind} "${d.name}" is declared but never used` });
    }
  }
  return findings;
}

/** The decorators written immediately before a declaration. */
export function decoratorNames(declaration: SyntaxNode): string[] {
  const previous = declaration.previousNamedSibling;
  if (previous?.type !== "decorators") return [];
  return previous.namedChildren.map((d) => d.namedChildren[0]?.childForFieldName("function")?.text ?? "");
}

function hasDecorator(declaration: SyntaxNode, name: string): boolean {
  return decoratorNames(declaration).includes(name);
}

/** Text of a string literal without interpolation, or undefined. */
export function stringValue(node: SyntaxNode | null | undefined): string | undefined {
  if (!node || node.type !== "string") return undefined;
  if (node.namedChildren.some((c) => c.type === "interpolation")) return undefined;
  return node.namedChildren.map((c) => (c.type === "escape_sequence" ? c.text.slice(1) : c.text)).join("");
}

/** The properties of an object node, by key (identifier or quoted string). */
export function objectProperties(object: SyntaxNode | null | undefined): Map<string, SyntaxNode> {
  const result = new Map<string, SyntaxNode>();
  if (!object || object.type !== "object") return result;
  for (const property of object.namedChildren) {
    if (property.type !== "object_property") continue;
    const key = property.children[0];
    const value = property.children.slice(2).find((c) => c.isNamed);
    if (!key || !value) continue;
    const name = key.type === "string" ? stringValue(key) : key.text;
    if (name !== undefined) result.set(name, value);
  }
  return result;
}

/** The body object of a resource or module (through `if (...)`), or of a `[for ...: {...}]` loop. */
export function bodyObject(value: SyntaxNode | null): SyntaxNode | null {
  if (!value) return null;
  if (value.type === "object") return value;
  if (value.type === "if_statement") return value.namedChildren.find((c) => c.type === "object") ?? null;
  if (value.type === "for_statement") return bodyObject(value.childForFieldName("body"));
  return null;
}

export interface ModuleInterface {
  /** Parameter name → whether it has a default value. */
  params: Map<string, { hasDefault: boolean; line: number }>;
  outputs: Set<string>;
  targetScope: string;
}

export function moduleInterface(source: string): ModuleInterface {
  const root = parseBicep(source).rootNode;
  const params = new Map<string, { hasDefault: boolean; line: number }>();
  const outputs = new Set<string>();
  let targetScope = "resourceGroup";
  for (const node of root.namedChildren) {
    if (node.type === "parameter_declaration") {
      params.set(declarationName(node)!.text, { hasDefault: declarationValue(node) !== null, line: lineOf(node) });
    } else if (node.type === "output_declaration") {
      outputs.add(declarationName(node)!.text);
    } else if (node.type === "target_scope_assignment") {
      targetScope = stringValue(node.namedChildren.find((c) => c.type === "string")) ?? targetScope;
    }
  }
  return { params, outputs, targetScope };
}

/**
 * Module wiring of one file: each local module path exists, every `params` key is a parameter of the module, every
 * parameter without a default is given, and every `<module>.outputs.<name>` is an output of the module.
 * `readModule` returns the source of a path relative to the file, or undefined when it does not exist.
 */
export function moduleFindings(
  file: string,
  source: string,
  readModule: (path: string) => string | undefined,
): Finding[] {
  const root = parseBicep(source).rootNode;
  const findings: Finding[] = [];
  const interfaces = new Map<string, ModuleInterface>();
  for (const d of declarations(root)) {
    if (d.kind !== "module") continue;
    const path = stringValue(d.node.namedChildren.find((c) => c.type === "string"));
    if (!path || path.startsWith("br:") || path.startsWith("br/") || path.startsWith("ts:")) continue;
    const moduleSource = readModule(path);
    if (moduleSource === undefined) {
      findings.push({ file, line: lineOf(d.node), message: `module "${d.name}": no file ${path}` });
      continue;
    }
    const contract = moduleInterface(moduleSource);
    interfaces.set(d.name, contract);
    const params = objectProperties(objectProperties(bodyObject(d.value)).get("params"));
    for (const [key, value] of params) {
      if (!contract.params.has(key)) {
        findings.push({ file, line: lineOf(value), message: `module "${d.name}": ${path} has no parameter "${key}"` });
      }
    }
    for (const [name, param] of contract.params) {
      if (!param.hasDefault && !params.has(name)) {
        findings.push({
          file,
          line: lineOf(d.node),
          message: `module "${d.name}": required parameter "${name}" not given`,
        });
      }
    }
  }
  for (const node of walk(root)) {
    // <module>.outputs.<name>
    if (node.type !== "member_expression") continue;
    const object = node.childForFieldName("object");
    if (object?.type !== "member_expression" || object.childForFieldName("property")?.text !== "outputs") continue;
    const moduleName = object.childForFieldName("object")?.text ?? "";
    const output = node.childForFieldName("property")?.text ?? "";
    const contract = interfaces.get(moduleName);
    if (contract && !contract.outputs.has(output)) {
      findings.push({ file, line: lineOf(node), message: `module "${moduleName}" has no output "${output}"` });
    }
  }
  return findings;
}

const SECRET_TEXT: readonly { pattern: RegExp; what: string }[] = [
  { pattern: /AccountKey=/i, what: "a storage account key" },
  { pattern: /SharedAccessKey/i, what: "a shared access key" },
  { pattern: /accesskey=/i, what: "an access key" },
  { pattern: /DefaultEndpointsProtocol=/i, what: "a storage connection string" },
];
const KEY_PROPERTY = /^(primary|secondary)(Master)?(Key|ConnectionString)s?$/i;

/**
 * Uses of keys anywhere in the file: list*() calls (listKeys, listConnectionStrings, ...: they return secrets), key
 * properties (primaryKey, ...), and connection-string or key text in strings. Comments are not checked.
 */
export function secretFindings(file: string, source: string): Finding[] {
  const findings: Finding[] = [];
  for (const node of walk(parseBicep(source).rootNode)) {
    if (node.type === "identifier" || node.type === "property_identifier") {
      const callee =
        (node.type === "identifier" && isFunctionPosition(node)) ||
        (node.type === "property_identifier" && node.parent !== null && isFunctionPosition(node.parent));
      if (callee && /^list/i.test(node.text)) {
        findings.push({ file, line: lineOf(node), message: `${node.text}() returns keys or secrets` });
      } else if (KEY_PROPERTY.test(node.text)) {
        findings.push({ file, line: lineOf(node), message: `key property ${node.text}` });
      }
    } else if (node.type === "string_content") {
      for (const { pattern, what } of SECRET_TEXT) {
        if (pattern.test(node.text)) findings.push({ file, line: lineOf(node), message: `${what} in a string` });
      }
    }
  }
  return findings;
}

/** GUID literals of the file (role definition IDs and the like), with their lines. */
export function guidLiterals(source: string): { guid: string; line: number }[] {
  const result: { guid: string; line: number }[] = [];
  for (const node of walk(parseBicep(source).rootNode)) {
    if (node.type !== "string_content") continue;
    for (const match of node.text.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi)) {
      result.push({ guid: match[0].toLowerCase(), line: lineOf(node) });
    }
  }
  return result;
}

/** The `roleDefinitionId:` values of the file. */
export function roleDefinitionIdValues(source: string): SyntaxNode[] {
  const result: SyntaxNode[] = [];
  for (const node of walk(parseBicep(source).rootNode)) {
    if (node.type !== "object_property" || node.children[0]?.text !== "roleDefinitionId") continue;
    const value = node.children.slice(2).find((c) => c.isNamed);
    if (value) result.push(value);
  }
  return result;
}

/**
 * Role assignments must name their role through the one table (`roleDefinitionIds.<role>` imported from roles.bicep),
 * a custom role defined in the same file, or a variable of the same file that chooses a parameter with a role of the
 * table as its fallback (`var r = empty(p) ? roleDefinitionIds.<role> : p`):
 * `subscriptionResourceId('Microsoft.Authorization/roleDefinitions', X)` with X one of those. `table` holds the role
 * names of the table.
 */
export function roleReferenceFindings(file: string, source: string, table: ReadonlySet<string>): Finding[] {
  const root = parseBicep(source).rootNode;
  const customRoles = new Set(
    declarations(root)
      .filter((d) => d.kind === "resource")
      .filter((d) => stringValue(d.node.namedChildren[1])?.startsWith("Microsoft.Authorization/roleDefinitions@"))
      .map((d) => d.name),
  );
  const findings: Finding[] = [];
  for (const value of roleDefinitionIdValues(source)) {
    const fail = (why: string): void => {
      findings.push({ file, line: lineOf(value), message: `roleDefinitionId ${why}: ${value.text}` });
    };
    if (value.type !== "call_expression" || value.childForFieldName("function")?.text !== "subscriptionResourceId") {
      fail("must be subscriptionResourceId('Microsoft.Authorization/roleDefinitions', <role>)");
      continue;
    }
    const args = value.childForFieldName("arguments")?.namedChildren ?? [];
    if (args.length !== 2 || stringValue(args[0]) !== "Microsoft.Authorization/roleDefinitions") {
      fail("must be subscriptionResourceId('Microsoft.Authorization/roleDefinitions', <role>)");
      continue;
    }
    const role = args[1]!;
    const object = role.type === "member_expression" ? role.childForFieldName("object")?.text : undefined;
    const property = role.type === "member_expression" ? role.childForFieldName("property")?.text : undefined;
    if (object === "roleDefinitionIds" && property && table.has(property)) continue;
    if (object && customRoles.has(object) && property === "name") continue;
    if (role.type === "identifier" && isRoleParameterWithFallback(root, role.text, table)) continue;
    fail("must take its role from roleDefinitionIds (roles.bicep) or a custom role defined in the same file");
  }
  return findings;
}

/** Whether `name` is a variable `empty(p) ? roleDefinitionIds.<role of the table> : p` with `p` a parameter. */
function isRoleParameterWithFallback(root: SyntaxNode, name: string, table: ReadonlySet<string>): boolean {
  const all = declarations(root);
  const variable = all.find((d) => d.name === name && d.kind === "var");
  const value = variable?.value;
  if (value?.type !== "ternary_expression") return false;
  const condition = value.childForFieldName("condition");
  const fallback = value.childForFieldName("consequence");
  const chosen = value.childForFieldName("alternative");
  const tested = condition?.childForFieldName("arguments")?.namedChildren ?? [];
  if (condition?.type !== "call_expression" || condition.childForFieldName("function")?.text !== "empty") return false;
  if (tested.length !== 1 || tested[0]?.type !== "identifier" || chosen?.type !== "identifier") return false;
  if (tested[0].text !== chosen.text || !all.some((d) => d.name === chosen.text && d.kind === "param")) return false;
  return (
    fallback?.type === "member_expression" &&
    fallback.childForFieldName("object")?.text === "roleDefinitionIds" &&
    table.has(fallback.childForFieldName("property")?.text ?? "")
  );
}

/** The type of a resource declaration (`Microsoft.Web/sites`, or `config` for a nested one), without the API version. */
export function resourceType(declaration: Declaration): string {
  return (stringValue(declaration.node.namedChildren[1]) ?? "").split("@")[0]!;
}

/** The API version of a resource declaration, if written. */
export function resourceApiVersion(declaration: Declaration): string | undefined {
  return (stringValue(declaration.node.namedChildren[1]) ?? "").split("@")[1];
}

/** Resource declarations of a given type (case-insensitive). */
export function resourcesOfType(root: SyntaxNode, type: string): Declaration[] {
  return declarations(root).filter(
    (d) => d.kind === "resource" && resourceType(d).toLowerCase() === type.toLowerCase(),
  );
}

/** The value at a property path of an object (`properties.storage.type`), through resource and module bodies. */
export function propertyAt(node: SyntaxNode | null | undefined, path: readonly string[]): SyntaxNode | undefined {
  let current: SyntaxNode | null | undefined = node;
  for (const key of path) {
    current = objectProperties(bodyObject(current ?? null) ?? current).get(key);
    if (!current) return undefined;
  }
  return current ?? undefined;
}

/** The declaration of a name in a file. */
export function declarationOf(root: SyntaxNode, name: string): Declaration | undefined {
  return declarations(root).find((d) => d.name === name);
}

/** A `fail('message')` reached while evaluating an expression: the deployment would stop with that message. */
export class BicepFailure extends Error {}

/** Values {@link evaluateExpression} works with. */
export type BicepValue = string | number | boolean | null;

/**
 * Evaluates the subset of Bicep expressions templates use to choose between parameters: literals (strings without
 * interpolation, numbers, booleans, null), names and member expressions (by their text) bound in `bindings`, `!`, `&&`, `||`, `==`, `!=`, `? :`, parentheses,
 * and the functions `empty()` and `fail()`. `&&`, `||` and `? :` short-circuit as ARM does, which is what makes a
 * guarded `fail()` safe. Anything outside the subset throws, so a check never silently evaluates what it cannot.
 */
export function evaluateExpression(node: SyntaxNode, bindings: Readonly<Record<string, BicepValue>>): BicepValue {
  const evaluate = (child: SyntaxNode | null | undefined): BicepValue => {
    if (!child) throw new Error(`incomplete expression: ${node.text}`);
    return evaluateExpression(child, bindings);
  };
  switch (node.type) {
    case "boolean":
      return node.text === "true";
    case "null":
      return null;
    case "number":
      return Number(node.text);
    case "string": {
      const text = stringValue(node);
      if (text === undefined) throw new Error(`cannot evaluate an interpolated string: ${node.text}`);
      return text;
    }
    case "identifier": {
      if (!Object.hasOwn(bindings, node.text)) throw new Error(`no value bound for "${node.text}"`);
      return bindings[node.text]!;
    }
    case "member_expression": {
      // Bound by their text (`roleDefinitionIds.x`): the values come from other files or from the deployment.
      if (!Object.hasOwn(bindings, node.text)) throw new Error(`no value bound for "${node.text}"`);
      return bindings[node.text]!;
    }
    case "parenthesized_expression":
      return evaluate(node.namedChildren[0]);
    case "unary_expression": {
      if (node.children[0]?.text !== "!") throw new Error(`unsupported operator in ${node.text}`);
      return !truthy(evaluate(node.childForFieldName("argument")), node);
    }
    case "binary_expression": {
      const operator = node.childForFieldName("operator")?.text;
      const left = evaluate(node.childForFieldName("left"));
      if (operator === "&&")
        return truthy(left, node) ? truthy(evaluate(node.childForFieldName("right")), node) : false;
      if (operator === "||") return truthy(left, node) ? true : truthy(evaluate(node.childForFieldName("right")), node);
      const right = evaluate(node.childForFieldName("right"));
      if (operator === "==") return left === right;
      if (operator === "!=") return left !== right;
      throw new Error(`unsupported operator ${operator} in ${node.text}`);
    }
    case "ternary_expression":
      return truthy(evaluate(node.childForFieldName("condition")), node)
        ? evaluate(node.childForFieldName("consequence"))
        : evaluate(node.childForFieldName("alternative"));
    case "call_expression": {
      const name = node.childForFieldName("function")?.text;
      const args = node.childForFieldName("arguments")?.namedChildren ?? [];
      if (name === "empty" && args.length === 1) {
        const value = evaluate(args[0]);
        return value === null || value === "";
      }
      if (name === "fail" && args.length === 1) throw new BicepFailure(String(evaluate(args[0])));
      throw new Error(`unsupported function call ${node.text}`);
    }
    default:
      throw new Error(`cannot evaluate ${node.type}: ${node.text}`);
  }
}

function truthy(value: BicepValue, node: SyntaxNode): boolean {
  if (typeof value !== "boolean") throw new Error(`expected a bool, got ${JSON.stringify(value)} in ${node.text}`);
  return value;
}
