// Records keyed by names from a manifest or stack config: a resource may be called `constructor`
// or `toString`, which a plain `record[name]` would answer with Object.prototype's members.

/** The value of `key` when it is the record's own key. */
export function own<T>(
  record: Readonly<Record<string, T>> | undefined,
  key: string,
): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Sets `key` as an own property, even `__proto__` (an assignment would set the prototype). */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
