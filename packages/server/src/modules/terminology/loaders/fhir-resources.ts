import path from 'node:path';
import type {
  CodeSystem,
  CodeSystemConcept,
  CodeSystemConceptProperty,
  ConceptMap,
  Resource,
  ValueSet,
} from '@medplum/fhirtypes';
import type { Queryable } from '../../../platform/db/index.ts';
import type { ConceptInput } from '../store/index.ts';
import { TerminologyLoadError } from './load-error.ts';
import { openSource, readText } from './source.ts';
import { writeReleases, type ReleaseWithConcepts } from './write-releases.ts';
import {
  ProgressReporter,
  summarize,
  type LoadSummary,
  type LoaderOptions,
  type ReleaseSummary,
} from './write-release.ts';

export type FhirResourceOptions = LoaderOptions & {
  /** The version of resources that carry none, before `version`; shipped FHIR R4 content uses 4.0.1. */
  defaultVersion?: string;
  /** Leaves out resources already loaded (the shipped data skips what a previous start loaded). */
  skip?: (resourceType: 'CodeSystem' | 'ValueSet' | 'ConceptMap', url: string, version: string) => boolean;
};

/** A terminology resource and the file it came from, for error messages. */
type Located<T> = { resource: T; file: string };

type TerminologyResources = {
  codeSystems: Array<Located<CodeSystem>>;
  valueSets: Array<Located<ValueSet>>;
  conceptMaps: Array<Located<ConceptMap>>;
};

function collect(resource: Resource, file: string, into: TerminologyResources): void {
  if (resource.resourceType === 'Bundle') {
    for (const entry of resource.entry ?? []) {
      if (entry.resource) {
        collect(entry.resource, file, into);
      }
    }
  } else if (resource.resourceType === 'CodeSystem') {
    into.codeSystems.push({ resource, file });
  } else if (resource.resourceType === 'ValueSet') {
    into.valueSets.push({ resource, file });
  } else if (resource.resourceType === 'ConceptMap') {
    into.conceptMaps.push({ resource, file });
  }
}

function propertyValue(property: CodeSystemConceptProperty): unknown {
  return (
    property.valueCode ??
    property.valueCoding?.code ??
    property.valueString ??
    property.valueInteger ??
    property.valueBoolean ??
    property.valueDateTime ??
    property.valueDecimal
  );
}

/** Property codes that state the hierarchy instead of nesting (`parent`/`subsumedBy` up, `child` down). */
const PARENT_PROPERTIES = new Set(['parent', 'subsumedBy']);

/**
 * The concepts of a CodeSystem: nested concepts and `parent`/`subsumedBy`/`child` properties give
 * the parents; `inactive = true` or `status = retired|inactive` makes a concept inactive.
 */
export function conceptsOf(codeSystem: CodeSystem, file: string): ConceptInput[] {
  const concepts: ConceptInput[] = [];
  const parents = new Map<string, Set<string>>();
  const addParent = (child: string, parent: string) => {
    const set = parents.get(child) ?? new Set<string>();
    set.add(parent);
    parents.set(child, set);
  };
  const walk = (list: CodeSystemConcept[], expression: string, parent?: string) => {
    list.forEach((concept, index) => {
      const here = `${expression}[${index}]`;
      if (!concept.code) {
        throw new TerminologyLoadError(
          { file, field: `${here}.code` },
          `CodeSystem ${codeSystem.url ?? ''}: ${here} has no code`,
        );
      }
      const properties: Record<string, unknown> = {};
      for (const property of concept.property ?? []) {
        const value = propertyValue(property);
        if (PARENT_PROPERTIES.has(property.code) && typeof value === 'string') {
          addParent(concept.code, value);
        } else if (property.code === 'child' && typeof value === 'string') {
          addParent(value, concept.code);
        }
        const previous = properties[property.code];
        properties[property.code] =
          previous === undefined ? value : [...(Array.isArray(previous) ? (previous as unknown[]) : [previous]), value];
      }
      if (parent) {
        addParent(concept.code, parent);
      }
      const status = typeof properties.status === 'string' ? properties.status.toLowerCase() : '';
      concepts.push({
        code: concept.code,
        ...(concept.display ? { display: concept.display } : {}),
        ...(concept.definition ? { definition: concept.definition } : {}),
        active: properties.inactive !== true && status !== 'retired' && status !== 'inactive',
        properties,
        designations: (concept.designation ?? []).map((designation) => ({
          ...(designation.language ? { language: designation.language } : {}),
          ...(designation.use?.system ? { useSystem: designation.use.system } : {}),
          ...(designation.use?.code ? { useCode: designation.use.code } : {}),
          value: designation.value,
        })),
      });
      walk(concept.concept ?? [], `${here}.concept`, concept.code);
    });
  };
  walk(codeSystem.concept ?? [], 'CodeSystem.concept');
  for (const concept of concepts) {
    concept.parents = [...(parents.get(concept.code) ?? [])];
  }
  return concepts;
}

