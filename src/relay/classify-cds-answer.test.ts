import { describe, expect, it } from "vitest";
import { classifyCdsAnswer, isHtmlAnswer } from "./classify-cds-answer.ts";

const JSON_TYPE = "application/json";

describe("classifyCdsAnswer (issue #12, finding 3)", () => {
  // What CDS's hooks service answers at /webhook/{uuid} (engine/hooks, 0.40.0 … v0.53.0): none may be misread.
  it.each([
    ["a task execution for a UUID it owns", 200, JSON_TYPE, '{"uuid":"u","status":"SCHEDULED"}', { kind: "answered" }],
    ["Unknown uuid", 404, JSON_TYPE, '{"message":"unknown"}', { kind: "not-found" }],
    ["Go's plain-text page for a path it does not route", 404, "text/plain; charset=utf-8", "not found\n", { kind: "not-found" }],
    ["a hook made for another method", 405, JSON_TYPE, '{"message":"method"}', { kind: "answered" }],
    ["a bad request", 400, JSON_TYPE, '{"message":"bad"}', { kind: "answered" }],
    ["a body too large", 413, JSON_TYPE, '{"message":"too large"}', { kind: "answered" }],
    ["a request it could not read", 500, JSON_TYPE, '{"message":"failed"}', { kind: "not-cds", cause: "server_error" }],
  ])("CDS's own answer, %s (%i), is read as CDS's", (_name, status, type, body, expected) => {
    expect(classifyCdsAnswer(status, type, body)).toEqual(expected);
  });

  it.each([
    [301, "text/html", "<html>Moved</html>", "redirect"],
    [302, null, "", "redirect"],
    [307, JSON_TYPE, "{}", "redirect"],
    [401, "text/plain", "Unauthorized", "auth"],
    [403, JSON_TYPE, '{"error":"forbidden"}', "auth"],
    [407, null, "", "auth"],
    [429, JSON_TYPE, "{}", "rate_limited"],
    [502, "text/html", "<html>Bad Gateway</html>", "server_error"],
    [503, JSON_TYPE, "{}", "server_error"],
    [200, "text/html; charset=utf-8", "<!DOCTYPE html><html></html>", "html"],
    [201, "TEXT/HTML", "", "html"],
    [404, "text/html", "<html><h1>404 Not Found</h1>nginx</html>", "html"],
    [405, "application/xhtml+xml", "<html/>", "html"],
    [408, JSON_TYPE, "{}", "unexpected_status"],
    [410, JSON_TYPE, "{}", "unexpected_status"],
    [101, null, "", "unexpected_status"],
  ])("%i %s is not CDS's answer: %s", (status, type, body, cause) => {
    expect(classifyCdsAnswer(status, type, body)).toEqual({ kind: "not-cds", cause });
  });
});

describe("isHtmlAnswer", () => {
  it.each([
    ["text/html", "", true],
    [" Text/HTML ; charset=UTF-8", "", true],
    ["application/xhtml+xml", "", true],
    ["application/json", "<html></html>", false],
    ["text/plain", "<!DOCTYPE html>", false],
    [null, "  \n<!doctype HTML>\n<html>", true],
    [null, "<html lang=en>", true],
    [null, "<HTML>", true],
    [null, '{"html":"<html>"}', false],
    [null, "<htmlx>", false],
    [null, "", false],
    ["", "<html>", true],
  ])("Content-Type %j, body %j → %s", (type, body, expected) => {
    expect(isHtmlAnswer(type, body)).toBe(expected);
  });
});
