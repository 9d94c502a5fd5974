// Compiles a local module for the registry: TypeScript files are type-checked (errors name the file,
// line and column) and emitted from the same program; JavaScript files are only transpiled. Either way
// the result is CommonJS-shaped code in a function the registry calls with its own `require`, so the
// kernel decides how modules are found, cached and re-executed (reload needs that: Node's own ESM
// cache cannot forget a module). `import.meta` and `import()` become parameters of that function.
import ts, { NODE_SYNTAX } from "../../../language/typescript.js";
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { CachingHost } from "../../../language/compiler-host.js";
import type { CompilerInterrupts } from "../../../language/cell-checker.js";
import { excerpt } from "../traceback.js";
import { declaredNames, exportedNames, identifiersOf } from "../../../language/declarations.js";
import { diagnosticMessage } from "../../../language/missing-module.js";
import { KERNEL_API_DTS } from "../../../language/kernel-globals.js";
import { whereLookedFor, type ResolutionMode } from "./resolve.js";
import { isStackOverflow, tooDeepMessage } from "../../../language/too-deep.js";
import type { CompileCache } from "./compile-cache.js";
import { asInterrupt } from "../interrupted.js";
import { importedWithin, statementsToRecheck } from "./recheck.js";
import { emitsAlikeUnchecked } from "./emit-unchecked.js";

export interface ModuleDiagnostic {
  message: string;
  /** 1-based. */
  line: number;
  column: number;
  code: number;
}

/** A local module that does not compile: its syntax or type errors, with positions in its own file. */
export class ModuleCompileError extends Error {
  constructor(
    readonly file: string,
    readonly source: string,
    readonly diagnostics: ModuleDiagnostic[],
    kind: "SyntaxError" | "TypeCheckError",
    /** What to do, when TypeScript's own messages do not say it. */
    advice?: string,
  ) {
    const first = diagnostics[0];
    const each = diagnostics.map((d) => `${file}, line ${d.line}, column ${d.column}: ${d.message} (TS${d.code})\n${excerpt(source, d.line, d.column)}`);
    // One line that names the place, whatever the lines of TypeScript's explanation below it (autoreload reports only this line).
    const headline = `${first.message.split("\n")[0]} (${file}, line ${first.line}, column ${first.column}, TS${first.code})`;
    super(`${headline}\n${each.join("\n")}${advice ? `\n${advice}` : ""}`);
    this.name = kind;
  }
}

export interface CompiledModule {
  /** A script whose value is the module function (see MODULE_PARAMS), a generator paused after the export prologue. */
  script: string;
  /**
   * The source map of the emitted code, for positions in errors. Absent for a TypeScript module: its
   * map is made only when a traceback needs it (ModuleCompiler.sourceMapOf), as most runs never fail.
   */
  sourceMap?: string;
  /** Characters of the wrapper function before the emitted code on the script's first line. */
  firstLineShift: number;
  /** Uses top-level await: it can only be imported, not required. */
  isAsync: boolean;
  /** Written as an ES module (imports or exports), so a namespace; otherwise CommonJS (or JSON). */
  isEsm: boolean;
  /** A JSON file's value. */
  json?: unknown;
  /** With `scope`: the file's top-level names. */
  scope?: TopLevel;
  /**
   * Exported function declarations: exported before the module's imports load (the script is a
   * generator that pauses after them), so a module importing this one in a cycle can call them, as ES
   * modules hoist them.
   */
  hoisted: string[];
  /** Its static imports and re-exports, in order, types-only ones too: what it is checked against. */
  imports: ModuleImport[];
  /**
   * The static imports and re-exports its emitted code keeps, in order: loaded before it runs, as ES
   * modules are. One TypeScript elides (its names are only types) is not: it may not exist at run time.
   */
  loads: ModuleImport[];
  /** The text it was compiled from: what a change on disk is compared with. */
  source: string;
  /** Taken from the cache of compiled modules, not compiled in this session. */
  fromCache?: boolean;
}

