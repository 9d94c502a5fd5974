// Type-checks cells against everything the session declared before them.
//
// A cell is checked as a module: the cell's text, then (after it, so no position moves) an import of
// each session name it mentions from the declaration file of the cell that declared it last, and an
// export of the names it declares itself. After a cell runs, its declaration emit becomes its own
// immutable `.d.ts`. Imports shadow globals, so a session name may shadow a builtin; a name a cell
// redeclares is simply imported from the newer file; and a program only holds the files a cell
// actually reaches, so checking costs the same however long the session grows.
import ts from "typescript";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { CachingHost } from "./compiler-host.js";
import type { CellDiagnostic } from "../engine/compile/cell-compiler.js";

export interface CheckedCell {
  program: ts.Program;
  file: ts.SourceFile;
  /** Parse errors: the cell cannot run. */
  syntax: CellDiagnostic[];
  /** Type errors. */
  diagnostics: CellDiagnostic[];
  /** Names (values and types) the cell declares at its top level, and how later cells see each. */
  declared: Map<string, Binding>;
  /** Which session file each name the cell imports came from: the check holds while these hold. */
  imports: string;
  /** The static type of the cell's value (its last expression, without a trailing `;`). */
  result?: ResultType;
}

export interface ResultType {
  /** The type, printed in the cell's scope. */
  text: string;
  /** Names in it that may come from the session, to import where the type is used later. */
  names: string[];
}

/** Cannot find module, is not a module, has no exported member. */
const UNRESOLVED = new Set([2305, 2306, 2307]);

/**
 * How a later cell sees a session name: variables as module-scoped `declare let` / `declare const`
 * (assignable, or a constant, as declared), everything else (classes, enums, namespaces, types,
 * imports) through an import of the declaring cell's file.
 */
type Binding = "let" | "const" | "import";

/** The names a cell declares at its top level (values and types), each with how later cells see it. */
function declaredNames(sf: ts.SourceFile): Map<string, Binding> {
  const names = new Map<string, Binding>();
  const addBinding = (n: ts.BindingName, kind: Binding) => {
    if (ts.isIdentifier(n)) names.set(n.text, kind);
    else for (const el of n.elements) if (!ts.isOmittedExpression(el)) addBinding(el.name, kind);
  };
  // `var` anywhere outside functions is hoisted to the top level; `let` and `const` in blocks are not.
  const hoistedVars = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isVariableDeclarationList(node) && !(node.flags & ts.NodeFlags.BlockScoped)) {
      for (const d of node.declarations) addBinding(d.name, "let");
    }
    ts.forEachChild(node, hoistedVars);
  };
  for (const s of sf.statements) {
    if (ts.isVariableStatement(s)) {
      const kind = s.declarationList.flags & ts.NodeFlags.Const ? "const" : "let";
      for (const d of s.declarationList.declarations) addBinding(d.name, kind);
    } else if (ts.isFunctionDeclaration(s) && s.name) {
      names.set(s.name.text, "let");
    } else if (
      (ts.isClassDeclaration(s) || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isEnumDeclaration(s)) &&
      s.name
    ) {
      names.set(s.name.text, "import");
    } else if (ts.isModuleDeclaration(s) && ts.isIdentifier(s.name)) {
      names.set(s.name.text, "import");
    } else if (ts.isImportDeclaration(s) && s.importClause) {
      const c = s.importClause;
      if (c.name) names.set(c.name.text, "import");
      const b = c.namedBindings;
      if (b && ts.isNamespaceImport(b)) names.set(b.name.text, "import");
      if (b && ts.isNamedImports(b)) for (const e of b.elements) names.set(e.name.text, "import");
    } else if (ts.isImportEqualsDeclaration(s)) {
      names.set(s.name.text, "import");
    }
    ts.forEachChild(s, hoistedVars);
  }
  return names;
}

