// Completion and quick info for a cell being edited, from a TypeScript language service over the session.
//
// The service reads the same cached SourceFiles as the checker (through its own document registry), so a
// request only parses the edited cell. The cell is served with a preamble that declares the session names
// it mentions; positions are shifted past the preamble. Session names a completion offers come from the
// session's catalog and their declaration files' text, not through the preamble: so the program's files
// stay the same while the user types, and TypeScript reuses the last program whole.
import ts, { NODE_SYNTAX } from "./typescript.js";
import { dirname, join } from "node:path";
import type { CellChecker } from "./cell-checker.js";
import type { CachingHost } from "./compiler-host.js";

export interface LanguageMatch {
  text: string;
  /** What the name is: function, method, property, class, keyword, module, path... */
  kind: string;
  /** A function's call signature or a value's type; empty when there is none to show. */
  signature: string;
}

export interface LanguageCompletions {
  /** The span of the cell the matches replace (UTF-16 offsets). */
  start: number;
  end: number;
  /** In menu order. A session name past the first DESCRIBED matches has no kind: the caller knows its value. */
  matches: (LanguageMatch | { text: string; kind: undefined; signature: "" })[];
}

export interface QuickInfo {
  /** As TypeScript shows it: `function f(a: number): number`. */
  signature: string;
  /** JSDoc text, then its tags (`@param a the count`). */
  documentation: string;
}

/** Kinds and signatures are worked out for this many matches at most: enough for any menu a front end shows. */
const DESCRIBED = 30;
/** Where session names sort among TypeScript's matches: with a module's own names, before globals and keywords. */
const SESSION_SORT_TEXT = "11";
const KERNEL_NAME = /^(__tsk|__b\$)/;
/** Menu order; one collator, since `localeCompare` sets one up on every call (ms over 1,000 names). */
const byName = new Intl.Collator("en").compare;
const IDENTIFIER_BEFORE = /[\p{ID_Continue}$\u200c\u200d]*$/u;

/** Gives the language service the checker's cached SourceFiles instead of parsing its own copies. */
function sharedRegistry(files: CachingHost): ts.DocumentRegistry {
  const get = (name: string, options: ts.ScriptTarget | ts.CreateSourceFileOptions) => {
    const file = files.sourceFile(name, options);
    if (!file) throw new Error(`the language service asked for ${name}, which does not exist`);
    return file;
  };
  return {
    acquireDocument: (name, _settings, _snapshot, _version, _kind, options) => get(name, options ?? NODE_SYNTAX),
    acquireDocumentWithKey: (name, _path, _settings, _key, _snapshot, _version, _kind, options) => get(name, options ?? NODE_SYNTAX),
    updateDocument: (name, _settings, _snapshot, _version, _kind, options) => get(name, options ?? NODE_SYNTAX),
    updateDocumentWithKey: (name, _path, _settings, _key, _snapshot, _version, _kind, options) => get(name, options ?? NODE_SYNTAX),
    getKeyForCompilationSettings: () => "session" as ts.DocumentRegistryBucketKey,
    releaseDocument: () => undefined,
    releaseDocumentWithKey: () => undefined,
    reportStats: () => "",
  } as ts.DocumentRegistry;
}

export class CellLanguage {
  private readonly service: ts.LanguageService;
  private readonly path: string;
  private readonly context: CellChecker["languageContext"];
  private version = 0;
  /** Module resolutions (and package.json scopes) kept between requests; cleared when the session changes. */
  private readonly resolutions: ts.ModuleResolutionCache;

