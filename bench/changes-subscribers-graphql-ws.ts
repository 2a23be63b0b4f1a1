/**
 * `bench/changes.ts --clients graphql-ws`: the subscribers as this bench ran them until round 5,
 * graphql-ws's own client on `ws`, every message parsed with `JSON.parse` (in a child process,
 * as `changes-subscribers.ts`, so that their CPU time shows apart). For measuring what full
 * clients cost the shared cores; same protocol with the parent as `changes-subscribers.ts`.
 */
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import {
  monotonicMs,
  SUBSCRIBE,
  type SubscribersReport,
  type SubscribersTask,
} from './changes-subscribers.js';

process.once('message', async (task: SubscribersTask) => {
  const keys = task.tenants.map((): string[] => []);
  const times = task.tenants.map((): number[] => []);
  const unexpected: string[] = [];
  let joined = 0;
  for (const [s, tenantId] of task.tenants.entries()) {
    const client = createClient({
      url: task.url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${task.key}` },
      on: { connected: () => void joined++ },
    });
    client.subscribe<{ connectionChanges: { event: { resourceId: string; toVersion: number } } }>(
      { query: task.query ?? SUBSCRIBE, variables: { t: tenantId } },
      {
        next: ({ data }) => {
          const { resourceId, toVersion } = data!.connectionChanges.event;
          keys[s].push(`${resourceId}@${toVersion}`);
          times[s].push(monotonicMs());
        },
        error: (error) => unexpected.push(String(error)),
        complete: () => {},
      },
    );
  }
  while (joined < task.tenants.length) await new Promise((r) => setTimeout(r, 20));
  process.send!({ joined: true });
  process.once('message', () => {
    const report: SubscribersReport = { keys, times, unexpected };
    process.send!(report, () => process.exit(0));
  });
});
