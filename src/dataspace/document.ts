import { UserError } from "../util/errors.js";
import { readFileIfExists, writeFileAtomic } from "../util/fs.js";
import { dumpJson, parseJson } from "./json.js";
import { assertValidKeys } from "./keys.js";
import { isPlainObject, type JsonObject, type JsonValue } from "./value.js";

/**
 * Where job documents are read from when a command takes one snapshot of them (the document cache,
 * document-cache.ts): `read` gives a job's document as its file holds it now (undefined: no file); the
 * job asks once per command (Job.readDocumentsFrom). `written` tells it that this process replaced it.
 */
export interface DocumentSnapshots {
  read(jobId: string, file: string): JsonObject | undefined;
  written(jobId: string): void;
}

/** A document's snapshot, kept by its job. */
export interface DocumentSource {
  /** The document for reading only (undefined: no file); throws when it cannot be read. */
  snapshot(): Readonly<JsonObject> | undefined;
  /** This process replaced the file. */
  written(): void;
}

/**
 * A JSON object stored in one file (a job's or the project's document).
 * Every read goes to the file, so other processes' changes are always seen — unless the document was
 * given a `source` (a snapshot: one moment of the project, as `status` shows); every write replaces
 * the file atomically. The file is written as signac writes it (`json.dumps`).
 */
export class Document {
  /** `beforeWrite` runs before every write (a job document creates its job there). */
  constructor(
    readonly path: string,
    private readonly beforeWrite?: () => void,
    private readonly source?: DocumentSource,
  ) {}

  /** The whole document; `{}` when the file does not exist. A fresh object the caller may change. */
  get data(): JsonObject {
    if (this.source) return copyJson(this.source.snapshot() ?? {}) as JsonObject;
    return readDocumentFile(this.path) ?? {};
  }

  /** The whole document for reading only (no copy when it comes from a snapshot): do not change it. */
  view(): Readonly<JsonObject> {
    if (this.source) return this.source.snapshot() ?? EMPTY;
    return readDocumentFile(this.path) ?? {};
  }

  get(key: string): JsonValue | undefined {
    const data = this.view();
    if (!Object.hasOwn(data, key)) return undefined;
    return this.source ? copyJson(data[key]) : data[key];
  }

  has(key: string): boolean {
    return Object.hasOwn(this.view(), key);
  }

  set(key: string, value: JsonValue): void {
    this.update({ [key]: value });
  }

  /** Sets several keys in one atomic write (to the document as its file holds it now, even under a snapshot). */
  update(values: JsonObject): void {
    assertValidKeys(values, "document");
    const data = readDocumentFile(this.path) ?? {};
    for (const [k, v] of Object.entries(values)) data[k] = v;
    this.replace(data);
  }

  /** Removes keys; returns whether any was there (in the file as it is now, even under a snapshot). */
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
    this.source?.written();
  }

  toJSON(): JsonObject {
    return this.data;
  }
}

/** The view of a document that has no file. */
export const EMPTY: Readonly<JsonObject> = Object.freeze({});

/** A deep copy of a JSON value (Floats are immutable and shared). */
export function copyJson(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(copyJson);
  if (isPlainObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: copyJson(v[k]), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

export function readDocumentFile(file: string): JsonObject | undefined {
  const text = readFileIfExists(file);
  if (text === undefined) return undefined;
  const v = parseJson(text, file);
  if (!isPlainObject(v)) throw new UserError(`${file} does not hold a JSON object`, "a document is a JSON object");
  return v;
}