/** A static import of a module: its specifier, and whether it loads as `import` or as `require()` (`import x = require()`). */
export interface ModuleImport {
  specifier: string;
  mode: ResolutionMode;
}

export const MODULE_PARAMS = ["exports", "require", "module", "__filename", "__dirname", "__tsk_import", "__tsk_meta", "__tsk_require_import"];

/** Codes that concern the CommonJS shape the kernel runs, not the user's module. */
const NOT_FOR_USER = new Set([
  1323, // dynamic import needs a module option
  1343, // import.meta needs a module option
  1378, // top-level await needs a module option
  2823, // import attributes (`with { type: "json" }`) need a module option
  5095, // bundler resolution with a CommonJS module option
  5096, // allowImportingTsExtensions without noEmit
]);

/** No JSX.IntrinsicElements; no jsx-runtime module: the JSX library's types are missing. */
const JSX_LIBRARY_MISSING = new Set([7026, 2875]);

function jsxAdvice(diagnostics: ModuleDiagnostic[], options: ts.CompilerOptions): string | undefined {
  if (!diagnostics.some((d) => JSX_LIBRARY_MISSING.has(d.code))) return undefined;
  const library = options.jsxImportSource ?? "react";
  return (
    `JSX in a .tsx module compiles to calls of ${library}/jsx-runtime ("jsx": "react-jsx"): install ${library} and its types ` +
    `with npm in the notebook's directory, or set "jsxImportSource" in its tsconfig.json to the JSX library you use.`
  );
}

/** `import.meta` and `import(x)` become calls into the registry: a script has neither. */
function moduleHooks(): ts.TransformerFactory<ts.SourceFile> {
  return (tc) => (sf) => {
    const f = tc.factory;
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) return f.createIdentifier("__tsk_meta");
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        return f.createCallExpression(f.createIdentifier("__tsk_import"), undefined, node.arguments.map((a) => ts.visitNode(a, visit) as ts.Expression));
      }
      return ts.visitEachChild(node, visit, tc);
    };
    return ts.visitEachChild(sf, visit, tc);
  };
}

