import type { Resource } from '@medplum/fhirtypes';
import { contentText, narrativeText } from './extract-text.ts';
import type { TextRow } from './index-values.ts';
import { normalizeString } from '@caregraph/core';

/** The narrative (`_text`) and all-content (`_content`) words of a resource, accents folded. */
export function extractText(resource: Resource): TextRow {
  return {
    narrative: normalizeString(narrativeText(resource as unknown as Record<string, unknown>)),
    content: normalizeString(contentText(resource as unknown as Record<string, unknown>)),
  };
}
