import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hugePagesFor, reservedHugePages } from './huge-pages.ts';

const MEMINFO = `MemTotal:       24576000 kB
HugePages_Total:    3300
HugePages_Free:     3300
HugePages_Rsvd:        0
Hugepagesize:       2048 kB
Hugetlb:         6758400 kB
`;

describe('huge pages', () => {
  it('reads the reserved count and the page size from /proc/meminfo', () => {
    assert.deepEqual(reservedHugePages(MEMINFO), { total: 3300, sizeMb: 2 });
    assert.deepEqual(reservedHugePages('MemTotal: 1 kB\n'), { total: 0, sizeMb: 0 });
  });

  it('reserves room for the whole shared memory segment, not only the buffers', () => {
    // 6,026 MB of buffers (a quarter of 24 GB): the segment measured 6.2 GB on PostgreSQL 15.
    const pages = hugePagesFor(6026, 2);
    assert.equal(pages, 3292);
    assert.ok(pages * 2 > 6026 * 1.03);
    assert.equal(hugePagesFor(128, 1024), 1);
  });
});
