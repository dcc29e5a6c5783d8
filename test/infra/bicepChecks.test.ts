import { describe, expect, it } from "vitest";
import {
  BicepFailure,
  evaluateExpression,
  guidLiterals,
  moduleFindings,
  parseBicep,
  propertyAt,
  resourcesOfType,
  roleReferenceFindings,
  secretFindings,
  stringValue,
  symbolFindings,
  syntaxErrors,
  type Finding,
} from "./bicepChecks";

// Each check of infra.test.ts, shown to fail on a snippet that breaks it (and to pass on a correct one), so a green
// infra test means the checks ran and found nothing rather than that they cannot find anything.

const lines = (findings: Finding[]): number[] => findings.map((f) => f.line);
const messages = (findings: Finding[]): string => findings.map((f) => f.message).join("\n");

const GOOD = `targetScope = 'subscription'

@description('Name.')
param name string

@allowed([
  'a'
  'b'
])
param kind string = 'a'

var names = [for (item, index) in range(0, 2): '\${name}-\${item}-\${index}']
var upper = map(names, n => toUpper(n))
var pairs = toObject(names, n => n, n => (length(n) > 3 ? kind : 'short'))

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: name
  location: az.deployment().location
  tags: {
    'azd-env-name': name
    kind: string(pairs)
  }
}

output first string = first(upper)
output id string = rg.id
`;

describe("syntaxErrors", () => {
  it("accepts valid Bicep", () => {
    expect(syntaxErrors("good.bicep", GOOD)).toEqual([]);
  });

  it("reports a missing brace with its line", () => {
    const findings = syntaxErrors(
      "x.bicep",
      "param a string\n\nresource r 'T@1' = {\n  name: a\n\noutput o string = a\n",
    );
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]!.file).toBe("x.bicep");
    expect(lines(findings).some((line) => line >= 3)).toBe(true);
  });

  it("reports a misspelled keyword, a missing = and an unterminated string", () => {
    expect(syntaxErrors("x.bicep", "parm a string\n")).not.toEqual([]);
    expect(syntaxErrors("x.bicep", "var a 'x'\n")).not.toEqual([]);
    expect(syntaxErrors("x.bicep", "var a = 'x\nvar b = 1\n")).not.toEqual([]);
  });

  it("reports an array item the grammar split off an expression", () => {
    // tree-sitter-bicep reads this `resourceGroup().id` as two items, `resourceGroup` and `().id`; Bicep reads one.
    const source = [
      "resource a 'T@1' existing = {",
      "}",
      "resource b 'T@1' = {",
      "  properties: {",
      "    permissions: [",
      "      {",
      "        actions: [",
      "        ]",
      "      }",
      "    ]",
      "    assignableScopes: [",
      "      resourceGroup().id",
      "    ]",
      "  }",
      "}",
      "resource c 'T@1' = {",
      "  properties: {",
      "  }",
      "}",
      "resource d 'T@1' = if (x) {",
      "  tags: {",
      "  }",
      "  identity: {",
      "  }",
      "  properties: {",
      "  }",
      "}",
      "resource e 'T@1' existing = if (!x) {",
      "}",
      "module f 'f.bicep' = {",
      "  params: {",
      "  }",
      "}",
      "module g 'g.bicep' = {",
      "  params: {",
      "  }",
      "  dependsOn: [",
      "  ]",
      "}",
    ].join("\n");
    expect(syntaxErrors("x.bicep", source)).toEqual([
      { file: "x.bicep", line: 12, message: 'ambiguous array item "().id"' },
    ]);
    expect(syntaxErrors("x.bicep", "var a = [\n  'x'\n  'y'\n]\nvar b = ['x', 'y']\n")).toEqual([]);
  });
});