  constructor(private readonly checker: CellChecker) {
    this.context = checker.languageContext;
    const { options, files, notebookDir } = this.context;
    // Beside the notebook, so relative import specifiers complete from the notebook's directory.
    this.path = join(notebookDir, "__tskernel_edited_cell__.ts");
    const disk = ts.sys;
    this.resolutions = ts.createModuleResolutionCache(notebookDir, (name) => name, options);
    // getModuleResolutionCache is read by the service though its public type omits it.
    const host: ts.LanguageServiceHost & { getModuleResolutionCache(): ts.ModuleResolutionCache } = {
      getCompilationSettings: () => options,
      // The program changes only with the edited text or the session: otherwise every call would build a
      // new program and checker (the registry's shared SourceFiles carry no versions to compare).
      getProjectVersion: () => String(this.version),
      // Read each time: a cell with `declare global` adds a root.
      getScriptFileNames: () => [...checker.languageContext.roots, this.path],
      getScriptVersion: (name) => (name === this.path ? String(this.version) : "0"),
      getScriptSnapshot: (name) => {
        const text = files.text(name);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => notebookDir,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (name) => files.host.fileExists(name),
      readFile: (name) => files.host.readFile(name),
      directoryExists: (dir) => files.host.directoryExists?.(dir) ?? disk.directoryExists(dir),
      getDirectories: (dir) => disk.getDirectories(dir),
      readDirectory: (dir, extensions, exclude, include, depth) => disk.readDirectory(dir, extensions, exclude, include, depth),
      realpath: disk.realpath,
      useCaseSensitiveFileNames: () => disk.useCaseSensitiveFileNames,
      resolveModuleNameLiterals: (literals, containing, redirected, settings, file) =>
        literals.map((literal) =>
          ts.resolveModuleName(literal.text, containing, settings, files.host, this.resolutions, redirected, ts.getModeForUsageLocation(file, literal, settings)),
        ),
      getModuleResolutionCache: () => this.resolutions,
    };
    this.service = ts.createLanguageService(host, sharedRegistry(files));
  }

  /** A cell ran: modules it installed or wrote may now resolve. */
  sessionChanged(): void {
    this.resolutions.clear();
    this.version++;
  }

  /** Serves the cell with a preamble for the session names `mentioned` uses; returns how far the preamble moves positions. */
  private load(code: string, mentioned = code): number {
    const preamble = this.checker.preamble(mentioned);
    // The same text keeps the same program, and the types it already worked out.
    if (this.context.files.text(this.path) !== preamble + code) {
      this.context.files.set(this.path, preamble + code);
      this.version++;
    }
    return preamble.length;
  }

  complete(code: string, cursor: number): LanguageCompletions {
    const prefix = IDENTIFIER_BEFORE.exec(code.slice(0, cursor))?.[0] ?? "";
    // The word being completed is not a mention: it must not bring a session name into the program.
    const mentioned = code.slice(0, cursor - prefix.length) + " ".repeat(prefix.length) + code.slice(cursor);
    const offset = this.load(code, mentioned);
    const at = offset + cursor;
    const list = this.service.getCompletionsAtPosition(this.path, at, {
      includeCompletionsForModuleExports: false,
      includeCompletionsWithInsertText: true,
      includeSymbol: true,
    });
    const program = this.service.getProgram()!;
    const file = program.getSourceFile(this.path)!;
    const span = list?.optionalReplacementSpan ?? list?.entries.find((e) => e.replacementSpan)?.replacementSpan;
    const start = span && span.start <= at && span.start >= offset ? span.start - offset : cursor - prefix.length;
    const written = code.slice(start, cursor);
    const entries = (list?.entries ?? []).filter((e) => !KERNEL_NAME.test(e.name));
    const offered = new Set(entries.map((e) => e.name));
    // Where the service offers globalThis, global names are in scope: the session's are too.
    const inScope = entries.some((e) => e.name === "globalThis");
    const names = inScope ? [...this.checker.sessionNames(), ...this.checker.historyNames()] : [];
    const session = names.filter((n) => !offered.has(n) && !KERNEL_NAME.test(n));
    const candidates: { name: string; sortText: string; entry?: ts.CompletionEntry }[] = [
      ...entries.map((entry) => ({ name: entry.name, sortText: entry.sortText, entry })),
      ...session.map((name) => ({ name, sortText: SESSION_SORT_TEXT })),
    ];
    let chosen = candidates.filter((c) => c.name.startsWith(written));
    if (chosen.length === 0) chosen = candidates.filter((c) => c.name.toLowerCase().startsWith(written.toLowerCase()));
    chosen.sort((a, b) => (a.sortText === b.sortText ? byName(a.name, b.name) : a.sortText < b.sortText ? -1 : 1));
    const matches = chosen.map((c, i) => {
      if (c.entry) return { text: c.name, ...(i < DESCRIBED ? describe(c.entry, program, file) : { kind: KINDS[c.entry.kind] ?? c.entry.kind, signature: "" }) };
      const declared = i < DESCRIBED ? this.describeSessionName(c.name) : undefined;
      return { text: c.name, ...(declared ?? { kind: undefined, signature: "" as const }) };
    });
    return { start, end: cursor, matches };
  }

  /** A session name's kind and signature as its declaration file writes them, read without a checker. */
  private describeSessionName(name: string): LanguageMatch | undefined {
    const at = this.checker.declarationOf(name);
    const declarations = at && this.context.files.sourceFile(at.path, NODE_SYNTAX);
    const d = declarations && declarationNamed(declarations, at.name);
    const described = d && describeDeclared(d, declarations);
    return described && { text: name, ...described };
  }

  /** The signature and JSDoc of the name at `cursor`; for a session name, as the cell that declared it wrote it. */
  quickInfo(code: string, cursor: number): QuickInfo | undefined {
    const offset = this.load(code);
    const program = this.service.getProgram()!;
    const file = program.getSourceFile(this.path)!;
    let at = offset + cursor;
    // A cursor just after a name inspects that name.
    if (cursor > 0 && !/[\p{ID_Continue}$]/u.test(code[cursor] ?? "") && /[\p{ID_Continue}$]/u.test(code[cursor - 1])) at--;
    const info = this.service.getQuickInfoAtPosition(this.path, at);
    // An unknown name has quick info too: `any`, of no kind.
    if (!info || info.textSpan.start < offset || info.kind === ts.ScriptElementKind.unknown) return undefined;
    const target = this.sessionDeclaration(program, file, at, offset);
    const shown = (target && this.service.getQuickInfoAtPosition(target.fileName, target.position)) || info;
    return {
      // Without the lines that say how a declaration file exports or imports it.
      signature: ts.displayPartsToString(shown.displayParts).replace(/^\(alias\) /, "").replace(/\n(import|export) .*$/s, ""),
      documentation: documentationText(shown),
    };
  }

  /** Where a session name the preamble declares was declared by its cell (its declaration file). */
  private sessionDeclaration(program: ts.Program, file: ts.SourceFile, at: number, offset: number): { fileName: string; position: number } | undefined {
    const checker = program.getTypeChecker();
    const token = findToken(file, file, at);
    if (!token || !ts.isIdentifier(token)) return undefined;
    const symbol = checker.getSymbolAtLocation(token);
    if (!symbol?.declarations?.some((d) => d.getSourceFile() === file && d.pos < offset)) return undefined;
    const declaration = declarationOf(symbol, checker, program);
    const name = declaration && ts.getNameOfDeclaration(declaration);
    return name ? { fileName: name.getSourceFile().fileName, position: name.getStart() } : undefined;
  }
}

function findToken(file: ts.SourceFile, node: ts.Node, at: number): ts.Node | undefined {
  if (at < node.getStart(file) || at >= node.getEnd()) return undefined;
  for (const child of node.getChildren(file)) {
    const found = findToken(file, child, at);
    if (found) return found;
  }
  return node;
}

function documentationText(info: ts.QuickInfo): string {
  const text = ts.displayPartsToString(info.documentation);
  const tags = (info.tags ?? []).map((t) => `@${t.name}${t.text ? ` ${ts.displayPartsToString(t.text)}` : ""}`);
  return [text, ...tags].filter((s) => s !== "").join("\n");
}

const KINDS: Record<string, string> = {
  [ts.ScriptElementKind.externalModuleName]: "module",
  [ts.ScriptElementKind.scriptElement]: "path",
  [ts.ScriptElementKind.directory]: "path",
  [ts.ScriptElementKind.localVariableElement]: "variable",
  [ts.ScriptElementKind.variableElement]: "variable",
  [ts.ScriptElementKind.letElement]: "variable",
  [ts.ScriptElementKind.constElement]: "variable",
  [ts.ScriptElementKind.memberVariableElement]: "property",
  [ts.ScriptElementKind.memberFunctionElement]: "method",
  [ts.ScriptElementKind.localFunctionElement]: "function",
  [ts.ScriptElementKind.typeElement]: "type",
  [ts.ScriptElementKind.moduleElement]: "module",
};

/**
 * The declaration that says what a completion entry is: past an import or a session name's preamble
 * line (`declare let x: typeof import("./.tskernel/decl-3.js").x`), the declaration file's own.
 */
function declarationOf(symbol: ts.Symbol, checker: ts.TypeChecker, program: ts.Program): ts.Declaration | undefined {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const declaration = target.declarations?.[0];
  if (declaration && ts.isVariableDeclaration(declaration) && declaration.type && ts.isImportTypeNode(declaration.type)) {
    return importedDeclaration(declaration.type, program);
  }
  return declaration;
}

/**
 * What `typeof import("./.tskernel/decl-3.js").x` names, found in the declaration file by its text: the
 * checker would work out the whole type to get there.
 */
function importedDeclaration(node: ts.ImportTypeNode, program: ts.Program): ts.Declaration | undefined {
  const argument = node.argument;
  if (!node.qualifier || !ts.isIdentifier(node.qualifier) || !ts.isLiteralTypeNode(argument) || !ts.isStringLiteral(argument.literal)) return undefined;
  const path = join(dirname(node.getSourceFile().fileName), argument.literal.text.replace(/\.js$/, ".d.ts"));
  const file = program.getSourceFile(path);
  return file && declarationNamed(file, node.qualifier.text);
}

/** The top-level declaration of `name` in a declaration file, found by its text. */
function declarationNamed(file: ts.SourceFile, name: string): ts.Declaration | undefined {
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement)) {
      const found = statement.declarationList.declarations.find((d) => ts.isIdentifier(d.name) && d.name.text === name);
      if (found) return found;
    } else if (
      (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement)) &&
      statement.name?.text === name
    ) {
      return statement;
    } else if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name) && statement.name.text === name) {
      return statement;
    }
  }
  return undefined;
}

