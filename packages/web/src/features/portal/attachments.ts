import type { HttpClient } from '@caregraph/core/client';
import type { Attachment, Binary } from '@caregraph/core/fhir';

/** File name extensions for the content types documents usually come in. */
const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/html': 'html',
  'application/json': 'json',
  'application/fhir+json': 'json',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'application/dicom': 'dcm',
  'text/rtf': 'rtf',
};

/** The media type without parameters: `text/plain; charset=utf-8` → `text/plain`. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? 'application/octet-stream').split(';')[0]?.trim().toLowerCase() ?? 'application/octet-stream';
}

/** A file name for saving an attachment: its title (or `fallback`) made safe, with an extension for its type. */
export function attachmentFileName(attachment: Attachment, fallback: string): string {
  const base =
    (attachment.title ?? fallback)
      .replace(/[^\p{L}\p{N}\-. ]+/gu, '')
      .trim()
      .replace(/\s+/g, '-') || 'document';
  const extension = EXTENSIONS[mediaType(attachment.contentType)] ?? 'bin';
  return base.toLowerCase().endsWith(`.${extension}`) ? base : `${base}.${extension}`;
}

/** Base64 (as FHIR `base64Binary` carries it) to bytes. */
export function base64ToBytes(data: string): Uint8Array<ArrayBuffer> {
  const text = atob(data.replace(/\s+/g, ''));
  const bytes = new Uint8Array(text.length);
  for (let index = 0; index < text.length; index += 1) {
    bytes[index] = text.charCodeAt(index);
  }
  return bytes;
}

/**
 * The FHIR path of an attachment `url` that points at this server's Binary resources (`Binary/1`,
 * `/fhir/R4/Binary/1` or an absolute URL on this origin); undefined for anything elsewhere.
 */
export function binaryPath(url: string, origin: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url, `${origin}/fhir/R4/`);
  } catch {
    return undefined;
  }
  const match = /^\/fhir\/R4\/Binary\/([A-Za-z0-9\-.]{1,64})$/.exec(parsed.pathname);
  return parsed.origin === origin && match ? `/fhir/R4/Binary/${match[1] ?? ''}` : undefined;
}

/** Whether the portal can fetch the attachment's content itself (inline, or a Binary on this server). */
export function canLoadAttachment(attachment: Attachment, origin: string): boolean {
  return (
    attachment.data !== undefined || (attachment.url !== undefined && binaryPath(attachment.url, origin) !== undefined)
  );
}

/**
 * The bytes of an attachment: decoded from `data`, or read as a FHIR Binary with the patient's
 * credential (so a plain link, which would carry none, is not used for our own server's files).
 */
export async function loadAttachment(
  client: HttpClient,
  attachment: Attachment,
  origin: string,
): Promise<{ bytes: Uint8Array<ArrayBuffer>; contentType: string }> {
  if (attachment.data !== undefined) {
    return { bytes: base64ToBytes(attachment.data), contentType: mediaType(attachment.contentType) };
  }
  const path = attachment.url ? binaryPath(attachment.url, origin) : undefined;
  if (!path) {
    throw new Error('The document is stored elsewhere; open it from its link.');
  }
  const binary = await client.get<Binary>(path);
  return {
    bytes: base64ToBytes(binary.data ?? ''),
    contentType: mediaType(binary.contentType || attachment.contentType),
  };
}
