// Every kind of file and package a cell can import, by every form of import (in-memory transport, real
// engine): that each gives the module's value, that its types reach the cell, and that relative imports
// inside a module resolve from the module's own file.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryKernel, resultText, silentLogger, streamText, type Exchange } from "../support/memory-kernel.js";
import { WorkerEngine } from "../../src/engine/worker-engine.js";

const dir = mkdtempSync(join(tmpdir(), "tsk-module-kinds-"));
const write = (path: string, text: string) => {
  mkdirSync(join(dir, path, ".."), { recursive: true });
  writeFileSync(join(dir, path), text);
};

/** Each local file kind, by the specifier a cell imports it with; each gives `kind`, made by a module beside it. */
const LOCAL_KINDS: Record<string, string> = {
  "./kinds/plain.ts": "ts",
  "./kinds/view.tsx": "tsx",
  "./kinds/typed.mts": "mts",
  "./kinds/typed.cts": "cts",
  "./kinds/script.js": "js",
  "./kinds/module.mjs": "mjs",
  "./kinds/legacy.cjs": "cjs",
  "./kinds/data.json": "json",
  "./kinds/folder": "folder",
};

function writeLocalKinds(): void {
  // Only the modules' own directories have shared/: a relative import resolved from the notebook would fail.
  write("kinds/shared/tag.ts", "export const tag = (kind: string): string => `kind ${kind}`;\n");
  const esm = (kind: string, from = "./shared/tag") => `import { tag } from '${from}';\nexport const kind = tag('${kind}');\n`;
  write("kinds/plain.ts", esm("ts"));
  write("kinds/view.tsx", `${esm("tsx")}export type Props = { label: string };\n`);
  write("kinds/typed.mts", esm("mts", "./shared/tag.ts"));
  write("kinds/typed.cts", esm("cts"));
  write("kinds/script.js", esm("js"));
  write("kinds/module.mjs", esm("mjs", "./shared/tag.ts"));
  write("kinds/legacy.cjs", "const { tag } = require('./shared/tag');\nmodule.exports = { kind: tag('cjs') };\n");
  write("kinds/data.json", '{ "kind": "kind json" }\n');
  write("kinds/folder/index.ts", "export * from './inner';\n");
  write("kinds/folder/inner.ts", esm("folder", "../shared/tag"));
}

function writePackages(): void {
  write("node_modules/cjs-pkg/package.json", '{ "name": "cjs-pkg", "main": "index.js", "types": "index.d.ts" }');
  write("node_modules/cjs-pkg/index.js", "const { suffix } = require('./lib/suffix');\nmodule.exports = { greet: (name) => 'hello ' + name + suffix };\n");
  write("node_modules/cjs-pkg/lib/suffix.js", "exports.suffix = '!';\n");
  write("node_modules/cjs-pkg/index.d.ts", "export declare function greet(name: string): string;\n");
  write("node_modules/esm-only/package.json", '{ "name": "esm-only", "type": "module", "exports": { "types": "./index.d.ts", "import": "./index.js" } }');
  write("node_modules/esm-only/index.js", "export const answer = 42;\nexport default 'esm default';\n");
  write("node_modules/esm-only/index.d.ts", "export declare const answer: number;\ndeclare const fallback: string;\nexport default fallback;\n");
  write("node_modules/tla-pkg/package.json", '{ "name": "tla-pkg", "type": "module", "exports": { "types": "./index.d.ts", "default": "./index.js" } }');
  write("node_modules/tla-pkg/index.js", "export const ready = await Promise.resolve('awaited');\n");
  write("node_modules/tla-pkg/index.d.ts", "export declare const ready: string;\n");
  // A dual package: its ES build (for import) exports more than its CommonJS build (for require).
  const dual = { import: { types: "./index.d.mts", default: "./index.mjs" }, require: { types: "./index.d.cts", default: "./index.cjs" } };
  write("node_modules/dual-pkg/package.json", JSON.stringify({ name: "dual-pkg", exports: { ".": dual, "./extra": { import: "./extra.mjs", require: "./extra.cjs" } } }));
  write("node_modules/dual-pkg/index.mjs", "export const build = 'esm';\nexport function onlyEsm() { return 'esm only'; }\n");
  write("node_modules/dual-pkg/index.d.mts", "export declare const build: 'esm';\nexport declare function onlyEsm(): string;\n");
  write("node_modules/dual-pkg/index.cjs", "exports.build = 'cjs';\n");
  write("node_modules/dual-pkg/index.d.cts", "export declare const build: 'cjs';\n");
  write("node_modules/dual-pkg/extra.mjs", "export const extra = 'esm extra';\n");
  write("node_modules/dual-pkg/extra.cjs", "exports.extra = 'cjs extra';\n");
  write("node_modules/dual-pkg/extra.d.mts", "export declare const extra: string;\n");
  write("node_modules/dual-pkg/extra.d.cts", "export declare const extra: string;\n");
}

