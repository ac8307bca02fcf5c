// Offline verification of the whole log: every leaf hash recomputed from its entry, the tree
// rebuilt, every signed tree head checked against it, and the first tampered entry named.
import { columnsOf, hashEntry, tryParseEntry, type EntryColumns } from './audit-entry.ts';
import { Frontier } from './merkle.ts';
import { isTreeHeadSignatureValid, type TreeHead } from './signing-key.ts';

/** One leaf as stored: its index, entry id and hash, the entry text, and (from the database) its search columns. */
export type LogRecord = {
  leafIndex: number;
  entryId: string;
  leafHash: Buffer;
  /** Null when the leaf's entry row is gone. */
  content: string | null;
  columns?: EntryColumns;
};

/** Everything verification reads: keys and heads up front, then the leaves in index order. */
export type LogSource = {
  keys: Map<string, string>;
  heads: TreeHead[];
  records: AsyncIterable<LogRecord>;
};

/** What is wrong, at the first place it is wrong. */
export type VerifyProblem = {
  kind:
    | 'missing-entry'
    | 'edited-entry'
    | 'moved-entry'
    | 'malformed-entry'
    | 'columns-differ'
    | 'unsigned-entry'
    | 'root-mismatch'
    | 'bad-signature'
    | 'unknown-key'
    | 'head-out-of-order'
    | 'orphan-entry';
  /** The first bad leaf, when the problem is an entry. */
  leafIndex?: number;
  entryId?: string;
  /** The tree head concerned, when the problem is a head. */
  treeSize?: number;
  message: string;
};

export type VerifyReport = {
  isValid: boolean;
  /** Leaves read and checked until the first problem (all of them when valid). */
  entries: number;
  treeHeads: number;
  /** The latest signed tree size. */
  treeSize: number;
  rootHash?: string;
  problem?: VerifyProblem;
};

export type VerifyOptions = {
  /** Public keys (PEM) trusted to sign heads; without them, the keys the log names are used. */
  trustedKeys?: string[];
  onProgress?: (checked: number, total: number) => void;
};

function sameColumns(stored: EntryColumns, derived: EntryColumns): boolean {
  return (
    stored.id === derived.id &&
    stored.tenantId === derived.tenantId &&
    new Date(stored.recorded).getTime() === new Date(derived.recorded).getTime() &&
    stored.action === derived.action &&
    stored.agent === derived.agent &&
    stored.patientIds.join('\n') === derived.patientIds.join('\n')
  );
}

/** Checks one record against the index it should have; undefined when it is sound. */
function checkRecord(record: LogRecord, expectedIndex: number): VerifyProblem | undefined {
  const at = { leafIndex: expectedIndex, entryId: record.entryId };
  if (record.leafIndex > expectedIndex) {
    return {
      kind: 'missing-entry',
      leafIndex: expectedIndex,
      message: `leaf ${expectedIndex} is missing (deleted or moved): leaf ${record.leafIndex} is in its place`,
    };
  }
  if (record.leafIndex < expectedIndex) {
    return {
      kind: 'moved-entry',
      ...at,
      message: `leaf ${record.leafIndex} appears again after leaf ${expectedIndex - 1} (reordered)`,
    };
  }
  if (record.content === null) {
    return {
      kind: 'missing-entry',
      ...at,
      message: `the entry of leaf ${expectedIndex} (${record.entryId}) is missing (deleted)`,
    };
  }
  const entry = tryParseEntry(record.content);
  if (!entry) {
    return {
      kind: 'malformed-entry',
      ...at,
      message: `the entry of leaf ${expectedIndex} is not an audit entry (edited)`,
    };
  }
  if (!hashEntry(expectedIndex, record.content).equals(record.leafHash)) {
    return {
      kind: 'edited-entry',
      ...at,
      message: `the entry of leaf ${expectedIndex} (${record.entryId}) does not hash to its leaf hash (edited or moved)`,
    };
  }
  if (entry.id !== record.entryId) {
    return {
      kind: 'moved-entry',
      ...at,
      message: `leaf ${expectedIndex} holds entry ${entry.id}, not ${record.entryId} (reordered)`,
    };
  }
  if (record.columns && !sameColumns(record.columns, columnsOf(entry))) {
    return {
      kind: 'columns-differ',
      ...at,
      message: `the search columns of entry ${record.entryId} (leaf ${expectedIndex}) differ from its content (edited)`,
    };
  }
  return undefined;
}

