// The labelled data sets of /work/shared/data/mpi-dev as FHIR Patients, through the conversion the
// engine evaluation uses (engine-eval-data.ts), so both benchmarks match exactly the same records.
import type { Patient } from '@medplum/fhirtypes';
import { readDevDataset } from './engine-eval-data.ts';

export const MPI_DEV_DIR = '/work/shared/data/mpi-dev';

export const DATASET_NAMES: readonly string[] = ['febrl1', 'febrl2', 'febrl3', 'splink-fake_1000'];

/** One record of a data set: its id in the data set (the scorer's `rec_id`) and its Patient. */
export type LabelledPatient = { recordId: string; patient: Patient };

/** The conversion keeps each record's data-set id as `Patient.id`; the API assigns its own on create. */
export function readLabelledPatients(dir: string): LabelledPatient[] {
  return readDevDataset(dir).patients.map((patient) => ({ recordId: patient.id ?? '', patient }));
}
