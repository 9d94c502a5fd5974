// Splits a magic's argument line into words as a POSIX shell would for quoting: 'single' quotes keep
// everything, "double" quotes and bare words honour backslash escapes.

export function splitArgs(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === " " || c === "\t") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' quote at column ${i + 1}`);
      word += line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === "\\" && (line[j + 1] === '"' || line[j + 1] === "\\")) j++;
        word += line[j];
      }
      if (j >= line.length) throw new Error(`unterminated " quote at column ${i + 1}`);
      i = j;
    } else if (c === "\\" && i + 1 < line.length) {
      word += line[++i];
    } else {
      word += c;
    }
  }
  if (inWord) words.push(word);
  return words;
}