/** A JSX runtime of our own (React's jsx-runtime shape), for the modules under jsx-app/ only. */
function writeJsxApp(): void {
  write("jsx-app/node_modules/react/package.json", '{ "name": "react", "version": "0.0.0" }');
  write("jsx-app/node_modules/react/jsx-runtime.js", "const jsx = (type, props) => ({ type, props });\nmodule.exports = { jsx, jsxs: jsx, Fragment: 'fragment' };\n");
  write(
    "jsx-app/node_modules/react/jsx-runtime.d.ts",
    "export namespace JSX {\n  interface Element { type: unknown; props: Record<string, unknown> }\n  interface IntrinsicElements { [tag: string]: Record<string, unknown> }\n}\n" +
      "export declare function jsx(type: unknown, props: Record<string, unknown>): JSX.Element;\nexport declare const jsxs: typeof jsx;\nexport declare const Fragment: string;\n",
  );
  write("jsx-app/badge.tsx", "const Label = (props: { text: string }) => <i>{props.text}</i>;\nexport const badge = <b title=\"new\"><Label text=\"hi\" /></b>;\n");
  write("jsx-app/typo.tsx", "const Label = (props: { text: string }) => <i>{props.text}</i>;\nexport const badge = <Label text={1} />;\n");
  write("needs-react.tsx", "export const plain = 1;\nexport const badge = <b>no runtime here</b>;\n");
}

function ok(ex: Exchange, code: string): Exchange {
  assert.equal(ex.reply.content.status, "ok", `${code}: ${String(ex.reply.content.ename)}: ${String(ex.reply.content.evalue)}`);
  return ex;
}

