import type { Observation } from '@caregraph/core/fhir';

/** A typical adult reference interval of a lab test, in one UCUM unit. */
export type TypicalRange = { low?: number; high?: number; units: readonly string[] };

const range = (low: number | undefined, high: number | undefined, ...units: string[]): TypicalRange => ({
  ...(low === undefined ? {} : { low }),
  ...(high === undefined ? {} : { high }),
  units,
});

/**
 * Typical adult reference intervals of common tests by LOINC code, for results that arrive without
 * a range of their own (as Synthea's do). Ranges that differ much between women and men are left
 * out, and a result in another unit is not compared: a wrong verdict is worse than none.
 */
const TYPICAL_ADULT_RANGES: Readonly<Record<string, TypicalRange>> = {
  // Metabolic panel
  '2339-0': range(70, 99, 'mg/dL'),
  '2345-7': range(70, 99, 'mg/dL'),
  '6299-2': range(7, 20, 'mg/dL'),
  '3094-0': range(7, 20, 'mg/dL'),
  '49765-1': range(8.5, 10.2, 'mg/dL'),
  '17861-6': range(8.5, 10.2, 'mg/dL'),
  '2947-0': range(135, 145, 'mmol/L'),
  '2951-2': range(135, 145, 'mmol/L'),
  '6298-4': range(3.5, 5.1, 'mmol/L'),
  '2823-3': range(3.5, 5.1, 'mmol/L'),
  '2069-3': range(98, 107, 'mmol/L'),
  '2075-0': range(98, 107, 'mmol/L'),
  '20565-8': range(22, 29, 'mmol/L'),
  '2028-9': range(22, 29, 'mmol/L'),
  '33914-3': range(60, undefined, 'mL/min/{1.73_m2}', 'mL/min'),
  '4548-4': range(undefined, 5.6, '%'),
  // Lipids: the desirable levels
  '2093-3': range(undefined, 200, 'mg/dL'),
  '2571-8': range(undefined, 150, 'mg/dL'),
  '18262-6': range(undefined, 100, 'mg/dL'),
  '13457-7': range(undefined, 100, 'mg/dL'),
  '2085-9': range(40, undefined, 'mg/dL'),
  // Blood count
  '6690-2': range(4.5, 11, '10*3/uL'),
  '789-8': range(4.2, 5.9, '10*6/uL'),
  '718-7': range(12, 17.5, 'g/dL'),
  '4544-3': range(36, 52, '%'),
  '787-2': range(80, 100, 'fL'),
  '785-6': range(27, 33, 'pg'),
  '786-4': range(32, 36, 'g/dL'),
  '21000-5': range(39, 46, 'fL'),
  '777-3': range(150, 450, '10*3/uL'),
  '32207-3': range(9, 17, 'fL'),
  '32623-1': range(7.5, 11.5, 'fL'),
  // Liver panel
  '1742-6': range(7, 56, 'U/L'),
  '1920-8': range(10, 40, 'U/L'),
  '6768-6': range(44, 147, 'U/L'),
  '1975-2': range(0.1, 1.2, 'mg/dL'),
  '2885-2': range(6, 8.3, 'g/dL'),
  '1751-7': range(3.5, 5, 'g/dL'),
};

/** The typical adult range of a result's test in the result's unit; undefined when there is none to compare with. */
export function typicalAdultRange(observation: Pick<Observation, 'code' | 'valueQuantity'>): TypicalRange | undefined {
  const unit = observation.valueQuantity?.code ?? observation.valueQuantity?.unit;
  for (const coding of observation.code.coding ?? []) {
    const typical = coding.system === 'http://loinc.org' && coding.code ? TYPICAL_ADULT_RANGES[coding.code] : undefined;
    if (typical && unit !== undefined && typical.units.includes(unit)) {
      return typical;
    }
  }
  return undefined;
}
