import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { hasErrors, isKnownResourceType, listResourceTypes, validateResource } from './index.ts';

const SYNTHEA_FILES = globSync('/work/shared/data/synthea-dev/**/*.json.gz');

function errors(resource: unknown): OperationOutcomeIssue[] {
  return validateResource(resource).filter((issue) => issue.severity === 'error');
}

function errorPaths(resource: unknown): string[] {
  return errors(resource).map((issue) => issue.expression?.[0] ?? '(none)');
}

function warningPaths(resource: unknown): string[] {
  return validateResource(resource)
    .filter((issue) => issue.severity === 'warning')
    .map((issue) => issue.expression?.[0] ?? '(none)');
}

const observation = { resourceType: 'Observation', status: 'final', code: { text: 'Heart rate' } };

describe('resource types', () => {
  it('lists the concrete R4 resource types and nothing else', () => {
    const types = listResourceTypes();
    assert.equal(types.length, 146);
    assert.ok(types.includes('Patient') && types.includes('Bundle') && types.includes('Parameters'));
    for (const notConcrete of ['Resource', 'DomainResource', 'MetadataResource']) {
      assert.ok(!types.includes(notConcrete), notConcrete);
    }
    // medplum's own types and the R4B SubscriptionStatus are not part of R4.
    for (const foreign of ['Project', 'Bot', 'SubscriptionStatus']) {
      assert.equal(isKnownResourceType(foreign), false);
    }
  });

  it('rejects input that is not a JSON object with an error on resourceType', () => {
    for (const input of [null, undefined, 'Patient', 42, [], [{ resourceType: 'Patient' }]]) {
      const issues = validateResource(input);
      assert.equal(issues.length, 1);
      assert.equal(issues[0]?.severity, 'error');
      assert.deepEqual(issues[0]?.expression, ['resourceType']);
    }
  });

  it('rejects a missing, non-string or unknown resourceType with one error on resourceType', () => {
    for (const input of [{}, { resourceType: 7 }, { resourceType: 'Foo' }, { resourceType: 'Project', name: 'x' }]) {
      const issues = validateResource(input);
      assert.equal(issues.length, 1, JSON.stringify(input));
      assert.equal(issues[0]?.severity, 'error');
      assert.deepEqual(issues[0]?.expression, ['resourceType']);
    }
  });
});

describe('nested resource types', () => {
  it('rejects contained resources and bundle entries of unknown or missing type, with their path', () => {
    const cases: [object, string][] = [
      [{ resourceType: 'Patient', contained: [{ resourceType: 'Foo', id: 'x' }] }, 'Patient.contained[0].resourceType'],
      [{ resourceType: 'Patient', contained: [{ id: 'x' }] }, 'Patient.contained[0].resourceType'],
      [{ resourceType: 'Patient', contained: ['x'] }, 'Patient.contained[0]'],
      [
        {
          resourceType: 'Bundle',
          type: 'collection',
          entry: [{}, { resource: { resourceType: 'SubscriptionStatus' } }],
        },
        'Bundle.entry[1].resource.resourceType',
      ],
      [
        {
          resourceType: 'Parameters',
          parameter: [{ name: 'a', part: [{ name: 'b', resource: { resourceType: 'Bot' } }] }],
        },
        'Parameters.parameter[0].part[0].resource.resourceType',
      ],
    ];
    for (const [resource, path] of cases) {
      const issues = validateResource(resource);
      assert.equal(issues.length, 1, JSON.stringify(issues));
      assert.equal(issues[0]?.severity, 'error');
      assert.deepEqual(issues[0]?.expression, [path]);
    }
  });

  it('validates resources nested in bundle entries and contained resources', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Patient', contained: [{ resourceType: 'Organization', name: 7 }] } }],
    };
    assert.deepEqual(errorPaths(bundle), ['Bundle.entry[0].resource.contained[0].name']);
  });
});

