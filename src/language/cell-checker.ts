// Type-checks cells against everything the session declared before them.
//
// A cell is checked as a module: the cell's text, then (after it, so no position moves) an import of
// each session name it mentions from the declaration file of the cell that declared it last, and an
// export of the names it declares itself. After a cell runs, its declaration emit becomes its own
// immutable `.d.ts`. Imports shadow globals, so a session name may shadow a builtin; a name a cell
// redeclares is simply imported from the newer file; and a program only holds the files a cell
// actually reaches, so checking costs the same however long the session grows.
import ts, { NODE_SYNTAX } from "./typescript.js";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { CachingHost } from "./compiler-host.js";
import { declaredNames, exportedNames, isGlobalAugmentation, type CheckBinding, type Declared } from "./declarations.js";
import type { CellDiagnostic } from "../engine/compile/cell-compiler.js";
import { diagnosticMessage, type WhereLooked } from "./missing-module.js";
import { augmentsTypedModule, keepingOnly, moduleDeclarations, without } from "./module-declarations.js";

export interface CheckedCell {
  program: ts.Program;
  file: ts.SourceFile;
  /** Parse errors: the cell cannot run. */
  syntax: CellDiagnostic[];
  /** Type errors. */
  diagnostics: CellDiagnostic[];
  /** Names (values and types) the cell declares at its top level, and how later cells see each. */
  declared: Map<string, Declared>;
  /** Which session file each name the cell imports came from: the check holds while these hold. */
  imports: string;
  /** The static type of the cell's value (its last expression, without a trailing `;`). */
  result?: ResultType;
  /** The file of each module the cell declares or augments (`declare module "name"`), for later programs once it ran. */
  modules: Map<string, string>;
}

/** A cell parsed, with what checking it will read and declare (see CellChecker.plan). */
export interface CellPlan {
  declared: Map<string, Declared>;
  suffix: string;
  parsed: ts.SourceFile;
  code: string;
  /** Its top-level `declare module "name"` statements, by name. */
  modules: Map<string, ts.ModuleDeclaration[]>;
}

export interface ResultType {
  /** The type, printed in the cell's scope. */
  text: string;
  /** Names in it that may come from the session, to import where the type is used later. */
  names: string[];
}

/** Cannot find module, is not a module, has no exported member. */
const UNRESOLVED = new Set([2305, 2306, 2307]);

