// `--huge-pages`: PostgreSQL's shared buffers in 2 MB huge pages, as a tuned database server has
// them. With the default 4 kB pages each backend maps the multi-gigabyte buffer pool one page at a
// time (a page fault per page per process, and a TLB entry per 4 kB), which on the benchmark's
// virtual machine cost PostgreSQL three to four times the CPU per search at 1M resources.
import { readFileSync, writeFileSync } from 'node:fs';
import { onCleanup } from '../fhir-store/cleanups.ts';

const NR_HUGEPAGES = '/proc/sys/vm/nr_hugepages';
const COMPACT_MEMORY = '/proc/sys/vm/compact_memory';

function reserve(pages: number): void {
  try {
    writeFileSync(NR_HUGEPAGES, String(pages));
  } catch (error) {
    throw new Error(
      `--huge-pages: cannot reserve ${pages} huge pages in ${NR_HUGEPAGES} (${(error as Error).message}); ` +
        `run as root or reserve them beforehand (sysctl vm.nr_hugepages=${pages})`,
      { cause: error },
    );
  }
}

/** Huge pages the kernel has reserved, and their size in MB, from `/proc/meminfo`. */
export function reservedHugePages(meminfo = readFileSync('/proc/meminfo', 'utf8')): { total: number; sizeMb: number } {
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1] ?? 0);
  return { total: field('HugePages_Total'), sizeMb: field('Hugepagesize') / 1024 };
}

/**
 * Huge pages for a shared memory segment of `sharedBuffersMb` of buffers: PostgreSQL's segment also
 * holds the WAL buffers, lock tables and per-connection state (about 3% plus a fixed part at the
 * benchmark's 200 connections), and with `huge_pages=on` it must fit whole.
 */
export function hugePagesFor(sharedBuffersMb: number, pageSizeMb: number): number {
  return Math.ceil((sharedBuffersMb * 1.05 + 256) / pageSizeMb);
}

/**
 * Reserves enough huge pages for the cluster (root only), and puts the previous reservation back
 * when the benchmark's cleanups run, after PostgreSQL has stopped. Returns the server settings:
 * `huge_pages=on`, so PostgreSQL refuses to start rather than silently run without them.
 */
export function reserveHugePages(sharedBuffersMb: number, log: (message: string) => void): Record<string, string> {
  const before = reservedHugePages();
  if (before.sizeMb === 0) {
    throw new Error('--huge-pages: this kernel reports no huge page size (/proc/meminfo)');
  }
  const wanted = hugePagesFor(sharedBuffersMb, before.sizeMb);
  if (before.total < wanted) {
    reserve(wanted);
    onCleanup('huge pages', async () => {
      writeFileSync(NR_HUGEPAGES, String(before.total));
    });
    if (reservedHugePages().total < wanted) {
      // The page cache splits free memory into pieces smaller than 2 MB; compacting it usually
      // yields enough contiguous blocks without dropping any cache.
      writeFileSync(COMPACT_MEMORY, '1');
      reserve(wanted);
    }
    const after = reservedHugePages();
    if (after.total < wanted) {
      throw new Error(
        `--huge-pages: the kernel reserved ${after.total} of ${wanted} huge pages, even after compacting memory; ` +
          'free page cache (echo 3 > /proc/sys/vm/drop_caches) and run again',
      );
    }
  }
  log(`huge pages: ${Math.max(before.total, wanted)} × ${before.sizeMb} MB reserved (${before.total} before)`);
  return { huge_pages: 'on' };
}
