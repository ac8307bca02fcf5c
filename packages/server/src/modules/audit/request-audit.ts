// The audit facts of an HTTP request: who (the authenticated credential), from where (the client
// address) and why (the purpose-of-use headers).
import type { FastifyRequest } from 'fastify';
import type { AuditPurpose } from './audit-entry.ts';
import { AuditError } from './errors.ts';
import type { AuditContext } from './record-entry.ts';

/** The request header naming the purpose of use, an HL7 v3 PurposeOfUse code (`TREAT`). */
export const PURPOSE_HEADER = 'x-purpose-of-use';
/** The request header giving the reason for break-glass (emergency) access. */
export const BREAK_GLASS_HEADER = 'x-break-glass-reason';

/** Break-glass: HL7 v3 ActReason `BTG`, the purpose recorded when only a reason is given. */
export const BREAK_GLASS = 'BTG';

/** The HL7 v3 PurposeOfUse codes (terminology.hl7.org ValueSet v3-PurposeOfUse) a request may give. */
export const PURPOSES_OF_USE = new Set([
  'BTG',
  'CAREMGT',
  'CLINTRCH',
  'COC',
  'COVERAGE',
  'ETREAT',
  'FAMRQT',
  'HDIRECT',
  'HLEGAL',
  'HMARKT',
  'HOPERAT',
  'HPAYMT',
  'HQUALIMP',
  'HRESCH',
  'HSYSADMIN',
  'PATADMIN',
  'PATRQT',
  'POPHLTH',
  'PUBHLTH',
  'PWATRNY',
  'SYSDEV',
  'TREAT',
]);

const MAX_REASON_LENGTH = 500;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
}

/** The purpose of use a request declares, checked; undefined when it declares none. */
export function readPurpose(request: FastifyRequest): AuditPurpose | undefined {
  const code = header(request, PURPOSE_HEADER)?.toUpperCase();
  const reason = header(request, BREAK_GLASS_HEADER);
  if (code !== undefined && !PURPOSES_OF_USE.has(code)) {
    throw new AuditError(400, 'AUDIT_INVALID_PURPOSE', `Unknown purpose of use "${code.slice(0, 40)}"`);
  }
  if (reason !== undefined && reason.length > MAX_REASON_LENGTH) {
    throw new AuditError(
      400,
      'AUDIT_INVALID_PURPOSE',
      `The break-glass reason is longer than ${MAX_REASON_LENGTH} characters`,
    );
  }
  if (code === undefined && reason === undefined) {
    return undefined;
  }
  return { code: code ?? BREAK_GLASS, ...(reason === undefined ? {} : { reason }) };
}

/** The audit context of an authenticated request. */
export function auditContextOf(request: FastifyRequest, isRecordingDisabled: boolean): AuditContext {
  const context = request.context;
  if (!context) {
    throw new Error('audit context asked for an unauthenticated request');
  }
  const purpose = readPurpose(request);
  return {
    agent: { kind: context.actor.kind, name: context.actor.label, roles: context.roles, address: request.ip },
    ...(purpose ? { purpose } : {}),
    requestId: request.id,
    ...(isRecordingDisabled ? { isRecordingDisabled } : {}),
  };
}
