// The session's semantics as cell sequences and what each cell must show: run over the in-memory
// server (test/server/session.test.ts) and over the real kernel process (test/zmq/session.test.ts).
import assert from "node:assert/strict";
import type { Message } from "../../src/protocol/messages.js";

/** A cell and what it must show: its result's text/plain, no result (null), or an error's ename. */
export type Step = [code: string, expect: string | null | { error: string; evalue?: RegExp }];

export const SEQUENCES: Record<string, Step[]> = {
  "let, const, function and class persist and can be redeclared with any kind": [
    ["let a = 1", null],
    ["a", "1"],
    ["const a = 'text'", null],
    ["a", "'text'"],
    ["function a() { return 3 }", null],
    ["a()", "3"],
    ["class a { static v = 4 }", null],
    ["a.v", "4"],
    ["let a = 5; a", "5"],
  ],
  "a function reads the session's current value when called (live binding)": [
    ["let x = 1; function getX() { return x }", null],
    ["x = 2; getX()", "2"],
    ["let x = 3; getX()", "3"],
    ["function setX(v: number) { x = v }", null],
    ["setX(9); x", "9"],
    ["const x = 'redeclared'; getX()", "'redeclared'"],
  ],
  "a function may use a name that a later cell defines (declared for the checker, or unchecked)": [
    ["declare let notYet: number;\nfunction later() { return notYet * 2 }", null],
    ["later()", { error: "ReferenceError", evalue: /notYet is not defined/ }],
    ["let notYet = 21", null],
    ["later()", "42"],
  ],
  "a failing cell keeps the declarations that ran before the throw": [
    ["const fa = 1; throw new Error('midway'); const fb = 2;", { error: "Error", evalue: /midway/ }],
    ["fa", "1"],
    ["const checkedFa: number = fa; checkedFa", "1"],
    ["typeof fb", { error: "TypeCheckError", evalue: /Cannot find name 'fb'/ }],
  ],
  "top-level await": [
    ["const v = await Promise.resolve(5); v * 2", "10"],
    ["v", "5"],
    ["for await (const n of (async function* () { yield 1; yield 2 })()) console.log(n); 'done'", "'done'"],
  ],
  "results are stored in Out, _n and _; a trailing semicolon suppresses display and storage": [
    ["6 * 7", "42"],
    ["_ + 0", "42"],
    ["99;", null],
    ["_", "42"],
  ],
  "a cell that ends with a comment or a line break still shows its value and reads session names": [
    ["const t = 6", null],
    ["t * 7 // the answer", "42"],
    ["t + 1\n\n", "7"],
    ["const u = t // a copy\n", null],
    ["u", "6"],
  ],
  "null, NaN, Infinity, 0n and '' are displayed; undefined is not": [
    ["null", "null"],
    ["NaN", "NaN"],
    ["-Infinity", "-Infinity"],
    ["0n", "0n"],
    ["''", "''"],
    ["undefined", null],
    ["void 0", null],
  ],
  "const cannot be reassigned, but can be redeclared": [
    ["const k1 = 1", null],
    ["k1 = 2", { error: "TypeCheckError", evalue: /Cannot assign to 'k1' because it is a constant.*TS2588/ }],
    ["%typecheck off", null],
    ["k1 = 2", { error: "TypeError", evalue: /constant/ }],
    ["%typecheck on", null],
    ["k1", "1"],
    ["const k1 = 3; k1", "3"],
    ["const k2 = 1;\n{ let k2 = 2; }", null],
    ["k2 = 3", { error: "TypeCheckError", evalue: /Cannot assign to 'k2' because it is a constant/ }],
  ],
  "closures follow JavaScript: let in loops captures per iteration, var does not": [
    ["const fns: (() => number)[] = []; for (let i = 0; i < 3; i++) fns.push(() => i); fns.map((f) => f())", "[ 0, 1, 2 ]"],
    ["const vfns: (() => number)[] = []; for (var j = 0; j < 3; j++) vfns.push(() => j); vfns.map((f) => f())", "[ 3, 3, 3 ]"],
    ["j", "3"],
  ],
  "a var inside a function or a static block is its own; a var in a top-level loop is the session's": [
    ["function ownsVar() { var insideFn = 1; return insideFn; }\nclass OwnsStatic { static { var insideStatic = 2; } }", null],
    ["ownsVar()", "1"],
    ["typeof insideFn", { error: "TypeCheckError", evalue: /Cannot find name 'insideFn'/ }],
    ["typeof insideStatic", { error: "TypeCheckError", evalue: /Cannot find name 'insideStatic'/ }],
    ["for (var hoisted = 0; hoisted < 2; hoisted++) {}", null],
    ["hoisted", "2"],
  ],
  "var keeps its value when declared again; re-running a cell is legal": [
    ["var hv = 1", null],
    ["var hv; hv", "1"],
    ["let counter = 0", null],
    ["let counter = 0", null],
    ["counter += 1", "1"],
    ["counter += 1", "2"],
  ],
  "destructuring, enums and namespaces declare session names": [
    ["const { p, q: [r = 7] } = { p: 'P', q: [] as number[] }; [p, r]", "[ 'P', 7 ]"],
    ["enum Color { Red, Green }\nColor.Green", "1"],
    ["namespace Geometry { export const unit = 1 }\nGeometry.unit", "1"],
    ["[Color.Red, Geometry.unit, p]", "[ 0, 1, 'P' ]"],
  ],
  "two declarations of one name in one cell are an error, checked or not": [
    ["let dup = 1; let dup = 2;", { error: "TypeCheckError", evalue: /Cannot redeclare block-scoped variable 'dup'.*TS2451/ }],
    ["%typecheck off", null],
    ["let dup = 1;\nconst dup = 2;", { error: "SyntaxError", evalue: /Identifier 'dup' has already been declared.*line 2, column 7/ }],
    ["var vdup = 1; var vdup = 2; vdup", "2"],
    ["%typecheck on", null],
    ["typeof dup", { error: "TypeCheckError", evalue: /Cannot find name 'dup'/ }],
  ],
  "names declared while unchecked are known, typed any, once checking is back on": [
    ["%typecheck off", null],
    ["let loose = 'x'; class Loose { n = 1 }", null],
    ["%typecheck on", null],
    ["loose.toUpperCase()", "'X'"],
    ["const l: Loose = new Loose(); l.n", "1"],
    ["loose = 5", "5"],
  ],
  "an enum or namespace declared again starts afresh, whatever the name held before": [
    ["let renamed = 1", null],
    ["enum renamed { A = 'a' }\nrenamed.A", "'a'"],
    ["const holder = { keep: 1 }; const alias = holder;", null],
    ["namespace holder { export const added = 2 }\nholder.added", "2"],
    ["alias", "{ keep: 1 }"],
    ["enum Edited { A, B }", null],
    ["enum Edited { C = 10 }\nObject.keys(Edited).join()", "'10,C'"],
    ["function helper() { return 1 }\nnamespace helper { export const extra = 2 }\nhelper() + helper.extra", "3"],
    ["enum Twice { X }\nenum Twice { Y = 1 }\n[Twice.X, Twice.Y]", "[ 0, 1 ]"],
  ],
  "assignments through `as`, `!` and `satisfies` write the session name; a constant stays constant": [
    ["let asserted = 1; function readAsserted() { return asserted }", null],
    ["(asserted as any) = 7; readAsserted()", "7"],
    ["asserted! = 8; (asserted satisfies number) += 1; [(asserted as number)] = [readAsserted() + 1]; readAsserted()", "10"],
    ["function bump() { (asserted as number)++ }\nbump(); asserted", "11"],
    ["const fixedValue = 1", null],
    ["(fixedValue as any) = 2", { error: "TypeError", evalue: /Assignment to constant variable 'fixedValue'/ }],
    ["fixedValue", "1"],
  ],
  "arguments is not defined at the top level of a cell, checked or not": [
    ["%typecheck off", null],
    ["typeof arguments", "'undefined'"],
    ["arguments", { error: "ReferenceError", evalue: /arguments is not defined/ }],
    ["%typecheck on", null],
    ["function countArgs(..._: unknown[]) { return arguments.length }\ncountArgs(1, 2)", "2"],
  ],
  "a proxy is shown without running its traps; a revoked one says so": [
    ["const trapped = new Proxy({ inside: 1 }, { getPrototypeOf() { throw new Error('trap') } }); trapped", "{ inside: 1 }"],
    ["const revocable = Proxy.revocable({}, {}); revocable.revoke(); revocable.proxy", "<Revoked Proxy>"],
  ],
  "a value and a type of one name in one cell, in either order: later cells have both": [
    ["interface Vec { x: number; y: number }\nconst Vec = (x: number, y: number): Vec => ({ x, y })", null],
    ["const v1: Vec = Vec(1, 2); v1", "{ x: 1, y: 2 }"],
    ["const Tone = { Low: 'low', High: 'high' } as const\ntype Tone = (typeof Tone)[keyof typeof Tone]", null],
    ["const t1: Tone = Tone.High; t1", "'high'"],
    ["const t2: Tone = 'mid'", { error: "TypeCheckError", evalue: /Type '"mid"' is not assignable to type 'Tone'/ }],
    ["Tone = Tone", { error: "TypeCheckError", evalue: /Cannot assign to 'Tone' because it is a constant.*TS2588/ }],
    ["let Level2: Level2 = 0\ntype Level2 = 0 | 1 | 2", null],
    ["Level2 = 2; const l2: Level2 = Level2; l2", "2"],
    ["const l3: Level2 = 3", { error: "TypeCheckError", evalue: /Type '3' is not assignable to type 'Level2'/ }],
  ],
  "a var in a top-level block or loop head keeps its type for later cells": [
    ["for (var loopVar = 0; loopVar < 3; loopVar++) {}\nif (loopVar) { var inBlock = 'text' }\nfor (var [pairA, pairB] of [[1, 'b'] as [number, string]]) {}", null],
    ["[loopVar, inBlock, pairA, pairB]", "[ 3, 'text', 1, 'b' ]"],
    ["const asText: string = loopVar", { error: "TypeCheckError", evalue: /Type 'number' is not assignable to type 'string'/ }],
    ["const asNumber: number = inBlock", { error: "TypeCheckError", evalue: /Type 'string' is not assignable to type 'number'/ }],
    ["const b2: string = pairB; b2", "'b'"],
  ],
  "the kernel's own names cannot be declared; the error says so, at the cell's position": [
    ["const __tsk = 5", { error: "SyntaxError", evalue: /'__tsk' is a name the kernel keeps for itself.*line 1, column 7/ }],
    ["function ownScope() { const __tsk = 2; return __tsk }\nownScope()", "2"],
  ],
  "a type and then a value of the same name: the newest declaration wins": [
    ["type Shape = { r: number }", null],
    ["const Shape = 'now a value'; Shape", "'now a value'"],
    ["const s: Shape = { r: 1 }", { error: "TypeCheckError", evalue: /'Shape' refers to a value, but is being used as a type/ }],
  ],
  "return is only allowed inside functions": [
    ["const before = 1;\nreturn before", { error: "SyntaxError", evalue: /'return' statement.*line 2, column 1/ }],
  ],
  "a session name may shadow a builtin, with its own type": [
    ["const JSON = 'shadowed'", null],
    ["JSON", "'shadowed'"],
    ["JSON.length", "8"],
  ],
  "cells are type-checked against earlier declarations, with cell positions": [
    ["let tx = 5", null],
    ["const wrong: string = 1;\nconst alsoWrong: string = tx;", { error: "TypeCheckError", evalue: /Type 'number' is not assignable to type 'string'.*line 1, column 7, TS2322/ }],
    ["typeof wrong", { error: "TypeCheckError", evalue: /Cannot find name 'wrong'/ }],
    ["tx.toFixed(1)", "'5.0'"],
    ["tx = 'text'", { error: "TypeCheckError", evalue: /not assignable to type 'number'/ }],
  ],
  "types persist: interfaces, generic aliases, classes, enums": [
    ["interface Point { x: number; y: number }\ntype Box<T> = { value: T };", null],
    ["const pt: Point = { x: 1, y: 2 }; const box: Box<string> = { value: 'v' }; pt.x + pt.y", "3"],
    ["const bad: Point = { x: 1 }", { error: "TypeCheckError", evalue: /Property 'y' is missing/ }],
    ["class Account { constructor(public balance: number) {} deposit(n: number) { this.balance += n; return this } }", null],
    ["new Account(1).deposit(2).balance", "3"],
    ["new Account('x')", { error: "TypeCheckError", evalue: /not assignable to parameter of type 'number'/ }],
    ["enum Level { Low, High }", null],
    ["const lv: Level = Level.High; lv", "1"],
  ],
  "the history is typed: _ and _n have the type of the value they hold": [
    ["[1, 2, 3].map((n) => n * n)", "[ 1, 4, 9 ]"],
    ["_.reduce((sum, n) => sum + n, 0)", "14"],
    ["_.toUpperCase()", { error: "TypeCheckError", evalue: /Property 'toUpperCase' does not exist on type 'number'/ }],
    ["_.toFixed(1)", "'14.0'"],
    ["___.length", "3"],
    ["interface Pet { name: string }\nconst pets: Pet[] = [{ name: 'Rex' }]; pets", "[ { name: 'Rex' } ]"],
    ["_[0].name", "'Rex'"],
  ],
  "a value of an older declaration keeps its type, which messages name by the cell that declared it": [
    ["class Pt { constructor(public x: number) {} }\nconst p1 = new Pt(1);", null],
    ["class Pt { constructor(public x: number, public y: number) {} }", null],
    ["const q: Pt = p1;", { error: "TypeCheckError", evalue: /Property 'y' is missing in type 'import\("Cell In\[\d+\]"\)\.Pt' but required in type 'import\("Cell In\[\d+\]"\)\.Pt'\./ }],
    ["[p1, new Pt(3, 4)] as const", "[ Pt { x: 1 }, Pt { x: 3, y: 4 } ]"],
    ["const pair: string = _", { error: "TypeCheckError", evalue: /Type 'readonly \[Pt, Pt\]' is not assignable to type 'string'/ }],
  ],
  "a cell edited and re-run: each run's names replace the last's, and a value shown by an older run keeps its type": [
    ["class Gauge { constructor(public level: number) {} }\nnew Gauge(1)", "Gauge { level: 1 }"],
    ["class Gauge { constructor(public label: string) {} }\nfunction read(g: Gauge) { return g.label }", null],
    ["class Gauge { constructor(public label: string, public unit: string) {} }\nfunction read(g: Gauge) { return g.label + g.unit }", null],
    ["const wrongLevel: string = _.level", { error: "TypeCheckError", evalue: /Type 'number' is not assignable to type 'string'/ }],
    ["_.level + 1", "2"],
    ["read(new Gauge('a', 'b'))", "'ab'"],
    ["read(new Gauge('a'))", { error: "TypeCheckError", evalue: /Expected 2 arguments, but got 1/ }],
  ],
  "a cell that begins with an object literal shows the object, as in the Node.js REPL; a block stays a block": [
    ["{ a: 1, b: [2, 3] }", "{ a: 1, b: [ 2, 3 ] }"],
    ["{a:1}", "{ a: 1 }"],
    ["_.a + 1", "2"],
    ["{a: missingName}", { error: "TypeCheckError", evalue: /Cannot find name 'missingName'.*\(Cell In\[\d+\], line 1, column 5, TS2304\)/ }],
    ["{ let inBlock = 3; console.log(inBlock); }", null],
    ["{ a: 1 };", null],
    ["%typecheck on\n{a: 2, b: missingToo}", { error: "TypeCheckError", evalue: /\(Cell In\[\d+\], line 2, column 11, TS2304\)/ }],
    ["%typecheck on\n{ a: 2 }", "{ a: 2 }"],
  ],
  "the newest declaration wins for the type too": [
    ["let rt = 1", null],
    ["const rt = 'now a string'", null],
    ["rt.toUpperCase()", "'NOW A STRING'"],
  ],
  "%typecheck warn shows type errors and runs the cell; bad arguments are usage errors": [
    ["%typecheck warn", null],
    ["const warned: string = 42 as unknown as number; warned", "42"],
    ["%typecheck sometimes", { error: "UsageError", evalue: /one of on, warn, off/ }],
    ["%typecheck on", null],
  ],
  "types come from @types/node and imported modules": [
    ["import { readFileSync } from 'node:fs';", null],
    ["typeof readFileSync", "'function'"],
    ["Buffer.from('ab').length", "2"],
    ["readFileSync(42, 'utf8', 'extra')", { error: "TypeCheckError", evalue: /Expected 1-2 arguments/ }],
  ],
  "cells are checked for the syntax and the library Node.js 20 has: RegExp unicode sets, well-formed strings": [
    ["const accented = /[\\p{L}--[a-z]]/v; accented.test('é') && !accented.test('e')", "true"],
    ["'ab\\uD800'.isWellFormed()", "false"],
  ],
  "strict checking by default": [
    ["function implicit(a) { return a }", { error: "TypeCheckError", evalue: /Parameter 'a' implicitly has an 'any' type.*TS7006/ }],
  ],
  "locals stay local": [
    ["function scoped() { let inner = 1; return inner }\n{ let blockOnly = 2 }\nscoped()", "1"],
    ["typeof inner", { error: "TypeCheckError", evalue: /Cannot find name 'inner'/ }],
    ["%typecheck off", null],
    ["typeof inner + ' ' + typeof blockOnly", "'undefined undefined'"],
    ["%typecheck on", null],
  ],
  "imports bind session names": [
    ["import { join } from 'node:path'; import * as os from 'node:os';", null],
    ["join('a', 'b')", "'a/b'"],
    ["typeof os.cpus", "'function'"],
    ["const fs = require('node:fs'); typeof fs.readFileSync", "'function'"],
  ],
  "top-level using: the cell is the scope, resources are disposed last to first, the names stay": [
    ["const disposals: string[] = [];\nfunction resource(name: string) { return { name, [Symbol.dispose]() { disposals.push(name) } } }", null],
    ["using ra = resource('a'); using rb = resource('b'); function declaredBeside() { return disposals.length } declaredBeside()", "0"],
    ["declaredBeside()", "2"],
    ["disposals.join()", "'b,a'"],
    ["ra.name + rb.name", "'ab'"],
    ["ra = resource('c')", { error: "TypeCheckError", evalue: /Cannot assign to 'ra' because it is a constant/ }],
    ["using rc = resource('c'); throw new Error('boom')", { error: "Error", evalue: /boom/ }],
    ["disposals.at(-1)", "'c'"],
    ["using rd = { [Symbol.dispose]() { throw new Error('in dispose') } }; throw new Error('in the cell')", { error: "SuppressedError", evalue: /threw Error: in dispose, after Error: in the cell/ }],
    ["using re = {} as unknown as Disposable", { error: "TypeError", evalue: /no \[Symbol.dispose\]\(\) method/ }],
    ["using rn = null; 1", "1"],
    ["await using rx = { async [Symbol.asyncDispose]() { await new Promise((r) => setTimeout(r, 10)); disposals.push('x') } }; disposals.at(-1)", "'c'"],
    ["disposals.at(-1)", "'x'"],
    ["%typecheck off", null],
    ["using ru = resource('u'); disposals.at(-1)", "'x'"],
    ["disposals.at(-1)", "'u'"],
    ["%typecheck on", null],
  ],
  "a name whose type only its own cell can see still serves later cells": [
    ["function hidden() { interface Hidden { h: string } const x: Hidden = { h: 'q' }; return x }\nconst fromHidden = hidden(); const plainToo = 1;", null],
    ["fromHidden.h.toUpperCase()", "'Q'"],
    ["hidden().h + plainToo", "'q1'"],
    ["const stillTyped: string = plainToo", { error: "TypeCheckError", evalue: /Type 'number' is not assignable to type 'string'/ }],
  ],
  "declare global in a cell types the globals of every later cell; it declares no session name": [
    ["declare global { interface Array<T> { secondItem(): T | undefined } }\nArray.prototype.secondItem = function () { return this[1] };", null],
    ["declare global { var sharedCounter: number }\nglobalThis.sharedCounter = 3;", null],
    ["sharedCounter + [10, 20].secondItem()!", "23"],
    ["const notText: string = sharedCounter", { error: "TypeCheckError", evalue: /Type 'number' is not assignable to type 'string'/ }],
  ],
  "declare module in a cell declares a module for later cells; a later declaration of it replaces it": [
    ['declare module "tsk-virtual" { export const v: number }', null],
    ['let fromVirtual: typeof import("tsk-virtual").v = 3; fromVirtual', "3"],
    ['declare module "tsk-virtual" { export const w: string }', null],
    ['let typedW: typeof import("tsk-virtual").w = "s"; typedW', "'s'"],
    ['let goneV: typeof import("tsk-virtual").v = 1', { error: "TypeCheckError", evalue: /has no exported member 'v'/ }],
    ['const before = 1;\ndeclare module "tsk-broken" { export const z: NotAType }', { error: "TypeCheckError", evalue: /Cannot find name 'NotAType'\. \(Cell In\[\d+\], line 2, column 47, TS2304\)/ }],
    ['declare module "node:fs" { export function tskShout(): string }', null],
    ["import * as fsNs from 'node:fs'; const shouted: ReturnType<typeof fsNs.tskShout> = 'loud'; [shouted, typeof fsNs.readFileSync]", "[ 'loud', 'function' ]"],
  ],
  "line magics among code run in their place, as in IPython; errors name the cell's own lines": [
    ["%typecheck on\nlet mixedA = 1;\nmixedA + 1", "2"],
    ["let mixedB = 5;\n%xdel mixedB\ntypeof mixedB", { error: "TypeCheckError", evalue: /Cannot find name 'mixedB'\. \(Cell In\[\d+\], line 3, column 8, TS2304\)/ }],
    ["const inTemplate = `\n%who\n`;\ninTemplate.trim()", "'%who'"],
    ["/* usage:\n%run script.ts\n*/\nconst afterComment = 1; afterComment", "1"],
    ["let okLine = 1;\n%who\nconst badLine: string = okLine;", { error: "TypeCheckError", evalue: /line 3, column 7, TS2322/ }],
    ["throw new Error('first part');\n%who\nlet neverDeclared = 1;", { error: "Error", evalue: /first part/ }],
    ["typeof neverDeclared", { error: "TypeCheckError", evalue: /Cannot find name 'neverDeclared'/ }],
    ["let keptBySyntaxError = 1;", null],
    ["%xdel keptBySyntaxError\nconst broken = (;", { error: "SyntaxError", evalue: /\(Cell In\[\d+\], line 2, column 17, TS1109\)/ }],
    ["keptBySyntaxError", /* a syntax error stops the whole cell, its magics too */ "1"],
  ],
  "a magic inside a statement, a cell magic below the first line, a % with no name or a shell command among code says what to do": [
    ["if (true) {\n%who\n}", { error: "SyntaxError", evalue: /\nLine 2 is a magic \(%who\): a line magic runs between the statements of a code cell, not inside a statement or a cell magic's body\. Move it there\.$/ }],
    ["const beforeCellMagic = 1;\n%%time\n1 + 1", { error: "SyntaxError", evalue: /\nLine 2 is a cell magic \(%%time\): it must be the first line of its cell/ }],
    ["%% time\n1 + 1", { error: "SyntaxError", evalue: /\nLine 1 starts with %% but no magic's name follows it: write the name right after it \(%%time\); %lsmagic lists them\.$/ }],
    ["%", { error: "SyntaxError", evalue: /\nLine 1 starts with % but no magic's name follows it/ }],
    ["const beforeCommand = 1;\n!ls", { error: "TypeCheckError", evalue: /Cannot find name 'ls'.*\nIf line 2 is meant as a shell command/s }],
    ["const plainTypo = 1;\nplainTypoo", { error: "TypeCheckError", evalue: /^Cannot find name 'plainTypoo'[^\n]*\)$/ }],
  ],
  "a `_` the user declares (lodash's, say) is not overwritten by results, as in IPython": [
    ["const _ = (x: number) => x * 2;", null],
    ["1 + 1", "2"],
    ["_(21)", "42"],
    ["%xdel _", null],
    ["3 + 3", "6"],
    ["_ + 1", "7"],
  ],
  "a promise is shown with its state, without the async hooks' bookkeeping": [
    ["const settled = Promise.resolve(5); settled", "Promise { 5 }"],
    ["[new Promise(() => {})]", "[ Promise { <pending> } ]"],
    ["({ inner: Promise.resolve('x') })", "{ inner: Promise { 'x' } }"],
  ],
  "a thrown value that is not an Error is shown as a value": [
    ["throw { code: 3, tags: ['a'] }", { error: "Uncaught", evalue: /^\{ code: 3, tags: \[ 'a' \] \}$/ }],
    ["throw 'plain text'", { error: "Uncaught", evalue: /^plain text$/ }],
  ],
  "an unfinished cell is a syntax error at the end of its text": [
    ["1 +", { error: "SyntaxError", evalue: /Expression expected\. \(Cell In\[\d+\], line 1, column 4, TS1109\)/ }],
    ["const unfinished = (1,\n", { error: "SyntaxError", evalue: /line 1, column 23, TS1109/ }],
    ["/* never closed", { error: "SyntaxError", evalue: /'\*\/' expected/ }],
  ],
  "export in a cell declares the name, as a module's would": [
    ["export const shared = 7; export function shout() { return 'hey' } const other = 2; export { other }; export default function fallback() { return 'd' }", null],
    ["[shared, shout(), other, fallback()]", "[ 7, 'hey', 2, 'd' ]"],
  ],
  "class static blocks and decorators keep their own names": [
    ["class Totals { static total = 0; static { const one = 1; var two = 2; Totals.total = one + two } }\nTotals.total", "3"],
    ["typeof one", { error: "TypeCheckError", evalue: /Cannot find name 'one'/ }],
    [
      "function twice(method: (this: unknown) => number, _context: ClassMethodDecoratorContext) { return function (this: unknown) { return 2 * method.call(this) } }\nclass Doubled { @twice five() { return 5 } }\nnew Doubled().five()",
      "10",
    ],
    ["new Doubled().five() + 1", "11"],
  ],
};


/** Asserts what one cell showed: its reply, and the text/plain of its execute_result. */
export function checkStep([code, expect]: Step, ex: { reply: Message; iopub: Message[] }): void {
  const status = ex.reply.content.status;
  if (expect !== null && typeof expect === "object") {
    assert.equal(status, "error", `${code} should fail`);
    assert.equal(ex.reply.content.ename, expect.error, code);
    if (expect.evalue) assert.match(ex.reply.content.evalue as string, expect.evalue, code);
    return;
  }
  assert.equal(status, "ok", `${code}: ${String(ex.reply.content.evalue ?? "")}`);
  const result = ex.iopub.find((m) => m.header.msg_type === "execute_result");
  const text = (result?.content.data as Record<string, string> | undefined)?.["text/plain"];
  assert.equal(text ?? null, expect, code);
}
