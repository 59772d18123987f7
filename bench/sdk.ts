/**
 * `pnpm bench sdk`: what the SDK adds per call. Sequential calls against a raw node:http server
 * (bench/raw-server.mjs, its own process) answering one fixed TrackDTO: `fetch` + `res.json()`
 * vs ky alone (one instance with the SDK's retry and timeout, the floor of any client on ky) vs the
 * SDK's `getTrackMetadata`, in alternating rounds of BENCH_SDK_ROUND calls; per-call µs of each is
 * the median over the rounds (target: SDK <= 1.15x fetch).
 */
import { createTrackManagerClient } from '@music-apis/sdk/track-manager';
import ky from 'ky';
import { freePort, median, startProcess, stopProcess } from './processes.js';

/** Any ISRC: the raw server answers its one fixed TrackDTO on every path. */
const ISRC = 'QZMAD0000001';
const ROUNDS = Number(process.env.BENCH_SDK_ROUNDS ?? 21);
const ROUND = Number(process.env.BENCH_SDK_ROUND ?? 500);

export async function sdkBench() {
  const port = await freePort();
  const child = await startProcess(['bench/raw-server.mjs'], { PORT: String(port) }, /ready/);
  try {
    const baseUrl = `http://127.0.0.1:${port}`;
    const url = `${baseUrl}/api/track/metadata/${ISRC}`;
    const sdk = createTrackManagerClient({ baseUrl });
    const bareKy = ky.create({ prefixUrl: baseUrl, retry: 2, timeout: 30_000 });
    const cases: [string, () => Promise<unknown>][] = [
      ['fetch + res.json()', async () => (await fetch(url)).json()],
      [
        'ky alone (retry 2, timeout 30 s)',
        async () => (await bareKy.get(`api/track/metadata/${ISRC}`)).json(),
      ],
      ['SDK getTrackMetadata', () => sdk.getTrackMetadata({ isrc: ISRC })],
    ];
    const times = cases.map(() => [] as number[]);
    for (let round = -2; round < ROUNDS; round++) {
      for (const [index, [, call]] of cases.entries()) {
        const started = performance.now();
        for (let i = 0; i < ROUND; i++) await call();
        // The first two rounds warm up (JIT, keep-alive sockets) and are not counted.
        if (round >= 0) times[index]!.push(((performance.now() - started) * 1000) / ROUND);
      }
    }
    const fetchUs = median(times[0]!);
    const kyUs = median(times[1]!);
    console.log(
      `\nSDK per call (sequential, raw node:http server; median of ${ROUNDS} alternating rounds of ${ROUND} calls; target: SDK <= 1.15x fetch)`,
    );
    console.table(
      cases.map(([name], index) => {
        const us = median(times[index]!);
        return {
          call: name,
          'µs per call': us.toFixed(0),
          'x fetch': (us / fetchUs).toFixed(2),
          'x ky alone': (us / kyUs).toFixed(2),
        };
      }),
    );
  } finally {
    await stopProcess(child);
  }
}