describe('structural validation', () => {
  it('accepts a small valid Patient without any issue', () => {
    const patient = {
      resourceType: 'Patient',
      id: 'example-1',
      active: true,
      gender: 'female',
      birthDate: '1980-02-29',
      name: [{ use: 'official', family: 'Chalmers', given: ['Peter', 'James'] }],
      identifier: [{ use: 'usual', system: 'urn:oid:1.2.36.146.595.217.0.1', value: '12345' }],
      managingOrganization: { reference: 'Organization/1' },
    };
    assert.deepEqual(validateResource(patient), []);
  });

  it('reports an unknown element such as Patient.foo', () => {
    assert.deepEqual(errorPaths({ resourceType: 'Patient', foo: 'bar' }), ['Patient.foo']);
  });

  it('reports a missing mandatory element such as Observation.status', () => {
    const issues = errors({ resourceType: 'Observation', code: { text: 'x' } });
    assert.equal(issues.length, 1);
    assert.deepEqual(issues[0]?.expression, ['Observation.status']);
    assert.match(issues[0]?.details?.text ?? '', /Missing required property/);
  });

  it('reports a single object where an array is expected', () => {
    assert.deepEqual(errorPaths({ resourceType: 'Patient', name: { family: 'Chalmers' } }), ['Patient.name']);
  });

  it('reports an array where a single value is expected', () => {
    assert.deepEqual(errorPaths({ resourceType: 'Patient', gender: ['male'] }), ['Patient.gender']);
  });

  it('returns an error instead of throwing when the input trips the underlying validator', () => {
    // An array under `_gender` makes medplum throw a TypeError rather than report an issue.
    const issues = errors({ resourceType: 'Patient', gender: 'male', _gender: [{}] });
    assert.equal(issues.length, 1);
    assert.ok(issues[0]?.expression?.length);
  });

  it('reports a string given for a boolean', () => {
    const issues = errors({ resourceType: 'Patient', active: 'true' });
    assert.deepEqual(
      issues.map((issue) => issue.expression?.[0]),
      ['Patient.active'],
    );
    assert.match(issues[0]?.details?.text ?? '', /expected boolean/);
  });

  it('reports a malformed date such as 2020-13-45', () => {
    const issues = errors({ resourceType: 'Patient', birthDate: '2020-13-45' });
    assert.equal(issues.length, 1);
    assert.deepEqual(issues[0]?.expression, ['Patient.birthDate']);
    assert.match(issues[0]?.details?.text ?? '', /Invalid date format/);
  });

  it('reports malformed uri, instant and dateTime values', () => {
    assert.deepEqual(errorPaths({ resourceType: 'Patient', implicitRules: 'has spaces' }), ['Patient.implicitRules']);
    assert.deepEqual(errorPaths({ resourceType: 'Patient', meta: { lastUpdated: '2020-01-01' } }), [
      'Patient.meta.lastUpdated',
    ]);
    assert.equal(errors({ resourceType: 'Patient', deceasedDateTime: '2020-01-01T10:00' }).length, 1);
    assert.equal(errors({ ...observation, effectiveDateTime: '01/02/2020' }).length, 1);
  });

  it('accepts partial dates and dateTimes with a time zone', () => {
    assert.deepEqual(errors({ resourceType: 'Patient', birthDate: '1980-02' }), []);
    assert.deepEqual(errors({ ...observation, effectiveDateTime: '2020-01-01T10:00:00+01:00' }), []);
  });

  it('reports errors inside contained resources with their path', () => {
    const patient = { resourceType: 'Patient', contained: [{ resourceType: 'Organization', id: 'o1', foo: 1 }] };
    assert.deepEqual(errorPaths(patient), ['Patient.contained[0].foo']);
  });
});

