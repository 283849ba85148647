import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DocumentCache } from "../../src/dataspace/document-cache.js";
import { DocumentSnapshot, LIVE_FILES } from "../../src/dataspace/job-files.js";
import type { Job } from "../../src/dataspace/job.js";
import { initProject } from "../../src/dataspace/project.js";
import { Float, float } from "../../src/dataspace/value.js";
import { tempDir } from "../helpers.js";

const project = initProject(tempDir());
const cacheDir = path.join(project.dataDir, "cache");
let counter = 0;

function newJob(doc?: string): Job {
  const job = project.openJob({ n: counter++ }).init();
  if (doc !== undefined) fs.writeFileSync(docFile(job), doc);
  return job;
}

const docFile = (job: Job) => path.join(job.path, "signac_job_document.json");

/** Makes a file look untouched for a minute, so that the cache may keep it. */
function age(file: string): void {
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(file, old, old);
}

/** Reads through a freshly opened cache, then saves it; returns the document and how many files were read. */
function readFresh(job: Job): { doc: unknown; filesRead: number } {
  const cache = DocumentCache.open(cacheDir);
  const doc = cache.read(job.id, docFile(job));
  cache.save();
  return { doc, filesRead: cache.filesRead };
}

describe("DocumentCache", () => {
  it("keeps a quiet document and serves it with one stat", () => {
    const job = newJob('{"a": 1}');
    age(docFile(job));
    expect(readFresh(job)).toEqual({ doc: { a: 1 }, filesRead: 1 });
    expect(readFresh(job)).toEqual({ doc: { a: 1 }, filesRead: 0 });
  });

  it("does not keep a document changed in the last two seconds", () => {
    const job = newJob('{"a": 1}');
    expect(readFresh(job).filesRead).toBe(1);
    expect(readFresh(job).filesRead).toBe(1);
  });

  it("sees a document edited in place, with the same size", () => {
    const job = newJob('{"prepared": true}');
    age(docFile(job));
    readFresh(job);
    const ino = fs.statSync(docFile(job)).ino;
    fs.writeFileSync(docFile(job), '{"prepared": null}');
    expect(fs.statSync(docFile(job)).ino).toBe(ino);
    expect(readFresh(job)).toEqual({ doc: { prepared: null }, filesRead: 1 });
  });

  it("sees an in-place edit whose writer set the old modification time back (the change time moved)", () => {
    const job = newJob('{"v": 1}');
    age(docFile(job));
    readFresh(job);
    const { atime, mtime } = fs.statSync(docFile(job));
    fs.writeFileSync(docFile(job), '{"v": 2}');
    fs.utimesSync(docFile(job), atime, mtime);
    expect(readFresh(job).doc).toEqual({ v: 2 });
  });

  it("sees a document replaced by a rename, and one deleted", () => {
    const job = newJob('{"v": 1}');
    age(docFile(job));
    readFresh(job);
    job.doc.set("v", 2); // atomic: a new file renamed over the old one
    age(docFile(job));
    expect(readFresh(job).doc).toEqual({ v: 2 });
    fs.rmSync(docFile(job));
    expect(readFresh(job)).toEqual({ doc: undefined, filesRead: 0 });
  });

  it("keeps floats and big integers apart from ints through the cache file", () => {
    const job = newJob('{"f": 1.0, "big": 123456789012345678901234567890, "i": 1, "nested": {"x": [2.0, 3]}}');
    age(docFile(job));
    readFresh(job);
    const { doc, filesRead } = readFresh(job);
    expect(filesRead).toBe(0);
    const d = doc as Record<string, unknown>;
    expect(d.f).toBeInstanceOf(Float);
    expect(d.big).toBe(123456789012345678901234567890n);
    expect(d.i).toBe(1);
    expect(d.nested).toEqual({ x: [float(2), 3] });
  });

  it("raises for a corrupt document every time, and does not keep it", () => {
    const job = newJob('{"a": ');
    age(docFile(job));
    expect(() => readFresh(job)).toThrow(/malformed JSON/);
    expect(() => readFresh(job)).toThrow(/malformed JSON/);
  });

  it("a damaged cache file is an empty cache", () => {
    const job = newJob('{"a": 2}');
    age(docFile(job));
    readFresh(job);
    fs.writeFileSync(path.join(cacheDir, "documents.json"), "{not json");
    expect(readFresh(job)).toEqual({ doc: { a: 2 }, filesRead: 1 });
    expect(readFresh(job).filesRead).toBe(0);
  });

  it("a document edited inside the cache file is not served: the file fails its check", () => {
    const job = newJob('{"a": 3}');
    age(docFile(job));
    readFresh(job);
    const file = path.join(cacheDir, "documents.json");
    const text = fs.readFileSync(file, "utf8");
    expect(text).toContain('{"a":3}');
    fs.writeFileSync(file, text.replace('{"a":3}', '{"a":4}'));
    expect(readFresh(job)).toEqual({ doc: { a: 3 }, filesRead: 1 });
  });
});

describe("a snapshot of the documents (job-files.ts)", () => {
  it("reads each job's document once per command, while the job itself reads the file now", () => {
    const job = newJob('{"a": 1}');
    const cache = DocumentCache.inMemory();
    const snapshot = new DocumentSnapshot(cache);
    expect(snapshot.document(job)).toEqual({ a: 1 });
    fs.writeFileSync(docFile(job), '{"a": 2}'); // another program, after the snapshot
    expect(snapshot.document(job)).toEqual({ a: 1 });
    expect(job.doc.get("a")).toBe(2);
    expect(job.doc.view()).toEqual({ a: 2 });
    job.doc.set("b", true);
    expect(snapshot.document(job)).toEqual({ a: 1 });
    expect(cache.filesRead).toBe(1);
    expect(LIVE_FILES.document(job)).toEqual({ a: 2, b: true });
  });

  it("makes jobs for user code that read from it, give copies to change, and see their own writes", () => {
    const own = initProject(tempDir());
    own.openJob({ n: 1 }).doc.set("a", 1);
    const cache = DocumentCache.inMemory();
    const snapshot = new DocumentSnapshot(cache);
    const [job] = snapshot.jobs(own);
    expect(job.doc.get("a")).toBe(1);
    fs.writeFileSync(docFile(job), '{"a": 2, "list": [1]}'); // another program, after the snapshot
    expect(job.doc.get("a")).toBe(1);
    expect(job.doc.view()).toEqual({ a: 1 });
    const copy = job.doc.data;
    copy.a = 99;
    expect(job.doc.view()).toEqual({ a: 1 });
    job.doc.set("b", true); // this process writes: the next read goes to the file
    expect(job.doc.data).toEqual({ a: 2, list: [1], b: true });
    (job.doc.get("list") as number[]).push(2);
    expect(snapshot.document(job)).toEqual({ a: 2, list: [1], b: true });
    expect(cache.filesRead).toBe(2);
    // the project's own job reads the file
    expect(own.openJob({ n: 1 }).doc.get("a")).toBe(2);
  });

  it("a job without a document has an empty one; an unreadable one raises at every question", () => {
    const snapshot = new DocumentSnapshot(DocumentCache.inMemory());
    expect(snapshot.document(newJob())).toEqual({});
    const bad = newJob("{not json");
    expect(() => snapshot.document(bad)).toThrow(/signac_job_document\.json/);
    fs.writeFileSync(docFile(bad), "{}");
    expect(() => snapshot.document(bad)).toThrow(/signac_job_document\.json/);
  });
});
