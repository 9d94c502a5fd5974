// An array of plain records (objects whose fields are primitives or dates) as an HTML table, the way a
// notebook shows a data frame: one row per record, one column per field name.
import { isPlainObject } from "./bundle.js";

export const TABLE_ROW_CAP = 200;
export const TABLE_COLUMN_CAP = 50;
/** Characters of one cell's text shown before it is cut. */
const CELL_TEXT_CAP = 500;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function isFieldValue(value: unknown): boolean {
  return value === null || value instanceof Date || (typeof value !== "object" && typeof value !== "function" && typeof value !== "symbol");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && Object.values(value).every(isFieldValue);
}

function cellText(value: unknown): string {
  if (value === undefined) return "";
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  const text = typeof value === "bigint" ? `${value}n` : String(value);
  return text.length > CELL_TEXT_CAP ? `${text.slice(0, CELL_TEXT_CAP)}…` : text;
}

const count = (n: number, noun: string) => `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;

/** The table for `value`, or undefined when it is not a non-empty array of plain records (checked on the rows shown). */
export function recordsTable(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const rows = value.slice(0, TABLE_ROW_CAP);
  if (!rows.every(isRecord)) return undefined;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (columns.length === 0) return undefined;
  const shown = columns.slice(0, TABLE_COLUMN_CAP);
  const head = `<tr><th></th>${shown.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = rows.map(
    (r, i) => `<tr><th>${i}</th>${shown.map((c) => `<td>${escapeHtml(cellText(Object.hasOwn(r, c) ? r[c] : undefined))}</td>`).join("")}</tr>`,
  );
  const notes: string[] = [];
  if (value.length > rows.length) notes.push(`${count(value.length - rows.length, "more item")} not shown`);
  if (columns.length > shown.length) notes.push(`${count(columns.length - shown.length, "more column")} not shown`);
  const caption = notes.length > 0 ? `<caption style="caption-side: bottom">${notes.join("; ")}</caption>` : "";
  return `<table>${caption}<thead>${head}</thead><tbody>${body.join("")}</tbody></table>`;
}
