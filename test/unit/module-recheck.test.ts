// A reload checks only what an edit can reach: which statements are checked again (statementsToRecheck),
// that an error the edit causes elsewhere in the file is still found, that an import cycle makes the
// whole file checked, and that a module emitted without a check is the code its checked emit gives.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { statementsToRecheck } from "../../src/engine/worker/modules/recheck.js";
import { emitsAlikeUnchecked } from "../../src/engine/worker/modules/emit-unchecked.js";
import { ModuleCompileError, ModuleCompiler } from "../../src/engine/worker/modules/compile.js";
import { CompileCache } from "../../src/engine/worker/modules/compile-cache.js";
import { CellChecker } from "../../src/language/cell-checker.js";

/** The names declared by the statements checked again after the edit, or "all" for the whole file. */
function rechecked(before: string, after: string): string {
  const parse = (text: string) => ts.createSourceFile("m.ts", text, ts.ScriptTarget.ES2024, false);
  const next = parse(after);
  const statements = statementsToRecheck(parse(before), next);
  if (!statements) return "all";
  return statements.map((s) => (ts.isVariableStatement(s) ? s.declarationList.declarations.map((d) => d.name.getText(next)).join("+") : ((s as ts.DeclarationStatement).name?.getText(next) ?? "?"))).join(",");
}

describe("which statements an edit makes TypeScript check again", () => {
  const cases: [string, string, string, string][] = [
    ["an unchanged file: none", "export const a = 1;\n", "export const a = 1;\n", ""],
    ["a function's body: it, and what names it", "export function a(): number { return 1; }\nexport function b(): number { return a(); }\nexport function c(): string { return 'c'; }\n", "export function a(): number { return 2; }\nexport function b(): number { return a(); }\nexport function c(): string { return 'c'; }\n", "a,b"],
    ["a constant: what names it, and what names those", "export const base = 1;\nexport const doubled = base * 2;\nexport const label = `${doubled}`;\nexport const other = 'x';\n", "export const base = 2;\nexport const doubled = base * 2;\nexport const label = `${doubled}`;\nexport const other = 'x';\n", "base,doubled,label"],
    ["a function that now assigns a variable: what names the variable", "export let mode: 'a' | 'b' = 'a';\nexport function reset(): void {}\nexport function current() { return mode; }\nexport const z = 1;\n", "export let mode: 'a' | 'b' = 'a';\nexport function reset(): void { mode = 'b'; }\nexport function current() { return mode; }\nexport const z = 1;\n", "mode,reset,current"],
    ["an interface: the functions typed by it, then their users", "export interface Item { id: number }\nexport function make(): Item { return { id: 1 }; }\nexport const made = make();\nexport type Other = string;\n", "export interface Item { id: string }\nexport function make(): Item { return { id: 1 }; }\nexport const made = make();\nexport type Other = string;\n", "Item,make,made"],
    ["a name reached through a string: what holds the string", "export const table = { a: 1 };\nexport const keyed = 'table';\n", "export const table = { a: 2 };\nexport const keyed = 'table';\n", "table,keyed"],
    ["a statement added: the whole file", "export const a = 1;\n", "export const a = 1;\nexport const b = 2;\n", "all"],
    ["an expression statement: the whole file", "export const a = 1;\nconsole.log(a);\n", "export const a = 1;\nconsole.log(a + 1);\n", "all"],
    ["a declaration an expression statement names: the whole file", "export const a = 1;\nconsole.log(a);\n", "export const a = 2;\nconsole.log(a);\n", "all"],
    ["an import: the whole file", "import { x } from './x';\nexport const a = x;\n", "import { y as x } from './x';\nexport const a = x;\n", "all"],
    ["a renamed declaration: the whole file", "export function a() {}\n", "export function b() {}\n", "all"],
    ["a declaration newly exported: the whole file", "export const q = 1;\nfunction a() {}\n", "export const q = 1;\nexport function a() {}\n", "all"],
    ["a function called where it is written: the whole file", "export const a = (() => 1)();\n", "export const a = (() => { throw new Error(); })();\n", "all"],
    ["a file with @ts-expect-error: the whole file", "// @ts-expect-error\nexport const a: number = 'x';\nexport const b = 1;\n", "// @ts-expect-error\nexport const a: number = 'x';\nexport const b = 2;\n", "all"],
    ["a script, whose names are global: the whole file", "const a = 1;\n", "const a = 2;\n", "all"],
    ["a @ts-ignore removed: the statement it covered", "export const a = 1;\n// @ts-ignore\nexport const b: string = 1;\n", "export const a = 1;\nexport const b: string = 1;\n", "b"],
    ["a pragma before the first statement: the whole file", "// @ts-nocheck\nexport const a: string = 1;\n", "export const a: string = 1;\n", "all"],
  ];
  for (const [name, before, after, expected] of cases) test(name, () => assert.equal(rechecked(before, after), expected));
});

