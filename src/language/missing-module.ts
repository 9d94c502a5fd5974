// TypeScript's "Cannot find module" says what was not found; where the kernel looked for it is told by
// the module resolver, whose words are added after TypeScript's (see ModuleNotFound.lookedIn).
import ts from "./typescript.js";

const CANNOT_FIND_MODULE = 2307;

/** Where the kernel looked for `specifier`, and what to do; undefined when the kernel finds it. */
export type WhereLooked = (specifier: string) => string | undefined;

/** A diagnostic's message; for a "Cannot find module", followed by where the kernel looked. */
export function diagnosticMessage(d: ts.Diagnostic, whereLooked: WhereLooked | undefined): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (d.code !== CANNOT_FIND_MODULE || !whereLooked || !d.file || d.start === undefined || d.length === undefined) return message;
  // The diagnostic points at the specifier's string literal.
  const specifier = /^(["'`])(.*)\1$/s.exec(d.file.text.slice(d.start, d.start + d.length))?.[2];
  const looked = specifier === undefined ? undefined : whereLooked(specifier);
  return looked ? `${message}\n${looked}` : message;
}