function versionOf(resource: { version?: string }, options: FhirResourceOptions): string | undefined {
  return resource.version ?? (options.version?.trim() || options.defaultVersion);
}

async function loadCodeSystems(
  tx: Queryable,
  codeSystems: Array<Located<CodeSystem>>,
  options: FhirResourceOptions,
  progress: ProgressReporter,
): Promise<ReleaseSummary[]> {
  const releases: ReleaseWithConcepts[] = [];
  for (const { resource, file } of codeSystems) {
    const version = versionOf(resource, options);
    if (!resource.url || !version) {
      throw new TerminologyLoadError(
        { file, field: resource.url ? 'CodeSystem.version' : 'CodeSystem.url' },
        `CodeSystem ${resource.url ?? resource.id ?? ''} has no ${resource.url ? 'version: pass --version' : 'url'}`,
      );
    }
    // A CodeSystem that only names a system (SNOMED CT, LOINC in the FHIR spec) holds no codes to serve.
    if (
      resource.content === 'not-present' ||
      !resource.concept?.length ||
      options.skip?.('CodeSystem', resource.url, version)
    ) {
      continue;
    }
    releases.push({
      input: {
        url: resource.url,
        version,
        ...(resource.name ? { name: resource.name } : {}),
        ...(resource.title ? { title: resource.title } : {}),
        ...(resource.publisher ? { publisher: resource.publisher } : {}),
        ...(resource.copyright ? { copyright: resource.copyright } : {}),
        content: resource.content,
      },
      concepts: conceptsOf(resource, file),
    });
  }
  return writeReleases(tx, releases, { ...options, progress });
}

/** Stores value sets (a new version becomes the current one of its url); returns how many. */
async function loadValueSets(
  tx: Queryable,
  valueSets: Array<Located<ValueSet>>,
  options: FhirResourceOptions,
): Promise<number> {
  const rows = new Map<string, { url: string; version: string; resource: ValueSet }>();
  for (const { resource, file } of valueSets) {
    if (!resource.url) {
      throw new TerminologyLoadError({ file, field: 'ValueSet.url' }, `ValueSet ${resource.id ?? ''} has no url`);
    }
    const version = versionOf(resource, options) ?? '';
    if (!options.skip?.('ValueSet', resource.url, version) && !rows.has(`${resource.url}|${version}`)) {
      rows.set(`${resource.url}|${version}`, { url: resource.url, version, resource });
    }
  }
  const all = [...rows.values()];
  for (let start = 0; start < all.length; start += 500) {
    const batch = all.slice(start, start + 500);
    const urls = batch.map((row) => row.url);
    const versions = batch.map((row) => row.version);
    await tx.query(
      `INSERT INTO term_value_set (url, version, resource, is_current)
       SELECT url, version, resource, true FROM unnest($1::text[], $2::text[], $3::jsonb[]) AS n(url, version, resource)
       ON CONFLICT (url, version) DO UPDATE SET resource = EXCLUDED.resource, is_current = true`,
      [urls, versions, batch.map((row) => JSON.stringify(row.resource))],
    );
    await tx.query(
      `UPDATE term_value_set v SET is_current = false
       FROM unnest($1::text[], $2::text[]) AS n(url, version)
       WHERE v.url = n.url AND v.version <> n.version AND v.is_current`,
      [urls, versions],
    );
  }
  return all.length;
}

type MapRow = {
  source_system: string;
  source_code: string;
  target_system: string;
  target_code: string | null;
  target_display: string | null;
  equivalence: string;
  comment: string | null;
};

function mapRowsOf({ resource, file }: Located<ConceptMap>): MapRow[] {
  const rows: MapRow[] = [];
  (resource.group ?? []).forEach((group, index) => {
    if (!group.source || !group.target) {
      throw new TerminologyLoadError(
        { file, field: `ConceptMap.group[${index}].${group.source ? 'target' : 'source'}` },
        `ConceptMap ${resource.url ?? ''}: group[${index}] has no ${group.source ? 'target' : 'source'} system`,
      );
    }
    for (const element of group.element ?? []) {
      if (!element.code) {
        continue;
      }
      const base = { source_system: group.source, source_code: element.code, target_system: group.target };
      const targets = element.target ?? [];
      if (targets.length === 0) {
        rows.push({ ...base, target_code: null, target_display: null, equivalence: 'unmatched', comment: null });
      }
      for (const target of targets) {
        rows.push({
          ...base,
          target_code: target.code ?? null,
          target_display: target.display ?? null,
          equivalence: target.equivalence ?? 'equivalent',
          comment: target.comment ?? null,
        });
      }
    }
  });
  return rows;
}