describe('resource ids', () => {
  it('accepts a 64-character id made of letters, digits, dashes and dots', () => {
    const id = `a.b-C${'9'.repeat(59)}`;
    assert.equal(id.length, 64);
    assert.deepEqual(validateResource({ resourceType: 'Patient', id }), []);
  });

  it('reports ids with forbidden characters, no characters or more than 64 characters', () => {
    for (const id of ['bad id', 'under_score', 'slash/1', '', 'a'.repeat(65)]) {
      assert.deepEqual(errorPaths({ resourceType: 'Patient', id }), ['Patient.id'], JSON.stringify(id));
    }
  });

  it('reports bad ids of contained resources and bundle entries', () => {
    const patient = { resourceType: 'Patient', contained: [{ resourceType: 'Organization', id: 'o 1' }] };
    assert.deepEqual(errorPaths(patient), ['Patient.contained[0].id']);
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Patient', id: 'p#1' } }],
    };
    assert.deepEqual(errorPaths(bundle), ['Bundle.entry[0].resource.id']);
  });
});

describe('reference target types', () => {
  const withOrganization = (reference: string): object => ({
    resourceType: 'Patient',
    managingOrganization: { reference },
  });

  it('reports a literal reference to a disallowed type as an error', () => {
    const issues = validateResource(withOrganization('Patient/1'));
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.severity, 'error');
    assert.deepEqual(issues[0]?.expression, ['Patient.managingOrganization']);
    assert.match(issues[0]?.details?.text ?? '', /Invalid reference: got "Patient"/);
  });

  it('reports a versioned literal reference to a disallowed type as an error', () => {
    assert.deepEqual(errorPaths(withOrganization('Patient/1/_history/2')), ['Patient.managingOrganization']);
  });

  it('accepts a literal reference to an allowed type', () => {
    assert.deepEqual(validateResource(withOrganization('Organization/1')), []);
  });

  it('keeps a urn:uuid reference as a warning, not an error', () => {
    const resource = withOrganization('urn:uuid:0b0c1f9e-1f7e-4d3e-9a11-3d2b1f0e5a77');
    assert.deepEqual(errors(resource), []);
    assert.deepEqual(warningPaths(resource), ['Patient.managingOrganization']);
  });

  it('keeps absolute, urn:oid, contained and unknown-type references free of errors', () => {
    for (const reference of ['http://example.org/fhir/Patient/1', 'urn:oid:1.2.3', '#org1', 'Foo/1']) {
      assert.deepEqual(errors(withOrganization(reference)), [], reference);
    }
  });

  it('accepts a conditional reference to an allowed type without any issue', () => {
    assert.deepEqual(validateResource(withOrganization('Organization?identifier=http://x.org|1')), []);
  });

  it('keeps a conditional reference to a disallowed type as a warning', () => {
    const resource = withOrganization('Patient?identifier=http://x.org|1');
    assert.deepEqual(errors(resource), []);
    assert.deepEqual(warningPaths(resource), ['Patient.managingOrganization']);
  });

  it('escalates mismatches in arrays, choice elements, contained resources and bundle entries', () => {
    const performers = { ...observation, performer: [{ reference: 'Organization/1' }, { reference: 'Observation/2' }] };
    assert.deepEqual(errorPaths(performers), ['Observation.performer[1]']);
    const medicationRequest = {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/1' },
      medicationReference: { reference: 'Patient/1' },
    };
    assert.deepEqual(errorPaths(medicationRequest), ['MedicationRequest.medication[x]']);
    const contained = {
      resourceType: 'Patient',
      contained: [{ resourceType: 'Patient', id: 'p', managingOrganization: { reference: 'Patient/1' } }],
    };
    assert.deepEqual(errorPaths(contained), ['Patient.contained[0].managingOrganization']);
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: withOrganization('Patient/1') }] };
    assert.deepEqual(errorPaths(bundle), ['Bundle.entry[0].resource.managingOrganization']);
  });
});

