import { describe, expect, it } from "vitest";
import { compareRoutePrecedence, compileRouteTemplate } from "../../../local/host/routeTemplate";

describe("compileRouteTemplate", () => {
  it("captures decoded parameters when every segment matches", () => {
    expect(compileRouteTemplate("contacts/{contactId}/relink").match("contacts/c%5F1/relink")).toEqual({
      contactId: "c_1",
    });
  });

  it("does not match when the path has more or fewer segments than the template", () => {
    const route = compileRouteTemplate("contacts/{contactId}");
    expect(route.match("contacts")).toBeUndefined();
    expect(route.match("contacts/a/b")).toBeUndefined();
  });

  it("ignores one trailing slash when matching", () => {
    expect(compileRouteTemplate("health").match("health/")).toEqual({});
  });

  it("checks int, guid and alpha constraints when a parameter declares them", () => {
    const route = compileRouteTemplate("orders/{id:int}/{ref:guid}/{name:alpha}");
    expect(route.match("orders/12/0f0eb78e-a576-4dfc-b414-0f0756de3338/abc")).toEqual({
      id: "12",
      ref: "0f0eb78e-a576-4dfc-b414-0f0756de3338",
      name: "abc",
    });
    expect(route.match("orders/x/0f0eb78e-a576-4dfc-b414-0f0756de3338/abc")).toBeUndefined();
    expect(route.match("orders/12/not-a-guid/abc")).toBeUndefined();
  });

  it("matches with and without an optional last parameter", () => {
    const route = compileRouteTemplate("files/{name?}");
    expect(route.match("files")).toEqual({});
    expect(route.match("files/a.txt")).toEqual({ name: "a.txt" });
  });

  it("takes the rest of the path into a catch-all parameter", () => {
    expect(compileRouteTemplate("blobs/{*path}").match("blobs/a/b/c.txt")).toEqual({ path: "a/b/c.txt" });
  });

  it("matches a segment mixing literal text and a parameter", () => {
    expect(compileRouteTemplate("files/{name}.json").match("files/report.json")).toEqual({ name: "report" });
  });

  it("throws when a catch-all is not the last segment", () => {
    expect(() => compileRouteTemplate("{*rest}/more")).toThrow(/catch-all/);
  });

  it("orders a literal segment before a parameter and a parameter before a catch-all", () => {
    const routes = ["items/{*rest}", "items/{id}", "items/special"].map(compileRouteTemplate);
    expect(routes.sort(compareRoutePrecedence).map((r) => r.template)).toEqual([
      "items/special",
      "items/{id}",
      "items/{*rest}",
    ]);
  });
});