/** The hooks visit every node: only a module that may use `import.meta` or `import()` needs them. */
function hooksFor(text: string): ts.TransformerFactory<ts.SourceFile>[] {
  return /\bimport\s*[.(]/.test(text) ? [moduleHooks()] : [];
}

/** How a module's `import` declarations load: as `import`, but in a .cts or .cjs file TypeScript and Node make them `require()`. */
function importDeclarationMode(path: string): ResolutionMode {
  return /\.c[jt]s$/.test(path) ? "require" : "import";
}

/**
 * After the module transform: the `require` calls it made of `import` and `export … from`
 * declarations call `__tsk_require_import`, which resolves them as `import` does (a dual package's
 * ES build, as the checker typed it); a `require()` the module wrote keeps the `require` condition.
 */
function importsResolvedAsImports(): ts.TransformerFactory<ts.SourceFile> {
  return (tc) => (sf) => {
    const f = tc.factory;
    const visit = (node: ts.Node): ts.Node => {
      // The emit's own calls have no position in the source.
      if (ts.isCallExpression(node) && node.pos < 0 && ts.isIdentifier(node.expression) && node.expression.text === "require") {
        return f.updateCallExpression(node, f.createIdentifier("__tsk_require_import"), undefined, node.arguments);
      }
      return ts.visitEachChild(node, visit, tc);
    };
    const fromImport = (s: ts.Statement) => {
      const original = ts.getOriginalNode(s);
      return ts.isImportDeclaration(original) || ts.isExportDeclaration(original);
    };
    return f.updateSourceFile(sf, sf.statements.map((s) => (fromImport(s) ? (ts.visitNode(s, visit) as ts.Statement) : s)));
  };
}

/** `exports.a = exports.b = void 0` or `exports.f = f`: the CommonJS emit's export prologue. */
function exportAssignment(e: ts.Expression, hoisted: string[]): boolean {
  if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return false;
  if (!ts.isPropertyAccessExpression(e.left) || !ts.isIdentifier(e.left.expression) || e.left.expression.text !== "exports") return false;
  if (ts.isIdentifier(e.right)) {
    hoisted.push(e.left.name.text);
    return true;
  }
  return ts.isVoidExpression(e.right) || exportAssignment(e.right, hoisted);
}

/** Statements the emit puts before the module's own code: directives, helpers, the export prologue. */
function isPrologue(s: ts.Statement, hoisted: string[]): boolean {
  if (ts.isVariableStatement(s)) return s.declarationList.declarations.every((d) => ts.isIdentifier(d.name) && d.name.text.startsWith("__"));
  if (!ts.isExpressionStatement(s)) return false;
  const e = s.expression;
  if (ts.isStringLiteral(e)) return true;
  const definesEsModule = ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === "defineProperty";
  return definesEsModule || exportAssignment(e, hoisted);
}

/**
 * After the module transform: a `yield` right after the export prologue, so the registry can run
 * the prologue (which exports hoisted functions), load the imports, then run the rest.
 */
function pauseAfterPrologue(hoisted: string[]): ts.TransformerFactory<ts.SourceFile> {
  return (tc) => (sf) => {
    let at = 0;
    while (at < sf.statements.length && isPrologue(sf.statements[at], hoisted)) at++;
    const pause = tc.factory.createExpressionStatement(tc.factory.createYieldExpression(undefined, undefined));
    return tc.factory.updateSourceFile(sf, [...sf.statements.slice(0, at), pause, ...sf.statements.slice(at)]);
  };
}

/** After the module transform: the imports and re-exports the emitted code of the module at `path` still has, into `loads`. */
function keptImports(path: string, loads: ModuleImport[]): ts.TransformerFactory<ts.SourceFile> {
  return () => (sf) => {
    for (const s of sf.statements) {
      const original = ts.getOriginalNode(s);
      const specifier = importedSpecifier(original);
      if (specifier === undefined || loads.some((l) => l.specifier === specifier)) continue;
      loads.push({ specifier, mode: ts.isImportEqualsDeclaration(original) ? "require" : importDeclarationMode(path) });
    }
    return sf;
  };
}

/** The module an import, re-export or `import x = require()` names, when it names one by a string. */
function importedSpecifier(node: ts.Node): string | undefined {
  const specifier = ts.isImportDeclaration(node) || ts.isExportDeclaration(node) ? node.moduleSpecifier
    : ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) ? node.moduleReference.expression
    : undefined;
  return specifier && ts.isStringLiteral(specifier) ? specifier.text : undefined;
}

/** A file's top-level names (for `%run`). */
export interface TopLevel {
  /** Each top-level value's kind (let, const, function...). */
  kinds: Map<string, string>;
  /** Its interfaces and type aliases. */
  types: string[];
  /** The names it exports by name. */
  exported: Set<string>;
  /** Its exported variables: they live on `exports` once compiled. */
  exportedVariables: Set<string>;
}