function resolved(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** A type's declaration on one line, without `export` and `declare`. */
function declarationText(node: ts.Declaration): string {
  return node
    .getText()
    .replace(/^(export\s+)?(declare\s+)?/, "")
    .replace(/\s+/g, " ");
}

/** The identifiers a cell mentions, and the literal indices it reads from `Out` (`Out[3]`). */
function mentions(sf: ts.SourceFile): { identifiers: Set<string>; outIndices: Set<number> } {
  const identifiers = new Set<string>();
  const outIndices = new Set<number>();
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) identifiers.add(n.text);
    else if (ts.isElementAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "Out" && ts.isNumericLiteral(n.argumentExpression)) {
      outIndices.add(Number(n.argumentExpression.text));
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return { identifiers, outIndices };
}

/** "Declared but never read" and its kin (noUnusedLocals). */
const UNUSED = new Set([6133, 6192, 6196, 6198]);

/**
 * Program.emit's sixth parameter, forceDtsEmit (not in TypeScript's public declarations): TypeScript
 * writes no declaration file at all when one declaration names a type only the cell's own code can see
 * (`function f() { interface Hidden {...} return x as Hidden }`: TS4060), which would lose every name
 * of the cell. Forced, the file is written, and only that type is unknown (any) to later cells.
 */
type EmitForcingDeclarations = (file: ts.SourceFile, write: ts.WriteFileCallback, cancel: undefined, onlyDts: true, transformers: undefined, forceDtsEmit: true) => ts.EmitResult;

/** A checked cell's declaration file (TypeScript's declaration emit), as it is kept in .tskernel/. */
function declarationsOf(program: ts.Program, file: ts.SourceFile): string {
  let declarations = "";
  const emit = program.emit.bind(program) as unknown as EmitForcingDeclarations;
  emit(file, (name, text) => name.endsWith(".d.ts") && (declarations = text), undefined, true, undefined, true);
  return movedDown(nestedVarDeclarations(program, file) + declarations);
}

/**
 * `declare var` for the session names a `var` inside a top-level block or loop head declares (`for
 * (var i = 0; ...)`, `if (c) { var w = 1 }`): declaration emit writes only top-level statements, and
 * without these lines later cells would see such a name as `any`.
 */
function nestedVarDeclarations(program: ts.Program, file: ts.SourceFile): string {
  const atTop = new Set<string>();
  const nested: ts.Identifier[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) || ts.isClassLike(n) || ts.isModuleDeclaration(n)) return;
    if (ts.isVariableDeclarationList(n) && !(n.flags & ts.NodeFlags.BlockScoped)) for (const d of n.declarations) nested.push(...bindingIdentifiers(d.name));
    ts.forEachChild(n, visit);
  };
  for (const s of file.statements) {
    if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) for (const id of bindingIdentifiers(d.name)) atTop.add(id.text);
    else visit(s);
  }
  const checker = program.getTypeChecker();
  const printer = ts.createPrinter({ removeComments: true });
  const lines = new Map<string, string>();
  for (const id of nested) {
    if (atTop.has(id.text) || lines.has(id.text)) continue;
    const type = checker.typeToTypeNode(checker.getTypeAtLocation(id), file, ts.NodeBuilderFlags.NoTruncation);
    if (type) lines.set(id.text, `declare var ${id.text}: ${printer.printNode(ts.EmitHint.Unspecified, type, file)};\n`);
  }
  return [...lines.values()].join("");
}

function bindingIdentifiers(name: ts.BindingName): ts.Identifier[] {
  return ts.isIdentifier(name) ? [name] : name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingIdentifiers(e.name)));
}

/** How later cells see a name a cell declared (an import of the whole name when it is not known). */
function sessionBinding(cell: number, declared: Declared | undefined): { cell: number; as: CheckBinding; alsoType?: true } {
  return { cell, as: declared?.as ?? "import", ...(declared?.alsoType ? { alsoType: true } : {}) };
}

