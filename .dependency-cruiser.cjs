/**
 * The layers of lib/ and the one direction imports may run (see lib/README.md). `npm run lint` fails on an upward
 * import, a cycle, or an Azure SDK in a layer that must not do I/O.
 */
const LAYERS = {
  core: "^lib/core/",
  schemaValidation: "^lib/schemaValidation/",
  eventGridFilter: "^lib/eventGridFilter/",
  events: "^lib/events/",
  domain: "^lib/domain/",
  useCases: "^lib/useCases/",
  adapters: "^lib/adapters/",
  app: "^lib/app/",
};

/** What each layer may import from lib/, besides itself. */
const ALLOWED = {
  core: ["core"],
  schemaValidation: ["core"],
  eventGridFilter: ["core"],
  events: ["core"],
  domain: ["core", "schemaValidation", "events", "eventGridFilter"],
  useCases: ["core", "schemaValidation", "events", "eventGridFilter", "domain"],
  adapters: ["core", "schemaValidation", "events", "domain"],
  app: ["core", "schemaValidation", "events", "eventGridFilter", "domain", "useCases", "adapters"],
};

const upward = Object.entries(ALLOWED).map(([layer, allowed]) => ({
  name: `${layer}-imports-only-${allowed.join("-")}`,
  comment: `lib/${layer} may import only ${allowed.map((name) => `lib/${name}`).join(", ")} (and packages).`,
  severity: "error",
  from: { path: LAYERS[layer] },
  to: {
    path: "^lib/",
    pathNot: [LAYERS[layer], ...allowed.map((name) => LAYERS[name])],
  },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: "no-cycles",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "lib-is-self-contained",
      comment: "The runtime library never imports the functions, the local stack, scripts, benchmarks or tests.",
      severity: "error",
      from: { path: "^lib/" },
      to: { path: "^(functions|local|scripts|bench|test|infra)/" },
    },
    {
      name: "pure-layers-do-no-io",
      comment: "core, the filter engine, event models and domain rules use no Azure SDK and no file or network I/O.",
      severity: "error",
      from: { path: "^lib/(core|schemaValidation|eventGridFilter|events|domain)/" },
      to: { path: "(^|/)node_modules/@azure|^(fs|http|https|net|node:fs|node:http|node:https|node:net)$" },
    },
    {
      name: "use-cases-use-ports-not-sdks",
      comment: "Use cases reach storage and ACS through ports (lib/domain), never through an Azure SDK.",
      severity: "error",
      from: { path: "^lib/useCases/" },
      to: { path: "(^|/)node_modules/@azure" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^dist/" },
  },
};