describe("a reload's partial check and unchecked emit, on the real compiler", () => {
  const notebook = mkdtempSync(join(tmpdir(), "tsk-recheck-"));
  const checker = new CellChecker(notebook, "");
  const newCompiler = () => new ModuleCompiler(checker.files, checker.options, join(notebook, ".tskernel"), new CompileCache(undefined, (problem) => assert.fail(problem)));
  const write = (name: string, text: string) => {
    writeFileSync(join(notebook, name), text);
    return join(notebook, name);
  };
  const compileError = (compile: () => unknown): ModuleCompileError => {
    try {
      compile();
    } catch (error) {
      if (error instanceof ModuleCompileError) return error;
      throw error;
    }
    assert.fail("the module compiled");
  };

  test("an error an edit causes in a statement it did not touch is found", () => {
    const compiler = newCompiler();
    const path = write("limits.ts", "export const limit = 1;\nexport function capped(): 1 { return limit; }\nexport const unrelated = 'u';\n");
    compiler.compile(path);
    write("limits.ts", "export const limit = 2;\nexport function capped(): 1 { return limit; }\nexport const unrelated = 'u';\n");
    const error = compileError(() => compiler.compile(path));
    assert.deepEqual(error.diagnostics.map((d) => [d.line, d.code]), [[2, 2322]]);
  });

  test("an assignment an edit adds to a function ends a narrowing elsewhere: the error there is found", () => {
    const compiler = newCompiler();
    const text = (body: string) => `let later: string | number = "s";\nexport const getLength = typeof later === "string" ? () => later.length : () => 0;\nexport function set(): void {${body}}\n`;
    const path = write("narrowed.ts", text(""));
    compiler.compile(path);
    write("narrowed.ts", text(" later = 1; "));
    const error = compileError(() => compiler.compile(path));
    assert.deepEqual(error.diagnostics.map((d) => [d.line, d.code]), [[2, 2339]]);
  });

  test("a module another file imports back is checked whole: its types can return through that file", () => {
    const compiler = newCompiler();
    write("cycle-b.ts", "import type { version } from './cycle-a';\nexport declare const pinned: typeof version;\n");
    const path = write("cycle-a.ts", "import { pinned } from './cycle-b';\nexport const version = 1;\nexport const checked: 1 = pinned;\n");
    compiler.compile(path);
    write("cycle-a.ts", "import { pinned } from './cycle-b';\nexport const version = 2;\nexport const checked: 1 = pinned;\n");
    const error = compileError(() => compiler.compile(path));
    assert.deepEqual(error.diagnostics.map((d) => [d.line, d.code]), [[3, 2322]]);
  });

  /** A program with the module compiler's options over a file, to ask emitsAlikeUnchecked about it. */
  const programOf = (path: string) => {
    const program = ts.createProgram({ rootNames: [path], options: newCompiler().options, host: checker.files.host });
    return { program, sf: program.getSourceFile(path)! };
  };

  /** Compiles `text(1)`, then `text(2)` after it (a partial check, an unchecked emit): the code is what `text(2)` compiled anew gives. */
  const assertEditEmitsAlike = (name: string, text: (version: number) => string, rechecked: number) => {
    const path = write(name, text(1));
    const compiler = newCompiler();
    compiler.compile(path);
    write(name, text(2));
    const { program, sf } = programOf(path);
    assert.equal(emitsAlikeUnchecked(program, sf), true, "the edit takes the unchecked emit");
    assert.equal(statementsToRecheck(ts.createSourceFile(path, text(1), ts.ScriptTarget.ES2024), sf)?.length, rechecked, "the statements checked again");
    const edited = compiler.compile(path);
    assert.match(edited.script, /VERSION = 2/);
    assert.equal(edited.script, newCompiler().compile(path).script);
  };

  test("a module emitted after a partial check is the code its checked emit gives: imports of every kind", () => {
    write("dep.ts", "export interface Shape { w: number }\nexport class Box { constructor(readonly w: number) {} }\nexport function area(s: Shape): number { return s.w * s.w; }\nexport default function make(): Box { return new Box(1); }\nexport enum Color { Red, Green }\n");
    const text = (version: number) =>
      "import make, { Box, area, type Shape, Color } from './dep';\nimport * as dep from './dep';\nimport { Shape as S2 } from './dep';\nimport * as onlyTypes from './dep';\n" +
      "import path from 'node:path';\nimport * as fs from 'node:fs';\nimport { readFileSync } from 'node:fs';\n" +
      `export const VERSION = ${version};\n` +
      "export function first(): number { return area(make()) + dep.area(new Box(2)); }\nexport function typed(s: S2, t: onlyTypes.Shape): Shape { return { w: s.w + t.w }; }\n" +
      "export class Holder { color = Color.Green; static count = 0; async load(): Promise<number> { return import.meta.main ? 1 : 2; } }\n" +
      "export const later = async (): Promise<number> => (await import('./dep')).area({ w: 3 });\nexport function* counter(): Generator<number> { yield Holder.count++; }\n" +
      "export function read(p: string): string { return readFileSync(path.join(p, 'x'), 'utf8') + fs.existsSync(p); }\n";
    assertEditEmitsAlike("emitted.ts", text, 1);
  });

  test("a module emitted after a partial check is the code its checked emit gives: decorators, private fields, accessors, using", () => {
    const text = (version: number) =>
      "function logged(value: Function, context: ClassDecoratorContext) { console.log('decorated', String(context.name)); }\n" +
      "function bound(m: unknown, c: ClassMethodDecoratorContext) {}\n" +
      `const VERSION = ${version};\n` +
      "@logged\nexport class Circle {\n  static count = 0;\n  #secret = 1;\n  accessor size = 2;\n  constructor(public r: number) { Circle.count++; }\n" +
      "  @bound area(): number { return Math.PI * this.r ** 2 + this.#secret; }\n  static { Circle.count = VERSION; }\n}\n" +
      "export async function* gen(): AsyncGenerator<number> { yield await Promise.resolve(VERSION); }\n" +
      "export function withUsing(): number { using d = { [Symbol.dispose]() {} }; return VERSION; }\n" +
      "export default class { x = Circle.count; }\n";
    assertEditEmitsAlike("decorated.ts", text, 5);
  });

  test("an imported const enum, which the checked emit writes as values, needs the checked emit", () => {
    write("levels.ts", "export const enum Level { Low = 1 }\nexport namespace Holder { export namespace Deeper { export namespace Deepest { export const enum Inner { A = 2 } } } }\n");
    const direct = write("uses-level.ts", "import { Level } from './levels';\nexport const low = Level.Low;\n");
    const nested = write("uses-holder.ts", "import * as levels from './levels';\nexport const a = levels.Holder.Deeper.Deepest.Inner.A;\n");
    const plain = write("uses-nothing.ts", "import { area } from './dep';\nexport const a = area({ w: 1 });\n");
    assert.deepEqual([direct, nested, plain].map((p) => emitsAlikeUnchecked(programOf(p).program, programOf(p).sf)), [false, false, true]);
  });
});

