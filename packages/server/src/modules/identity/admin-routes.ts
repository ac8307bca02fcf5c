import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IdentityError } from './identity-error.ts';
import { inviteUser, resendInvite } from './invite-user.ts';
import { listUsers } from './list-users.ts';
import { changeUserStatus, resetMfa, setUserRoles, type StatusChange } from './manage-user.ts';
import { listRoleMfaPolicies, setRoleMfaPolicy } from './mfa-policy.ts';
import {
  inviteBody,
  listUsersQuery,
  mfaPolicyBody,
  mfaPolicyResponse,
  roleParams,
  rolesBody,
  userListResponse,
  userParams,
  userResponse,
} from './schemas.ts';
import type { IdentityDeps, Role } from './types.ts';

type UserParams = { id: string };
type InviteBody = {
  email: string;
  displayName: string;
  roles: Role[];
  fhirUser?: string;
  patientId?: string;
  mfaRequired?: boolean;
};

/** The tenant and administrator behind an admin request (the `authenticate` hook has run). */
function adminOf(request: FastifyRequest): { tenantId: string; actor: string } {
  const context = request.context;
  if (!context?.roles.includes('admin')) {
    throw new IdentityError('ID_FORBIDDEN', 'Administrators only');
  }
  return { tenantId: context.tenantId, actor: context.actor.label };
}

/** User administration (`/api/admin`): invite, list, disable, unlock, reset MFA, roles, MFA policy. */
export function registerAdminRoutes(app: FastifyInstance, deps: IdentityDeps) {
  app.addHook('onRequest', async (request) => {
    await app.authenticate(request);
    adminOf(request);
  });

  app.get<{ Querystring: { search?: string; limit: number; offset: number } }>(
    '/users',
    { schema: { querystring: listUsersQuery, response: { 200: userListResponse } } },
    async (request) => ({ users: await listUsers(deps.db, { tenantId: adminOf(request).tenantId, ...request.query }) }),
  );

  app.post<{ Body: InviteBody }>(
    '/users',
    { schema: { body: inviteBody, response: { 201: userResponse } } },
    async (request, reply) => {
      const { mfaRequired, ...user } = request.body;
      const invited = await inviteUser(deps, {
        ...adminOf(request),
        ...user,
        ...(mfaRequired === undefined ? {} : { mfaRequiredOverride: mfaRequired }),
      });
      return reply.code(201).send(invited);
    },
  );

  app.post<{ Params: UserParams }>(
    '/users/:id/invite',
    { schema: { params: userParams, response: { 200: userResponse } } },
    async (request) => resendInvite(deps, { ...adminOf(request), userId: request.params.id }),
  );

  const statusChanges: StatusChange[] = ['disable', 'enable', 'unlock'];
  for (const change of statusChanges) {
    app.post<{ Params: UserParams }>(
      `/users/:id/${change}`,
      { schema: { params: userParams, response: { 200: userResponse } } },
      async (request) => changeUserStatus(deps, { ...adminOf(request), userId: request.params.id, change }),
    );
  }

  app.post<{ Params: UserParams }>(
    '/users/:id/reset-mfa',
    { schema: { params: userParams, response: { 200: userResponse } } },
    async (request) => resetMfa(deps, { ...adminOf(request), userId: request.params.id }),
  );

  app.put<{ Params: UserParams; Body: { roles: Role[] } }>(
    '/users/:id/roles',
    { schema: { params: userParams, body: rolesBody, response: { 200: userResponse } } },
    async (request) =>
      setUserRoles(deps, { ...adminOf(request), userId: request.params.id, roles: request.body.roles }),
  );

  app.get('/mfa-policy', { schema: { response: { 200: mfaPolicyResponse } } }, async (request) => ({
    policies: await listRoleMfaPolicies(deps.db, adminOf(request).tenantId),
  }));

  app.put<{ Params: { role: Role }; Body: { required: boolean } }>(
    '/mfa-policy/:role',
    { schema: { params: roleParams, body: mfaPolicyBody, response: { 200: mfaPolicyResponse } } },
    async (request) => {
      const admin = adminOf(request);
      await setRoleMfaPolicy(deps, { ...admin, role: request.params.role, required: request.body.required });
      return { policies: await listRoleMfaPolicies(deps.db, admin.tenantId) };
    },
  );
}