function checkHead(
  head: TreeHead,
  frontier: Frontier,
  previous: TreeHead | undefined,
  keys: Map<string, string>,
  trustedKeys: string[] | undefined,
): VerifyProblem | undefined {
  const at = { treeSize: head.treeSize };
  if (previous && head.timestampMs < previous.timestampMs) {
    return {
      kind: 'head-out-of-order',
      ...at,
      message: `tree head ${head.treeSize} is older than tree head ${previous.treeSize}`,
    };
  }
  const candidates = trustedKeys ?? [keys.get(head.keyId)].filter((key): key is string => key !== undefined);
  if (candidates.length === 0) {
    return {
      kind: 'unknown-key',
      ...at,
      message: `tree head ${head.treeSize} is signed by an unknown key ${head.keyId}`,
    };
  }
  if (!candidates.some((key) => isTreeHeadSignatureValid(head, key))) {
    return { kind: 'bad-signature', ...at, message: `the signature of tree head ${head.treeSize} is not valid` };
  }
  if (!frontier.root().equals(head.rootHash)) {
    const from = previous?.treeSize ?? 0;
    return {
      kind: 'root-mismatch',
      ...at,
      leafIndex: from,
      message: `the entries do not match signed tree head ${head.treeSize}: an entry among leaves ${from}..${head.treeSize - 1} was altered and its leaf hash rewritten`,
    };
  }
  return undefined;
}

/**
 * Verifies a log and reports the first problem: entries are checked in leaf order (a deleted,
 * edited or moved entry is named by its leaf index), and each signed tree head when the rebuilt
 * tree reaches its size (signature, and root against the rebuilt tree — which also proves each
 * head consistent with every earlier one, since all are roots of one leaf sequence).
 */
export async function verifyLog(source: LogSource, options: VerifyOptions = {}): Promise<VerifyReport> {
  const heads = [...source.heads].sort((a, b) => a.treeSize - b.treeSize);
  const latest = heads.at(-1);
  const frontier = new Frontier();
  let nextHead = 0;
  let previous: TreeHead | undefined;
  const report = (problem?: VerifyProblem): VerifyReport => ({
    isValid: problem === undefined,
    entries: frontier.size,
    treeHeads: nextHead,
    treeSize: latest?.treeSize ?? 0,
    ...(latest ? { rootHash: latest.rootHash.toString('hex') } : {}),
    ...(problem ? { problem } : {}),
  });
  const checkHeadsAtSize = (): VerifyProblem | undefined => {
    while (nextHead < heads.length && heads[nextHead]?.treeSize === frontier.size) {
      const head = heads[nextHead] as TreeHead;
      const problem = checkHead(head, frontier, previous, source.keys, options.trustedKeys);
      if (problem) {
        return problem;
      }
      previous = head;
      nextHead++;
    }
    return undefined;
  };
  let problem = checkHeadsAtSize();
  for await (const record of source.records) {
    if (problem) {
      break;
    }
    problem = checkRecord(record, frontier.size);
    if (!problem && frontier.size >= (latest?.treeSize ?? 0)) {
      problem = {
        kind: 'unsigned-entry',
        leafIndex: frontier.size,
        entryId: record.entryId,
        message: `leaf ${frontier.size} is covered by no signed tree head (inserted)`,
      };
    }
    if (problem) {
      break;
    }
    frontier.append(record.leafHash);
    problem = checkHeadsAtSize();
    if (frontier.size % 10_000 === 0) {
      options.onProgress?.(frontier.size, latest?.treeSize ?? 0);
    }
  }
  if (!problem && nextHead < heads.length) {
    problem = {
      kind: 'missing-entry',
      leafIndex: frontier.size,
      message: `leaf ${frontier.size} is missing (deleted): signed tree head ${heads[nextHead]?.treeSize} covers it`,
    };
  }
  options.onProgress?.(frontier.size, latest?.treeSize ?? 0);
  return report(problem);
}
