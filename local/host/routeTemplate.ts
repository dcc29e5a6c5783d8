/**
 * HTTP trigger route templates, matched the way the Functions host (ASP.NET Core routing) matches them: literal
 * segments compare case-insensitively, `{name}` takes one segment, `{name?}` an optional trailing segment, `{*name}`
 * the rest of the path, `{name:int}` (and `long`, `bool`, `guid`, `alpha`, `double`, `decimal`, `float`, `datetime`)
 * constrain the value; other constraints are not checked locally. A trailing slash is ignored.
 */

/** A compiled route template. */
export interface RouteTemplate {
  readonly template: string;
  /** Sort key: lower sorts first, as ASP.NET's inbound route precedence (literal before parameter before catch-all). */
  readonly precedence: readonly number[];
  /** The parameters of `path` (relative to the route prefix, no leading slash), or `undefined` when it does not match. */
  match(path: string): Record<string, string> | undefined;
}

type Segment =
  | { kind: "pattern"; regex: RegExp; names: string[]; optional: boolean; rank: number }
  | { kind: "catchAll"; name: string };

const CONSTRAINTS: Record<string, RegExp> = {
  int: /^-?\d+$/,
  long: /^-?\d+$/,
  bool: /^(true|false)$/i,
  guid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  alpha: /^[a-z]+$/i,
  double: /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/,
  float: /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/,
  decimal: /^-?\d+(\.\d+)?$/,
  datetime: /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i,
};

/** Compiles an HTTP trigger's `route` (e.g. `contacts/{contactId}/relink`). Throws on a malformed template. */
export function compileRouteTemplate(template: string): RouteTemplate {
  const trimmed = template.replace(/^\/+|\/+$/g, "");
  const raw = trimmed === "" ? [] : trimmed.split("/");
  const constraintsOf = new Map<string, string[]>();
  const segments: Segment[] = raw.map((segment, index) => {
    const catchAll = /^\{\*{1,2}([A-Za-z_][\w]*)(:[^}]*)?\}$/.exec(segment);
    if (catchAll?.[1]) {
      if (index !== raw.length - 1)
        throw new Error(`Route "${template}": a catch-all parameter must be the last segment`);
      return { kind: "catchAll", name: catchAll[1] };
    }
    return compileSegment(template, segment, constraintsOf);
  });
  const precedence = segments.map((segment) => (segment.kind === "catchAll" ? 5 : segment.rank));

  return {
    template,
    precedence,
    match(path) {
      const cleaned = path.replace(/^\/+/, "").replace(/\/$/, "");
      const parts = cleaned === "" ? [] : cleaned.split("/");
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const segment = segments[i] as Segment;
        if (segment.kind === "catchAll") {
          const rest = parts.slice(i);
          if (rest.length > 0) params[segment.name] = safeDecode(rest.join("/"));
          return checkConstraints(params, constraintsOf);
        }
        const part = parts[i];
        if (part === undefined) {
          if (segment.optional) continue;
          return undefined;
        }
        const found = segment.regex.exec(part);
        if (!found) return undefined;
        segment.names.forEach((name, n) => {
          const value = found[n + 1];
          if (value !== undefined) params[name] = safeDecode(value);
        });
      }
      if (parts.length > segments.length) return undefined;
      return checkConstraints(params, constraintsOf);
    },
  };
}

function compileSegment(template: string, segment: string, constraintsOf: Map<string, string[]>): Segment {
  if (segment === "") throw new Error(`Route "${template}" has an empty segment`);
  let pattern = "";
  const names: string[] = [];
  let optional = false;
  let constrained = false;
  let literalOnly = true;
  const partPattern = /\{([^{}]+)\}|([^{}]+)/g;
  let consumed = 0;
  for (const found of segment.matchAll(partPattern)) {
    consumed += found[0].length;
    if (found[2] !== undefined) {
      pattern += escapeRegExp(found[2]);
      continue;
    }
    literalOnly = false;
    const parsed = /^([A-Za-z_]\w*)((?::[^:?=]+(?:\([^)]*\))?)*)(\?)?(=.*)?$/.exec(found[1] ?? "");
    if (!parsed?.[1]) throw new Error(`Route "${template}": cannot read parameter "{${found[1]}}"`);
    const name = parsed[1];
    const constraints = (parsed[2] ?? "").split(":").filter(Boolean);
    if (constraints.length > 0) {
      constrained = true;
      constraintsOf.set(name, constraints);
    }
    if (parsed[3] || parsed[4]) optional = true;
    names.push(name);
    pattern += "([^/]+?)";
  }
  if (consumed !== segment.length) throw new Error(`Route "${template}": unbalanced braces in "${segment}"`);
  const mixed = !literalOnly && names.length > 0 && pattern !== "([^/]+?)";
  const rank = literalOnly ? 1 : mixed ? 2 : constrained ? 3 : optional ? 4.5 : 4;
  return { kind: "pattern", regex: new RegExp(`^${pattern}$`, "i"), names, optional: optional && !mixed, rank };
}

function checkConstraints(
  params: Record<string, string>,
  constraintsOf: Map<string, string[]>,
): Record<string, string> | undefined {
  for (const [name, constraints] of constraintsOf) {
    const value = params[name];
    if (value === undefined) continue;
    for (const constraint of constraints) {
      const check = CONSTRAINTS[constraint.toLowerCase()];
      if (check && !check.test(value)) return undefined;
    }
  }
  return params;
}

/** Orders templates so the most specific is tried first (ASP.NET inbound precedence). */
export function compareRoutePrecedence(a: RouteTemplate, b: RouteTemplate): number {
  const length = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < length; i++) {
    const left = a.precedence[i] ?? 0;
    const right = b.precedence[i] ?? 0;
    if (left !== right) return left - right;
  }
  return 0;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