describe("symbolFindings", () => {
  it("accepts declared names, loop variables, lambda parameters and built-in functions", () => {
    expect(symbolFindings("good.bicep", GOOD)).toEqual([]);
  });

  it("reports an undefined symbol with its line", () => {
    const findings = symbolFindings("x.bicep", "param a string\nvar b = '${a}-${c}'\noutput o string = b\n");
    expect(findings).toEqual([{ file: "x.bicep", line: 2, message: 'undefined symbol "c"' }]);
  });

  it("reports an unknown function but not a built-in one", () => {
    const findings = symbolFindings("x.bicep", "var a = toUpper('x')\nvar b = toUppr(a)\noutput o string = b\n");
    expect(messages(findings)).toBe('undefined symbol "toUppr"');
  });

  it("reports listKeys as undefined: it is not on the list of allowed functions", () => {
    const findings = symbolFindings(
      "x.bicep",
      "param id string\noutput k string = listKeys(id, '2023-05-01').keys[0].value\n",
    );
    expect(messages(findings)).toContain('undefined symbol "listKeys"');
  });

  it("reports a dead parameter and a dead variable", () => {
    const findings = symbolFindings(
      "x.bicep",
      "param used string\nparam unused string\nvar dead = 1\noutput o string = used\n",
    );
    expect(findings).toEqual([
      { file: "x.bicep", line: 2, message: 'param "unused" is declared but never used' },
      { file: "x.bicep", line: 3, message: 'var "dead" is declared but never used' },
    ]);
  });

  it("reports a name declared twice and a reference to an output, which Bicep cannot reference", () => {
    const twice = symbolFindings("x.bicep", "param a string\nvar a = 'x'\noutput o string = a\n");
    expect(twice).toEqual([{ file: "x.bicep", line: 2, message: '"a" is declared twice' }]);
    const output = symbolFindings("x.bicep", "param a string\noutput o string = a\noutput p string = o\n");
    expect(output).toEqual([{ file: "x.bicep", line: 3, message: 'undefined symbol "o"' }]);
    // A module output may share a parameter's name.
    expect(symbolFindings("x.bicep", "param name string\noutput name string = name\n")).toEqual([]);
  });

  it("keeps loop variables and lambda parameters to their scope", () => {
    const findings = symbolFindings(
      "x.bicep",
      "var a = [for x in range(0, 2): x]\nvar b = map(a, y => y)\noutput o int = x + length(b)\n",
    );
    expect(messages(findings)).toBe('undefined symbol "x"');
  });

  it("treats imports and exported variables as declarations and uses", () => {
    expect(symbolFindings("x.bicep", "import { t } from 'roles.bicep'\noutput o string = t.a\n")).toEqual([]);
    expect(messages(symbolFindings("x.bicep", "import { t } from 'roles.bicep'\n"))).toBe(
      'import "t" is declared but never used',
    );
    expect(symbolFindings("x.bicep", "@export()\nvar t = {\n  a: 'b'\n}\n")).toEqual([]);
  });

  it("accepts nested resources and parent::child references", () => {
    const source = [
      "resource st 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {",
      "  name: 'st'",
      "  resource blob 'blobServices' = {",
      "    name: 'default'",
      "  }",
      "}",
      "output id string = st::blob.id",
    ].join("\n");
    expect(symbolFindings("x.bicep", source)).toEqual([]);
  });
});

describe("secretFindings", () => {
  it("accepts managed-identity settings", () => {
    expect(secretFindings("good.bicep", GOOD)).toEqual([]);
  });

  it("reports listKeys and other list* calls, as functions and as resource methods", () => {
    expect(messages(secretFindings("x.bicep", "var k = listKeys(id, '2023-05-01')\n"))).toContain("listKeys()");
    expect(messages(secretFindings("x.bicep", "var k = storage.listKeys().keys[0].value\n"))).toContain("listKeys()");
    expect(messages(secretFindings("x.bicep", "var k = acs.listkeys().primaryKey\n"))).toContain("listkeys()");
  });

  it("reports key properties and connection-string text", () => {
    expect(messages(secretFindings("x.bicep", "var k = acs.properties.primaryKey\n"))).toContain("primaryKey");
    const text = "var c = 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${k}'\n";
    expect(messages(secretFindings("x.bicep", text))).toContain("storage account key");
    expect(messages(secretFindings("x.bicep", "var c = 'endpoint=https://x/;accesskey=${k}'\n"))).toContain(
      "access key",
    );
  });

  it("ignores comments that explain what is avoided", () => {
    expect(secretFindings("x.bicep", "// never listKeys() or AccountKey=\nvar a = 1\n")).toEqual([]);
  });
});

describe("moduleFindings", () => {
  const moduleSource = "param required string\nparam optional string = ''\noutput name string = required\n";
  const read = (path: string): string | undefined => (path === "app/m.bicep" ? moduleSource : undefined);

  it("accepts a correctly wired module", () => {
    const source =
      "module m 'app/m.bicep' = {\n  name: 'm'\n  params: {\n    required: 'x'\n  }\n}\noutput o string = m.outputs.name\n";
    expect(moduleFindings("x.bicep", source, read)).toEqual([]);
  });

  it("reports an unknown parameter, a missing required one, an unknown output and a missing file", () => {
    const source = [
      "module m 'app/m.bicep' = {",
      "  name: 'm'",
      "  params: {",
      "    optional: 'x'",
      "    typo: 'y'",
      "  }",
      "}",
      "module gone 'app/gone.bicep' = {",
      "  name: 'gone'",
      "}",
      "output o string = m.outputs.nope",
    ].join("\n");
    expect(moduleFindings("x.bicep", source, read)).toEqual([
      { file: "x.bicep", line: 5, message: 'module "m": app/m.bicep has no parameter "typo"' },
      { file: "x.bicep", line: 1, message: 'module "m": required parameter "required" not given' },
      { file: "x.bicep", line: 8, message: 'module "gone": no file app/gone.bicep' },
      { file: "x.bicep", line: 11, message: 'module "m" has no output "nope"' },
    ]);
  });
});

