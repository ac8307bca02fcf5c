import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { clusterCpuMs, CpuWindow, processCpuMs } from './cpu-time.ts';

/** Burns `ms` of this process's CPU time (not wall time: a shared machine may deschedule the loop). */
function burn(ms: number): void {
  const cpuMs = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  const until = cpuMs() + ms;
  let data = Buffer.alloc(4096, 1);
  while (cpuMs() < until) {
    data = createHash('sha256').update(data).digest();
  }
}

describe('CPU time from /proc', () => {
  it('counts this process CPU time as it grows', () => {
    const before = processCpuMs(process.pid);
    burn(200);
    const after = processCpuMs(process.pid);
    // /proc counts in clock ticks of 10 ms.
    assert.ok(after - before >= 180, `${after - before} ms of CPU for 200 ms of work`);
  });

  it("keeps a cluster's ended children in its CPU time", () => {
    // This process stands for the postmaster: a child burns 300 ms, ends and is waited for.
    const before = clusterCpuMs(process.pid);
    const child = spawnSync(process.execPath, [
      '-e',
      `const c = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
       const until = c() + 300; let x = 0; while (c() < until) { x += Math.sqrt(x + 1); }`,
    ]);
    assert.equal(child.status, 0);
    const after = clusterCpuMs(process.pid);
    assert.ok(after - before >= 250, `${after - before} ms of CPU across a child's life of 300 ms`);
  });

  it('divides a window by its operations, this process being both server and client', () => {
    const window = new CpuWindow({ server: process.pid });
    window.sample();
    burn(300);
    window.sample();
    const perOperation = window.perOperation(10);
    assert.equal(window.isClosed, true);
    assert.equal(perOperation.databaseMs, undefined);
    // 300 ms over 10 operations: about 30 ms each, as seen from /proc and from process.cpuUsage().
    assert.ok(perOperation.serverMs >= 10 && perOperation.serverMs <= 40, `server ${perOperation.serverMs} ms`);
    assert.ok(perOperation.clientMs >= 10 && perOperation.clientMs <= 40, `client ${perOperation.clientMs} ms`);
    // One of the machine's cores was busy for the window at least in part.
    assert.ok(perOperation.machineBusy > 0 && perOperation.machineBusy <= 1, `busy ${perOperation.machineBusy}`);
  });
});
