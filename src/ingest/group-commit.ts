/**
 * Group commit: callers submit items one by one; items that arrive while a commit is running
 * (or within the same event-loop turn) are committed together in the next one. One durable
 * commit then serves many requests, which is how synchronous commits stay fast.
 */
export class GroupCommit<In, Out> {
  private queue: { item: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
  private running = false;
  private scheduled = false;

  /**
   * @param commit commits a batch and returns one result per item, in order; per-item
   *   failures are results (an Error instance rejects that item only), a throw rejects all.
   */
  constructor(
    private readonly commit: (items: In[]) => Promise<(Out | Error)[]>,
    private readonly maxBatch = 1000,
  ) {}

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything submitted so far is committed. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running) {
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
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // setImmediate lets every request already read from the sockets join this batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.queue.splice(0, this.maxBatch);
    try {
      await this.commitBatch(batch);
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.schedule();
    }
  }
}