/** Declarations written for the cell, which is in the notebook's directory, kept one below in .tskernel/: relative imports move up. */
function movedDown(text: string): string {
  return text.replace(/((?:from|import|require)\s*\(?\s*)(["'])(\.{1,2}\/)/g, "$1$2../$3");
}

/** How an interrupt reaches the compiler: checks ask the token; see engine/worker/interrupted.ts. */
export interface CompilerInterrupts extends ts.CancellationToken {
  /** Runs the compiler where the thread may be cancelled but not terminated. */
  shielded<T>(compile: () => T): T;
}

export interface CheckerHooks {
  /** Adds to "Cannot find module" where the kernel looked (from the notebook's directory). */
  whereLooked?: WhereLooked;
  /** Runs work that can wait once the kernel has nothing else to do. */
  whenIdle?: (task: () => void) => void;
  /** Stops a check that the user interrupts. */
  cancellation?: CompilerInterrupts;
}

/** Cells whose declaration files may wait to be emitted, each keeping its program (its checker's types) alive. */
const UNEMITTED_KEPT = 4;

function defaultOptions(): ts.CompilerOptions {
  const typesDir = join(createRequire(import.meta.url).resolve("@types/node/package.json"), "..", "..");
  return {
    target: NODE_SYNTAX,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    // What Node.js 20 has: ES2023, and of ES2024 its strings and RegExps (not Object.groupBy,
    // Promise.withResolvers or resizable buffers).
    lib: ["lib.es2023.d.ts", "lib.es2024.string.d.ts", "lib.es2024.regexp.d.ts"],
    types: ["node"],
    typeRoots: [typesDir],
    strict: true,
    skipLibCheck: true,
    verbatimModuleSyntax: true,
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    // Plain JavaScript modules a cell imports are typed from their source.
    allowJs: true,
    esModuleInterop: true,
    // A .tsx module's JSX calls the jsx-runtime of the package the notebook installs (React, Preact...);
    // a .tsx file without JSX needs no package at all.
    jsx: ts.JsxEmit.ReactJSX,
    sourceMap: true,
    newLine: ts.NewLineKind.LineFeed,
  };
}

/** The notebook directory's tsconfig.json compiler options, over our defaults; what we emit stays ours. */
function notebookOptions(dir: string): ts.CompilerOptions {
  const options = defaultOptions();
  const file = join(dir, "tsconfig.json");
  if (!existsSync(file)) return options;
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error || typeof read.config !== "object" || read.config === null) return options;
  // Parsed as tsc parses it (`extends`, `paths` relative to the file), without listing the directory's
  // files: the notebook's cells and imports are the program, not the project's `include`.
  const parsed = ts.parseJsonConfigFileContent({ ...(read.config as object), files: [], include: [] }, ts.sys, dir, undefined, file);
  // Checking options come from the notebook; how cells are emitted and resolved stays the kernel's.
  // Comments stay: JSDoc written in a cell must reach its declaration file for inspection.
  const owned = ["target", "module", "moduleResolution", "noEmit", "declaration", "sourceMap", "outDir", "outFile", "rootDir", "composite", "incremental", "verbatimModuleSyntax", "removeComments"];
  const user = Object.fromEntries(Object.entries(parsed.options).filter(([k]) => !owned.includes(k)));
  // "preserve" (Next.js's default) and "react-native" leave JSX in code the kernel must run.
  if (user.jsx === ts.JsxEmit.Preserve || user.jsx === ts.JsxEmit.ReactNative) delete user.jsx;
  return { ...options, ...user };
}

export class CellChecker {
  private readonly dir: string;
  /** The checking options (the notebook's tsconfig.json over the kernel's); local modules are checked with them too. */
  readonly options: ts.CompilerOptions;
  /** For cells that declare names: declaration emit gives later cells their types (it costs ~1.5 ms). */
  private readonly declaring: ts.CompilerOptions;
  /** Parsed files, shared with the compiler of local modules so libraries are parsed once. */
  readonly files: CachingHost;
  private readonly kernelGlobals: string;
  /** The cell whose declaration file currently provides each session name, and how to bring it in. */
  private readonly declaredIn = new Map<string, { cell: number; as: CheckBinding; alsoType?: true }>();
  /** The label of each cell whose declaration file later programs read (`Cell In[3]`), for messages that name the file. */
  private readonly labels = new Map<number, string>();
  /** The last program built with each option set, to build the next one from. */
  private readonly previous = new Map<ts.CompilerOptions, ts.Program>();
  /** Declaration files of cells with `declare global`: every later program reads them. */
  private readonly globalFiles: string[] = [];
  /** The file of the newest cell that declared or augmented each module by name: every later program reads it. */
  private readonly moduleFiles = new Map<string, string>();
  /** Numbers the files of checked cells' module declarations. */
  private moduleChecks = 0;
  /** Module declaration files of checks since the last cell ran: dropped when a cell runs, unless they are its own. */
  private uncommitted: string[] = [];
  /** Execution counts whose value has a recorded type; the three latest, as `_`, `__`, `___`. */
  private readonly results = new Set<number>();
  private recent: (number | undefined)[] = [];
  private readonly printer = ts.createPrinter({ removeComments: true });

  /** Cells whose declaration files are not emitted yet, oldest first: each keeps its cell's whole program until it is. */
  private unemitted: number[] = [];
  /** Whether the kernel's next idle moment emits the waiting declaration files. */
  private emitWhenIdle = false;
  /** Cells whose declaration files the type of some `Out` value imports. */
  private readonly readByResults = new Set<number>();

  private readonly whereLooked: WhereLooked | undefined;
  private readonly whenIdle: (task: () => void) => void;
  /** Stops a check of a cell, or of a module it imports, that the user interrupts. */
  readonly cancellation: CompilerInterrupts | undefined;

  constructor(notebookDir: string, kernelGlobalsText: string, hooks: CheckerHooks = {}) {
    this.whereLooked = hooks.whereLooked;
    this.whenIdle = hooks.whenIdle ?? setImmediate;
    this.cancellation = hooks.cancellation;
    // Virtual files live under the notebook's directory, so packages resolve from its node_modules.
    this.dir = join(notebookDir, ".tskernel");
    this.options = notebookOptions(notebookDir);
    this.declaring = { ...this.options, declaration: true };
    this.files = new CachingHost(this.options);
    this.kernelGlobals = join(this.dir, "kernel-globals.d.ts");
    this.files.set(this.kernelGlobals, kernelGlobalsText);
  }

  /** The cell sits in the notebook's directory, so its relative imports resolve from there. */
  private cellPath(): string {
    return join(this.dir, "..", "__tskernel_cell__.ts");
  }

  private declarationPath(cell: number): string {
    return join(this.dir, `decl-${cell}.d.ts`);
  }

  /** The lines appended to a cell for checking: imports of the session names it uses, export of its own. */
  private suffix(sf: ts.SourceFile, declared: Map<string, Declared>): string {
    const { identifiers, outIndices } = mentions(sf);
    const lines = this.sessionLines(identifiers, outIndices, declared);
    const own = exportedNames(sf);
    lines.push(`export { ${[...declared.keys()].filter((name) => !own.has(name)).join(", ")} };`);
    return `\n${lines.join("\n")}\n`;
  }

  /** Declarations that bring session names (and `_n`, `Out[n]`) into a cell that does not declare them itself. */
  private sessionLines(used: Iterable<string>, outIndices: Set<number>, own: Map<string, Declared>): string[] {
    const byCell = new Map<number, string[]>();
    const lines: string[] = [];
    for (const name of used) {
      const from = this.declaredIn.get(name);
      if (from === undefined || own.has(name)) continue;
      if (from.as === "import") byCell.set(from.cell, [...(byCell.get(from.cell) ?? []), name]);
      else lines.push(`declare ${from.as} ${name}: typeof import("./.tskernel/decl-${from.cell}.js").${name};`);
      if (from.alsoType) lines.push(`type ${name} = import("./.tskernel/decl-${from.cell}.js").${name};`);
    }
    for (const [cell, names] of byCell) lines.push(`import { ${names.join(", ")} } from "./.tskernel/decl-${cell}.js";`);
    // History names: `_3` has the type of cell 3's value, `_i3` is a cell's source.
    for (const name of used) {
      if (own.has(name) || this.declaredIn.has(name)) continue;
      const result = this.resultOf(name);
      if (result !== undefined) {
        lines.push(`declare const ${name}: typeof import("./.tskernel/out-${result}.js").value;`);
      } else if (/^_i\d+$/.test(name)) {
        lines.push(`declare const ${name}: string;`);
      }
    }
    // `Out[3]` has the type of cell 3's value too.
    const typedOut = [...outIndices].filter((n) => this.results.has(n));
    if (typedOut.length > 0 && !own.has("Out") && !this.declaredIn.has("Out")) {
      const members = typedOut.map((n) => `readonly ${n}: typeof import("./.tskernel/out-${n}.js").value;`).join(" ");
      lines.push(`declare const Out: { readonly [count: number]: any; ${members} };`);
    }
    return lines;
  }

  /** For the language service: lines that declare the session names a partial cell mentions, to put before its text. */
  preamble(code: string): string {
    const sf = ts.createSourceFile(this.cellPath(), code, NODE_SYNTAX, false, ts.ScriptKind.TS);
    const { identifiers, outIndices } = mentions(sf);
    return `${this.sessionLines(identifiers, outIndices, declaredNames(sf)).join("\n")}\nexport {};\n`;
  }

  /** Where a session name (or a history name: `_3`, `_`) is declared: a declaration file, and the name in it. */
  declarationOf(name: string): { path: string; name: string } | undefined {
    const from = this.declaredIn.get(name);
    if (from) return { path: this.declarationPath(from.cell), name };
    const result = this.resultOf(name);
    return result === undefined ? undefined : { path: this.resultPath(result), name: "value" };
  }

  /** History names whose value has a recorded type: `_`, `__`, `___` and `_N`. */
  historyNames(): string[] {
    const recent = ["_", "__", "___"].filter((name) => this.resultOf(name) !== undefined);
    return [...recent, ...[...this.results].map((n) => `_${n}`)];
  }

  /** The execution count whose value a history name holds, when its type is recorded. */
  private resultOf(name: string): number | undefined {
    const count = name === "_" || name === "__" || name === "___" ? this.recent[name.length - 1] : Number(/^_(\d+)$/.exec(name)?.[1]);
    return count !== undefined && this.results.has(count) ? count : undefined;
  }

  /** The session names cells may use (values and types), oldest first. */
  sessionNames(): string[] {
    return [...this.declaredIn.keys()];
  }

  /** What a language service over the session needs: the options, the cached files, the root files. */
  get languageContext(): { options: ts.CompilerOptions; files: CachingHost; roots: string[]; notebookDir: string } {
    return { options: this.options, files: this.files, roots: this.sessionRoots(), notebookDir: join(this.dir, "..") };
  }

  /** Parses the cell and says which session files checking it would read, without checking. */
  plan(code: string): CellPlan {
    // Parsed as the program will parse it, so that check() can extend this parse instead of parsing again.
    const options = this.files.parseOptions(this.cellPath()) ?? NODE_SYNTAX;
    const sf = ts.createSourceFile(this.cellPath(), code, options, true, ts.ScriptKind.TS);
    const declared = declaredNames(sf);
    return { declared, suffix: this.suffix(sf, declared), parsed: sf, code, modules: moduleDeclarations(sf) };
  }

  /** The files every program of the session reads besides the cell: kernel globals, `declare global`, declared modules. */
  private sessionRoots(replaced: Iterable<string> = []): string[] {
    const modules = new Map(this.moduleFiles);
    for (const name of replaced) modules.delete(name);
    return [this.kernelGlobals, ...this.globalFiles, ...modules.values()];
  }

  /**
   * A file for each module the cell declares or augments, holding only those statements (positions are
   * the cell's): a script declares a module; a module augments one, and it keeps the cell's imports
   * and imports the session names it mentions, so the augmentation may use them.
   */
  private moduleFilesOf(plan: CellPlan): Map<string, string> {
    const files = new Map<string, string>();
    const n = ++this.moduleChecks;
    for (const [name, statements] of plan.modules) {
      const path = join(this.dir, "..", `__tskernel_module_${n}_${files.size}__.ts`);
      if (!augmentsTypedModule(name, this.cellPath(), this.options, this.files.host)) {
        this.files.set(path, keepingOnly(plan.code, statements, plan.parsed));
      } else {
        const imports = plan.parsed.statements.filter((s) => ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s));
        const kept = keepingOnly(plan.code, [...imports, ...statements].sort((a, b) => a.pos - b.pos), plan.parsed);
        const { identifiers, outIndices } = mentions(ts.createSourceFile(path, kept, NODE_SYNTAX, false, ts.ScriptKind.TS));
        this.files.set(path, `${kept}\n${this.sessionLines(identifiers, outIndices, plan.declared).join("\n")}\nexport {};\n`);
      }
      files.set(name, path);
    }
    this.uncommitted.push(...files.values());
    return files;
  }

  /** `plan`: this cell's plan, when the caller already made it. */
  check(code: string, plan: CellPlan = this.plan(code)): CheckedCell {
    const { declared, suffix } = plan;
    const modules = plan.code === code ? this.moduleFilesOf(plan) : new Map<string, string>();
    if (modules.size > 0) {
      const statements = [...plan.modules.values()].flat().sort((a, b) => a.pos - b.pos);
      this.files.set(this.cellPath(), without(code, statements, plan.parsed) + suffix);
    } else if (plan.code === code && this.files.parseOptions(this.cellPath()) !== undefined) {
      // The suffix only appends text: an incremental parse reuses every node of the cell's own parse.
      const change = { span: { start: code.length, length: 0 }, newLength: suffix.length };
      this.files.setParsed(this.cellPath(), ts.updateSourceFile(plan.parsed, code + suffix, change));
    } else {
      this.files.set(this.cellPath(), code + suffix);
    }
    const options = declared.size > 0 ? this.declaring : this.options;
    const program = ts.createProgram({
      rootNames: [...this.sessionRoots(modules.keys()), ...modules.values(), this.cellPath()],
      options,
      host: this.files.host,
      oldProgram: this.previous.get(options),
    });
    this.previous.set(options, program);
    const file = program.getSourceFile(this.cellPath())!;
    const report = (d: ts.Diagnostic, start = d.start): CellDiagnostic => {
      const at = start !== undefined ? file.getLineAndCharacterOfPosition(start) : { line: 0, character: 0 };
      return { message: this.readable(diagnosticMessage(d, this.whereLooked, { inCell: true })), line: at.line + 1, column: at.character + 1, code: d.code };
    };
    const errors = (list: readonly ts.Diagnostic[]) => list.filter((d) => d.category === ts.DiagnosticCategory.Error);
    // What is found in the appended lines concerns them, not the user's code.
    const inCell = (list: readonly ts.Diagnostic[]): CellDiagnostic[] =>
      errors(list)
        .filter((d) => d.start === undefined || d.start < code.length)
        .map((d) => report(d));
    // A syntax error is always the cell's: an unfinished cell (`1 +`) is found where the appended lines
    // begin, which is reported as the end of the cell's own text.
    const end = code.trimEnd().length;
    const moduleFiles = [...modules.values()].map((path) => program.getSourceFile(path)!);
    const syntax = [file, ...moduleFiles]
      .flatMap((f) => errors(program.getSyntacticDiagnostics(f)))
      .map((d) => report(d, d.start === undefined ? undefined : Math.min(d.start, end)));
    // The appended imports must resolve: if they do not, checking would silently see `any` everywhere.
    const lost = program.getSemanticDiagnostics(file, this.cancellation).find((d) => d.start !== undefined && d.start >= code.length && UNRESOLVED.has(d.code));
    if (lost) throw new Error(`the checker lost the session's declarations: ${ts.flattenDiagnosticMessageText(lost.messageText, " ")}`);
    // A module file keeps all the cell's imports, whether its augmentation uses them or not.
    const moduleDiagnostics = moduleFiles.flatMap((f) => program.getSemanticDiagnostics(f, this.cancellation).filter((d) => !UNUSED.has(d.code)));
    const diagnostics = syntax.length > 0 ? [] : inCell([...moduleDiagnostics, ...program.getSemanticDiagnostics(file, this.cancellation)]);
    const result = syntax.length === 0 && diagnostics.length === 0 ? this.resultType(program, file, code) : undefined;
    return { program, file, syntax, diagnostics, declared, imports: suffix, result, modules };
  }

  private resultType(program: ts.Program, file: ts.SourceFile, code: string): ResultType | undefined {
    const last = file.statements.filter((s) => s.getStart(file) < code.length).at(-1);
    if (!last || !ts.isExpressionStatement(last) || code.slice(last.pos, last.end).trimEnd().endsWith(";")) return undefined;
    const checker = program.getTypeChecker();
    // A stored value is used like a variable holding it: `'a'` gives a string, not the literal type "a".
    const type = checker.getBaseTypeOfLiteralType(checker.getTypeAtLocation(last.expression));
    const node = checker.typeToTypeNode(type, file, ts.NodeBuilderFlags.NoTruncation);
    if (!node) return undefined;
    const names = new Set<string>();
    const leftmost = (n: ts.EntityName): string => (ts.isIdentifier(n) ? n.text : leftmost(n.left));
    const visit = (n: ts.Node): void => {
      if (ts.isTypeReferenceNode(n)) names.add(leftmost(n.typeName));
      else if (ts.isTypeQueryNode(n) && ts.isEntityName(n.exprName)) names.add(leftmost(n.exprName));
      ts.forEachChild(n, visit);
    };
    visit(node);
    return { text: this.printer.printNode(ts.EmitHint.Unspecified, node, file), names: [...names] };
  }

  /**
   * The cell run as execution `count` (declarations file `cell`) showed a value of type `result`:
   * `_count` and `_` have that type from now on.
   */
  recordResult(count: number, cell: number, ownNames: Iterable<string>, result: ResultType | undefined): void {
    // A `_`, `__` or `___` the user declared stops all three, as at run time (see Session.recordResult).
    if (!["_", "__", "___"].some((name) => this.declaredIn.has(name))) this.recent = [count, ...this.recent].slice(0, 3);
    // A `_3` the user declared is the result now, as at run time (and in IPython): it has the result's type.
    this.declaredIn.delete(`_${count}`);
    const own = new Set(ownNames);
    const byFile = new Map<number, string[]>();
    for (const name of result?.names ?? []) {
      const from = own.has(name) ? cell : this.declaredIn.get(name)?.cell;
      if (from !== undefined) byFile.set(from, [...(byFile.get(from) ?? []), name]);
    }
    for (const from of byFile.keys()) this.readByResults.add(from);
    const imports = [...byFile].map(([c, names]) => `import { ${names.join(", ")} } from "./decl-${c}.js";\n`).join("");
    // Unchecked cells' values are `any`, as in plain JavaScript.
    // The type may name a type through its module (`import("./shapes").Square`).
    this.files.set(this.resultPath(count), `${imports}export declare const value: ${result ? movedDown(result.text) : "any"};\n`);
    this.results.add(count);
  }

  private resultPath(count: number): string {
    return join(this.dir, `out-${count}.d.ts`);
  }

  /** Out[count] was culled or reset: `_count` is no longer declared. */
  forgetResult(count: number): void {
    this.results.delete(count);
    this.files.delete(this.resultPath(count));
    this.recent = this.recent.map((n) => (n === count ? undefined : n));
  }

  /**
   * After a cell ran, its declarations serve later cells: `live` are the names it did define. They are
   * emitted when a program first reads them, or else once the kernel is idle: a cell run again and
   * again, each run declaring the same names, has its declarations read by no later cell (measured:
   * 3-9 ms a run for a cell of 200 functions, which the next cell sent at once would wait for).
   */
  commit(cell: number, label: string, checked: CheckedCell, live: string[]): void {
    const own = new Set(checked.modules.values());
    for (const path of this.uncommitted) if (!own.has(path)) this.files.delete(path);
    this.uncommitted = [];
    for (const [name, path] of checked.modules) {
      const replaced = this.moduleFiles.get(name);
      if (replaced !== undefined) this.files.delete(replaced);
      this.moduleFiles.set(name, path);
    }
    const augmentsGlobals = checked.file.statements.some(isGlobalAugmentation);
    if (live.length === 0 && !augmentsGlobals) return;
    const path = this.declarationPath(cell);
    this.labels.set(cell, label);
    if (augmentsGlobals) this.globalFiles.push(path);
    this.files.setLazy(path, () => declarationsOf(checked.program, checked.file));
    for (const name of live) this.declaredIn.set(name, sessionBinding(cell, checked.declared.get(name)));
    this.dropSuperseded();
    // Only so many programs are kept waiting.
    if (this.unemitted.push(cell) > UNEMITTED_KEPT) this.files.text(this.declarationPath(this.unemitted.shift()!));
    if (!this.emitWhenIdle) {
      this.emitWhenIdle = true;
      this.whenIdle(() => {
        this.emitWhenIdle = false;
        for (const waiting of this.unemitted.splice(0)) this.files.text(this.declarationPath(waiting));
      });
    }
  }

  /**
   * Forgets the declaration files no program has read and none ever will: every name they declared was
   * declared again since (a cell edited and re-run), and no `Out` type imports them. Unread, no other
   * file names them either, so they are never emitted, and their programs are freed. A `declare global`
   * cell's file stays: every later program reads it.
   */
  private dropSuperseded(): void {
    const read = new Set([...this.declaredIn.values()].map((from) => from.cell));
    const needed = (cell: number) => read.has(cell) || this.readByResults.has(cell) || this.globalFiles.includes(this.declarationPath(cell));
    this.unemitted = this.unemitted.filter((cell) => needed(cell) || !this.files.dropUnread(this.declarationPath(cell)));
  }

  /** The declaration file a checked cell would give later cells. */
  declarations(checked: CheckedCell): string {
    return declarationsOf(checked.program, checked.file);
  }

  /**
   * A cell ran without checking (`%typecheck off`): later checked cells still see the names it
   * defined, typed `any`, with their kinds' meanings (a class is a value and a type).
   */
  commitUntyped(cell: number, label: string, declared: Map<string, Declared>, live: string[]): void {
    if (live.length === 0) return;
    this.labels.set(cell, label);
    const lines: string[] = [];
    for (const name of live) {
      const d = declared.get(name);
      if (!d) continue;
      if (!d.typeOnly) lines.push(`export declare ${d.as === "const" ? "const" : "let"} ${name}: any;`);
      if (d.as === "import" || d.alsoType) lines.push(`export type ${name} = any;`);
    }
    this.files.set(this.declarationPath(cell), `${lines.join("\n")}\n`);
    for (const name of live) {
      const d = declared.get(name);
      if (d) this.declaredIn.set(name, sessionBinding(cell, d));
    }
  }

  /**
   * A type or message as a user reads it: where TypeScript names a cell's declaration file, to tell apart
   * two declarations of one name (`import(".../.tskernel/decl-7").Point`), the cell's label instead.
   */
  readable(text: string): string {
    return text.replace(/import\("[^"]*\.tskernel\/(decl|out)-(\d+)(?:\.js|\.d\.ts)?"\)/g, (whole, kind: string, n: string) => {
      const label = kind === "decl" ? this.labels.get(Number(n)) : `Out[${n}]`;
      return label === undefined ? whole : `import("${label}")`;
    });
  }

  /** `%xdel`, `%reset`: the name no longer comes from any cell. */
  forget(name: string): void {
    this.declaredIn.delete(name);
  }

  /**
   * How the checker sees each name in a cell of its own: a value's static type, or for a type-only name
   * its declaration (`interface Point { x: number; }`). Names it cannot see are left out.
   */
  describe(names: string[]): Map<string, string> {
    // Each name as an expression (for values) and as a type (for types); the errors of the other are ignored.
    const code = names.map((n, i) => `${n};\ntype __tsk_described${i} = ${n};`).join("\n");
    const { program, file } = this.check(code);
    const checker = program.getTypeChecker();
    const described = new Map<string, string>();
    names.forEach((name, i) => {
      const asValue = file.statements[2 * i];
      const asType = file.statements[2 * i + 1];
      if (!asValue || !ts.isExpressionStatement(asValue) || !asType || !ts.isTypeAliasDeclaration(asType)) return;
      const valueSymbol = checker.getSymbolAtLocation(asValue.expression);
      if (valueSymbol && (resolved(checker, valueSymbol).flags & ts.SymbolFlags.Value)) {
        described.set(name, this.readable(checker.typeToString(checker.getTypeAtLocation(asValue.expression), file, ts.TypeFormatFlags.NoTruncation)));
        return;
      }
      const typeName = ts.isTypeReferenceNode(asType.type) ? asType.type.typeName : undefined;
      const typeSymbol = typeName && checker.getSymbolAtLocation(typeName);
      // Every declaration of a merged interface, in order.
      const declarations = typeSymbol ? resolved(checker, typeSymbol).declarations ?? [] : [];
      if (declarations.length > 0) described.set(name, declarations.map(declarationText).join(" "));
    });
    return described;
  }

}
