import { useId, useState } from 'react';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { tableRowCount, VirtualTableBody } from '../../components/VirtualTableBody.tsx';
import { useDebounced } from '../patients/use-debounced.ts';
import { useUserList } from './api.ts';
import type { AdminUser } from './types.ts';
import { InviteUserForm } from './InviteUserForm.tsx';
import { ManageUserDialog } from './ManageUserDialog.tsx';
import { describeMfa, describeUserStatus } from './user-display.ts';
import './admin-users.css';
import { LoadMore } from '../../components/LoadMore.tsx';

type UserList = ReturnType<typeof useUserList>;

function UserCells({ user, onManage }: { user: AdminUser; onManage: (id: string) => void }) {
  const status = describeUserStatus(user);
  return (
    <>
      <th scope="row">
        <span className="user-list__name">{user.displayName}</span>
        <span className="user-list__email muted">{user.email}</span>
      </th>
      <td>{user.roles.join(', ')}</td>
      <td>
        <StatusBadge tone={status.tone}>{status.label}</StatusBadge>
      </td>
      <td>{describeMfa(user)}</td>
      <td>
        <button type="button" className="button button--small" onClick={() => onManage(user.id)}>
          Manage<span className="visually-hidden"> {user.displayName}</span>
        </button>
      </td>
    </>
  );
}

/** The users as one virtualised table; the next page loads as its end comes into view. */
function UserTable({ list, onManage }: { list: UserList; onManage: (id: string) => void }) {
  const { users } = list;
  const hasMore = list.hasNextPage && !list.isFetchingNextPage && !list.isFetchNextPageError;
  return (
    <>
      <div className="table-scroll admin-table-scroll">
        <table
          className="data-table user-list"
          aria-busy={list.isFetching}
          aria-rowcount={tableRowCount(users.length, undefined, list.hasNextPage)}
          data-testid="user-table"
        >
          <caption className="muted">
            {users.length} user{users.length === 1 ? '' : 's'}
            {list.hasNextPage ? ' loaded, more below' : ''}
          </caption>
          <thead>
            <tr aria-rowindex={1}>
              <th scope="col">Name</th>
              <th scope="col">Roles</th>
              <th scope="col">Status</th>
              <th scope="col">Second factors</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <VirtualTableBody
            rows={users}
            rowKey={(user) => user.id}
            renderCells={(user) => <UserCells user={user} onManage={onManage} />}
            estimateSize={58}
            hasMore={hasMore}
            onEndReached={() => void list.fetchNextPage()}
          />
        </table>
      </div>
      <LoadMore pages={list} what="more users" label="Load more users" />
    </>
  );
}

/**
 * The tenant's users: search by name or e-mail, invite someone, and open an account to change its
 * roles or status.
 */
export function UserAdministration() {
  const [term, setTerm] = useState('');
  const search = useDebounced(term.trim(), 250);
  const list = useUserList(search);
  const [isInviting, setInviting] = useState(false);
  const [invitedNotice, setInvitedNotice] = useState<string | undefined>();
  const [managedId, setManagedId] = useState<string | undefined>();
  const searchId = useId();
  const managed = managedId === undefined ? undefined : list.users.find((user) => user.id === managedId);

  return (
    <>
      <Card
        title="Invite a user"
        actions={
          !isInviting && (
            <button
              type="button"
              className="button"
              onClick={() => {
                setInviting(true);
                setInvitedNotice(undefined);
              }}
            >
              Invite user
            </button>
          )
        }
      >
        <p className="invite-notice" role="status" aria-live="polite">
          {invitedNotice}
        </p>
        {isInviting ? (
          <InviteUserForm
            onInvited={(user) => {
              setInviting(false);
              setInvitedNotice(`Invitation sent to ${user.email}. The link in it works for 7 days.`);
            }}
            onCancel={() => setInviting(false)}
          />
        ) : (
          !invitedNotice && <p className="muted">New users get an e-mail with a link to choose their password.</p>
        )}
      </Card>
      <Card title="Users">
        <div className="user-search">
          <label htmlFor={searchId}>Search by name or e-mail</label>
          <input
            id={searchId}
            type="search"
            value={term}
            onChange={(event) => setTerm(event.target.value)}
            autoComplete="off"
          />
        </div>
        {list.isPending && <p className="muted">Loading users…</p>}
        {list.isError && list.users.length === 0 && (
          <ErrorMessage error={list.error} what="the users" onRetry={() => void list.refetch()} />
        )}
        {list.isSuccess && list.users.length === 0 && (
          <p className="admin-empty" data-testid="user-list-empty">
            {search === ''
              ? 'No users yet. Invite the first one above.'
              : `No user's name or e-mail contains "${search}".`}
          </p>
        )}
        {list.isRefetchError && list.users.length > 0 && (
          <ErrorMessage
            error={list.error}
            what="the users (showing the list loaded before)"
            onRetry={() => void list.refetch()}
          />
        )}
        {list.users.length > 0 && <UserTable list={list} onManage={setManagedId} />}
      </Card>
      <ManageUserDialog user={managed} onClose={() => setManagedId(undefined)} />
    </>
  );
}
