import { ApiError, describeErrorBody } from '@caregraph/core/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useClient, useSession } from '../session/SessionProvider.tsx';
import type { AccessPolicyRow, IdentityProvider, IdentityProviderRequest, RoleMfaPolicy, TenantJson } from './types.ts';

const MFA_POLICY_KEY = ['tenant-settings', 'mfa-policy'] as const;
const TENANT_KEY = ['tenant-settings', 'tenant'] as const;
const PROVIDERS_KEY = ['tenant-settings', 'identity-providers'] as const;
const ACCESS_POLICIES_KEY = ['tenant-settings', 'access-policies'] as const;
const ACCESS_POLICIES_PATH = '/api/admin/access-policies';

/** Whether an error says the server has no such route (an older server): the section is then left out. */
export function isMissingRoute(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 404 || error.status === 405);
}

/**
 * DELETEs a path with the session's credential (the API client sends bodies only). Errors are
 * ApiErrors, worded as the API client words them.
 */
export async function sendDelete(path: string, token: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'DELETE',
      headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
    });
  } catch {
    throw new ApiError(0, 'The server could not be reached. Check the network connection and try again.');
  }
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => undefined);
    throw new ApiError(
      response.status,
      describeErrorBody(body) ?? (response.statusText || `HTTP ${response.status}`),
      body,
    );
  }
}

export function useMfaPolicies() {
  const client = useClient();
  return useQuery({
    queryKey: MFA_POLICY_KEY,
    queryFn: async ({ signal }) =>
      (await client.get<{ policies: RoleMfaPolicy[] }>('/api/admin/mfa-policy', {}, signal)).policies,
  });
}

/**
 * Requires (or stops requiring) MFA for every holder of a role, from their next sign-in. The switch
 * moves at once and moves back if the server refuses.
 */
export function useSetMfaPolicy() {
  const client = useClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ role, required }: RoleMfaPolicy) =>
      (await client.send<{ policies: RoleMfaPolicy[] }>('PUT', `/api/admin/mfa-policy/${role}`, { required })).policies,
    onMutate: async (change: RoleMfaPolicy) => {
      await queryClient.cancelQueries({ queryKey: MFA_POLICY_KEY });
      const previous = queryClient.getQueryData<RoleMfaPolicy[]>(MFA_POLICY_KEY);
      queryClient.setQueryData<RoleMfaPolicy[]>(MFA_POLICY_KEY, [
        ...(previous ?? []).filter((policy) => policy.role !== change.role),
        change,
      ]);
      return { previous };
    },
    onError: (_error, _change, context) => queryClient.setQueryData(MFA_POLICY_KEY, context?.previous),
    onSuccess: (policies) => queryClient.setQueryData(MFA_POLICY_KEY, policies),
  });
}

export function useTenant() {
  const client = useClient();
  return useQuery({
    queryKey: TENANT_KEY,
    queryFn: ({ signal }) => client.get<TenantJson>('/api/admin/tenant', {}, signal),
  });
}

export function useRenameTenant() {
  const client = useClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => client.send<TenantJson>('PUT', '/api/admin/tenant', { name }),
    onSuccess: (tenant) => queryClient.setQueryData(TENANT_KEY, tenant),
  });
}

export function useIdentityProviders() {
  const client = useClient();
  return useQuery({
    queryKey: PROVIDERS_KEY,
    queryFn: async ({ signal }) =>
      (await client.get<{ providers: IdentityProvider[] }>('/api/admin/identity-providers', {}, signal)).providers,
  });
}

/** Creates a provider (no id) or replaces one's settings. */
export function useSaveIdentityProvider() {
  const client = useClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, provider }: { id: string | undefined; provider: IdentityProviderRequest }) =>
      id === undefined
        ? client.send<IdentityProvider>('POST', '/api/admin/identity-providers', provider)
        : client.send<IdentityProvider>('PUT', `/api/admin/identity-providers/${encodeURIComponent(id)}`, provider),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: PROVIDERS_KEY }),
  });
}

/** Removes a provider; users it linked keep their accounts but can no longer sign in through it. */
export function useDeleteIdentityProvider() {
  const { session } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      sendDelete(`/api/admin/identity-providers/${encodeURIComponent(id)}`, session?.token ?? ''),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: PROVIDERS_KEY }),
  });
}

/** The tenant's access policy: what each role may do, row by row. */
export function useAccessPolicies() {
  const client = useClient();
  return useQuery({
    queryKey: ACCESS_POLICIES_KEY,
    queryFn: async ({ signal }) =>
      (await client.get<{ policies: AccessPolicyRow[] }>(ACCESS_POLICIES_PATH, {}, signal)).policies,
  });
}

/** Replaces the whole access policy (the server checks it and keeps an administrator able to change it). */
export function useReplaceAccessPolicies() {
  const client = useClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (policies: AccessPolicyRow[]) =>
      (await client.send<{ policies: AccessPolicyRow[] }>('PUT', ACCESS_POLICIES_PATH, { policies })).policies,
    onSuccess: (policies) => queryClient.setQueryData(ACCESS_POLICIES_KEY, policies),
  });
}
