export interface GroupCommitOptions {
  /** Most items in one commit. */
  readonly maxBatch?: number;
  /**
   * Commits in progress at once. With more than one, a batch prepares (reads, renders) while
   * the one before it waits for its durable commit, so the process keeps working during
   * that wait; `commit` itself must order what needs ordering (a lock, say).
   */
  readonly concurrency?: number;
}

/**
 * Group commit: callers submit items one by one; items that arrive while the commits are
 * running (or within the same event-loop turn) are committed together in the next one. One
 * durable commit then serves many requests, which is how synchronous commits stay fast.
 */
export class GroupCommit<In, Out> {
  private queue: { item: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
  private running = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly concurrency: number;

  /**
   * @param commit commits a batch and returns one result per item, in order; per-item
   *   failures are results (an Error instance rejects that item only), a throw rejects all.
   */
  constructor(
    private readonly commit: (items: In[]) => Promise<(Out | Error)[]>,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.concurrency = options.concurrency ?? 1;
  }

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything submitted so far is committed. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running > 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Commits the batch; if the whole commit fails, commits its items one by one, so one item
   * that breaks the transaction fails alone instead of failing everything committed with it.
   */
  private async commitBatch(batch: typeof this.queue): Promise<void> {
    try {
      const results = await this.commit(batch.map((entry) => entry.item));
      batch.forEach((entry, index) => {
        const result = results[index];
        if (result instanceof Error) entry.reject(result);
        else entry.resolve(result as Out);
      });
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      for (const entry of batch) await this.commitBatch([entry]);
    }
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.concurrency) return;
    this.scheduled = true;
    // setImmediate lets every request already read from the sockets join this batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.running >= this.concurrency || this.queue.length === 0) return;
    this.running++;
    const batch = this.queue.splice(0, this.maxBatch);
    try {
      await this.commitBatch(batch);
    } finally {
      this.running--;
      if (this.queue.length > 0) this.schedule();
    }
  }
}