/** A file's source from `from` to `to`, on one line. */
function sourceText(file: ts.SourceFile, from: number, to: number): string {
  return file.text.slice(from, to).replace(/\s+/g, " ").trim();
}

/** `<T>(a: T, b?: string): T`, as written in a function's declaration or a function type. */
function signatureText(d: ts.SignatureDeclaration, file: ts.SourceFile): string {
  const start = d.typeParameters ? d.typeParameters.pos - 1 : d.parameters.pos - 1;
  const params = sourceText(file, start, d.parameters.end + 1);
  return d.type ? `${params}: ${sourceText(file, d.type.getStart(file), d.type.end)}` : params;
}

/**
 * What a declaration is and its signature, as a declaration file (the libraries', the session's) spells
 * them out; undefined when its text does not say (a type to infer, `typeof` another name).
 */
function describeDeclared(d: ts.Declaration, file: ts.SourceFile): { kind: string; signature: string } | undefined {
  if (ts.isClassLike(d)) return { kind: "class", signature: "" };
  if (ts.isEnumDeclaration(d)) return { kind: "enum", signature: "" };
  if (ts.isInterfaceDeclaration(d)) return { kind: "interface", signature: "" };
  if (ts.isTypeAliasDeclaration(d)) return { kind: "type", signature: "" };
  if (ts.isModuleDeclaration(d) || ts.isSourceFile(d)) return { kind: "module", signature: "" };
  if (!file.isDeclarationFile) return undefined;
  const method = ts.isMethodDeclaration(d) || ts.isMethodSignature(d);
  if (ts.isFunctionLike(d)) return { kind: method ? "method" : "function", signature: signatureText(d, file) };
  const declaredType = (ts.isVariableDeclaration(d) || ts.isPropertySignature(d) || ts.isPropertyDeclaration(d)) && d.type;
  if (declaredType && ts.isFunctionTypeNode(declaredType)) return { kind: "function", signature: signatureText(declaredType, file) };
  if (declaredType && !ts.isTypeQueryNode(declaredType)) return { kind: valueKind(d), signature: sourceText(file, declaredType.getStart(file), declaredType.end) };
  return undefined;
}

