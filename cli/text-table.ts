/** One column of a plain-text table. */
export interface TableColumn {
  readonly header: string;
  /** Wrap this column's text at this many characters, continuing on indented lines (for long summaries). */
  readonly wrapAt?: number;
}

/** Words of `text` in lines of at most `width` characters (a longer word keeps a line to itself). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

/**
 * A table as plain text: a header row, then one row per entry, columns padded to their widest cell and two spaces
 * apart; a column with `wrapAt` continues on following lines under itself. No colour and no box drawing, so it
 * reads the same in a terminal, a CI log and a pasted ticket.
 */
export function renderTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) =>
    columns.map((column, index) => {
      const text = row[index] ?? '';
      return column.wrapAt === undefined ? [text] : wrapText(text, column.wrapAt);
    }),
  );
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.flatMap((row) => (row[index] ?? []).map((line) => line.length))),
  );
  const line = (parts: readonly string[]) =>
    parts
      .map((part, index) => part.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  const body = cells.flatMap((row) => {
    const height = Math.max(...row.map((lines) => lines.length));
    return Array.from({ length: height }, (_, lineIndex) => line(row.map((lines) => lines[lineIndex] ?? '')));
  });
  return [line(columns.map((column) => column.header)), ...body].join('\n');
}
