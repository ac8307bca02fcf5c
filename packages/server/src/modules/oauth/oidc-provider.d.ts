// The part of oidc-provider 9's API CareGraph uses (the package ships no type declarations).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AdapterPayload = Record<string, unknown> & {
    grantId?: string;
    userCode?: string;
    uid?: string;
    consumed?: number;
  };

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export type ClientMetadata = Record<string, unknown> & { client_id: string };

  export interface Client {
    clientId: string;
    clientName?: string;
    redirectUris?: string[];
    grantTypeAllowed(grantType: string): boolean;
    [extra: string]: unknown;
  }

  export interface Grant {
    jti: string;
    accountId: string;
    clientId: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    rejectResourceScope(resource: string, scope: string): void;
    getOIDCScope(): string;
    getResourceScope(resource: string): string;
    save(): Promise<string>;
  }

  export interface GrantConstructor {
    new (properties: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  }

  /** Access tokens, client credentials and refresh tokens as hooks and events see them. */
  export interface Token {
    kind: string;
    jti: string;
    clientId: string;
    accountId?: string;
    grantId?: string;
    scope?: string;
    exp?: number;
    expiration: number;
    format?: string;
    client?: Client;
    resourceServer?: { identifier(): string };
  }

  export type PromptDetail = {
    name: string;
    reasons: string[];
    details: {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
  };

  export interface Interaction {
    uid: string;
    prompt: PromptDetail;
    params: Record<string, string | undefined>;
    grantId?: string;
    session?: { accountId: string };
    lastSubmission?: Record<string, unknown>;
  }

  export type InteractionResults = {
    login?: { accountId: string; amr?: string[]; remember?: boolean };
    consent?: { grantId: string };
    error?: string;
    error_description?: string;
  };

  export interface OIDCContext {
    route: string;
    params: Record<string, unknown> & { scope?: string };
    client?: Client;
    entities: Record<string, unknown> & { Grant?: Grant; AuthorizationCode?: Token; RefreshToken?: Token };
  }

  export interface KoaContextWithOIDC {
    oidc: OIDCContext;
    path: string;
    method: string;
    status: number;
    body: unknown;
    type: string;
    ip: string;
    query: Record<string, string | string[] | undefined>;
  }

  export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

  export class ResourceServerInfo {}

  export interface Account {
    accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown> & { sub: string }>;
  }

  export type Configuration = Record<string, unknown>;

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
    InvalidRequest: new (description?: string) => Error;
    AccessDenied: new (description?: string) => Error;
    /** The browser holds no interaction cookie (or it expired). */
    SessionNotFound: new (description?: string) => Error;
  };

  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    readonly issuer: string;
    proxy: boolean;
    readonly Grant: GrantConstructor;
    readonly Client: { find(id: string): Promise<Client | undefined> };
    callback(): (request: IncomingMessage, response: ServerResponse) => Promise<void>;
    use(middleware: Middleware): void;
    on(event: string, listener: (...args: never[]) => void): this;
    interactionDetails(request: IncomingMessage, response: ServerResponse): Promise<Interaction>;
    interactionResult(
      request: IncomingMessage,
      response: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
  }
}
