// How long a latency bench sends at its rate, unrecorded, before it measures.
//
// On this VM even a trivial loopback echo between two fresh Node processes (no Eddy at all) has a
// round-trip p99 of 1–2 ms, max ~5 ms, for its first 3–4 seconds at 5,000 messages/s and about
// 0.2 ms after that (`node --import tsx bench/loopback-echo.ts` prints it per second). A shorter
// warm-up measures the machine and fresh processes waking up, not the system under test, so every
// latency bench (and the L workload of bench:peers, for every system alike) waits this long first.
export const latencyWarmupSeconds = 5;
