/**
 * Diverts what this process writes to its stdout and stderr (an in-process function's prints, a
 * worker's request) to a sink, as the bytes the stream would have written: a string is encoded as
 * the stream would encode it, a Buffer passes untouched, so output that is not UTF-8 stays as it was.
 *
 * An `end()` while diverted ends nothing: the function's output ends with its run, and cohort's own
 * stdout must stay open for the runs after it and the summary. What `end(chunk)` is given is written.
 */
export type Sink = (bytes: Buffer) => void;

type Callback = (err?: Error | null) => void;

/** The bytes of a chunk written with `encoding` (default UTF-8). */
function bytesOf(chunk: unknown, encoding: unknown): Buffer {
  if (typeof chunk === "string") return Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
  if (chunk instanceof Uint8Array) return Buffer.from(chunk); // a copy: the writer may reuse its buffer
  return Buffer.from(String(chunk));
}

/** From now on, while `sinkNow()` gives a sink, stdout and stderr go to it. Call once per process. */
export function divertStdio(sinkNow: () => Sink | undefined): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    const end = stream.end.bind(stream) as (...args: unknown[]) => typeof stream;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const sink = sinkNow();
      if (!sink) return write(chunk, ...rest);
      sink(bytesOf(chunk, rest[0]));
      const callback = rest.find((x) => typeof x === "function") as Callback | undefined;
      if (callback) process.nextTick(callback);
      return true;
    }) as typeof stream.write;
    stream.end = ((...args: unknown[]) => {
      const sink = sinkNow();
      if (!sink) return end(...args);
      if (args.length > 0 && typeof args[0] !== "function" && args[0] != null) sink(bytesOf(args[0], args[1]));
      const callback = args.find((x) => typeof x === "function") as Callback | undefined;
      if (callback) process.nextTick(callback);
      return stream;
    }) as typeof stream.end;
  }
}