function valueKind(d: ts.Declaration): string {
  return ts.isVariableDeclaration(d) ? "variable" : ts.isParameter(d) ? "parameter" : "property";
}

/**
 * The kind a user would name (a variable holding a function is a function; an import is what it
 * imports) and a signature: `(a: number): number` for something callable, the type of a value. Read from
 * the declaration's own text where it has one (declaration files always do), which costs nothing; the
 * checker works out the rest.
 */
function describe(entry: ts.CompletionEntry, program: ts.Program, file: ts.SourceFile): { kind: string; signature: string } {
  const fallback = KINDS[entry.kind] ?? entry.kind;
  const checker = program.getTypeChecker();
  const symbol = entry.symbol;
  if (!symbol || entry.kind === ts.ScriptElementKind.keyword) return { kind: fallback, signature: "" };
  const d = declarationOf(symbol, checker, program);
  if (!d) return { kind: fallback, signature: "" };
  const declared = describeDeclared(d, d.getSourceFile());
  if (declared) return declared;
  const method = ts.isMethodDeclaration(d) || ts.isMethodSignature(d);
  // An inferred type (a name the edited cell declares, a JavaScript module's): the checker's.
  const type = checker.getTypeOfSymbol(symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  const calls = type.getCallSignatures();
  if (calls.length > 0 && type.getProperties().length === 0) return { kind: method ? "method" : "function", signature: checker.signatureToString(calls[0], file) };
  return { kind: valueKind(d), signature: checker.typeToString(type, file) };
}
