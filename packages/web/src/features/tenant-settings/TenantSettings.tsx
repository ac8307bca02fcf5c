import { AccessPoliciesSection } from './AccessPoliciesSection.tsx';
import { IdentityProvidersSection } from './IdentityProvidersSection.tsx';
import { MfaPolicySection } from './MfaPolicySection.tsx';
import { TenantNameSection } from './TenantNameSection.tsx';
import './tenant-settings.css';

/** What a tenant's administrators configure: its name, MFA per role, upstream sign-in and access policies. */
export function TenantSettings() {
  return (
    <>
      <TenantNameSection />
      <MfaPolicySection />
      <IdentityProvidersSection />
      <AccessPoliciesSection />
    </>
  );
}
