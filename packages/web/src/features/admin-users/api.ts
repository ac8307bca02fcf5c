import type { HttpClient } from '@caregraph/core/client';
import { useInfiniteQuery, useMutation, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useClient } from '../session/SessionProvider.tsx';
import type { Role } from './roles.ts';
import type { AdminUser, InviteRequest, UserAction } from './types.ts';

const USERS_PATH = '/api/admin/users';

/** Users per page of the list. */
export const USER_PAGE_SIZE = 100;

/** One page of the tenant's users, by e-mail address, optionally those whose address or name contains `search`. */
export async function fetchUsers(
  client: HttpClient,
  options: { search?: string; limit: number; offset: number },
  signal?: AbortSignal,
): Promise<AdminUser[]> {
  const { users } = await client.get<{ users: AdminUser[] }>(
    USERS_PATH,
    { search: options.search === '' ? undefined : options.search, limit: options.limit, offset: options.offset },
    signal,
  );
  return users;
}

const usersKey = (search: string) => ['admin-users', 'list', search] as const;

/** The user list, paged by offset: a full page means there may be more. */
export function useUserList(search: string) {
  const client = useClient();
  const query = useInfiniteQuery({
    queryKey: usersKey(search),
    queryFn: ({ pageParam, signal }) =>
      fetchUsers(client, { search: search.trim().toLowerCase(), limit: USER_PAGE_SIZE, offset: pageParam }, signal),
    initialPageParam: 0,
    getNextPageParam: (last: AdminUser[], pages) =>
      last.length === USER_PAGE_SIZE ? pages.length * USER_PAGE_SIZE : undefined,
  });
  const pages = query.data?.pages;
  const users = useMemo(() => (pages ?? []).flat(), [pages]);
  return { ...query, users };
}

/**
 * Puts an account the server answered with into every cached page that lists it (keeping the
 * list's factor counts, which the change answers do not carry), then refreshes in the background.
 */
function useApplyUpdate() {
  const queryClient = useQueryClient();
  return (updated: AdminUser) => {
    queryClient.setQueriesData<InfiniteData<AdminUser[]>>({ queryKey: ['admin-users', 'list'] }, (data) =>
      data
        ? {
            ...data,
            pages: data.pages.map((page) =>
              page.map((user) => (user.id === updated.id ? { ...user, ...updated } : user)),
            ),
          }
        : data,
    );
    void queryClient.invalidateQueries({ queryKey: ['admin-users'] });
  };
}

/** Invites a user: creates the account and e-mails them a link to choose a password. */
export function useInviteUser() {
  const client = useClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (invite: InviteRequest) => client.send<AdminUser>('POST', USERS_PATH, invite),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['admin-users'] }),
  });
}

/** Disables, enables or unlocks an account, resets its second factors, or sends its invitation again. */
export function useUserAction() {
  const client = useClient();
  const applyUpdate = useApplyUpdate();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: UserAction }) =>
      client.send<AdminUser>('POST', `${USERS_PATH}/${encodeURIComponent(id)}/${action}`, {}),
    onSuccess: applyUpdate,
  });
}

/** Replaces an account's roles (they apply from the user's next sign-in). */
export function useSetRoles() {
  const client = useClient();
  const applyUpdate = useApplyUpdate();
  return useMutation({
    mutationFn: ({ id, roles }: { id: string; roles: Role[] }) =>
      client.send<AdminUser>('PUT', `${USERS_PATH}/${encodeURIComponent(id)}/roles`, { roles }),
    onSuccess: applyUpdate,
  });
}