function identifiers(sf: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) out.add(n.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function defaultOptions(): ts.CompilerOptions {
  const typesDir = join(createRequire(import.meta.url).resolve("@types/node/package.json"), "..", "..");
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2023.d.ts"],
    types: ["node"],
    typeRoots: [typesDir],
    strict: true,
    skipLibCheck: true,
    verbatimModuleSyntax: true,
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    esModuleInterop: true,
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
  if (read.error) return options;
  const parsed = ts.convertCompilerOptionsFromJson((read.config as { compilerOptions?: unknown }).compilerOptions ?? {}, dir, "tsconfig.json");
  // Checking options come from the notebook; how cells are emitted and resolved stays the kernel's.
  const owned = ["target", "module", "moduleResolution", "noEmit", "declaration", "sourceMap", "outDir", "outFile", "rootDir", "composite", "incremental", "verbatimModuleSyntax"];
  const user = Object.fromEntries(Object.entries(parsed.options).filter(([k]) => !owned.includes(k)));
  return { ...options, ...user };
}

export class CellChecker {
  private readonly dir: string;
  private readonly options: ts.CompilerOptions;
  /** For cells that declare names: declaration emit gives later cells their types (it costs ~1.5 ms). */
  private readonly declaring: ts.CompilerOptions;
  private readonly files: CachingHost;
  private readonly kernelGlobals: string;
  /** The cell whose declaration file currently provides each session name, and how to bring it in. */
  private readonly declaredIn = new Map<string, { cell: number; as: Binding }>();
  /** The last program built with each option set, to build the next one from. */
  private readonly previous = new Map<ts.CompilerOptions, ts.Program>();
  /** Execution counts whose value has a recorded type; the three latest, as `_`, `__`, `___`. */
  private readonly results = new Set<number>();
  private recent: (number | undefined)[] = [];
  private readonly printer = ts.createPrinter({ removeComments: true });

  constructor(notebookDir: string, kernelGlobalsText: string) {
    // Virtual files live under the notebook's directory, so packages resolve from its node_modules.
    this.dir = join(notebookDir, ".tskernel");
    this.options = notebookOptions(notebookDir);
    this.declaring = { ...this.options, declaration: true };
    this.files = new CachingHost(this.options);
    this.kernelGlobals = join(this.dir, "kernel-globals.d.ts");
    this.files.set(this.kernelGlobals, kernelGlobalsText);
  }

  private cellPath(): string {
    return join(this.dir, "cell.ts");
  }

  private declarationPath(cell: number): string {
    return join(this.dir, `decl-${cell}.d.ts`);
  }

  /** The lines appended to a cell for checking: imports of the session names it uses, export of its own. */
  private suffix(sf: ts.SourceFile, declared: Map<string, Binding>): string {
    const own = declared;
    const used = identifiers(sf);
    const byCell = new Map<number, string[]>();
    const lines: string[] = [];
    for (const name of used) {
      const from = this.declaredIn.get(name);
      if (from === undefined || own.has(name)) continue;
      if (from.as === "import") byCell.set(from.cell, [...(byCell.get(from.cell) ?? []), name]);
      else lines.push(`declare ${from.as} ${name}: typeof import("./decl-${from.cell}.js").${name};`);
    }
    for (const [cell, names] of byCell) lines.push(`import { ${names.join(", ")} } from "./decl-${cell}.js";`);
    // History names: `_3` is a result (typed any until results carry types), `_i3` a cell's source.
    for (const name of used) {
      if (own.has(name) || this.declaredIn.has(name)) continue;
      const result = name === "_" || name === "__" || name === "___" ? this.recent[name.length - 1] : /^_(\d+)$/.exec(name)?.[1];
      if (result !== undefined) {
        const known = this.results.has(Number(result));
        lines.push(`declare const ${name}: ${known ? `typeof import("./out-${result}.js").value` : "any"};`);
      } else if (/^_i\d+$/.test(name)) {
        lines.push(`declare const ${name}: string;`);
      }
    }
    lines.push(`export { ${[...declared.keys()].join(", ")} };`);
    return `\n${lines.join("\n")}\n`;
  }

  /** Parses the cell and says which session files checking it would read, without checking. */
  plan(code: string): { declared: Map<string, Binding>; suffix: string } {
    const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const declared = declaredNames(sf);
    return { declared, suffix: this.suffix(sf, declared) };
  }

  /** `plan`: this cell's plan, when the caller already made it. */
  check(code: string, plan: { declared: Map<string, Binding>; suffix: string } = this.plan(code)): CheckedCell {
    const { declared, suffix } = plan;
    this.files.set(this.cellPath(), code + suffix);
    const options = declared.size > 0 ? this.declaring : this.options;
    const program = ts.createProgram({
      rootNames: [this.kernelGlobals, this.cellPath()],
      options,
      host: this.files.host,
      oldProgram: this.previous.get(options),
    });
    this.previous.set(options, program);
    const file = program.getSourceFile(this.cellPath())!;
    const inCell = (list: readonly ts.Diagnostic[]): CellDiagnostic[] =>
      list
        .filter((d) => d.category === ts.DiagnosticCategory.Error)
        // What is found in the appended lines concerns them, not the user's code.
        .filter((d) => d.start === undefined || d.start < code.length)
        .map((d) => {
          const at = d.start !== undefined ? file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
          return { message: ts.flattenDiagnosticMessageText(d.messageText, "\n"), line: at.line + 1, column: at.character + 1, code: d.code };
        });
    const syntax = inCell(program.getSyntacticDiagnostics(file));
    // The appended imports must resolve: if they do not, checking would silently see `any` everywhere.
    const lost = program.getSemanticDiagnostics(file).find((d) => d.start !== undefined && d.start >= code.length && UNRESOLVED.has(d.code));
    if (lost) throw new Error(`the checker lost the session's declarations: ${ts.flattenDiagnosticMessageText(lost.messageText, " ")}`);
    const diagnostics = syntax.length > 0 ? [] : inCell(program.getSemanticDiagnostics(file));
    const result = syntax.length === 0 && diagnostics.length === 0 ? this.resultType(program, file, code) : undefined;
    return { program, file, syntax, diagnostics, declared, imports: suffix, result };
  }

  private resultType(program: ts.Program, file: ts.SourceFile, code: string): ResultType | undefined {
    const last = file.statements.filter((s) => s.pos < code.length).at(-1);
    if (!last || !ts.isExpressionStatement(last) || code.slice(last.pos, last.end).trimEnd().endsWith(";")) return undefined;
    const checker = program.getTypeChecker();
    const node = checker.typeToTypeNode(checker.getTypeAtLocation(last.expression), file, ts.NodeBuilderFlags.NoTruncation);
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
    this.recent = [count, ...this.recent].slice(0, 3);
    if (!result) {
      this.results.delete(count);
      return;
    }
    const own = new Set(ownNames);
    const byFile = new Map<number, string[]>();
    for (const name of result.names) {
      const from = own.has(name) ? cell : this.declaredIn.get(name)?.cell;
      if (from !== undefined) byFile.set(from, [...(byFile.get(from) ?? []), name]);
    }
    const imports = [...byFile].map(([c, names]) => `import { ${names.join(", ")} } from "./decl-${c}.js";\n`).join("");
    this.files.set(join(this.dir, `out-${count}.d.ts`), `${imports}export declare const value: ${result.text};\n`);
    this.results.add(count);
  }

  /** After a cell ran, its declarations serve later cells: `live` are the names it did define. */
  commit(cell: number, checked: CheckedCell, declarations: string, live: string[]): void {
    if (live.length === 0) return;
    this.files.set(this.declarationPath(cell), declarations);
    for (const name of live) this.declaredIn.set(name, { cell, as: checked.declared.get(name) ?? "import" });
  }

  /** `%xdel`, `%reset`: the name no longer comes from any cell. */
  forget(name: string): void {
    this.declaredIn.delete(name);
  }
}
