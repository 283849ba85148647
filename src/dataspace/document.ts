import { UserError } from "../util/errors.js";
import { readFileIfExists, writeFileAtomic } from "../util/fs.js";
import { dumpJson, parseJson } from "./json.js";
import { assertValidKeys } from "./keys.js";
import { isPlainObject, type JsonObject, type JsonValue } from "./value.js";

/**
 * A JSON object stored in one file (a job's or the project's document).
 * Every read goes to the file, so other processes' changes are always seen; every write replaces the
 * file atomically. The file is written as signac writes it (`json.dumps`).
 */
export class Document {
  /** `beforeWrite` runs before every write (a job document creates its job there). */
  constructor(
    readonly path: string,
    private readonly beforeWrite?: () => void,
  ) {}

  /** The whole document; `{}` when the file does not exist. A fresh object the caller may change. */
  get data(): JsonObject {
    return readDocumentFile(this.path) ?? {};
  }

  /** The whole document for reading only: do not change it. */
  view(): Readonly<JsonObject> {
    return readDocumentFile(this.path) ?? {};
  }

  /** What `JSON.stringify(job.doc)` writes: the document's keys, as signac's document gives them. */
  toJSON(): Readonly<JsonObject> {
    return this.view();
  }

  /** What `console.log(job.doc)` shows: the document's keys, not this object's fields. */
  [Symbol.for("nodejs.util.inspect.custom")](): JsonObject {
    return this.data;
  }

  /** The value of a key; `fallback` (default undefined) when the document has no such key, as Python's `dict.get`. */
  get(key: string): JsonValue | undefined;
  get<D>(key: string, fallback: D): JsonValue | D;
  get(key: string, fallback?: unknown): unknown {
    const data = this.view();
    if (!Object.hasOwn(data, key)) return fallback;
    return data[key];
  }

  has(key: string): boolean {
    return Object.hasOwn(this.view(), key);
  }

  set(key: string, value: JsonValue): void {
    this.update({ [key]: value });
  }

  /** Sets several keys in one atomic write. */
  update(values: JsonObject): void {
    assertValidKeys(values, "document");
    const data = readDocumentFile(this.path) ?? {};
    for (const [k, v] of Object.entries(values)) data[k] = v;
    this.replace(data);
  }

  /** Removes keys; returns whether any was there. */
  delete(...keys: string[]): boolean {
    const data = readDocumentFile(this.path) ?? {};
    const present = keys.filter((k) => Object.hasOwn(data, k));
    if (present.length === 0) return false;
    for (const k of present) delete data[k];
    this.replace(data);
    return true;
  }

  /** Replaces the whole document. */
  replace(data: JsonObject): void {
    assertValidKeys(data, "document");
    const text = dumpJson(data);
    this.beforeWrite?.();
    writeFileAtomic(this.path, text);
  }
}

/**
 * The document as handed to users (`job.doc`, `project.doc`): `job.doc.KEY = value` (signac's way of
 * writing a key) would only add a property to this object and store nothing, so it, `job.doc[KEY] = ...`
 * and `delete job.doc.KEY` are refused with a TypeError naming the call that writes the file. So is
 * signac's attribute read, `job.doc.KEY`, of a key the document holds: it would read `undefined`
 * (naming `job.doc.get(KEY)`); members read as they are, and a name that is neither reads `undefined`.
 * `"KEY" in job.doc` tells whether the document holds the key, as in signac.
 */
export function guardedDocument<T extends Document>(doc: T, name: string): T {
  return new Proxy<T>(doc, new DocumentGuard<T>(name));
}

class DocumentGuard<T extends Document> implements ProxyHandler<T> {
  constructor(private readonly name: string) {}

  get(target: T, key: string | symbol, receiver: unknown): unknown {
    if (typeof key === "symbol" || key in target) return Reflect.get(target, key, receiver);
    // (`then` is what `await` and Promise.resolve look for: a document is no promise, whatever it holds)
    if (key !== "then" && target.has(key)) throw new TypeError(`${this.name}.${key} reads nothing: a document is read through its methods (call ${this.name}.get(${JSON.stringify(key)}))`);
    return undefined;
  }

  has(target: T, key: string | symbol): boolean {
    return key in target || (typeof key === "string" && target.has(key));
  }

  set(_target: T, key: string | symbol, value: unknown): boolean {
    const k = keyName(key);
    throw new TypeError(`${this.name}.${k} = ... would store nothing: a document is written through its methods (call ${this.name}.set(${JSON.stringify(k)}, ${shownValue(value)}) or ${this.name}.update({ ... }))`);
  }

  defineProperty(_target: T, key: string | symbol): boolean {
    throw new TypeError(`cannot define ${this.name}.${keyName(key)}: a document is written through its methods (call ${this.name}.set(KEY, VALUE))`);
  }

  deleteProperty(_target: T, key: string | symbol): boolean {
    const k = keyName(key);
    throw new TypeError(`delete ${this.name}.${k} would remove nothing from the file (call ${this.name}.delete(${JSON.stringify(k)}))`);
  }
}

function keyName(key: string | symbol): string {
  return typeof key === "symbol" ? `[${String(key)}]` : key;
}

function shownValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value).length <= 40 ? JSON.stringify(value) : "VALUE";
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return "VALUE";
}

/** The view of a document that has no file. */
export const EMPTY: Readonly<JsonObject> = Object.freeze({});

/** The hint of a document file that is not JSON: cohort reads and writes none of it until it is fixed. */
export const DOCUMENT_HINT = "fix the file by hand; cohort leaves it as it is";

export function readDocumentFile(file: string): JsonObject | undefined {
  const text = readFileIfExists(file);
  if (text === undefined) return undefined;
  const v = parseJson(text, file, DOCUMENT_HINT);
  if (!isPlainObject(v)) throw new UserError(`${file} does not hold a JSON object`, "a document is a JSON object");
  return v;
}