function topLevel(sf: ts.SourceFile): TopLevel {
  const exportedVariables = new Set<string>();
  for (const s of sf.statements) {
    if (!ts.isVariableStatement(s) || !ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    for (const d of s.declarationList.declarations) for (const n of identifiersOf(d.name)) exportedVariables.add(n);
  }
  const kinds = new Map<string, string>();
  const types: string[] = [];
  for (const [name, d] of declaredNames(sf)) {
    if (d.kind === "interface" || d.kind === "type") types.push(name);
    else if (!d.typeOnly && d.kind !== "import" && d.kind !== "declare") kinds.set(name, d.kind);
  }
  return { kinds, types, exported: exportedNames(sf), exportedVariables };
}

/**
 * For `%run`: before the module's code, `module.__tskScope` gets a getter for each top-level value the
 * file declares (exported variables live on `exports` once compiled; everything else stays local), so
 * that a file that fails part-way still shows the values it reached.
 */
function exposeScope(names: string[], exportedVariables: Set<string>): ts.TransformerFactory<ts.SourceFile> {
  return (tc) => (sf) => {
    const f = tc.factory;
    const getters = names.map((n) =>
      f.createGetAccessorDeclaration(undefined, n, [], undefined, f.createBlock([
        f.createReturnStatement(exportedVariables.has(n) ? f.createPropertyAccessExpression(f.createIdentifier("exports"), n) : f.createIdentifier(n)),
      ])),
    );
    const target = f.createPropertyAccessExpression(f.createIdentifier("module"), "__tskScope");
    const expose = f.createExpressionStatement(f.createAssignment(target, f.createObjectLiteralExpression(getters)));
    const directive = (statement: ts.Statement) => ts.isExpressionStatement(statement) && ts.isStringLiteral(statement.expression);
    const code = sf.statements.findIndex((statement) => !directive(statement));
    const at = code < 0 ? sf.statements.length : code;
    return f.updateSourceFile(sf, [...sf.statements.slice(0, at), expose, ...sf.statements.slice(at)]);
  };
}

function hasTopLevelAwait(sf: ts.SourceFile): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isAwaitExpression(n) || (ts.isForOfStatement(n) && n.awaitModifier)) found = true;
    else ts.forEachChild(n, visit);
  };
  ts.forEachChild(sf, visit);
  return found;
}

/** Imports or exports make an ES module, unless it has `export =`: that sets `module.exports`, as CommonJS does. */
function isEsModule(sf: ts.SourceFile): boolean {
  return ts.isExternalModule(sf) && !sf.statements.some((s) => ts.isExportAssignment(s) && s.isExportEquals);
}

function staticImports(sf: ts.SourceFile): ModuleImport[] {
  const imports: ModuleImport[] = [];
  const mode = importDeclarationMode(sf.fileName);
  for (const s of sf.statements) {
    if (ts.isImportDeclaration(s) && !s.importClause?.isTypeOnly && ts.isStringLiteral(s.moduleSpecifier)) imports.push({ specifier: s.moduleSpecifier.text, mode });
    else if (ts.isExportDeclaration(s) && !s.isTypeOnly && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier)) imports.push({ specifier: s.moduleSpecifier.text, mode });
    else if (ts.isImportEqualsDeclaration(s) && !s.isTypeOnly && ts.isExternalModuleReference(s.moduleReference) && ts.isStringLiteral(s.moduleReference.expression)) {
      imports.push({ specifier: s.moduleReference.expression.text, mode: "require" });
    }
  }
  return imports;
}

/** Specifiers a module's source re-exports all of (`export * from "x"`, not `export * as ns`). */
export function starReexports(source: string, path: string): string[] {
  const sf = ts.createSourceFile(path, source, NODE_SYNTAX, false);
  return sf.statements.flatMap((s) =>
    ts.isExportDeclaration(s) && !s.isTypeOnly && !s.exportClause && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier) ? [s.moduleSpecifier.text] : [],
  );
}

function toDiagnostic(d: ts.Diagnostic): ModuleDiagnostic {
  const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
  // A module's imports resolve from its own directory.
  const whereLooked = d.file ? (specifier: string) => whereLookedFor(specifier, dirname(d.file!.fileName)) : undefined;
  return { message: diagnosticMessage(d, whereLooked), line: at.line + 1, column: at.character + 1, code: d.code };
}

/** What the kernel's transformers learn of a module as it is emitted. */
interface Emitted {
  /** See CompiledModule.hoisted. */
  hoisted: string[];
  /** See CompiledModule.loads. */
  loads: ModuleImport[];
}

const nothingEmitted = (): Emitted => ({ hoisted: [], loads: [] });

/**
 * The kernel's transformers of the module at `path`: its hooks first; the imports it keeps and how
 * they load, its pause, and for `%run` its scope, last.
 */
