import { describe, expect, it } from "vitest";
import { createBodyBudget } from "./create-body-budget.ts";

describe("createBodyBudget", () => {
  it("takes bytes up to the limit, refuses past it without taking any, and gives them back", () => {
    const budget = createBodyBudget(100);
    expect(budget.reserve(60)).toBe(true);
    expect(budget.reserve(41)).toBe(false);
    expect(budget.inFlight()).toBe(60);
    expect(budget.reserve(40)).toBe(true);
    expect(budget.inFlight()).toBe(100);
    budget.release(60);
    expect(budget.reserve(60)).toBe(true);
    budget.release(1_000);
    expect(budget.inFlight()).toBe(0);
  });
});
