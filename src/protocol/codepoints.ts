// Jupyter counts cursor positions in Unicode code points; JavaScript strings index UTF-16 units.

export function codePointToUtf16(text: string, codePoints: number): number {
  let units = 0;
  for (let cp = 0; cp < codePoints && units < text.length; cp++) {
    const c = text.charCodeAt(units);
    units += c >= 0xd800 && c <= 0xdbff && units + 1 < text.length ? 2 : 1;
  }
  return units;
}

export function utf16ToCodePoint(text: string, units: number): number {
  let cps = 0;
  for (let i = 0; i < units && i < text.length; cps++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
  }
  return cps;
}