describe("every kind of module, every form of import (in-memory transport, real engine)", () => {
  writeLocalKinds();
  writePackages();
  writeJsxApp();
  const k = new MemoryKernel(new WorkerEngine(silentLogger(), dir));
  before(() => k.start());
  after(() => k.close());
  const result = async (code: string) => resultText(ok(await k.execute(code), code));
  const fails = async (code: string, ename: string, evalue: RegExp) => {
    const ex = await k.execute(code);
    assert.equal(ex.reply.content.ename, ename, `${code}: ${String(ex.reply.content.evalue)}`);
    assert.match(ex.reply.content.evalue as string, evalue, code);
  };

  test("local .ts .tsx .mts .cts .js .mjs .cjs .json files and a directory's index.ts, by each form of import", async () => {
    let n = 0;
    for (const [specifier, kind] of Object.entries(LOCAL_KINDS)) {
      n++;
      const expected = `'kind ${kind}'`;
      assert.equal(await result(`import { kind as static${n} } from '${specifier}'; static${n}`), expected, `static import of ${specifier}`);
      assert.equal(await result(`import required${n} = require('${specifier}'); required${n}.kind`), expected, `import = require() of ${specifier}`);
      assert.equal(await result(`const dynamic${n} = await import('${specifier}'); dynamic${n}.kind`), expected, `await import() of ${specifier}`);
      assert.equal(await result(`require('${specifier}').kind`), expected, `require() of ${specifier}`);
      // A later cell that ends with a comment still reads the imported names.
      assert.equal(await result(`[static${n}, required${n}.kind].join() // both`), `'kind ${kind},kind ${kind}'`);
    }
    // As the checker reads it: a .js specifier means the TypeScript source beside it, when there is one.
    write("twin.ts", "export const twin = 'the TypeScript source';\n");
    write("twin.js", "export const twin = 'compiled output';\n");
    assert.equal(await result("import { twin } from './twin.js'; twin"), "'the TypeScript source'");
  });

  test("their types reach the cell: a wrong use of what each import gives is a type error", async () => {
    let n = 0;
    for (const specifier of Object.keys(LOCAL_KINDS)) {
      n++;
      await result(`import { kind as typed${n} } from '${specifier}'; import typedRequired${n} = require('${specifier}');`);
      await fails(`const wrong${n}: number = typed${n}`, "TypeCheckError", /Type 'string' is not assignable to type 'number'.*TS2322/);
      await fails(`const wrongRequired${n}: number = typedRequired${n}.kind`, "TypeCheckError", /Type 'string' is not assignable to type 'number'/);
      await fails(`const wrongDynamic${n}: number = (await import('${specifier}')).kind`, "TypeCheckError", /Type 'string' is not assignable to type 'number'/);
    }
    await fails("const props: import('./kinds/view.tsx').Props = { label: 1 }", "TypeCheckError", /Type 'number' is not assignable to type 'string'/);
  });

  test("a type error inside a .tsx, .mts or .cts module names that file, line and column", async () => {
    write("broken/view.tsx", "export const fine = 1;\nexport const wrong: string = fine;\n");
    write("broken/esm.mts", "export const fine = 1;\n\nexport const wrong: string = fine;\n");
    write("broken/common.cts", "export const fine = 1;\n\n\n  export const wrong: string = fine;\n");
    await fails("import { wrong } from './broken/view'", "TypeCheckError", /broken\/view\.tsx, line 2, column 14, TS2322/);
    await fails("const esm = await import('./broken/esm.mts')", "TypeCheckError", /broken\/esm\.mts, line 3, column 14, TS2322/);
    await fails("require('./broken/common.cts')", "TypeCheckError", /broken\/common\.cts, line 4, column 16, TS2322/);
  });

  test("`export =` in a TypeScript module is what require(), import = require() and a default import give", async () => {
    write("double.cts", "export = function double(n: number): number { return n * 2; };\n");
    assert.equal(await result("import double = require('./double.cts'); double(2)"), "4");
    assert.equal(await result("require('./double.cts')(3)"), "6");
    assert.equal(await result("import doubleDefault from './double.cts'; doubleDefault(4)"), "8");
    assert.equal(await result("(await import('./double.cts')).default(5)"), "10");
    await fails("const doubled: string = double(1)", "TypeCheckError", /Type 'number' is not assignable to type 'string'/);
  });

  test("JSX in a .tsx module runs on the JSX runtime installed beside it; without one, the error says what to install", async () => {
    assert.equal(await result("import { badge } from './jsx-app/badge'; badge.props.title"), "'new'");
    assert.equal(await result("(badge.props.children as { props: { text: string } }).props.text"), "'hi'");
    await fails("import { badge as typo } from './jsx-app/typo'", "TypeCheckError", /typo\.tsx, line 2, column 29, TS2322/);
    await fails("import { badge as bare } from './needs-react'", "TypeCheckError", /needs-react\.tsx, line 2, column 22[\s\S]*install react and its types with npm/);
  });

  test("packages: CommonJS, ESM-only and ESM with top-level await, by each form of import, with their types", async () => {
    assert.equal(await result("import { greet } from 'cjs-pkg'; greet('a')"), "'hello a!'");
    assert.equal(await result("import cjs = require('cjs-pkg'); cjs.greet('b')"), "'hello b!'");
    assert.equal(await result("import cjsDefault from 'cjs-pkg'; [cjsDefault === cjs, (await import('cjs-pkg')).greet('c')]"), "[ true, 'hello c!' ]");
    assert.equal(await result("require('cjs-pkg').greet('d')"), "'hello d!'");
    await fails("const greeting: number = greet('x')", "TypeCheckError", /Type 'string' is not assignable to type 'number'/);

    assert.equal(await result("import esmDefault, { answer } from 'esm-only'; [esmDefault, answer, (await import('esm-only')).answer]"), "[ 'esm default', 42, 42 ]");
    await fails("const answered: string = answer", "TypeCheckError", /Type 'number' is not assignable to type 'string'/);
    await fails("require('esm-only')", "Error", /"esm-only" is an ES module package .*require\(\) cannot load it.*use import or await import\(\)/);

    assert.equal(await result("import { ready } from 'tla-pkg'; [ready, (await import('tla-pkg')).ready]"), "[ 'awaited', 'awaited' ]");
    await fails("const readied: number = ready", "TypeCheckError", /Type 'string' is not assignable to type 'number'/);
    await fails("import tla = require('tla-pkg')", "Error", /"tla-pkg" is an ES module package/);
  });

  test("a dual package: import (static, dynamic, import.meta.resolve) runs its ES build, as checked; require its CommonJS build", async () => {
    assert.equal(await result("import { build, onlyEsm } from 'dual-pkg'; [build, onlyEsm(), (await import('dual-pkg')).build]"), "[ 'esm', 'esm only', 'esm' ]");
    assert.equal(await result("import.meta.resolve('dual-pkg')"), `'file://${join(dir, "node_modules/dual-pkg/index.mjs")}'`);
    assert.equal(await result("(await import('dual-pkg/extra')).extra"), "'esm extra'");
    assert.equal(await result("[require('dual-pkg').build, require.resolve('dual-pkg')]"), `[ 'cjs', '${join(dir, "node_modules/dual-pkg/index.cjs")}' ]`);
    await fails("const built: 'cjs' = build", "TypeCheckError", /Type '"esm"' is not assignable to type '"cjs"'/);
    write(
      "dual-user.ts",
      "import { build, onlyEsm } from 'dual-pkg';\nexport const imported: 'esm' = build;\nexport const called = onlyEsm();\n" +
        "export const required = require('dual-pkg').build;\nexport const imports = async () => (await import('dual-pkg')).build;\n",
    );
    assert.equal(await result("import { imported, called, required, imports } from './dual-user'; [imported, called, required, await imports()]"), "[ 'esm', 'esm only', 'cjs', 'esm' ]");
    write("dual-user.cts", "import { build } from 'dual-pkg';\nexport const importedInCts: 'cjs' = build;\n");
    assert.equal(await result("import { importedInCts } from './dual-user.cts'; importedInCts"), "'cjs'", "a .cts module's import is a require");
  });

  test("a package whose code does not parse: the error names its file and line, CommonJS or ES module", async () => {
    write("node_modules/broken-cjs/package.json", '{ "name": "broken-cjs", "main": "index.js" }');
    write("node_modules/broken-cjs/index.js", "exports.a = 1;\nexports.b = ;\n");
    write("node_modules/broken-esm/package.json", '{ "name": "broken-esm", "type": "module", "main": "index.js" }');
    write("node_modules/broken-esm/index.js", "export const a = 1;\nexport const b = ;\n");
    write("node_modules/ts-main/package.json", '{ "name": "ts-main", "main": "src/index.ts" }');
    write("node_modules/ts-main/src/index.ts", "export const typed: number = 1;\n");
    await result('declare module "broken-cjs"; declare module "broken-esm";');
    for (const [name, file] of [["broken-cjs", "node_modules/broken-cjs/index.js"], ["broken-esm", "node_modules/broken-esm/index.js"]]) {
      const ex = await k.execute(`import * as broken from "${name}";`);
      assert.equal(ex.reply.content.ename, "SyntaxError", name);
      const traceback = (ex.reply.content.traceback as string[]).join("\n");
      assert.match(traceback, new RegExp(`${join(dir, file).replace(/[.]/g, "\\.")}, line 2:\\n.*b = ;\\n +\\^`), name);
    }
    const ts = await k.execute('import { typed } from "ts-main";');
    assert.match((ts.reply.content.traceback as string[]).join("\n"), /src\/index\.ts, line 1:[^]*This is a TypeScript file, which Node\.js does not compile/);
  });

  test("%modules lists the builtins and packages cells imported, with their kinds", async () => {
    assert.equal(await result("import { sep } from 'node:path'; import { readFileSync } from 'fs'; [sep, typeof readFileSync]"), "[ '/', 'function' ]");
    const listing = streamText(ok(await k.execute("%modules"), "%modules"));
    assert.match(listing, /^node:path +builtin +node:path /m);
    assert.match(listing, /^fs +builtin +node:fs /m);
    assert.match(listing, /^cjs-pkg +package +\.\/node_modules\/cjs-pkg\/index\.js /m);
    assert.match(listing, /^tla-pkg +package +\.\/node_modules\/tla-pkg\/index\.js /m);
  });
});
