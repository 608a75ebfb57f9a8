/** `?tag=a=b&tag=c` → [{key:'a', value:'b'}, {key:'c'}] */
export function parseTagFilters(tag: string | string[] | undefined): Array<{ key: string; value?: string }> {
  const items = tag === undefined ? [] : Array.isArray(tag) ? tag : [tag];
  return items.map((item) => {
    const equals = item.indexOf('=');
    return equals < 0 ? { key: item } : { key: item.slice(0, equals), value: item.slice(equals + 1) };
  });
}