function moduleTransformers(path: string, text: string, top: TopLevel | undefined, emitted: Emitted): ts.CustomTransformers {
  const asImports = importDeclarationMode(path) === "import" ? [importsResolvedAsImports()] : [];
  const scope = top ? [exposeScope([...top.kinds.keys()], top.exportedVariables)] : [];
  return { before: hooksFor(text), after: [keptImports(path, emitted.loads), ...asImports, pauseAfterPrologue(emitted.hoisted), ...scope] };
}

/** Emits one module in the kernel's shape; the map is empty unless the program's options ask for one. */
function emitModule(program: ts.Program, sf: ts.SourceFile, top: TopLevel | undefined, emitted: Emitted): { js: string; map: string } {
  let js = "";
  let map = "";
  program.emit(sf, (name, out) => (name.endsWith(".map") ? (map = out) : (js = out)), undefined, false, moduleTransformers(sf.fileName, sf.text, top, emitted));
  return { js, map };
}

/** TypeScript's check of only the statements given, as its language service asks for a visible region; not in its public declarations. */
type CheckStatements = (sf: ts.SourceFile, token: ts.CancellationToken | undefined, statements: readonly ts.Statement[]) => readonly ts.Diagnostic[];

/** The last version of a module's file that passed its check, and the other files of that program. */
interface Verified {
  file: ts.SourceFile;
  around: readonly ts.SourceFile[];
}

function wrap(js: string, isAsync: boolean): Pick<CompiledModule, "script" | "firstLineShift"> {
  // On the first line, so that line numbers in the script are those of the emitted code.
  const body = js.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
  const head = `(${isAsync ? "async " : ""}function* (${MODULE_PARAMS.join(", ")}) {`;
  return { script: `${head}${body}\n})`, firstLineShift: head.length };
}

/** Declarations every module program sees: what the kernel adds to `import.meta`. */
/** A local module's globals: the kernel's display API (a module can show output too), and `import.meta.main`. */
const MODULE_GLOBALS = `${KERNEL_API_DTS}
interface ImportMeta {
  /** True in the file \`%run\` runs as the main program (and in cells); false in an imported module. */
  main: boolean;
}
`;

export class ModuleCompiler {
  /** How modules are checked and emitted: the cells' checking options, with the kernel's CommonJS shape. */
  readonly options: ts.CompilerOptions;
  private readonly transpileOptions: ts.CompilerOptions;
  private readonly globalsPath: string;
  private readonly practicePath: string;
  private previous: ts.Program | undefined;
  /** The last emit of each file: a file whose text did not change is checked again (its imports may have), not emitted again. */
  private readonly emitted = new Map<string, CompiledModule>();
  /** Per module path: what a later edit's partial check stands on. */
  private readonly verified = new Map<string, Verified>();

  /**
   * `files` is shared with the cell checker, so libraries parsed for cells are not parsed again;
   * `cache` keeps TypeScript modules that compiled across sessions.
   */
  constructor(
    private readonly files: CachingHost,
    cellOptions: ts.CompilerOptions,
    virtualDir: string,
    private readonly cache: CompileCache,
    /** Stops the check of a module whose importing cell is interrupted. */
    private readonly cancellation?: CompilerInterrupts,
  ) {
    this.options = {
      ...cellOptions,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      verbatimModuleSyntax: false,
      esModuleInterop: true,
      declaration: false,
      // Cells read an imported const enum as an object (their emit is isolated, as verbatimModuleSyntax
      // makes it): the module must keep it at run time.
      preserveConstEnums: true,
      // Maps cost a seventh of a warm compile (measured on a 1,000-line module): sourceMapOf makes them.
      sourceMap: false,
      noEmit: false,
      allowImportingTsExtensions: true,
    };
    this.transpileOptions = { module: ts.ModuleKind.CommonJS, target: NODE_SYNTAX, esModuleInterop: true, sourceMap: true, allowJs: true };
    this.globalsPath = `${virtualDir}/module-globals.d.ts`;
    this.practicePath = `${virtualDir}/practice-module.ts`;
    files.set(this.globalsPath, MODULE_GLOBALS);
  }

