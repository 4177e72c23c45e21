import type { Transport } from '../lib/api.ts';

/** Whether the host answers; the app shows a banner while it does not. */
export class ConnectionState {
  connected = $state(true);
  reason = $state<string | null>(null);
  /** Bumped on every reconnection, so views reload what they may have missed. */
  reconnections = $state(0);

  constructor(transport: Transport) {
    transport.onConnection((connected, reason) => this.set(connected, reason));
  }

  set(connected: boolean, reason?: string): void {
    if (connected && !this.connected) this.reconnections++;
    this.connected = connected;
    this.reason = connected ? null : (reason ?? 'the host is unreachable');
  }
}