describe("roleReferenceFindings and guidLiterals", () => {
  const table = new Set(["storageBlobDataOwner"]);
  const assignment = (roleDefinitionId: string): string =>
    `resource a 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n  name: 'x'\n  properties: {\n    roleDefinitionId: ${roleDefinitionId}\n  }\n}\n`;

  it("accepts a role from the table and a custom role of the same file", () => {
    const fromTable = assignment(
      "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionIds.storageBlobDataOwner)",
    );
    expect(roleReferenceFindings("x.bicep", fromTable, table)).toEqual([]);
    const custom =
      "resource custom 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {\n  name: 'c'\n}\n" +
      assignment("subscriptionResourceId('Microsoft.Authorization/roleDefinitions', custom.name)");
    expect(roleReferenceFindings("x.bicep", custom, table)).toEqual([]);
  });

  it("accepts a role parameter whose fallback is a role of the table, and nothing looser", () => {
    const chosen = (variable: string): string =>
      `param roleId string = ''\nparam other string = ''\nvar senderRole = ${variable}\n` +
      assignment("subscriptionResourceId('Microsoft.Authorization/roleDefinitions', senderRole)");
    const fallback = "empty(roleId) ? roleDefinitionIds.storageBlobDataOwner : roleId";
    expect(roleReferenceFindings("x.bicep", chosen(fallback), table)).toEqual([]);
    for (const loose of [
      "empty(roleId) ? roleDefinitionIds.owner : roleId",
      "empty(roleId) ? roleDefinitionIds.storageBlobDataOwner : other",
      "empty(roleId) ? 'b24988ac-6180-42a0-ab88-20f7382dd24c' : roleId",
      "roleId",
    ]) {
      expect(lines(roleReferenceFindings("x.bicep", chosen(loose), table)), loose).toEqual([7]);
    }
    const parameterDirectly = `param roleId string\n${assignment("subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)")}`;
    expect(lines(roleReferenceFindings("x.bicep", parameterDirectly, table))).toEqual([5]);
  });

  it("reports a literal role ID, a role missing from the table and an unrelated resource", () => {
    const literal = assignment(
      "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')",
    );
    expect(lines(roleReferenceFindings("x.bicep", literal, table))).toEqual([4]);
    expect(guidLiterals(literal)).toEqual([{ guid: "b24988ac-6180-42a0-ab88-20f7382dd24c", line: 4 }]);
    const unknown = assignment(
      "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionIds.owner)",
    );
    expect(lines(roleReferenceFindings("x.bicep", unknown, table))).toEqual([4]);
    const other = "resource st 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {\n  name: 's'\n}\n";
    expect(lines(roleReferenceFindings("x.bicep", other + assignment("st.id"), table))).toEqual([7]);
  });
});

describe("structure helpers", () => {
  it("finds resources by type and values by property path", () => {
    const root = parseBicep(
      "resource st 'Microsoft.Storage/storageAccounts@2023-05-01' = if (true) {\n  name: 's'\n  properties: {\n    allowSharedKeyAccess: false\n  }\n}\n",
    ).rootNode;
    const [storage] = resourcesOfType(root, "microsoft.storage/storageaccounts");
    expect(storage?.name).toBe("st");
    expect(propertyAt(storage!.value, ["properties", "allowSharedKeyAccess"])?.text).toBe("false");
    expect(stringValue(propertyAt(storage!.value, ["name"]))).toBe("s");
    expect(propertyAt(storage!.value, ["properties", "missing"])).toBeUndefined();
  });
});

describe("evaluateExpression", () => {
  const valueOf = (expression: string, bindings: Record<string, string | boolean | null> = {}) =>
    evaluateExpression(parseBicep(`var v = ${expression}\n`).rootNode.namedChildren[0]!.namedChildren[1]!, bindings);

  it("evaluates literals, bound names, empty(), negation, comparisons and the logical operators", () => {
    expect(valueOf("'a'")).toBe("a");
    expect(valueOf("!empty(id) && flag", { id: "x", flag: true })).toBe(true);
    expect(valueOf("empty(id) || flag", { id: "x", flag: false })).toBe(false);
    expect(valueOf("id == 'x' ? 1 : 2", { id: "x" })).toBe(1);
    expect(valueOf("id != 'x' ? 1 : 2", { id: "x" })).toBe(2);
    expect(valueOf("empty(id)", { id: null })).toBe(true);
  });

  it("reaches fail() only on the branch taken, as ARM short-circuits", () => {
    const guarded = "!empty(id) ? id : (create ? 'new' : fail('choose one'))";
    expect(valueOf(guarded, { id: "x", create: false })).toBe("x");
    expect(valueOf(guarded, { id: "", create: true })).toBe("new");
    expect(() => valueOf(guarded, { id: "", create: false })).toThrow(new BicepFailure("choose one"));
    expect(valueOf("flag && fail('no')", { flag: false })).toBe(false);
  });

  it("refuses what it cannot evaluate rather than guessing", () => {
    expect(() => valueOf("missing")).toThrow(/no value bound for "missing"/);
    expect(() => valueOf("toLower('A')")).toThrow(/unsupported function call/);
    expect(() => valueOf("'${id}'", { id: "x" })).toThrow(/interpolated/);
    expect(() => valueOf("'x' ? 1 : 2")).toThrow(/expected a bool/);
  });
});