  /** Compiles the file as it is on disk now; `scope` exposes its top-level names (for `%run`). */
  compile(path: string, { scope = false } = {}): CompiledModule {
    try {
      const compile = () => (/\.[mc]?tsx?$/.test(path) ? this.compileTs(path, scope) : this.transpile(path, readFileSync(path, "utf8"), scope, ts.ScriptKind.JS));
      // A module imported synchronously is compiled while the cell's code may be terminated.
      return this.cancellation ? this.cancellation.shielded(compile) : compile();
    } catch (e) {
      if (!isStackOverflow(e)) throw asInterrupt(e);
      const tooDeep = new Error(tooDeepMessage(path));
      tooDeep.name = "SyntaxError";
      throw tooDeep;
    }
  }

  /**
   * Checks and emits a module that exists only for the compiler, keeping nothing: practice for V8's
   * compiler while the kernel is idle (see ../compiler-practice.ts). False when it had errors.
   */
  practise(text: string): boolean {
    this.files.set(this.practicePath, text);
    try {
      this.compileTs(this.practicePath, false);
      return true;
    } catch (error) {
      if (error instanceof ModuleCompileError) return false;
      throw error;
    } finally {
      this.emitted.delete(this.practicePath);
      this.files.delete(this.practicePath);
    }
  }

  private compileTs(path: string, scope: boolean): CompiledModule {
    const program = ts.createProgram({ rootNames: [this.globalsPath, path], options: this.options, host: this.files.host, oldProgram: this.previous });
    this.previous = program;
    const sf = program.getSourceFile(path);
    if (!sf) throw new Error(existsSync(path) ? `the compiler could not read ${path}` : `${path} no longer exists: it was deleted or moved`);
    // Not %run's compiles (they expose the file's scope), nor .mts ones (transpiled below), nor practice.
    const key = this.cache.enabled && !scope && path !== this.practicePath && !path.endsWith(".mts") ? this.cache.keyOf(program, path, this.options) : undefined;
    const kept = key === undefined ? undefined : this.cache.get(key);
    if (kept) return { ...kept, source: sf.text, fromCache: true };
    const errors = (list: readonly ts.Diagnostic[]) =>
      list.filter((d) => d.category === ts.DiagnosticCategory.Error && !NOT_FOR_USER.has(d.code) && (d.file === undefined || d.file === sf)).map(toDiagnostic);
    const syntax = errors(program.getSyntacticDiagnostics(sf));
    if (syntax.length > 0) throw new ModuleCompileError(path, sf.text, syntax, "SyntaxError");
    const around = program.getSourceFiles().filter((f) => f !== sf);
    const recheck = scope || path === this.practicePath ? undefined : this.statementsToRecheck(program, path, sf, around);
    const types = errors(recheck ? (program.getSemanticDiagnostics as CheckStatements)(sf, this.cancellation, recheck) : program.getSemanticDiagnostics(sf, this.cancellation));
    if (types.length > 0) {
      throw new ModuleCompileError(path, sf.text, types, types.some((d) => d.code < 2000) ? "SyntaxError" : "TypeCheckError", jsxAdvice(types, this.options));
    }
    if (path !== this.practicePath) this.verified.set(path, { file: sf, around });
    // TypeScript keeps an .mts file an ES module whatever the options: it is transpiled under a neutral name.
    if (path.endsWith(".mts")) return this.transpile(path, sf.text, scope, ts.ScriptKind.TS);
    const unchanged = this.emitted.get(path);
    if (!scope && unchanged?.source === sf.text) return unchanged;
    const top = scope ? topLevel(sf) : undefined;
    const emitted = nothingEmitted();
    // The program's emit would check the whole file first.
    const js = recheck && emitsAlikeUnchecked(program, sf) ? this.emitUnchecked(program, path, emitted) : emitModule(program, sf, top, emitted).js;
    const isAsync = hasTopLevelAwait(sf);
    const compiled: CompiledModule = { ...wrap(js, isAsync), isAsync, isEsm: isEsModule(sf), ...emitted, imports: staticImports(sf), source: sf.text, ...(top ? { scope: top } : {}) };
    if (!scope) this.emitted.set(path, compiled);
    if (key !== undefined) this.cache.put(key, compiled);
    return compiled;
  }

