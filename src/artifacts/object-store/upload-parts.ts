/**
 * Cutting a stream into the parts of a multipart upload (S3) or the blocks of a block blob (Azure), and
 * sending them a few at a time: memory holds the part being filled and those in flight, never the whole.
 */

/**
 * Reads `source` into buffers of exactly `partSize` bytes, the last one shorter (an empty source gives
 * one empty buffer). A part shorter than `partSize` is therefore always the last.
 */
export async function* readParts(source: AsyncIterable<Buffer>, partSize: number): AsyncGenerator<Buffer> {
  let chunks: Buffer[] = [];
  let length = 0;
  let hasYielded = false;
  for await (const chunk of source) {
    let rest = chunk;
    while (rest.length > 0) {
      const taken = rest.subarray(0, partSize - length);
      chunks.push(taken);
      length += taken.length;
      rest = rest.subarray(taken.length);
      if (length === partSize) {
        yield Buffer.concat(chunks, length);
        hasYielded = true;
        chunks = [];
        length = 0;
      }
    }
  }
  if (length > 0 || !hasYielded) yield Buffer.concat(chunks, length);
}

/**
 * Runs `work` on each item (the parts of an upload, keys to delete), at most `concurrency` at once,
 * reading the next item only when one finishes; resolves to the results in the items' order. On the
 * first failure (of `work`, or of `items` itself) it stops reading, lets the work under way settle,
 * and throws that failure.
 */
export async function mapConcurrently<Item, Result>(
  items: AsyncIterable<Item> | Iterable<Item>,
  concurrency: number,
  work: (item: Item, index: number) => Promise<Result>,
): Promise<Result[]> {
  const results: Result[] = [];
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let index = 0;
  try {
    for await (const item of items) {
      const at = index;
      index += 1;
      const task: Promise<void> = work(item, at).then(
        (result) => {
          results[at] = result;
          running.delete(task);
        },
        (error: unknown) => {
          failure ??= { error };
          running.delete(task);
        },
      );
      running.add(task);
      if (running.size >= concurrency) await Promise.race(running);
      if (failure) break;
    }
  } catch (error) {
    failure ??= { error };
  }
  await Promise.all(running);
  if (failure) throw failure.error;
  return results;
}
