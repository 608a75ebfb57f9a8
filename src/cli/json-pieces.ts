/**
 * `JSON.stringify(value, null, 2)` and a newline, byte for byte, for an object, written in pieces:
 * each member on its own, and a long list `slice` items at a time. `trellis advisor check --format
 * json` prints some 50 MB for ten thousand files; made in one piece, the text's parts outlived every
 * young-generation collection while it was built (each copied them again), and the whole text was
 * then copied once more to be written. A slice is made and written, then dropped.
 *
 * Each piece is what JSON.stringify writes at that depth, because it is made at that depth:
 * `JSON.stringify({ [key]: slice }, null, 2)` indents the slice's items exactly as the whole would
 * (members at two spaces, list items at four), so only its first and last lines are cut off.
 */
export function writeJsonInPieces(value: Readonly<Record<string, unknown>>, write: (text: string) => void, slice = 1000): void {
  let isFirst = true;
  // Own keys only, in JSON.stringify's order.
  for (const key of Object.keys(value)) {
    const member = value[key];
    // JSON.stringify leaves out what has no JSON form.
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    write(isFirst ? '{\n' : ',\n');
    isFirst = false;
    if (Array.isArray(member) && member.length > slice) {
      // `  "key": [\n` opens the list and `\n  ]\n}` closes the object around a slice; the items lie between.
      const opening = `  ${JSON.stringify(key)}: [\n`;
      write(opening);
      for (let start = 0; start < member.length; start += slice) {
        const text = JSON.stringify({ [key]: member.slice(start, start + slice) }, null, 2);
        write(`${start === 0 ? '' : ',\n'}${text.slice(opening.length + 2, text.length - '\n  ]\n}'.length)}`);
      }
      write('\n  ]');
    } else {
      const text = JSON.stringify({ [key]: member }, null, 2);
      // Without the `{\n` and `\n}` of the object around it.
      write(text.slice(2, text.length - 2));
    }
  }
  write(isFirst ? '{}\n' : '\n}\n');
}