/** Replaces the elements of each ConceptMap (url and version); returns how many were written. */
async function loadConceptMaps(
  tx: Queryable,
  conceptMaps: Array<Located<ConceptMap>>,
  options: FhirResourceOptions,
): Promise<number> {
  let count = 0;
  for (const located of conceptMaps) {
    const { resource, file } = located;
    if (!resource.url) {
      throw new TerminologyLoadError({ file, field: 'ConceptMap.url' }, `ConceptMap ${resource.id ?? ''} has no url`);
    }
    const version = versionOf(resource, options) ?? '';
    if (options.skip?.('ConceptMap', resource.url, version)) {
      continue;
    }
    const rows = mapRowsOf(located);
    await tx.query('DELETE FROM term_map WHERE map_url = $1 AND map_version = $2', [resource.url, version]);
    const column = <K extends keyof MapRow>(key: K) => rows.map((row) => row[key]);
    await tx.query(
      `INSERT INTO term_map (map_url, map_version, source_system, source_code, target_system, target_code,
         target_display, equivalence, comment)
       SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])`,
      [
        resource.url,
        version,
        column('source_system'),
        column('source_code'),
        column('target_system'),
        column('target_code'),
        column('target_display'),
        column('equivalence'),
        column('comment'),
      ],
    );
    count += rows.length;
  }
  return count;
}

/**
 * Loads FHIR terminology resources already parsed: each CodeSystem as a release of its url and
 * version (see `conceptsOf`), ValueSets into `term_value_set`, ConceptMap elements into `term_map`.
 * Bundles are searched for them; other resources are ignored.
 */
export async function loadFhirResources(
  tx: Queryable,
  sources: Array<{ resource: Resource; file: string }>,
  options: FhirResourceOptions = {},
): Promise<LoadSummary> {
  const found: TerminologyResources = { codeSystems: [], valueSets: [], conceptMaps: [] };
  for (const { resource, file } of sources) {
    collect(resource, file, found);
  }
  const progress = new ProgressReporter(options.onProgress);
  const codeSystems = await loadCodeSystems(tx, found.codeSystems, options, progress);
  const valueSets = await loadValueSets(tx, found.valueSets, options);
  const mapElements = await loadConceptMaps(tx, found.conceptMaps, options);
  return summarize(codeSystems, { valueSets, mapElements });
}

/**
 * Loads FHIR CodeSystem, ValueSet and ConceptMap resources, or Bundles of them, from JSON files
 * (`.json` or `.json.gz`; a file, a directory of them, or a zip).
 */
export async function loadFhirFiles(
  tx: Queryable,
  target: string,
  options: FhirResourceOptions = {},
): Promise<LoadSummary> {
  const source = await openSource(target);
  try {
    const files = source.files.filter((file) => /\.json(\.gz)?$/i.test(file.name));
    if (files.length === 0) {
      throw new TerminologyLoadError({ file: path.basename(target) }, 'no .json or .json.gz file found');
    }
    const progress = new ProgressReporter(options.onProgress);
    const resources: Array<{ resource: Resource; file: string }> = [];
    for (const file of files) {
      const text = await readText(file, progress.reading(file));
      let resource: unknown;
      try {
        resource = JSON.parse(text);
      } catch (error) {
        const line = /line (\d+)/.exec((error as Error).message)?.[1];
        throw new TerminologyLoadError(
          { file: file.name, ...(line ? { line: Number(line) } : {}) },
          `not valid JSON: ${(error as Error).message}`,
        );
      }
      if (
        typeof resource !== 'object' ||
        resource === null ||
        typeof (resource as Resource).resourceType !== 'string'
      ) {
        throw new TerminologyLoadError(
          { file: file.name, field: 'resourceType' },
          'not a FHIR resource: no resourceType',
        );
      }
      resources.push({ resource: resource as Resource, file: file.name });
    }
    const summary = await loadFhirResources(tx, resources, options);
    if (summary.codeSystems.length === 0 && summary.valueSets === 0 && summary.mapElements === 0 && !options.skip) {
      throw new TerminologyLoadError(
        { file: files.length === 1 ? (files[0]?.name ?? target) : path.basename(target) },
        'no CodeSystem with concepts, ValueSet or ConceptMap found',
      );
    }
    return summary;
  } finally {
    source.close();
  }
}