describe("a partial check agrees with a full one, over random edits of a module", () => {
  const BASE = [
    'export let mode: "a" | "b" = "a";',
    "export const base = 1;",
    "export interface Item { id: number; label: string }",
    "export interface Item { extra?: boolean }",
    "export type Pair = [number, string];",
    "export function make(id: number): Item { return { id, label: String(id) }; }",
    "export const made = make(base);",
    'export function useMode(): "a" { if (mode === "a") return mode; return "a"; }',
    "export class Box { constructor(public v: number) {} get twice(): number { return this.v * 2; } }",
    "export const box = new Box(base);",
    "export enum Color { Red, Green }",
    'export function pick(c: Color): string { return c === Color.Red ? "r" : "g"; }',
    "export const total: number = made.id + box.twice;",
    'export function reset(): void { mode = "a"; }',
    "let counter = 0;",
    "export function next(): number { return ++counter; }",
    'export const tuple: Pair = [base, "x"];',
    "export function overload(x: string): string;",
    "export function overload(x: number): number;",
    "export function overload(x: any): any { return x; }",
    "export const fromOverload: number = overload(base);",
    'export const keyed = made["id"];',
    'export let later: string | number = "s";',
    'export function narrowLater(): number { return typeof later === "string" ? later.length : later; }',
    'export function closureNarrow(): number { if (typeof later === "number") { const f = () => later; return f() as number; } return 0; }',
    "export const viaTypeof: typeof base = 1;",
    'export function generic<T extends { id: number }>(x: T): T["id"] { return x.id; }',
    "export const g = generic(made);",
    'export const arrow = (n: number): Item => ({ id: n, label: "" });',
    "export abstract class Shape { abstract area(): number; }",
    "export class Square extends Shape { constructor(private s: number) { super(); } area(): number { return this.s ** 2; } }",
    "export const sq: Shape = new Square(base);",
    'export const satisfied = { id: 1, label: "l" } satisfies Item;',
    'export class Impl implements Item { id = 1; label = "x"; }',
    "export const inferred = [base, made.id];",
    "export function usesInferred(): number[] { return inferred; }",
    "export const obj = { nested: { deep: base } } as const;",
    "export const deep: 1 = obj.nested.deep;",
    'export let evolving = base > 0 ? "p" : 0;',
    "export function readsEvolving(): string | number { return evolving; }",
    "export const fnType: (x: number) => Item = make;",
    "export function callsFn(): Item { return fnType(base); }",
    "export type Keys = keyof Item;",
    'export const k: Keys = "id";',
    'let hidden: string | number = "s";',
    'export const getHidden = typeof hidden === "string" ? () => hidden.length : () => 0;',
  ].join("\n");
  const NAMES = ["mode", "base", "Item", "Pair", "make", "made", "Box", "box", "Color", "pick", "total", "counter", "tuple", "overload", "later", "generic", "g", "Shape", "Square", "inferred", "obj", "deep", "evolving", "fnType", "id", "label", "v", "twice", "Red", "extra", "nested"];
  const ASSIGNMENTS = ['mode = "b"; ', "later = 1; ", "counter = 2; ", 'evolving = "q"; ', "hidden = 1; "];

  /** mulberry32: the same edits on every run. */
  const random = (() => {
    let seed = 20261203;
    return (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
  })();

  /** One token replaced (a name, a literal, a type), and sometimes an assignment added to a function body. */
  function edit(text: string): string {
    const sf = ts.createSourceFile("m.ts", text, ts.ScriptTarget.ES2024, true);
    const spots: ts.Node[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n) || ts.isNumericLiteral(n) || ts.isStringLiteral(n) || n.kind === ts.SyntaxKind.NumberKeyword || n.kind === ts.SyntaxKind.StringKeyword) spots.push(n);
      ts.forEachChild(n, visit);
    };
    visit(sf);
    const spot = spots[random(spots.length)];
    const choices = ts.isIdentifier(spot) ? NAMES : ts.isNumericLiteral(spot) ? ["0", "2", '"x"', "base"] : ts.isStringLiteral(spot) ? ['"a"', '"b"', '"id"', "2"] : ["number", "string", '"a"'];
    let edited = text.slice(0, spot.getStart(sf)) + choices[random(choices.length)] + text.slice(spot.end);
    const bodies = [...edited.matchAll(/\): [^{]*\{ /g)];
    if (random(6) === 0 && bodies.length > 0) {
      const body = bodies[random(bodies.length)];
      const at = body.index + body[0].length;
      edited = edited.slice(0, at) + ASSIGNMENTS[random(ASSIGNMENTS.length)] + edited.slice(at);
    }
    return edited;
  }

  const notebook = mkdtempSync(join(tmpdir(), "tsk-recheck-random-"));
  const path = join(notebook, "edited.ts");
  const checker = new CellChecker(notebook, "");
  const options = new ModuleCompiler(checker.files, checker.options, join(notebook, ".tskernel"), new CompileCache(undefined, (problem) => assert.fail(problem))).options;
  /** line:code of each error, checking the statements `pick` chooses (all without it); undefined for a syntax error. */
  function errors(text: string, pick?: (sf: ts.SourceFile) => ts.Statement[]): string[] | undefined {
    writeFileSync(path, text);
    const program = ts.createProgram({ rootNames: [path], options, host: checker.files.host });
    const sf = program.getSourceFile(path)!;
    if (program.getSyntacticDiagnostics(sf).length > 0) return undefined;
    const check = program.getSemanticDiagnostics as (sf: ts.SourceFile, token: undefined, statements?: readonly ts.Statement[]) => readonly ts.Diagnostic[];
    const found = pick ? check(sf, undefined, pick(sf)) : check(sf, undefined);
    return found.filter((d) => d.category === ts.DiagnosticCategory.Error).map((d) => `${sf.getLineAndCharacterOfPosition(d.start!).line + 1}:${d.code}`).sort();
  }

  test("400 seeded edits: the errors found are the same, also where an edit breaks a statement it did not change", () => {
    assert.deepEqual(errors(BASE), []);
    let before = BASE;
    let partial = 0;
    let elsewhere = 0;
    for (let i = 0; i < 400; i++) {
      const after = random(3) === 0 ? edit(edit(before)) : edit(before);
      const whole = errors(after);
      if (!whole) continue;
      const last = ts.createSourceFile(path, before, ts.ScriptTarget.ES2024, false);
      const next = ts.createSourceFile(path, after, ts.ScriptTarget.ES2024, false);
      const statements = statementsToRecheck(last, next);
      if (statements) {
        partial++;
        const starts = new Set(statements.map((s) => s.pos));
        assert.deepEqual(errors(after, (sf) => sf.statements.filter((s) => starts.has(s.pos))), whole, `after the edit\n${before}\n-->\n${after}`);
        const changed = new Set(next.statements.filter((s, j) => before.slice(last.statements[j].pos, last.statements[j].end) !== after.slice(s.pos, s.end)).map((s) => next.getLineAndCharacterOfPosition(s.getStart(next)).line + 1));
        if (whole.some((e) => !changed.has(Number(e.split(":")[0])))) elsewhere++;
      }
      if (whole.length === 0) before = after;
    }
    assert.ok(partial > 200, `${partial} edits were checked in part`);
    assert.ok(elsewhere > 10, `${elsewhere} edits broke a statement they did not change`);
  });
});
