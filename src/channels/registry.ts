import type { Channel } from './channel.ts';

/** The channels this process can send through, by `deliveries.channel` name. */
export class ChannelRegistry {
  private readonly channels = new Map<string, Channel>();

  constructor(channels: readonly Channel[]) {
    for (const channel of channels) this.channels.set(channel.name, channel);
  }

  get(name: string): Channel | undefined {
    return this.channels.get(name);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.channels.values()].map((channel) => channel.close()));
  }
}