describe('required bindings through validateResource', () => {
  it('reports Patient.gender "x" as an error with the value set in the message', () => {
    assert.deepEqual(validateResource({ resourceType: 'Patient', gender: 'x' }), [
      {
        severity: 'error',
        code: 'code-invalid',
        details: {
          text: 'Value "x" is not in the required value set http://hl7.org/fhir/ValueSet/administrative-gender',
        },
        expression: ['Patient.gender'],
      },
    ]);
  });

  it('reports Observation.status "bogus"', () => {
    assert.deepEqual(errorPaths({ ...observation, status: 'bogus' }), ['Observation.status']);
  });

  it('reports a bad Identifier.use in the second identifier with its index', () => {
    const patient = { resourceType: 'Patient', identifier: [{ value: 'a' }, { use: 'nope', value: 'b' }] };
    assert.deepEqual(errorPaths(patient), ['Patient.identifier[1].use']);
  });
});

describe('issue shape', () => {
  it('gives every error an expression', () => {
    const broken = {
      resourceType: 'Patient',
      id: 'no spaces allowed',
      foo: 1,
      active: 'yes',
      gender: 'x',
      birthDate: '2020-13-45',
      name: { family: 'x' },
      managingOrganization: { reference: 'Patient/1' },
      contained: [{ resourceType: 'Observation', code: { text: 'x' } }],
    };
    const issues = errors(broken);
    assert.ok(issues.length >= 7, JSON.stringify(issues));
    for (const issue of issues) {
      assert.ok(issue.expression?.length, JSON.stringify(issue));
    }
  });

  it('tells errors apart from warnings with hasErrors', () => {
    assert.equal(hasErrors([]), false);
    assert.equal(hasErrors([{ severity: 'warning', code: 'structure' }]), false);
    assert.equal(hasErrors([{ severity: 'information', code: 'informational' }]), false);
    assert.equal(hasErrors([{ severity: 'error', code: 'structure' }]), true);
    assert.equal(hasErrors([{ severity: 'fatal', code: 'exception' }]), true);
  });
});

describe('Synthea sample data', () => {
  interface Loaded {
    resources: unknown[];
    conditionalReferences: number;
  }

  // Rewrites `urn:uuid:` references to `Type/id` as the transaction processor would, leaving conditional ones alone.
  function loadSynthea(): Loaded {
    const resources: unknown[] = [];
    let conditionalReferences = 0;
    for (const file of SYNTHEA_FILES) {
      const bundle = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as {
        entry?: { fullUrl?: string; resource?: { resourceType: string; id?: string } }[];
      };
      const literalByFullUrl = new Map<string, string>();
      for (const { fullUrl, resource } of bundle.entry ?? []) {
        if (fullUrl && resource?.id) {
          literalByFullUrl.set(fullUrl, `${resource.resourceType}/${resource.id}`);
        }
      }
      const rewrite = (value: unknown): void => {
        if (Array.isArray(value)) {
          value.forEach(rewrite);
        } else if (typeof value === 'object' && value !== null) {
          const record = value as Record<string, unknown>;
          for (const [key, child] of Object.entries(record)) {
            if (key === 'reference' && typeof child === 'string') {
              const literal = literalByFullUrl.get(child);
              if (literal) {
                record[key] = literal;
              } else if (/^[A-Za-z]+\?/.test(child)) {
                conditionalReferences++;
              }
            } else {
              rewrite(child);
            }
          }
        }
      };
      for (const { resource } of bundle.entry ?? []) {
        rewrite(resource);
        resources.push(resource);
      }
    }
    return { resources, conditionalReferences };
  }

  it('finds the sample files', () => {
    assert.ok(SYNTHEA_FILES.length > 0);
  });

  it('reports no errors for any Synthea resource once urn:uuid references are rewritten', () => {
    const { resources, conditionalReferences } = loadSynthea();
    assert.ok(resources.length > 10_000, `only ${resources.length} resources`);
    // Conditional references stay as they are; they must exist in the data for this test to mean anything.
    assert.ok(conditionalReferences > 0);
    const failures: string[] = [];
    for (const resource of resources) {
      for (const issue of errors(resource)) {
        failures.push(`${issue.expression?.join(',')}: ${issue.details?.text}`);
      }
    }
    assert.deepEqual(failures.slice(0, 20), []);
  });
});