  /**
   * Which statements of a module need checking after an edit: those `statementsToRecheck` names, when
   * its last verified version had the same files around it and none of them imports it back.
   */
  private statementsToRecheck(program: ts.Program, path: string, sf: ts.SourceFile, around: readonly ts.SourceFile[]): ts.Statement[] | undefined {
    // An unused name is judged across the whole file.
    if (this.options.noUnusedLocals || this.options.noUnusedParameters) return undefined;
    const last = this.verified.get(path);
    if (!last || last.around.length !== around.length || last.around.some((f, i) => f !== around[i])) return undefined;
    const statements = statementsToRecheck(last.file, sf);
    return statements && !importedWithin(program, path, this.files.host) ? statements : undefined;
  }

  /**
   * The emit of a module after a partial check, from a program over the same files that checks
   * nothing: the checked program's emit would check the whole file first. Its imports are kept or
   * dropped by how the file itself uses them, which emitsAlikeUnchecked found to give the same code.
   */
  private emitUnchecked(checked: ts.Program, path: string, emitted: Emitted): string {
    const options = { ...this.options, noCheck: true, isolatedModules: true, noEmitOnError: false };
    const program = ts.createProgram({ rootNames: [this.globalsPath, path], options, host: this.files.host, oldProgram: checked });
    return emitModule(program, program.getSourceFile(path)!, undefined, emitted).js;
  }

  /**
   * The source map of a TypeScript module compiled without one: its text emitted again, with a map,
   * in a program of its own. Empty when that emit is not the code that ran (a module it imports has
   * changed since, so that another import was elided): positions are then the emitted code's.
   */
  sourceMapOf(path: string, compiled: CompiledModule): string {
    // The text that was compiled, whatever the file holds now.
    this.files.set(path, compiled.source);
    try {
      const program = ts.createProgram({ rootNames: [this.globalsPath, path], options: { ...this.options, sourceMap: true }, host: this.files.host, oldProgram: this.previous });
      const sf = program.getSourceFile(path);
      if (!sf) return "";
      const { js, map } = emitModule(program, sf, compiled.scope ? topLevel(sf) : undefined, nothingEmitted());
      return wrap(js, compiled.isAsync).script === compiled.script ? map : "";
    } catch {
      // A traceback without TypeScript positions rather than none.
      return "";
    } finally {
      this.files.delete(path);
    }
  }

  private transpile(path: string, text: string, scope: boolean, kind: ts.ScriptKind): CompiledModule {
    const sf = ts.createSourceFile(path, text, NODE_SYNTAX, true, kind);
    const top = scope ? topLevel(sf) : undefined;
    const emitted = nothingEmitted();
    // .mjs and .mts names would keep ES module syntax in the output.
    const fileName = path.replace(/\.m([jt]s)$/, ".$1");
    const out = ts.transpileModule(text, { compilerOptions: this.transpileOptions, fileName, reportDiagnostics: true, transformers: moduleTransformers(path, text, top, emitted) });
    const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error && !NOT_FOR_USER.has(d.code)).map(toDiagnostic);
    if (errors.length > 0) throw new ModuleCompileError(path, text, errors, "SyntaxError");
    const isAsync = hasTopLevelAwait(sf);
    return { ...wrap(out.outputText, isAsync), sourceMap: out.sourceMapText ?? "", isAsync, isEsm: isEsModule(sf), ...emitted, imports: staticImports(sf), source: text, ...(top ? { scope: top } : {}) };
  }
}
