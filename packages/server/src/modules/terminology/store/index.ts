export {
  beginRelease,
  finishRelease,
  findRelease,
  listReleases,
  type CodeSystemRelease,
  type ReleaseInput,
} from './systems.ts';
export {
  ancestorsSql,
  descendantsSql,
  readConcept,
  searchTextOf,
  subsumes,
  writeConcepts,
  type ConceptInput,
  type Designation,
  type StoredConcept,
} from './concepts.ts';
export { charactersOf, copyWords, writeConceptWords, wordsOf, type ConceptWords, type WordRow } from './words.ts';
export { refreshTermStatistics } from './statistics.ts';
