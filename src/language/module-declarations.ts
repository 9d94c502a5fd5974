// `declare module "name"` written in a cell. A cell is checked as a module, where TypeScript reads it
// as an augmentation of an existing module only; a notebook user writes it for two things: to declare a
// module that has no types (an untyped package: `declare module "untyped";`), or to augment one that
// has. Each goes to a file of its own that every later program reads (a script for a declaration, a
// module for an augmentation), with the rest of the cell blanked out, so positions in it are the cell's.
import ts from "./typescript.js";
import { blankOut } from "./blank-out.js";

/** The top-level `declare module "name"` statements of a parsed cell, by module name. */
export function moduleDeclarations(sf: ts.SourceFile): Map<string, ts.ModuleDeclaration[]> {
  const byName = new Map<string, ts.ModuleDeclaration[]>();
  for (const s of sf.statements) {
    if (ts.isModuleDeclaration(s) && ts.isStringLiteral(s.name)) byName.set(s.name.text, [...(byName.get(s.name.text) ?? []), s]);
  }
  return byName;
}

const kept = (text: string) => text;

/** `text` with the statements' text passed through `inside`, and the text around them through `outside`. */
function mapStatements(text: string, statements: readonly ts.Node[], sf: ts.SourceFile, inside: (part: string) => string, outside: (part: string) => string): string {
  let out = "";
  let at = 0;
  for (const s of statements) {
    const start = s.getStart(sf);
    out += outside(text.slice(at, start)) + inside(text.slice(start, s.end));
    at = s.end;
  }
  return out + outside(text.slice(at));
}

/** `text` with only the given statements' text left. */
export function keepingOnly(text: string, statements: readonly ts.Node[], sf: ts.SourceFile): string {
  return mapStatements(text, statements, sf, kept, blankOut);
}

/** `text` with the given statements' text blanked out. */
export function without(text: string, statements: readonly ts.Node[], sf: ts.SourceFile): string {
  return mapStatements(text, statements, sf, blankOut, kept);
}

const TYPED = new Set([ts.Extension.Ts, ts.Extension.Tsx, ts.Extension.Dts, ts.Extension.Mts, ts.Extension.Cts, ts.Extension.Dmts, ts.Extension.Dcts]);

/**
 * Whether `declare module "name"` augments a module with types of its own (a file that resolves from
 * `containing`); otherwise it declares the module (one not found, or JavaScript without types).
 */
export function augmentsTypedModule(name: string, containing: string, options: ts.CompilerOptions, host: ts.CompilerHost): boolean {
  const resolved = ts.resolveModuleName(name, containing, options, host).resolvedModule;
  return resolved !== undefined && TYPED.has(resolved.extension as ts.Extension);
}
