import fs from 'node:fs';
import path from 'node:path';

/** Makes a file's written bytes durable; the default is `fdatasync` on the libuv thread pool. */
export type FileSync = (file: fs.promises.FileHandle) => Promise<void>;

const datasync: FileSync = (file) => file.datasync();

/**
 * Makes the SQLite write-ahead log durable off the event loop. SQLite runs with
 * `synchronous=NORMAL`: a commit writes its WAL frames to the page cache and returns without
 * waiting for the disk, and `flush` then syncs the WAL file on a libuv thread. An fdatasync
 * covers every byte of the file written before it starts, whichever descriptor wrote it, so a
 * caller that committed and then awaited `flush` has the same guarantee `synchronous=FULL` gave
 * (the commit's frames are on disk), without blocking the event loop for the 1-2 ms the sync
 * takes here. Concurrent callers share syncs: while one runs, every caller arriving waits for
 * the single next one.
 */
export class WalFlusher {
  private file: Promise<fs.promises.FileHandle> | undefined;
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(
    private readonly walPath: string,
    private readonly sync: FileSync = datasync,
  ) {}

  /** Resolves once everything written to the WAL before this call is on disk. */
  flush(): Promise<void> {
    if (this.running === undefined) return this.start();
    // The running sync may have started before the caller's commit: it waits for the next one.
    this.next ??= this.running.then(
      () => this.startNext(),
      () => this.startNext(),
    );
    return this.next;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.running, this.next]);
    const file = this.file;
    this.file = undefined;
    await (await file?.catch(() => undefined))?.close();
  }

  private startNext(): Promise<void> {
    this.next = undefined;
    return this.start();
  }

  private start(): Promise<void> {
    const run = this.syncOnce().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async syncOnce(): Promise<void> {
    // Opened on first use: SQLite creates the WAL with the first statement, and keeps the same
    // file (it rewrites it from the start after a checkpoint) until its last connection closes.
    this.file ??= openWal(this.walPath);
    let file: fs.promises.FileHandle;
    try {
      file = await this.file;
    } catch (error) {
      this.file = undefined; // tried again on the next flush
      throw error;
    }
    await this.sync(file);
  }
}

/** Opens the WAL and makes its directory entry durable once (SQLite's FULL mode did the same). */
async function openWal(walPath: string): Promise<fs.promises.FileHandle> {
  const file = await fs.promises.open(walPath, 'r');
  const directory = await fs.promises.open(path.dirname(walPath), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
  return file;
}
