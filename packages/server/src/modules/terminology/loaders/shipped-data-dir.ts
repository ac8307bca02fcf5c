import path from 'node:path';

/** The terminology data shipped with CareGraph (`data-terminology/` at the repository root). */
export const SHIPPED_TERMINOLOGY_DIR = path.resolve(import.meta.dirname, '../../../../../../data-terminology');
